/**
 * Checkpoint format detection and dispatch: a path → the internal GraphModel.
 * One reader per format in this folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError, UnsupportedError } from '../errors';
import type { GraphModel } from '../model/graph';
import { readTfjsLayersModel } from './tfjsLayers';
import { readOnnxModel } from './onnx';
import { readKerasModel } from './keras';
import { readSafetensors, NamedTensor } from './safetensors';
import { readPytorchStateDict } from './pytorch';

/** Tensors of a weights-only file (safetensors or a PyTorch state dict). */
export function readWeightsOnly(file: string): NamedTensor[] {
  if (detectFormat(file) === 'safetensors') return readSafetensors(file).tensors;
  let buf: Buffer;
  try { buf = fs.readFileSync(file); } catch (e) { throw new UserInputError(`cannot read checkpoint: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file }); }
  return readPytorchStateDict(file, buf);
}

/**
 * Weights-only files get their architecture from a sibling: a same-stem .onnx, else model.json
 * in the same folder; the architecture's parameters are replaced by the tensors of the same name.
 */
/**
 * The architecture file of a weights-only checkpoint: a same-stem .onnx (also with trailing dotted
 * tags dropped, so `model.perturbed.safetensors` finds `model.onnx`), else model.json in the folder.
 */
export function siblingArchitecture(file: string): string | undefined {
  const dir = path.dirname(file), parts = path.basename(file).split('.').slice(0, -1);
  const stems: string[] = [];
  for (let k = parts.length; k >= 1; k--) stems.push(parts.slice(0, k).join('.'));
  return [...stems.map(s => path.join(dir, `${s}.onnx`)), path.join(dir, 'model.json')].find(f => fs.existsSync(f));
}

function withSiblingArchitecture(file: string, tensors: NamedTensor[]): GraphModel {
  const sibling = siblingArchitecture(file);
  if (!sibling) throw new UnsupportedError(`weights only: ${tensors.length} tensors but no architecture (put a same-stem .onnx or a model.json beside it, or export ONNX from PyTorch); 'landscape inspect' shows the weights`, { file });
  const arch = readCheckpoint(sibling, { allowNonFinite: true });
  const byName = new Map(tensors.map(t => [t.name, t]));
  const theta = new Float32Array(arch.numParams);
  const missing: string[] = [];
  for (const p of arch.params) {
    const t = byName.get(p.name);
    if (!t) { missing.push(p.name); continue; }
    if (t.values.length !== p.size) throw new UserInputError(`tensor '${p.name}' has ${t.values.length} values but the architecture in ${path.basename(sibling)} needs ${p.size} (shape ${p.shape.join('×')})`, { file, where: `tensor '${p.name}'` });
    theta.set(Float32Array.from(t.values), p.offset);
  }
  if (missing.length) throw new UserInputError(`the architecture in ${path.basename(sibling)} has parameters not in this file: ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}`, { file });
  return { ...arch, theta, format: detectFormat(file)!, notices: [...arch.notices, `architecture from ${path.basename(sibling)}, weights from ${path.basename(file)}`] };
}

import { detectFormat } from './detect';
export { detectFormat, looksLikeCheckpoint, CHECKPOINT_GLOB } from './detect';
export type { CheckpointFormat } from './detect';

/**
 * Read a checkpoint into a GraphModel. Non-finite weights (NaN, ±Inf) are refused here, naming the
 * tensor and the element, because every loss, gradient and eigenvalue computed from them would be
 * NaN; `{ allowNonFinite: true }` (used by `inspect`, which reports them) reads them anyway.
 */
export function readCheckpoint(file: string, opts: { allowNonFinite?: boolean } = {}): GraphModel {
  const model = readAnyCheckpoint(file);
  if (!opts.allowNonFinite) assertFiniteWeights(model, file);
  return model;
}

/** Throws a UserInputError naming the first parameter tensor with a NaN/Inf value and the number of such values. */
export function assertFiniteWeights(model: GraphModel, file: string): void {
  for (const p of model.params) {
    let first = -1, count = 0;
    for (let i = 0; i < p.size; i++) if (!Number.isFinite(model.theta[p.offset + i])) { if (first < 0) first = i; count++; }
    if (count) {
      const v = model.theta[p.offset + first];
      const idx: number[] = []; let r = first;
      for (let d = p.shape.length - 1; d >= 0; d--) { idx.unshift(r % p.shape[d]); r = Math.floor(r / p.shape[d]); }
      throw new UserInputError(`weight tensor '${p.name}' has ${count} non-finite value${count > 1 ? 's' : ''} (first: ${v} at index [${idx.join(', ')}], element ${first}): the loss, gradient and curvature would all be NaN`, { file, where: `tensor '${p.name}'` });
    }
  }
}

function readAnyCheckpoint(file: string): GraphModel {
  if (!fs.existsSync(file)) throw new UserInputError('checkpoint not found', { file });
  const fmt = detectFormat(file);
  switch (fmt) {
    case 'tfjs-layers': return readTfjsLayersModel(file);
    case 'onnx': return readOnnxModel(file);
    case 'keras': case 'keras-h5': return readKerasModel(file);
    case 'safetensors': case 'pytorch': return withSiblingArchitecture(file, readWeightsOnly(file));
    case undefined: throw new UserInputError(`unrecognised checkpoint format '${path.extname(file)}' (expected model.json, .keras, .h5, .onnx, .safetensors, .pt/.pth)`, { file });
    default: throw new UnsupportedError(`the ${fmt} reader is not available yet in this version (supported now: TF.js layers model.json, Keras .keras/.h5, ONNX)`, { file });
  }
}
