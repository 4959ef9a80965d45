/**
 * `landscape inspect`: what a checkpoint holds, without data — format, layers/ops with shapes,
 * parameter count, and per-tensor statistics (shape, dtype, min, max, mean, std, L2 norm, NaN/Inf
 * counts) for every format, weights-only ones (safetensors, PyTorch state dicts) included.
 */
import * as path from 'path';
import { detectFormat, readCheckpoint, readWeightsOnly, siblingArchitecture } from './formats';
import type { CheckpointPairing } from './model/graph';
import { UserInputError, isUserInputError } from './errors';

export interface TensorStats {
  name: string;
  role?: string;
  trainable: boolean;
  shape: number[];
  dtype: string;
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  l2: number | null;
  nan: number;
  inf: number;
}

export interface InspectResult {
  file: string;
  format: string;
  params: number;
  tensors: TensorStats[];
  layers?: { name: string; kind: string; activation?: string; units?: number; params: number }[];
  ops?: { op: string; name: string; inputs: string[]; outputs: string[] }[];
  inputs?: { name: string; shape: (number | null)[] }[];
  /** weights-only files with an architecture beside them: which tensor comes from which file */
  pairing?: CheckpointPairing;
  notices: string[];
}

export function tensorStats(
  name: string,
  shape: number[],
  dtype: string,
  v: ArrayLike<number>,
  trainable: boolean,
  role?: string,
): TensorStats {
  let n = 0,
    nan = 0,
    inf = 0,
    min = Infinity,
    max = -Infinity,
    sum = 0,
    sq = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isNaN(x)) {
      nan++;
      continue;
    }
    if (!Number.isFinite(x)) {
      inf++;
      continue;
    }
    n++;
    sum += x;
    sq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = n ? sum / n : null;
  const std = n ? Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2)) : null;
  return {
    name,
    role,
    trainable,
    shape,
    dtype,
    count: v.length,
    min: n ? min : null,
    max: n ? max : null,
    mean,
    std,
    l2: n ? Math.sqrt(sq) : null,
    nan,
    inf,
  };
}

export function inspectFile(file: string): InspectResult {
  const format = detectFormat(file);
  if (!format) throw new UserInputError(`unrecognised checkpoint format '${path.extname(file)}'`, { file });
  if (format === 'safetensors' || format === 'pytorch') {
    const ts = readWeightsOnly(file);
    const arch = siblingArchitecture(file);
    let pairing: CheckpointPairing | undefined, notices: string[];
    if (!arch) notices = ['weights only: diagnostics need the architecture (a same-stem .onnx or model.json beside it)'];
    else {
      try {
        const m = readCheckpoint(file);
        pairing = m.pairing;
        notices = m.notices;
      } catch (e) {
        if (!isUserInputError(e)) throw e;
        const msg = e.file && e.message.startsWith(e.file) ? e.message.slice(e.file.length).replace(/^( \([^)]*\))?: /, '') : e.message;
        notices = [`not diagnosable with ${path.basename(arch)} beside it: ${msg}`];
      }
    }
    const params = new Set(pairing?.params.map(p => p.name));
    return {
      file: path.resolve(file),
      format,
      params: pairing
        ? ts.filter(t => params.has(t.name)).reduce((a, t) => a + t.values.length, 0)
        : ts.reduce((a, t) => a + t.values.length, 0),
      tensors: ts.map(t => tensorStats(t.name, t.shape, t.dtype, t.values, pairing ? params.has(t.name) : true)),
      ...(pairing ? { pairing } : {}),
      notices,
    };
  }
  const m = readCheckpoint(file, { allowNonFinite: true }); // inspect reports NaN/Inf counts
  const tensors = m.params.map(p => tensorStats(p.name, p.shape, 'float32', m.theta.subarray(p.offset, p.offset + p.size), true, p.role));
  for (const [name, c] of m.constants) tensors.push(tensorStats(name, c.shape, c.dtype, c.values, false));
  return {
    file: path.resolve(file),
    format: m.format,
    params: m.numParams,
    tensors,
    layers: m.layers,
    ops: m.nodes.map(n => ({ op: n.op, name: n.name, inputs: n.inputs, outputs: n.outputs })),
    inputs: m.inputs.map(i => ({ name: i.name, shape: i.shape })),
    notices: m.notices,
  };
}
