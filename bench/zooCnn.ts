/**
 * Zoo benchmark (`npm run bench -- zooCnn`, issue 22 / issue 26 "Big convolutions"): full-size
 * torchvision ResNet-18, MobileNetV2 and EfficientNet-B0 (random weights; bench/zoo_cnn_torch.py
 * exports each as the README's helper does), 3×64×64, 32 samples. Per model, side by side in one
 * run: session creation + first HVP, one HVP (median of 3) on ONNX Runtime (CPU provider, every
 * core) — for ResNet-18 also with each alternative formulation of src/core/native/rules/conv.ts and
 * convGemm.ts (without the small-map conv → GEMM rewrite, batch-as-channel filter gradients,
 * ConvTranspose input gradients) — PyTorch's HVP at its best (double backward,
 * OMP_WAIT_POLICY=PASSIVE, every core) as the ratio, and the top-5 spectrum's wall time.
 * Timings live here, never in tests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { readCheckpoint } from '../src/core/formats';
import { loadDataset } from '../src/core/data/dataset';
import { resolveLoss } from '../src/core/loss';
import { OrtObjective } from '../src/core/native/ortObjective';
import { FILTER_GRAD, INPUT_GRAD } from '../src/core/native/rules/conv';
import { CONV_GEMM } from '../src/core/native/convGemm';

const ROOT = path.resolve(__dirname, '../..');
const PY = '/usr/bin/python3';
const SCRIPT = path.join(ROOT, 'bench', 'zoo_cnn_torch.py');
const env = (): NodeJS.ProcessEnv => ({ ...process.env, OMP_WAIT_POLICY: 'PASSIVE', PYTHONWARNINGS: 'ignore' });
const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function median3(f: () => Promise<unknown>): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[1];
}

export async function run(): Promise<void> {
  if (!process.argv.slice(2).includes('zooCnn')) {
    console.log('(benchmark zooCnn: minutes; run it by name: npm run bench -- zooCnn)');
    return;
  }
  if (spawnSync(PY, ['-c', 'import torch, torchvision'], { env: env() }).status !== 0) {
    console.log('(benchmark zooCnn: /usr/bin/python3 cannot import torch and torchvision)');
    return;
  }
  const only = (process.env.ZOO_MODELS ?? 'resnet18,mobilenet_v2,efficientnet_b0').split(',');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-zoo-bench-'));
  const threads = os.cpus().length;
  console.log(`\n== Zoo (CNN): torchvision models, 3×64×64, 32 samples, ${threads} cores; ratio = ours / PyTorch HVP ==`);
  console.log(
    `${'model'.padEnd(16)} ${'variant'.padEnd(15)} ${'session+1st'.padStart(11)} ${'HVP'.padStart(9)} ${'PyTorch'.padStart(9)} ratio  notes`,
  );
  for (const name of only) {
    const mk = spawnSync(PY, [SCRIPT, 'make', dir, name, '64', '32'], { env: { ...env(), OMP_NUM_THREADS: '1' }, encoding: 'utf8' });
    if (mk.status !== 0) throw new Error(mk.stderr);
    // PyTorch timed before and after our runs; its best (the smaller median) is the reference under the same load
    const timeTorch = (): { hvp_ms: number; grad_ms: number } | undefined => {
      const t = spawnSync(PY, [SCRIPT, 'time', dir, name, String(threads)], { env: env(), encoding: 'utf8' });
      return t.status === 0 ? (JSON.parse(t.stdout.trim().split('\n').pop()!) as { hvp_ms: number; grad_ms: number }) : undefined;
    };
    const before = timeTorch();
    const lines: { s: string; first: number; hvp: number; note: string }[] = [];
    type Variant = { label: string; filter: 'auto' | 'im2col' | 'batchAsChannel'; input: 'auto' | 'convTranspose'; gemm: boolean };
    const all: Variant[] = [
      { label: 'auto', filter: 'auto', input: 'auto', gemm: true },
      { label: 'no conv→GEMM', filter: 'auto', input: 'auto', gemm: false },
      { label: 'batchAsChannel', filter: 'batchAsChannel', input: 'auto', gemm: true },
      { label: 'convT ∂x', filter: 'auto', input: 'convTranspose', gemm: true },
    ];
    const variants = name === 'resnet18' ? all : all.slice(0, 1);
    for (const vt of variants) {
      const s = vt.label;
      FILTER_GRAD.strategy = vt.filter;
      INPUT_GRAD.strategy = vt.input;
      CONV_GEMM.enabled = vt.gemm;
      // a fresh model object per formulation: compiled graphs are cached per model object
      const model = readCheckpoint(path.join(dir, name, 'model.onnx'));
      const data = loadDataset(path.join(dir, name, 'data.npz'));
      const obj = new OrtObjective(model, data, resolveLoss(model, data), { ep: 'cpu', chunkSize: 32 });
      try {
        const v = Float32Array.from({ length: model.numParams }, (_, i) => Math.sin(i));
        let t0 = performance.now();
        await obj.hvp(model.theta, v);
        const first = performance.now() - t0;
        const hvp = await median3(() => obj.hvp(model.theta, v));
        let note = `${model.numParams.toLocaleString('en-US')} params`;
        if (s === 'auto' && name !== 'resnet18') {
          const { hessianSpectrum } = await import('../src/core/diagnostics/hessian');
          t0 = performance.now();
          const h = await hessianSpectrum(obj, model.theta, { seed: 0, top: 5, tol: 1e-3 });
          note += `; top-5 ${fmt(performance.now() - t0)} (${h.hvps} HVPs)`;
        }
        lines.push({ s, first, hvp, note });
      } finally {
        obj.dispose();
      }
    }
    FILTER_GRAD.strategy = 'auto';
    INPUT_GRAD.strategy = 'auto';
    CONV_GEMM.enabled = true;
    const after = timeTorch();
    const best = Math.min(before?.hvp_ms ?? Infinity, after?.hvp_ms ?? Infinity);
    const torch = Number.isFinite(best) ? best : undefined;
    for (const { s, first, hvp, note } of lines) {
      const ratio = torch ? (hvp / torch).toFixed(2) + '×' : '—';
      console.log(
        `${name.padEnd(16)} ${s.padEnd(15)} ${fmt(first).padStart(11)} ${fmt(hvp).padStart(9)} ${(torch ? fmt(torch) : '—').padStart(9)} ${ratio.padStart(5)}  ${note}`,
      );
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
