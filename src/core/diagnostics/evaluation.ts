/**
 * How the network was evaluated, stated in every result (JSON `evaluation`, the CLI text, the
 * hover): the mode (inference: BatchNorm with its stored running statistics, dropout and noise
 * layers off — the readers map them to the identity), which samples (all, or a seeded random subset
 * without replacement), which loss and why (the model's last activation, the labels, or the
 * setting), and whether the evaluation is deterministic (cpu and wasm backends sum in a fixed order,
 * so the same inputs, seed, backend and chunk size give the same numbers; any other backend — the
 * native TensorFlow one reduces in a thread-dependent order — is not claimed deterministic).
 */
import type { GraphModel } from '../model/graph';

export interface EvaluationInfo {
  /** always 'inference': the function evaluated is the network at test time */
  mode: 'inference';
  /** BatchNorm layers (evaluated with their running statistics) and dropout/noise layers (off) in the model */
  batchNormLayers: number;
  dropoutLayers: number;
  /** 'all' or 'seeded subset' */
  samples: 'all' | 'seeded subset';
  n: number;
  total: number;
  seed: number;
  loss: string;
  lossReason: string;
  deterministic: boolean;
  /** one sentence per aspect, for the views */
  summary: string;
  determinism: string;
}

const DROPOUT = /dropout|gaussiannoise/i;

export function evaluationInfo(
  model: GraphModel,
  data: { m: number; total: number },
  seed: number,
  loss: { kind: string; reason: string },
  backend: string,
  streamed = false,
): EvaluationInfo {
  const bn = new Set<string>(),
    drop = new Set<string>();
  for (const n of model.nodes) {
    if (n.op === 'batchnorm' || n.op === 'onnx.BatchNormalization') bn.add(n.name);
    if (n.op === 'onnx.Dropout') drop.add(n.name);
  }
  for (const l of model.layers) {
    if (/^batchnorm/i.test(l.kind)) bn.add(l.name);
    if (DROPOUT.test(l.kind)) drop.add(l.name);
  }
  const subset = data.m < data.total;
  // only the backends known to reduce in a fixed order are called deterministic (TF.js cpu/wasm; ONNX Runtime's CPU
  // provider, whose kernels partition work statically: two runs are bitwise equal, test/unit/native.test.ts); GPU
  // providers and native TensorFlow are not claimed
  const deterministic = /^(cpu|wasm|onnxruntime \(cpu\))/.test(backend);
  const parts: string[] = [];
  const bnText = bn.size ? `BatchNorm (${bn.size} layer${bn.size > 1 ? 's' : ''}) with its running statistics` : '';
  const dropText = drop.size ? `dropout/noise (${drop.size} layer${drop.size > 1 ? 's' : ''}) off` : '';
  parts.push(
    bn.size || drop.size
      ? `inference mode: ${bnText}${bn.size && drop.size ? ', ' : ''}${dropText}`
      : 'inference mode (no BatchNorm or dropout: the same function as in training)',
  );
  parts.push(
    subset
      ? `a seeded random subset of ${data.m} of ${data.total} samples (seed ${seed})`
      : `all ${data.total} samples${streamed ? ' (streamed)' : ''}`,
  );
  parts.push(`${loss.kind} loss (${loss.reason})`);
  const determinism = deterministic
    ? `deterministic: ${backend} sums in a fixed order and every random choice is seeded ` +
      `(seed ${seed}), so the same checkpoint, data, settings and backend give the same numbers`
    : `not guaranteed deterministic: the ${backend} backend may reduce in a thread-dependent ` +
      `order, so the last digits can differ between runs (random choices are seeded, seed ${seed})`;
  parts.push(deterministic ? 'deterministic' : 'not bit-for-bit deterministic');
  return {
    mode: 'inference',
    batchNormLayers: bn.size,
    dropoutLayers: drop.size,
    samples: subset ? 'seeded subset' : 'all',
    n: data.m,
    total: data.total,
    seed,
    loss: loss.kind,
    lossReason: loss.reason,
    deterministic,
    summary: parts.join('; '),
    determinism,
  };
}
