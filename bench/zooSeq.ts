/**
 * Sequence zoo benchmark (`npm run bench -- zooseq`, issue 22): the 70 k-parameter transformer
 * (nn.TransformerEncoder 2 × d64, 4 heads, GELU, LayerNorm, Embedding + learned positions, causal mask,
 * T 32) and a GRU classifier (d16 → 64, T 32), 256 samples each, exported by PyTorch exactly as the
 * README's helper does (test/fixtures/zoo/make_seq.py --bench). One HVP on the whole data set: ours
 * (ONNX Runtime, CPU provider, 1 thread and every core; the first call, which compiles the graphs and
 * creates the session, reported apart) against PyTorch's double backward at its best thread count
 * (OMP_WAIT_POLICY=PASSIVE), same run, same weights and data, as a ratio. Timings live here, never in tests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { readCheckpoint } from '../src/core/formats';
import { loadDataset } from '../src/core/data/dataset';
import { resolveLoss } from '../src/core/loss';
import { OrtObjective } from '../src/core/native/ortObjective';

const ROOT = path.resolve(__dirname, '../..');
const PY = '/usr/bin/python3';
const MAKE = path.join(ROOT, 'test', 'fixtures', 'zoo', 'make_seq.py');
const env = (): NodeJS.ProcessEnv => ({ ...process.env, OMP_WAIT_POLICY: 'PASSIVE' });

function py(args: string[]): Record<string, number | string>[] {
  const r = spawnSync(PY, [MAKE, ...args], { encoding: 'utf8', env: env(), maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`make_seq.py ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout
    .split('\n')
    .filter(l => l.startsWith('{'))
    .map(l => JSON.parse(l));
}

export async function run(): Promise<void> {
  console.log('\n## Sequence zoo: one HVP, ours (ONNX Runtime) vs PyTorch double backward, same run\n');
  if (!fs.existsSync(PY) || spawnSync(PY, ['-c', 'import torch'], { env: env() }).status !== 0) {
    console.log('(PyTorch not importable by /usr/bin/python3: sequence zoo skipped)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-zooseq-'));
  try {
    const made = py(['--bench', dir]);
    const cores = os.cpus().length;
    const threads = [1, cores].filter((v, i, a) => a.indexOf(v) === i);
    console.log('| model | params | ours: first HVP (compile + session) | ours: HVP, best | PyTorch: HVP, best | ratio |');
    console.log('|---|---|---|---|---|---|');
    for (const m of made) {
      const name = String(m.name);
      const model = readCheckpoint(path.join(dir, name, 'model.onnx'));
      const data = loadDataset(path.join(dir, name, 'data.npz'));
      const v = Float32Array.from({ length: model.numParams }, (_, i) => Math.sin(i + 1));
      let best = Infinity,
        bestT = 0,
        first = 0;
      for (const t of threads) {
        const t0 = performance.now();
        const obj = new OrtObjective(model, data, resolveLoss(model, data), { ep: 'cpu', threads: t, chunkSize: 256 });
        try {
          await obj.hvp(model.theta, v);
          if (t === threads[0]) first = performance.now() - t0;
          const ts: number[] = [];
          for (let k = 0; k < 5; k++) {
            const s = performance.now();
            await obj.hvp(model.theta, v);
            ts.push(performance.now() - s);
          }
          ts.sort((a, b) => a - b);
          if (ts[2] < best) [best, bestT] = [ts[2], t];
        } finally {
          obj.dispose();
        }
      }
      const torch = threads.map(t => py(['--time', dir, name, String(t)])[0]);
      const tb = torch.reduce((a, b) => (Number(a.hvp_ms) <= Number(b.hvp_ms) ? a : b));
      console.log(
        `| ${name === 'tfm' ? 'TransformerEncoder 2×d64' : 'GRU classifier'} | ${model.numParams} | ${first.toFixed(0)} ms | ` +
          `${best.toFixed(1)} ms (${bestT} thr) | ${Number(tb.hvp_ms).toFixed(1)} ms (${tb.threads} thr) | ` +
          `**${(best / Number(tb.hvp_ms)).toFixed(2)}×** |`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
