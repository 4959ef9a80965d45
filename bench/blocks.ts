/**
 * Block products benchmark (`npm run bench -- blocks`): time per vector of hvpBlock, lossBlock and
 * gradientBlock on the CPU provider for block sizes 1 (the single-vector graphs, one run per row), 2, 4,
 * 8 and 16, with the session creation each block graph costs, on three model sizes: a 2,276-parameter
 * CNN on 1,024 samples of 1×8×8, a 20k-parameter MLP on 1,024 samples, and the reference MLP
 * (235,146 parameters, 1,000 samples). The fastest size per vector is what src/core/native/blockSize.ts
 * chooses by model size. Ratios side by side in one run; the machine may be busy.
 */
import { cnnTask } from './native';
import { OrtObjective } from '../src/core/native/ortObjective';
import { resolveLoss } from '../src/core/loss';
import { chooseBlockSize, BlockKind } from '../src/core/native/blockSize';
import { denseGraphModel } from '../src/core/hvpSelfTest';
import { Rng } from '../src/core/rng';
import type { GraphModel } from '../src/core/model/graph';
import type { Dataset } from '../src/core/data/dataset';
import { median } from './timing';

const SIZES = [1, 2, 4, 8, 16];
const VECTORS = 16;

function mlpTask(sizes: number[], m: number, seed: number): { model: GraphModel; data: Dataset } {
  const rng = new Rng(seed);
  const layers = sizes.slice(1).map((nOut, i) => ({ nIn: sizes[i], nOut, act: i === sizes.length - 2 ? 'softmax' : 'relu', bias: true }));
  const P = layers.reduce((s, l) => s + l.nIn * l.nOut + l.nOut, 0);
  const theta = Float32Array.from({ length: P }, () => rng.normal() * 0.1);
  const x = Float32Array.from({ length: m * sizes[0] }, () => rng.normal());
  const y = Int32Array.from({ length: m }, () => rng.int(sizes[sizes.length - 1]));
  const data: Dataset = {
    file: '<bench>',
    x,
    xShape: [m, sizes[0]],
    y: { kind: 'labels', data: y, numClasses: sizes[sizes.length - 1] },
    m,
    total: m,
    xKey: 'x',
    yKey: 'y',
  };
  return { model: denseGraphModel(layers, theta), data };
}

export async function measureBlocks(
  label: string,
  model: GraphModel,
  data: Dataset,
  sizes = SIZES,
  reps = 3,
): Promise<{ kind: BlockKind; perVector: Record<number, number>; session: Record<number, number>; best: number; chosen: number }[]> {
  const spec = resolveLoss(model, data);
  const n = model.numParams;
  const rng = new Rng(5);
  const V = Float32Array.from({ length: VECTORS * n }, () => rng.normal());
  const Th = Float32Array.from({ length: VECTORS * n }, (_, i) => model.theta[i % n] + 0.01 * V[i]);
  const out = [];
  console.log(`\n== Block products: ${label}, ${n.toLocaleString('en-US')} parameters, ${data.m} samples (ms per vector; session ms) ==`);
  console.log(`${'kind'.padEnd(10)}  ${sizes.map(b => `b=${b}`.padStart(16)).join('')}   best  chosen`);
  for (const kind of ['hvpBlock', 'lossBlock', 'gradBlock'] as BlockKind[]) {
    const perVector: Record<number, number> = {},
      session: Record<number, number> = {};
    for (const b of sizes) {
      const obj = new OrtObjective(model, data, spec, { ep: 'cpu', chunkSize: 1024, blockSize: b });
      const call = () =>
        kind === 'hvpBlock' ? obj.hvpBlock(model.theta, V) : kind === 'lossBlock' ? obj.lossBlock(Th) : obj.gradientBlock(Th);
      const t0 = performance.now();
      await call(); // first call: session creation included
      const first = performance.now() - t0;
      const ms = await median(reps, call, false);
      perVector[b] = ms / VECTORS;
      session[b] = Math.max(0, first - ms);
      obj.dispose();
    }
    const best = sizes.reduce((a, b) => (perVector[b] < perVector[a] ? b : a), sizes[0]);
    const chosen = chooseBlockSize(kind, { numParams: n, rows: Math.min(1024, data.m), outDim: 10 });
    console.log(
      `${kind.padEnd(10)}  ${sizes.map(b => `${perVector[b].toFixed(2)} (${session[b].toFixed(0)})`.padStart(16)).join('')}   ${String(best).padStart(4)}  ${String(chosen).padStart(6)}  ` +
        `b=${best} is ${(perVector[1] / perVector[best]).toFixed(2)}× faster per vector than single`,
    );
    out.push({ kind, perVector, session, best, chosen });
  }
  return out;
}

export async function run(): Promise<void> {
  const cnn = cnnTask([1, 16, 8], [true, true], 1024, 10, 3, { hw: 8, hidden: 22 });
  await measureBlocks('CNN 1×8×8 → conv16 → pool → conv8 → pool → fc22 → fc10', cnn.model, cnn.data);
  const mid = mlpTask([64, 256, 64, 10], 1024, 4);
  await measureBlocks('MLP 64-256-64-10', mid.model, mid.data);
  if (!process.argv.includes('--quick')) {
    const { initBackend } = await import('../src/core/backend');
    await initBackend('wasm'); // tfjs-layers trains the reference MLP
    const { makeReferenceTask } = await import('./reference');
    const { readCheckpoint } = await import('../src/core/formats');
    const { loadDataset } = await import('../src/core/data/dataset');
    const task = await makeReferenceTask();
    const model = readCheckpoint(task.checkpoint);
    const data = loadDataset(task.data);
    await measureBlocks('reference MLP 784-256-128-10', model, data, [1, 2, 4, 8], 2);
  }
}

if (require.main === module)
  run().catch(e => {
    console.error(e);
    process.exit(1);
  });
