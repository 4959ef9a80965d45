/**
 * Checkpoint format detection and dispatch: a path → the internal GraphModel.
 * One reader per format in this folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError, UnsupportedError } from '../errors';
import { readRegularFile, regularSize } from '../safeFs';
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
  buf = readRegularFile(file, { what: 'checkpoint' });
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
  const arch = readCheckpoint(sibling);
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

export function readCheckpoint(file: string): GraphModel {
  if (!fs.existsSync(file)) throw new UserInputError('checkpoint not found', { file });
  const fmt = detectFormat(file);
  // a FIFO, device or folder is refused before any reader opens it (a FIFO would block, /dev/zero never ends)
  if (fmt) regularSize(file, 'checkpoint');
  switch (fmt) {
    case 'tfjs-layers': return readTfjsLayersModel(file);
    case 'onnx': return readOnnxModel(file);
    case 'keras': case 'keras-h5': return readKerasModel(file);
    case 'safetensors': case 'pytorch': return withSiblingArchitecture(file, readWeightsOnly(file));
    case undefined: throw new UserInputError(`unrecognised checkpoint format '${path.extname(file)}' (expected model.json, .keras, .h5, .onnx, .safetensors, .pt/.pth)`, { file });
    default: throw new UnsupportedError(`the ${fmt} reader is not available yet in this version (supported now: TF.js layers model.json, Keras .keras/.h5, ONNX)`, { file });
  }
}
