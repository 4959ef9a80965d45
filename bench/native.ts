/**
 * Native-engine benchmark (`npm run bench`, suites `native` and `scale`): the reference MLP
 * (784-256-128-10 ReLU, softmax CE, 1,000 samples) and a bench CNN (3×32×32, two conv+pool
 * stages, 256 samples), on every engine side by side in one run — ONNX Runtime (CPU provider, 1
 * thread and every core) and TF.js wasm — and, when /usr/bin/python3 imports torch, PyTorch's own
 * gradient and HVP on the same weights and data (OMP_WAIT_POLICY=PASSIVE, its best thread count),
 * as ratios. Then whole processes from the shell: top-5 eigenvalues (our CLI vs PyHessian's method
 * on PyTorch, interpreter start included) and `diagnose --all`. `scale`: a ResNet-18-sized CNN
 * (≈ 11 M parameters) — one HVP, top-1 and memory. Timings live here, never in tests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { makeReferenceTask } from './reference';
import { readCheckpoint } from '../src/core/formats';
import { loadDataset, Dataset } from '../src/core/data/dataset';
import { resolveLoss } from '../src/core/loss';
import { encodeNpz } from '../src/core/data/npyWrite';
import type { GraphModel, GraphNode, ParamSpec } from '../src/core/model/graph';
import type { Objective } from '../src/core/objective';
import { OrtObjective } from '../src/core/native/ortObjective';
import { Rng } from '../src/core/rng';
import { median } from './timing';

const ROOT = path.resolve(__dirname, '../..');
const PY = '/usr/bin/python3';
const TORCH_SCRIPT = path.join(ROOT, 'bench', 'torch_reference.py');

function wall(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; out: string; ok: boolean } {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20 });
  return { ms: performance.now() - t, out: r.stdout, ok: r.status === 0 };
}
const torchEnv = (): NodeJS.ProcessEnv => ({ ...process.env, OMP_WAIT_POLICY: 'PASSIVE' });
function hasTorch(): boolean {
  return fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { env: torchEnv() }).status === 0;
}

/** A bench CNN as the ONNX importer would produce it (NCHW, OIHW kernels, Gemm with transB), and its spec for PyTorch. */
export function cnnTask(
  channels: number[],
  pools: boolean[],
  m: number,
  classes: number,
  seed: number,
  shape: { hw?: number; hidden?: number } = {},
): { model: GraphModel; data: Dataset; spec: unknown } {
  const rng = new Rng(seed);
  const params: ParamSpec[] = [],
    nodes: GraphNode[] = [],
    layers: unknown[] = [],
    torchParams: number[][] = [];
  let off = 0,
    prev = 'input',
    hw = shape.hw ?? 32;
  const inHw = hw;
  const values: number[] = [];
  const add = (name: string, shape: number[], role: ParamSpec['role'], std: number) => {
    const size = shape.reduce((a, b) => a * b, 1);
    params.push({ name, layer: name.split('.')[0], role, shape, offset: off, size, outAxis: role === 'kernel' ? 0 : undefined });
    for (let i = 0; i < size; i++) values.push(role === 'bias' ? 0.01 * rng.normal() : std * rng.normal());
    off += size;
    return params.length - 1;
  };
  for (let i = 1; i < channels.length; i++) {
    const w = add(`conv${i}.weight`, [channels[i], channels[i - 1], 3, 3], 'kernel', Math.sqrt(2 / (9 * channels[i - 1])));
    const b = add(`conv${i}.bias`, [channels[i]], 'bias', 0);
    torchParams.push([w, b]);
    nodes.push({
      op: 'onnx.Conv',
      inputs: [prev, `conv${i}.weight`, `conv${i}.bias`],
      outputs: [`c${i}`],
      attrs: { pads: [1, 1, 1, 1], strides: [1, 1], kernel_shape: [3, 3] },
      name: `conv${i}`,
    });
    nodes.push({ op: 'onnx.Relu', inputs: [`c${i}`], outputs: [`r${i}`], attrs: {}, name: `relu${i}` });
    layers.push({ type: 'conv', params: [w, b], pad: 1 }, { type: 'relu' });
    prev = `r${i}`;
    if (pools[i - 1]) {
      nodes.push({
        op: 'onnx.MaxPool',
        inputs: [prev],
        outputs: [`p${i}`],
        attrs: { kernel_shape: [2, 2], strides: [2, 2] },
        name: `pool${i}`,
      });
      layers.push({ type: 'maxpool', k: 2 });
      prev = `p${i}`;
      hw /= 2;
    }
  }
  const feat = channels[channels.length - 1] * hw * hw;
  nodes.push({ op: 'onnx.Flatten', inputs: [prev], outputs: ['flat'], attrs: { axis: 1 }, name: 'flatten' });
  layers.push({ type: 'flatten' });
  let fin = feat,
    flat = 'flat';
  if (shape.hidden) {
    const h = shape.hidden;
    const hw1 = add('fc0.weight', [h, feat], 'kernel', Math.sqrt(2 / feat)),
      hb1 = add('fc0.bias', [h], 'bias', 0);
    nodes.push({ op: 'onnx.Gemm', inputs: ['flat', 'fc0.weight', 'fc0.bias'], outputs: ['h0'], attrs: { transB: 1 }, name: 'fc0' });
    nodes.push({ op: 'onnx.Relu', inputs: ['h0'], outputs: ['h0r'], attrs: {}, name: 'relu_fc0' });
    layers.push({ type: 'gemm', params: [hw1, hb1] }, { type: 'relu' });
    fin = h;
    flat = 'h0r';
  }
  const w = add('fc.weight', [classes, fin], 'kernel', Math.sqrt(1 / fin)),
    b = add('fc.bias', [classes], 'bias', 0);
  nodes.push({ op: 'onnx.Gemm', inputs: [flat, 'fc.weight', 'fc.bias'], outputs: ['logits'], attrs: { transB: 1 }, name: 'fc' });
  layers.push({ type: 'gemm', params: [w, b] });
  const theta = Float32Array.from(values);
  const model: GraphModel = {
    format: 'bench',
    inputs: [{ name: 'input', shape: [null, channels[0], inHw, inHw], dtype: 'float32' }],
    outputs: ['logits'],
    params,
    numParams: off,
    theta,
    constants: new Map(),
    nodes,
    layers: params.filter(p => p.role === 'kernel').map(p => ({ name: p.layer, kind: 'Conv', params: p.size })),
    notices: [],
  };
  const x = Float32Array.from({ length: m * channels[0] * inHw * inHw }, () => rng.normal());
  const y = Int32Array.from({ length: m }, () => rng.int(classes));
  const data: Dataset = {
    file: '<bench>',
    x,
    xShape: [m, channels[0], inHw, inHw],
    y: { kind: 'labels', data: y, numClasses: classes },
    m,
    total: m,
    xKey: 'x',
    yKey: 'y',
  };
  return { model, data, spec: { params: params.map(p => p.name), layers } };
}

/** The task as an .npz for torch_reference.py: parameters p0…, x, y, spec. */
function writeTorchTask(file: string, model: GraphModel, data: Dataset, spec: unknown): void {
  const arrays: Record<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }> = {};
  model.params.forEach((p, i) => {
    arrays[`p${i}`] = { shape: p.shape, data: model.theta.slice(p.offset, p.offset + p.size) };
  });
  arrays.x = { shape: data.xShape, data: data.x };
  arrays.y = { shape: [data.m], data: (data.y as { data: Int32Array }).data };
  arrays.spec = { shape: [Buffer.byteLength(JSON.stringify(spec))], data: new Uint8Array(Buffer.from(JSON.stringify(spec))) };
  fs.writeFileSync(file, encodeNpz(arrays as never));
}

function mlpSpec(model: GraphModel): unknown {
  const layers: unknown[] = [];
  for (let i = 0; i < model.params.length; i += 2) {
    layers.push({ type: 'dense', params: [i, i + 1] });
    if (i + 2 < model.params.length) layers.push({ type: 'relu' });
  }
  return { params: model.params.map(p => p.name), layers };
}

/** The objective with the time spent inside hvp() accumulated (where the time of a spectrum goes). */
function timeHvps(obj: Objective): Objective & { hvpMs: number } {
  const w = Object.create(obj) as Objective & { hvpMs: number };
  w.hvpMs = 0;
  w.hvp = async (theta, v, signal) => {
    const t = performance.now();
    try {
      return await obj.hvp(theta, v, signal);
    } finally {
      w.hvpMs += performance.now() - t;
    }
  };
  return w;
}

interface Row {
  engine: string;
  measure: string;
  ms: number;
  note?: string;
}

async function engineRows(
  label: string,
  obj: Objective,
  theta: Float32Array,
  reps: number,
  rows: Row[],
): Promise<{ hvpMs: number; gradMs: number }> {
  const v = Float32Array.from({ length: obj.numParams }, (_, i) => Math.sin(i));
  const lossMs = await median(reps, () => obj.loss(theta));
  const gradMs = await median(reps, () => obj.valueAndGradient(theta));
  const hvpMs = await median(reps, () => obj.hvp(theta, v));
  rows.push(
    { engine: label, measure: 'loss', ms: lossMs },
    { engine: label, measure: 'gradient', ms: gradMs },
    { engine: label, measure: 'HVP', ms: hvpMs, note: `HVP/grad ${(hvpMs / gradMs).toFixed(2)}` },
  );
  return { hvpMs, gradMs };
}

function torchTimes(task: string): {
  best?: { grad_ms: number; hvp_ms: number; threads: number };
  all: { grad_ms: number; hvp_ms: number; threads: number }[];
} {
  const all: { grad_ms: number; hvp_ms: number; threads: number }[] = [];
  for (const t of [1, os.cpus().length].filter((v, i, a) => a.indexOf(v) === i)) {
    const r = wall(PY, [TORCH_SCRIPT, 'time', task, String(t)], torchEnv());
    if (r.ok) all.push(JSON.parse(r.out.trim().split('\n').pop()!));
  }
  const best = all.slice().sort((a, b) => a.hvp_ms - b.hvp_ms)[0];
  return { best, all };
}

function printRows(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const w = [Math.max(...rows.map(r => r.engine.length), 6), Math.max(...rows.map(r => r.measure.length), 7)];
  console.log(`${'engine'.padEnd(w[0])}  ${'measure'.padEnd(w[1])}  ${'time'.padStart(10)}  notes`);
  for (const r of rows)
    console.log(
      `${r.engine.padEnd(w[0])}  ${r.measure.padEnd(w[1])}  ${(r.ms >= 1000 ? (r.ms / 1000).toFixed(2) + ' s' : r.ms.toFixed(1) + ' ms').padStart(10)}  ${r.note ?? ''}`,
    );
}

export async function run(): Promise<void> {
  const targets: [string, boolean, string][] = [];
  const torch = hasTorch();
  if (!torch)
    console.log(
      '(PyTorch not importable by /usr/bin/python3: the PyTorch columns are skipped; apt-get install python3-torch libopenblas0-pthread)',
    );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-native-bench-'));
  const cores = os.cpus().length;

  // ── the reference MLP (trained briefly by tfjs-layers) ──
  const { initBackend } = await import('../src/core/backend');
  const { TfObjective } = await import('../src/core/objective');
  await initBackend('wasm');
  const task = await makeReferenceTask();
  const model = readCheckpoint(task.checkpoint);
  const data = loadDataset(task.data);
  const spec = resolveLoss(model, data);
  const rows: Row[] = [];
  const ort: Record<number, { hvpMs: number; gradMs: number }> = {};
  let bestOrt: OrtObjective | undefined;
  let bestHvp = Infinity;
  for (const threads of [1, cores].filter((v, i, a) => a.indexOf(v) === i)) {
    const obj = new OrtObjective(model, data, spec, { ep: 'cpu', threads, chunkSize: 1000 });
    ort[threads] = await engineRows(`onnxruntime cpu, ${threads} thread${threads > 1 ? 's' : ''}`, obj, model.theta, 7, rows);
    rows.push({
      engine: `onnxruntime cpu, ${threads} thread${threads > 1 ? 's' : ''}`,
      measure: 'session creation',
      ms: (obj.sessionMs.grad ?? 0) + (obj.sessionMs.hvp ?? 0),
      note: 'compile + graph optimisation (gradient and HVP graphs), once per model and chunk shape',
    });
    if (ort[threads].hvpMs < bestHvp) {
      bestHvp = ort[threads].hvpMs;
      bestOrt?.dispose();
      bestOrt = obj;
    } else obj.dispose();
  }
  const tfo = new TfObjective(model, data, spec, { chunkSize: 1000 });
  const wasm = await engineRows('TF.js wasm (SIMD)', tfo, model.theta, 3, rows);
  const { hessianSpectrum } = await import('../src/core/diagnostics/hessian');
  for (const [label, obj] of [
    ['onnxruntime (best)', bestOrt!],
    ['TF.js wasm (SIMD)', tfo],
  ] as [string, Objective][]) {
    for (const [name, o] of [
      ['top-1', { top: 1 }],
      ['top-5', { top: 5 }],
      ['bottom-1', { bottom: 1 }],
      ['trace 1 %', { trace: true }],
      ['density', { density: true }],
    ] as [string, Record<string, unknown>][]) {
      const timed = timeHvps(obj);
      const t = performance.now();
      const h = await hessianSpectrum(timed, model.theta, { seed: 0, ...o });
      const ms = performance.now() - t;
      rows.push({
        engine: label,
        measure: name,
        ms,
        note: `${h.hvps} HVPs: ${timed.hvpMs.toFixed(0)} ms in HVPs, ${(ms - timed.hvpMs).toFixed(0)} ms in the method's own arithmetic (orthogonalisation, Ritz values)${h.top.length ? ` top ${h.top.map(e => e.value.toPrecision(5)).join(', ')}` : ''}${h.bottom.length ? ` bottom ${h.bottom[0].value.toPrecision(4)}` : ''}${h.trace ? ` trace ${h.trace.estimate.toPrecision(5)}` : ''}`,
      });
    }
  }
  tfo.dispose();
  let torchMlp: ReturnType<typeof torchTimes> | undefined;
  const mlpTask = path.join(tmp, 'mlp.npz');
  if (torch) {
    writeTorchTask(mlpTask, model, data, mlpSpec(model));
    torchMlp = torchTimes(mlpTask);
    for (const t of torchMlp.all) {
      rows.push({ engine: `PyTorch, ${t.threads} thread${t.threads > 1 ? 's' : ''}`, measure: 'gradient', ms: t.grad_ms });
      rows.push({
        engine: `PyTorch, ${t.threads} thread${t.threads > 1 ? 's' : ''}`,
        measure: 'HVP',
        ms: t.hvp_ms,
        note: 'double backward',
      });
    }
    if (torchMlp.best)
      targets.push([
        "MLP: HVP ≤ 0.75× PyTorch's",
        bestHvp <= 0.75 * torchMlp.best.hvp_ms,
        `${(bestHvp / torchMlp.best.hvp_ms).toFixed(2)}× (${bestHvp.toFixed(1)} ms vs ${torchMlp.best.hvp_ms.toFixed(1)} ms)`,
      ]);
  }
  rows.push({
    engine: 'speed-up',
    measure: 'HVP',
    ms: bestHvp,
    note: `native ${(wasm.hvpMs / bestHvp).toFixed(1)}× faster than TF.js wasm`,
  });
  printRows('== Native engine: reference MLP 784-256-128-10 (ReLU, softmax CE), 1,000 samples, 235,146 parameters ==', rows);
  bestOrt?.dispose();

  // ── whole processes from the shell ──
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const procRows: Row[] = [];
  if (fs.existsSync(cli)) {
    const runs = [0, 1, 2].map(() => wall(process.execPath, [cli, 'diagnose', task.checkpoint, '--top', '5', '--json']));
    const ours = runs.map(r => r.ms).sort((a, b) => a - b)[1];
    const top5 = JSON.parse(runs[0].out);
    procRows.push({
      engine: 'landscape diagnose --top 5',
      measure: 'whole process',
      ms: ours,
      note: `${top5.backend}; ${top5.hessian.hvps} HVPs; top ${top5.hessian.top.map((e: { value: number }) => e.value.toPrecision(5)).join(', ')}`,
    });
    const bare = wall(process.execPath, [cli, '--version']);
    procRows.push({ engine: 'landscape --version', measure: 'CLI cold start', ms: bare.ms });
    if (torch && torchMlp?.best) {
      const py = [0, 1, 2].map(() => wall(PY, [TORCH_SCRIPT, 'pyhessian', mlpTask, String(torchMlp!.best!.threads)], torchEnv()));
      const theirs = py.map(r => r.ms).sort((a, b) => a - b)[1];
      const ph = JSON.parse(py[0].out.trim().split('\n').pop()!);
      procRows.push({
        engine: 'PyHessian method on PyTorch',
        measure: 'whole process',
        ms: theirs,
        note: `${ph.hvps} HVPs; top ${ph.top.map((e: number) => e.toPrecision(5)).join(', ')} (${ph.ms.toFixed(0)} ms in the loop)`,
      });
      targets.push([
        "top-5 whole process ≤ 0.4× PyHessian's",
        ours <= 0.4 * theirs,
        `${(ours / theirs).toFixed(2)}× (${ours.toFixed(0)} ms vs ${theirs.toFixed(0)} ms)`,
      ]);
    }
    const all = wall(process.execPath, [cli, 'diagnose', task.checkpoint, '--all', '--json']);
    const allJson = all.ok ? JSON.parse(all.out) : undefined;
    const torchHvp = torchMlp?.best?.hvp_ms;
    procRows.push({
      engine: 'landscape diagnose --all',
      measure: 'whole process',
      ms: all.ms,
      note: allJson
        ? `${allJson.backend}${torchHvp ? `; = ${(all.ms / torchHvp).toFixed(0)} PyTorch HVPs of this run` : ''}; where the time goes: ${whereTimeGoes(allJson)}`
        : 'failed',
    });
    if (torchHvp)
      targets.push([
        "diagnose --all on the reference MLP ≤ 400× PyTorch's HVP",
        all.ok && all.ms <= 400 * torchHvp,
        `${(all.ms / torchHvp).toFixed(0)}× (${(all.ms / 1000).toFixed(1)} s; PyTorch HVP ${torchHvp.toFixed(1)} ms)`,
      ]);
    else targets.push(['diagnose --all on the reference MLP ≤ 10 s', all.ok && all.ms <= 10000, `${(all.ms / 1000).toFixed(1)} s`]);
    printRows('== Whole processes from the shell (reference MLP) ==', procRows);
  } else console.log('(dist/cli.js not built: whole-process rows skipped)');

  // ── the bench CNN ──
  const cnn = cnnTask([3, 32, 64], [true, true], 256, 10, 1);
  const cspec = resolveLoss(cnn.model, cnn.data);
  const crows: Row[] = [];
  let cBest = Infinity;
  for (const threads of [1, cores].filter((v, i, a) => a.indexOf(v) === i)) {
    const obj = new OrtObjective(cnn.model, cnn.data, cspec, { ep: 'cpu', threads });
    cBest = Math.min(
      cBest,
      (await engineRows(`onnxruntime cpu, ${threads} thread${threads > 1 ? 's' : ''}`, obj, cnn.model.theta, 5, crows)).hvpMs,
    );
    obj.dispose();
  }
  const ctf = new TfObjective(cnn.model, cnn.data, cspec);
  const cw = await engineRows('TF.js wasm (SIMD)', ctf, cnn.model.theta, 3, crows);
  ctf.dispose();
  if (torch) {
    const f = path.join(tmp, 'cnn.npz');
    writeTorchTask(f, cnn.model, cnn.data, cnn.spec);
    const tt = torchTimes(f);
    for (const t of tt.all)
      crows.push({
        engine: `PyTorch, ${t.threads} thread${t.threads > 1 ? 's' : ''}`,
        measure: 'HVP',
        ms: t.hvp_ms,
        note: `gradient ${t.grad_ms.toFixed(1)} ms`,
      });
    if (tt.best)
      targets.push([
        "CNN: HVP ≤ 0.75× PyTorch's",
        cBest <= 0.75 * tt.best.hvp_ms,
        `${(cBest / tt.best.hvp_ms).toFixed(2)}× (${cBest.toFixed(1)} ms vs ${tt.best.hvp_ms.toFixed(1)} ms)`,
      ]);
  }
  crows.push({ engine: 'speed-up', measure: 'HVP', ms: cBest, note: `native ${(cw.hvpMs / cBest).toFixed(1)}× faster than TF.js wasm` });
  printRows(
    `== Native engine: bench CNN 3×32×32 → conv32 → pool → conv64 → pool → fc10, 256 samples, ${cnn.model.numParams.toLocaleString('en-US')} parameters ==`,
    crows,
  );

  console.log('\nTargets (native engine):');
  for (const [name, ok, detail] of targets) console.log(`  ${ok ? 'MET   ' : 'MISSED'} ${name}: ${detail}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(task.dir, { recursive: true, force: true });
}

/** `npm run bench -- scale`: a ResNet-18-sized CNN (≈ 11 M parameters), 256 samples. */
export async function runScale(): Promise<void> {
  const chans = [3, 64, 128, 256, 256, 512, 512, 512, 512, 512];
  const pools = [true, true, false, true, false, true, false, false, true];
  const t = cnnTask(chans, pools, 256, 10, 2);
  const spec = resolveLoss(t.model, t.data);
  const rows: Row[] = [];
  const rss0 = process.memoryUsage().rss;
  const obj = new OrtObjective(t.model, t.data, spec, { ep: 'cpu', chunkSize: 256 });
  const v = Float32Array.from({ length: t.model.numParams }, (_, i) => Math.sin(i));
  let t0 = performance.now();
  await obj.hvp(t.model.theta, v);
  const first = performance.now() - t0;
  t0 = performance.now();
  await obj.hvp(t.model.theta, v);
  const hvpMs = performance.now() - t0;
  const rss = process.memoryUsage().rss - rss0;
  // the process' high-water mark (KiB on Linux): the model, the data, the sessions and the HVP's activations
  const peakMb = process.resourceUsage().maxRSS / 1024;
  rows.push({
    engine: 'onnxruntime cpu',
    measure: 'HVP',
    ms: hvpMs,
    note:
      `first call ${(first / 1000).toFixed(1)} s (session creation included); resident memory +${(rss / 2 ** 20).toFixed(0)} MiB = ` +
      `${(rss / (t.model.numParams * 4)).toFixed(1)}× the parameter bytes (data and one chunk's activations included); ` +
      `peak RSS of the process ${peakMb.toFixed(0)} MiB`,
  });
  const { hessianSpectrum } = await import('../src/core/diagnostics/hessian');
  t0 = performance.now();
  const h = await hessianSpectrum(obj, t.model.theta, { seed: 0, top: 1, tol: 1e-3 });
  rows.push({
    engine: 'onnxruntime cpu',
    measure: 'top-1',
    ms: performance.now() - t0,
    note: `${h.hvps} HVPs, λ_max ${h.top[0].value.toPrecision(5)}`,
  });
  obj.dispose();
  if (hasTorch()) {
    const f = path.join(os.tmpdir(), `landscape-scale-${process.pid}.npz`);
    writeTorchTask(f, t.model, t.data, t.spec);
    const r = wall(PY, [TORCH_SCRIPT, 'time', f, String(os.cpus().length)], torchEnv());
    if (r.ok) {
      const j = JSON.parse(r.out.trim().split('\n').pop()!);
      rows.push({
        engine: `PyTorch, ${j.threads} threads`,
        measure: 'HVP',
        ms: j.hvp_ms,
        note: `gradient ${j.grad_ms.toFixed(0)} ms; peak RSS of its process ${Number(j.peak_rss_mb).toFixed(0)} MiB; ours / PyTorch's HVP ${(hvpMs / j.hvp_ms).toFixed(2)}×`,
      });
    }
    fs.rmSync(f, { force: true });
  }
  printRows(`== Scale: ResNet-18-sized CNN (${t.model.numParams.toLocaleString('en-US')} parameters), 3×32×32, 256 samples ==`, rows);
}

/** Per-diagnostic time and evaluations of a result (the JSON's timings.diagnostics), as one note. */
function whereTimeGoes(r: {
  timings: {
    gradientMs: number;
    hessianMs: number;
    diagnostics?: Record<string, { ms: number; hvp: number; loss: number; gradient: number }>;
  };
}): string {
  const parts = [`gradient ${r.timings.gradientMs.toFixed(0)} ms`];
  for (const [id, t] of Object.entries(r.timings.diagnostics ?? {}).sort((a, b) => b[1].ms - a[1].ms))
    if (t.ms >= 1) parts.push(`${id} ${t.ms.toFixed(0)} ms (${t.hvp} HVPs, ${t.loss} losses, ${t.gradient} gradients)`);
  return parts.join('; ');
}

/**
 * `npm run bench -- checkpoints`: full diagnosis (`--level full`) of the 2,276-parameter CNN of issue 26
 * (1,024 samples of 1×8×8) in one process, first and second checkpoint of the same run: the second
 * reuses the compiled graphs and sessions (cached by content), so it pays no session creation.
 */
export async function runCheckpoints(): Promise<void> {
  const { makeCnnTask } = await import('./reference');
  const { initBackend } = await import('../src/core/backend');
  await initBackend('cpu'); // tfjs-layers trains the CNN (wasm has no Conv2DBackpropFilter); the diagnoses run on ONNX Runtime
  const { diagnose } = await import('../src/core/diagnose');
  const { preset } = await import('../src/core/diagnostics/registry');
  const { cacheStats } = await import('../src/core/native/cache');
  const task = await makeCnnTask();
  const rows: Row[] = [];
  const targets: [string, boolean, string][] = [];
  const times: number[] = [];
  for (const [i, checkpoint] of task.checkpoints.entries()) {
    const c0 = { ...cacheStats };
    const t = performance.now(),
      cpu0 = process.cpuUsage();
    const r = await diagnose({ ...preset('full'), checkpoint, data: task.data, seed: 0 });
    const ms = performance.now() - t,
      cpu = process.cpuUsage(cpu0);
    times.push(ms);
    rows.push({
      engine: `checkpoint ${i + 1}`,
      measure: '--level full',
      ms,
      note:
        `${r.backend}; process CPU time ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (the wall time on a busy machine is longer); ${r.counts.hvp} HVPs, ${r.counts.loss} losses, ${r.counts.gradient} gradients; ` +
        `${cacheStats.compiled - c0.compiled} graphs compiled (${(cacheStats.compileMs - c0.compileMs).toFixed(0)} ms), ` +
        `${cacheStats.sessions - c0.sessions} sessions created (${(cacheStats.sessionMs - c0.sessionMs).toFixed(0)} ms), ` +
        `${cacheStats.sessionHits - c0.sessionHits} reused; ${whereTimeGoes(r)}`,
    });
  }
  printRows(
    `== Full diagnosis of a ${task.params.toLocaleString('en-US')}-parameter CNN (1×8×8, 1,024 samples), two checkpoints of one run, one process ==`,
    rows,
  );
  targets.push(['CNN --level full, first checkpoint ≤ 10 s (idle 2-core machine)', times[0] <= 10000, `${(times[0] / 1000).toFixed(1)} s`]);
  targets.push([
    'second checkpoint ≤ 60 % of the first',
    times[1] <= 0.6 * times[0],
    `${((100 * times[1]) / times[0]).toFixed(0)} % (${(times[1] / 1000).toFixed(1)} s)`,
  ]);
  console.log('\nTargets (checkpoints):');
  for (const [name, ok, detail] of targets) console.log(`  ${ok ? 'MET   ' : 'MISSED'} ${name}: ${detail}`);
  fs.rmSync(task.dir, { recursive: true, force: true });
}
