/**
 * The demo workspace builder, used by `npm run demo` (examples/demo/build.ts → examples/demo-workspace/,
 * then scripts/demo.js diagnoses every checkpoint and writes report.html) and by the extension's
 * *Landscape: Create Demo Workspace* (the `buildDemo` worker job, into a folder the user chose).
 *
 * The workspace is what a user's training folder looks like: a synthetic regression dataset
 * (data.npz: y = sin(2x₁)·cos(x₂) + 0.1·noise, 256 samples), and runs of TF.js models written with
 * tfjs-layers' own serializer (model.json + weights shard) every few hundred steps, with logs in
 * CSV, JSONL and TensorBoard event format:
 *  - runs/small-batch, runs/large-batch: the same 2-32-1 tanh MLP from the same initialisation,
 *    SGD with batch 4 vs full-batch gradient descent (3,000 steps at rate 0.25, then 9,000 full-batch
 *    steps at 0.1 to settle) — Keskar et al.'s sharp-versus-flat setting;
 *  - runs/saddle: a 2-4-1 tanh MLP whose hidden units start identical; gradient descent keeps them
 *    identical and stops at the symmetric critical point, a saddle (negative curvature along the
 *    symmetry-breaking directions);
 *  - runs/special-neurons: a 2-4-1 ReLU network whose hidden units are all dead (biases −10: it can
 *    only fit a constant — stuck), with Kawaguchi & Kaelbling's special neurons added (λ = 0.1, a = w =
 *    b = 0: outputs unchanged), fine-tuned by Adam on a bowl y = x₁² + x₂²; checkpoints at steps 0, 30,
 *    60, …, 1500, CSV log of the augmented loss, L(θ) of the original network, the penalty and max|a_k|.
 * Everything is seeded; the TF.js cpu/wasm arithmetic is deterministic on one machine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync } from 'fflate';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../backend';
import { denseGraphModel } from '../hvpSelfTest';
import type { RefDenseLayer } from '../autodiff/hyperdual';
import { TfObjective } from '../objective';
import { resolveLoss } from '../loss';
import type { Dataset } from '../data/dataset';
import { Rng } from '../rng';
import { appendScalars } from '../logs/tfeventsWrite';
import { readCheckpoint } from '../formats';
import { planWrite, writeWithPlan } from '../formats/writers';
import { addSpecialNeurons } from '../surgery/specialNeurons';
import { maxAbsA, withoutSpecialNeurons } from '../diagnostics/specialNeurons';
import { train as fineTune } from '../surgery/train';
import { throwIfAborted, UserInputError } from '../errors';
import { checkDemoFolder, clearDemoFolder, DEMO_MARKER } from './folder';

/** The folder being built (set by buildDemo). */
let WS = '';
/** Cancellation and progress of the build in progress (set by buildDemo). */
let SIGNAL: AbortSignal | undefined;
let TICK: (run: string, done: number, total: number) => void = () => undefined;
const M = 256,
  D = 2;
const T0 = Date.UTC(2026, 0, 1) / 1000; // wall times in the logs: a fixed, reproducible clock

function npz(arrays: Record<string, { data: Float32Array; shape: number[] }>): Buffer {
  // a stored (uncompressed) zip of .npy members
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [k, a] of Object.entries(arrays)) {
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''}), }`;
    const pad = 64 - ((10 + header.length + 1) % 64);
    header += ' '.repeat(pad % 64) + '\n';
    const h = Buffer.alloc(10 + header.length);
    h.write('\x93NUMPY', 0, 'latin1');
    h[6] = 1;
    h[7] = 0;
    h.writeUInt16LE(header.length, 8);
    h.write(header, 10, 'latin1');
    files[`${k}.npy`] = [Buffer.concat([h, Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)]), { level: 0 }];
  }
  return Buffer.from(zipSync(files));
}

async function saveTfjs(layers: RefDenseLayer[], theta: Float32Array, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const model = tfl.sequential();
  layers.forEach((l, i) =>
    model.add(
      tfl.layers.dense({
        units: l.nOut,
        activation: l.act as 'tanh',
        useBias: l.bias,
        ...(i === 0 ? { inputShape: [l.nIn] } : {}),
        name: `dense_${i + 1}`,
      }),
    ),
  );
  const ws: tf.Tensor[] = [];
  let o = 0;
  for (const l of layers) {
    ws.push(tf.tensor2d(theta.subarray(o, o + l.nIn * l.nOut), [l.nIn, l.nOut]));
    o += l.nIn * l.nOut;
    if (l.bias) {
      ws.push(tf.tensor1d(theta.subarray(o, o + l.nOut)));
      o += l.nOut;
    }
  }
  model.setWeights(ws);
  ws.forEach(w => w.dispose());
  await model.save(
    tf.io.withSaveHandler(async art => {
      const shard = 'group1-shard1of1.bin';
      fs.writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
          convertedBy: null,
          modelTopology: art.modelTopology,
          weightsManifest: [{ paths: [shard], weights: art.weightSpecs }],
        }),
      );
      fs.writeFileSync(path.join(dir, shard), Buffer.from(art.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(T0 * 1000), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
}

type Logger = (step: number, scalars: Record<string, number>) => void;

function logger(runDir: string, kinds: ('csv' | 'jsonl' | 'tfevents')[]): Logger {
  fs.mkdirSync(runDir, { recursive: true });
  const csv = path.join(runDir, 'metrics.csv'),
    jsonl = path.join(runDir, 'metrics.jsonl');
  const tfev = path.join(runDir, 'events.out.tfevents.1767225600.demo');
  let header = false;
  return (step, scalars) => {
    const wall = T0 + step * 0.01;
    if (kinds.includes('csv')) {
      if (!header) {
        fs.writeFileSync(csv, `step,wall_time,${Object.keys(scalars).join(',')}\n`);
        header = true;
      }
      fs.appendFileSync(
        csv,
        `${step},${wall.toFixed(2)},${Object.values(scalars)
          .map(v => v.toPrecision(7))
          .join(',')}\n`,
      );
    }
    if (kinds.includes('jsonl')) fs.appendFileSync(jsonl, JSON.stringify({ step, wall_time: Number(wall.toFixed(2)), ...scalars }) + '\n');
    if (kinds.includes('tfevents')) appendScalars(tfev, step, wall, scalars);
  };
}

function dataset(x: Float32Array, y: Float32Array, m: number): Dataset {
  return { file: 'demo', x, xShape: [m, D], y: { kind: 'values', data: y, shape: [m, 1] }, m, total: m, xKey: 'x', yKey: 'y' };
}

interface TrainSpec {
  name: string;
  layers: RefDenseLayer[];
  theta0: Float32Array;
  batch: number;
  steps: number;
  lr: number;
  settle: number;
  settleLr: number;
  every: number;
  logs: ('csv' | 'jsonl' | 'tfevents')[];
}

async function train(spec: TrainSpec, x: Float32Array, y: Float32Array): Promise<void> {
  const runDir = path.join(WS, 'runs', spec.name);
  const log = logger(runDir, spec.logs);
  const model = denseGraphModel(spec.layers, spec.theta0);
  const full = dataset(x, y, M);
  const fullObj = new TfObjective(model, full, resolveLoss(model, full, 'mse'));
  const parts: TfObjective[] = [];
  for (let s = 0; s < M; s += spec.batch) {
    const p = dataset(x.slice(s * D, (s + spec.batch) * D), y.slice(s, s + spec.batch), spec.batch);
    parts.push(new TfObjective(model, p, resolveLoss(model, p, 'mse')));
  }
  const th = Float32Array.from(spec.theta0);
  const order = new Rng(spec.batch);
  const total = spec.steps + spec.settle;
  try {
    const checkpoint = async (step: number) => saveTfjs(spec.layers, th, path.join(runDir, `step_${String(step).padStart(5, '0')}`));
    await checkpoint(0);
    log(0, { loss: await fullObj.loss(th), lr: spec.lr });
    let step = 0,
      perm: number[] = [],
      pi = 0;
    while (step < total) {
      const settling = step >= spec.steps;
      let obj = fullObj;
      if (!settling && parts.length > 1) {
        if (pi >= perm.length) {
          perm = order.sample(parts.length, parts.length);
          pi = 0;
        }
        obj = parts[perm[pi++]];
      }
      const lr = settling ? spec.settleLr : spec.lr;
      const { loss, gradient } = await obj.valueAndGradient(th);
      for (let i = 0; i < th.length; i++) th[i] -= lr * gradient[i];
      step++;
      if (step % 50 === 0) {
        throwIfAborted(SIGNAL);
        TICK(spec.name, step, total);
      }
      if (step % 50 === 0)
        log(step, { loss: obj === fullObj ? loss : await fullObj.loss(th), lr, ...(obj !== fullObj ? { batch_loss: loss } : {}) });
      if (step % spec.every === 0 || step === total) await checkpoint(step);
    }
  } finally {
    fullObj.dispose();
    parts.forEach(p => p.dispose());
  }
}

function glorot(layers: RefDenseLayer[], rng: Rng): Float32Array {
  const th = new Float32Array(layers.reduce((s, l) => s + l.nIn * l.nOut + (l.bias ? l.nOut : 0), 0));
  let o = 0;
  for (const l of layers) {
    const s = Math.sqrt(6 / (l.nIn + l.nOut));
    for (let i = 0; i < l.nIn * l.nOut; i++) th[o++] = (2 * rng.uniform() - 1) * s;
    if (l.bias) o += l.nOut;
  }
  return th;
}

/** A stuck network (every ReLU dead), special neurons added, then fine-tuned with checkpoints and a CSV log. */
async function specialNeuronsRun(rng: Rng): Promise<void> {
  const runDir = path.join(WS, 'runs', 'special-neurons');
  // its own task: a radial bowl y = x₁² + x₂², which a network of dead ReLUs cannot fit
  const x = Float32Array.from({ length: M * D }, () => rng.normal());
  const y = Float32Array.from({ length: M }, (_, i) => x[2 * i] ** 2 + x[2 * i + 1] ** 2);
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'bowl.npz'), npz({ x: { data: x, shape: [M, D] }, y: { data: y, shape: [M, 1] } }));
  const layers: RefDenseLayer[] = [
    { nIn: D, nOut: 4, act: 'relu', bias: true },
    { nIn: 4, nOut: 1, act: 'linear', bias: true },
  ];
  const th = glorot(layers, rng);
  for (let j = 0; j < 4; j++) th[D * 4 + j] = -10; // dead units: the network outputs its output bias
  let ym = 0;
  for (let i = 0; i < M; i++) ym += y[i] / M;
  th[th.length - 1] = ym; // … which already fits the mean: a bad local minimum of the original network
  const base = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-demo-')), 'stuck');
  await saveTfjs(layers, th, base);
  const first = path.join(runDir, 'step_00000', 'model.json');
  fs.mkdirSync(path.dirname(first), { recursive: true });
  addSpecialNeurons(path.join(base, 'model.json'), { lambda: 0.1, out: first });
  fs.rmSync(path.dirname(base), { recursive: true, force: true });
  const model = readCheckpoint(first);
  const full = dataset(x, y, M);
  const spec = resolveLoss(model, full, 'mse');
  const obj = new TfObjective(model, full, spec);
  const plan = planWrite(first);
  const log = logger(runDir, ['csv']);
  const steps = 1500,
    at = new Set([30, 60, 120, 250, 500, 1000, 1500]);
  const record = async (step: number, theta: Float32Array) => {
    const loss = await obj.loss(theta);
    log(step, {
      loss,
      original_loss: await obj.loss(withoutSpecialNeurons(model, theta)),
      penalty: obj.penalty(theta),
      max_abs_a: maxAbsA(model, theta),
    });
  };
  try {
    await record(0, model.theta);
    await fineTune(model, obj, full, spec, model.theta, {
      steps,
      lr: 0.05,
      optimizer: 'adam',
      seed: 1,
      every: steps,
      onStep: async (step, theta) => {
        if (step % 10 === 0) {
          throwIfAborted(SIGNAL);
          TICK('special-neurons', step, steps);
          await record(step, theta);
        }
        if (at.has(step)) {
          const out = path.join(runDir, `step_${String(step).padStart(5, '0')}`, 'model.json');
          fs.mkdirSync(path.dirname(out), { recursive: true });
          writeWithPlan(plan, model, theta, out, [first]);
        }
      },
    });
  } finally {
    obj.dispose();
  }
}

export interface BuildDemoOptions {
  /** The folder to build: missing, empty, or an earlier demo (marker file); anything else is refused. */
  dir: string;
  log?: (s: string) => void;
  /** `$schema` written into landscape.json (a path relative to the folder or a URL); none if absent. */
  schema?: string;
  /** Who built it (the marker file's text). */
  by?: string;
  signal?: AbortSignal;
  /** fraction of the whole build (training steps), with the run being trained */
  onProgress?: (p: { stage: string; fraction: number; message: string }) => void;
}

/** Training steps of each run (the progress weights). */
const RUN_STEPS: Record<string, number> = { 'small-batch': 12000, 'large-batch': 12000, saddle: 4000, 'special-neurons': 1500 };
const TOTAL_STEPS = Object.values(RUN_STEPS).reduce((a, b) => a + b, 0);

/** Builds the demo workspace into `opts.dir`; returns the folder. */
export async function buildDemo(opts: BuildDemoOptions): Promise<string> {
  const say = opts.log ?? (() => undefined);
  WS = path.resolve(opts.dir);
  SIGNAL = opts.signal;
  const before = (run: string) =>
    Object.keys(RUN_STEPS)
      .slice(0, Object.keys(RUN_STEPS).indexOf(run))
      .reduce((a, k) => a + RUN_STEPS[k], 0);
  TICK = (run, done, total) =>
    opts.onProgress?.({
      stage: 'training',
      fraction: (before(run) + (done / total) * RUN_STEPS[run]) / TOTAL_STEPS,
      message: `training runs/${run}: step ${done} of ${total}`,
    });
  // a folder that this builder did not make (no marker file) is never touched; an earlier demo
  // loses only the entries the builder writes
  const state = checkDemoFolder(WS);
  if (state.kind === 'refused') throw new UserInputError(state.reason);
  if (state.kind === 'demo') clearDemoFolder(WS);
  fs.mkdirSync(WS, { recursive: true });
  fs.writeFileSync(
    path.join(WS, DEMO_MARKER),
    `generated by ${opts.by ?? 'the Landscape Lens demo builder'}; rebuilt from scratch on every run\n`,
  );
  const step = (run: string, text: string) => {
    say(text);
    opts.onProgress?.({ stage: 'training', fraction: before(run) / TOTAL_STEPS, message: text });
  };
  await initBackend('auto');
  const rng = new Rng(2017);
  const x = Float32Array.from({ length: M * D }, () => rng.normal());
  const y = Float32Array.from({ length: M }, (_, i) => Math.sin(2 * x[2 * i]) * Math.cos(x[2 * i + 1]) + 0.1 * rng.normal());
  fs.writeFileSync(path.join(WS, 'data.npz'), npz({ x: { data: x, shape: [M, D] }, y: { data: y, shape: [M, 1] } }));
  fs.writeFileSync(
    path.join(WS, 'landscape.json'),
    JSON.stringify(
      {
        ...(opts.schema ? { $schema: opts.schema } : {}),
        checkpoints: [
          { glob: 'runs/special-neurons/**/model.json', data: 'runs/special-neurons/bowl.npz', loss: 'mse' },
          { glob: '**/model.json', data: 'data.npz', loss: 'mse' },
        ],
      },
      null,
      2,
    ) + '\n',
  );
  const mlp: RefDenseLayer[] = [
    { nIn: D, nOut: 32, act: 'tanh', bias: true },
    { nIn: 32, nOut: 1, act: 'linear', bias: true },
  ];
  const theta0 = glorot(mlp, rng);
  step('small-batch', 'training runs/small-batch (SGD, batch 4)');
  await train(
    { name: 'small-batch', layers: mlp, theta0, batch: 4, steps: 3000, lr: 0.25, settle: 9000, settleLr: 0.1, every: 2000, logs: ['csv'] },
    x,
    y,
  );
  step('large-batch', 'training runs/large-batch (full batch)');
  await train(
    {
      name: 'large-batch',
      layers: mlp,
      theta0,
      batch: M,
      steps: 3000,
      lr: 0.25,
      settle: 9000,
      settleLr: 0.1,
      every: 2000,
      logs: ['jsonl'],
    },
    x,
    y,
  );
  // a saddle: identical hidden units stay identical under gradient descent
  const small: RefDenseLayer[] = [
    { nIn: D, nOut: 4, act: 'tanh', bias: true },
    { nIn: 4, nOut: 1, act: 'linear', bias: true },
  ];
  const th = new Float32Array(D * 4 + 4 + 4 + 1);
  const w = [0.5 * rng.normal(), 0.5 * rng.normal()];
  for (let j = 0; j < 4; j++) {
    th[j] = w[0];
    th[4 + j] = w[1];
    th[8 + j] = 0.1;
    th[12 + j] = 0.3;
  }
  step('saddle', 'training runs/saddle (symmetric initialisation)');
  await train(
    { name: 'saddle', layers: small, theta0: th, batch: M, steps: 4000, lr: 0.1, settle: 0, settleLr: 0, every: 2000, logs: ['tfevents'] },
    x,
    y,
  );
  step('special-neurons', 'training runs/special-neurons (stuck ReLU network + special neurons)');
  await specialNeuronsRun(rng);
  fs.writeFileSync(path.join(WS, 'train.py'), TRAIN_PY);
  fs.writeFileSync(path.join(WS, 'README.md'), DEMO_README);
  opts.onProgress?.({ stage: 'training', fraction: 1, message: 'demo runs written' });
  return WS;
}

const TRAIN_PY = `# What a training script in this workspace looks like: hover a checkpoint path below in VS Code
# with Landscape Lens installed to read its verdict, λ_max, sharpness and PGB residual.
import tensorflow as tf  # noqa: F401  (illustration only: the demo models were trained by TF.js)

SMALL_BATCH = "runs/small-batch/step_12000/model.json"
LARGE_BATCH = "runs/large-batch/step_12000/model.json"
SADDLE = "runs/saddle/step_04000/model.json"
STUCK_PLUS_SPECIAL_NEURONS = "runs/special-neurons/step_00000/model.json"
FINE_TUNED = "runs/special-neurons/step_01500/model.json"

# model = tf.keras.models.load_model("runs/small-batch/step_12000/model.json")
`;

const DEMO_README = `# Landscape Lens demo workspace (generated by \`npm run demo\` or *Landscape: Create Demo Workspace*)

- \`runs/small-batch\` and \`runs/large-batch\`: the same tanh MLP from the same start, SGD with batch 4
  vs full-batch gradient descent. Keskar et al. (ICLR 2017): large batches end in sharper minima —
  compare λ_max and the ε-sharpness in \`report.html\` or the dashboard.
- \`runs/saddle\`: identical hidden units stay identical under gradient descent; training stops at
  a saddle (a negative Hessian eigenvalue along the symmetry-breaking directions).
- \`runs/special-neurons\`: a 2-4-1 ReLU network whose hidden units are all dead (it can only fit a
  constant: stuck at a bad local minimum), with one special neuron a·exp(wᵀx + b) added per output
  (Kawaguchi & Kaelbling, AISTATS 2020; λ = 0.1, initialised at a = w = b = 0 so the outputs are
  unchanged) and fine-tuned by Adam. The theorem: at every local minimum of the augmented loss a = 0.
  Watch max|a_k| (column \`max|a|\`, and \`max_abs_a\` in \`metrics.csv\`): it rises while the neuron
  takes over the fit, then falls back as the penalty wins. It does not reach 0 here: dead ReLUs get
  no gradient, so the original network cannot take the fit back, and the augmented loss has no
  local minimum at all with a ≠ 0 — its infimum lies at a → 0, b → ∞ along a·e^b = const, which
  Adam approaches only very slowly. Diagnose these checkpoints: the verdict is not a local minimum.
- \`data.npz\`, \`landscape.json\`: the data every checkpoint is diagnosed on.
`;

/** The demo's checkpoints (model.json files under runs/), sorted. */
export function demoCheckpoints(dir: string): string[] {
  const out: string[] = [];
  const runs = path.join(dir, 'runs');
  for (const r of fs.existsSync(runs) ? fs.readdirSync(runs).sort() : []) {
    const rd = path.join(runs, r);
    if (!fs.statSync(rd).isDirectory()) continue;
    for (const c of fs.readdirSync(rd).sort()) {
      const m = path.join(rd, c, 'model.json');
      if (fs.existsSync(m)) out.push(m);
    }
  }
  return out;
}
