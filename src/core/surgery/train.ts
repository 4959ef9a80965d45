/**
 * Fine-tuning on the objective (used for the augmented model of Kawaguchi & Kaelbling, AISTATS 2020,
 * and for the retraining after a perturbation): seeded full-batch or minibatch gradient descent
 *   SGD:  θ ← θ − η ∇L̃(θ)
 *   Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η m̂/(√v̂ + ε)  (Kingma & Ba 2015; β = 0.9, 0.999, ε = 1e-8)
 * on L̃ = loss + declared penalties (TfObjective adds (λ/2)‖a‖²). Recorded per step at the current θ
 * (before its update; the final point is recorded too): the objective L̃ (the minibatch's value for
 * minibatches), the penalty, max_k |a_k|, and the original network's loss L(θ) — the loss with the special
 * neurons removed (a = 0), on the full data. Optimiser state is float64; θ stays float32 as stored.
 * Minibatches: a seeded permutation splits the samples into fixed batches; their order is reshuffled
 * (seeded) every epoch. Cancellable (AbortSignal), with a progress callback.
 */
import type { GraphModel } from '../model/graph';
import type { Dataset } from '../data/dataset';
import type { LossSpec } from '../loss';
import type { EngineObjective } from '../engine';
import { TfObjective } from '../objective';
import { Rng } from '../rng';
import { throwIfAborted, UserInputError } from '../errors';
import { withoutSpecialNeurons, maxAbsA } from '../diagnostics/specialNeurons';

export interface TrainOptions {
  steps: number;
  lr: number;
  optimizer?: 'adam' | 'sgd';
  /** Samples per minibatch; undefined or ≥ m: full batch. */
  batchSize?: number;
  seed?: number;
  /** Record every k-th step (default: every step up to 500 steps, then about 500 records). */
  every?: number;
  signal?: AbortSignal;
  /** Called after every update with the step count and the current θ (do not keep θ: it is updated in place). */
  onStep?: (step: number, theta: Float32Array) => void | Promise<void>;
  onProgress?: (p: { step: number; steps: number; record?: TrainRecord }) => void;
}

export interface TrainRecord {
  step: number;
  /** L̃(θ): loss plus penalty (on the step's minibatch for minibatch training). */
  objective: number;
  penalty: number;
  maxAbsA: number;
  /** The original network's loss L(θ) (a = 0, no penalty), full data. */
  originalLoss: number;
}

export interface TrainResult {
  theta: Float32Array;
  curve: TrainRecord[];
  steps: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  batchSize: number;
  seed: number;
}

/** A dataset of the rows `idx` (in-memory datasets only). */
export function subsetDataset(d: Dataset, idx: number[]): Dataset {
  if (d.source)
    throw new UserInputError('minibatch training needs the dataset in memory (it is streamed); use full batch', { file: d.file });
  const f = d.xShape.slice(1).reduce((a, b) => a * b, 1);
  const x = new Float32Array(idx.length * f);
  idx.forEach((r, i) => x.set(d.x.subarray(r * f, (r + 1) * f), i * f));
  let y: Dataset['y'];
  if (d.y.kind === 'labels')
    y = { kind: 'labels', data: Int32Array.from(idx, r => (d.y as { data: Int32Array }).data[r]), numClasses: d.y.numClasses };
  else {
    const yr = d.y.data.length / d.m;
    const v = new Float32Array(idx.length * yr);
    idx.forEach((r, i) => v.set((d.y as { data: Float32Array }).data.subarray(r * yr, (r + 1) * yr), i * yr));
    y = { kind: 'values', data: v, shape: [idx.length, ...d.y.shape.slice(1)] };
  }
  return {
    ...d,
    x,
    xShape: [idx.length, ...d.xShape.slice(1)],
    y,
    m: idx.length,
    total: d.total,
    indices: undefined,
    source: undefined,
    close: undefined,
  };
}

/** `on(d)`: the same objective on a minibatch d, on the engine of `full` (default TF.js); minibatch objectives are disposed here. */
export async function train(
  model: GraphModel,
  full: EngineObjective,
  data: Dataset,
  spec: LossSpec,
  theta0: Float32Array,
  o: TrainOptions,
  on: (d: Dataset) => EngineObjective = d => new TfObjective(model, d, spec),
): Promise<TrainResult> {
  const steps = o.steps,
    lr = o.lr,
    opt = o.optimizer ?? 'adam',
    seed = o.seed ?? 0;
  if (!Number.isInteger(steps) || steps < 0)
    throw new UserInputError(`steps must be a non-negative integer, got ${steps}`, { where: '--train' });
  if (!(lr > 0) || !Number.isFinite(lr)) throw new UserInputError(`learning rate must be positive, got ${lr}`, { where: '--lr' });
  if (opt !== 'adam' && opt !== 'sgd')
    throw new UserInputError(`unknown optimizer '${opt}' (expected adam or sgd)`, { where: '--optimizer' });
  const m = data.m;
  const bs = o.batchSize && o.batchSize < m ? o.batchSize : m;
  const rng = new Rng(seed);
  const batches: EngineObjective[] = [];
  try {
    if (bs < m) {
      const perm = rng
        .sample(m, m)
        .map(i => ({ i, r: rng.uniform() }))
        .sort((p, q) => p.r - q.r)
        .map(p => p.i);
      for (let s = 0; s < m; s += bs)
        batches.push(
          on(
            subsetDataset(
              data,
              perm.slice(s, s + bs).sort((a, b) => a - b),
            ),
          ),
        );
    }
    const every = o.every ?? (steps <= 500 ? 1 : Math.ceil(steps / 500));
    const theta = theta0.slice();
    const n = theta.length;
    const mom = new Float64Array(n),
      vel = new Float64Array(n);
    const b1 = 0.9,
      b2 = 0.999,
      eps = 1e-8;
    const curve: TrainRecord[] = [];
    let order: number[] = [];
    const record = async (step: number, objective?: number): Promise<TrainRecord> => {
      const rec: TrainRecord = {
        step,
        objective: objective ?? (await full.loss(theta, o.signal)),
        penalty: full.penalty(theta),
        maxAbsA: maxAbsA(model, theta),
        originalLoss: model.specialNeurons ? await full.loss(withoutSpecialNeurons(model, theta), o.signal) : NaN,
      };
      if (!model.specialNeurons) rec.originalLoss = rec.objective - rec.penalty;
      curve.push(rec);
      return rec;
    };
    for (let t = 0; t < steps; t++) {
      throwIfAborted(o.signal);
      let obj = full;
      if (batches.length) {
        if (order.length === 0)
          order = rng
            .sample(batches.length, batches.length)
            .map(i => ({ i, r: rng.uniform() }))
            .sort((p, q) => p.r - q.r)
            .map(p => p.i);
        obj = batches[order.shift()!];
      }
      const { loss, gradient } = await obj.valueAndGradient(theta, o.signal);
      let rec: TrainRecord | undefined;
      if (t % every === 0) rec = await record(t, loss);
      if (!Number.isFinite(loss))
        throw new UserInputError(`training diverged at step ${t} (loss ${loss}); lower the learning rate`, { where: '--lr' });
      if (opt === 'sgd') for (let i = 0; i < n; i++) theta[i] -= lr * gradient[i];
      else {
        const c1 = 1 - b1 ** (t + 1),
          c2 = 1 - b2 ** (t + 1);
        for (let i = 0; i < n; i++) {
          const g = gradient[i];
          mom[i] = b1 * mom[i] + (1 - b1) * g;
          vel[i] = b2 * vel[i] + (1 - b2) * g * g;
          theta[i] -= (lr * (mom[i] / c1)) / (Math.sqrt(vel[i] / c2) + eps);
        }
      }
      o.onProgress?.({ step: t + 1, steps, record: rec });
      await o.onStep?.(t + 1, theta);
    }
    await record(steps);
    return { theta, curve, steps, optimizer: opt, lr, batchSize: bs, seed };
  } finally {
    for (const b of batches) b.dispose();
  }
}
