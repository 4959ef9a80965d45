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
import { pairWithArchitecture } from './pairing';

/** Tensors of a weights-only file (safetensors or a PyTorch state dict). */
export function readWeightsOnly(file: string): NamedTensor[] {
  if (detectFormat(file) === 'safetensors') return readSafetensors(file).tensors;
  const buf: Buffer = readRegularFile(file, { what: 'checkpoint' });
  return readPytorchStateDict(file, buf);
}

/**
 * The architecture file of a weights-only checkpoint: a same-stem .onnx (also with trailing dotted
 * tags dropped, so `model.perturbed.safetensors` finds `model.onnx`), else model.onnx, else model.json in the folder
 * (the same rule as logs/runs.ts architectureFor).
 */
export function siblingArchitecture(file: string): string | undefined {
  const dir = path.dirname(file),
    parts = path.basename(file).split('.').slice(0, -1);
  const stems: string[] = [];
  for (let k = parts.length; k >= 1; k--) stems.push(parts.slice(0, k).join('.'));
  return [...stems.map(s => path.join(dir, `${s}.onnx`)), path.join(dir, 'model.onnx'), path.join(dir, 'model.json')].find(f =>
    fs.existsSync(f),
  );
}

/**
 * Weights-only files get their architecture from a sibling (siblingArchitecture); every tensor of the
 * checkpoint — parameters and buffers — replaces the architecture's tensor of the same name (or the
 * one the exporter renamed), and disagreements are refused (pairWithArchitecture in pairing.ts).
 */
function withSiblingArchitecture(file: string, tensors: NamedTensor[]): GraphModel {
  const sibling = siblingArchitecture(file);
  if (!sibling)
    throw new UnsupportedError(
      `weights only: ${tensors.length} tensors but no architecture. Put the model's ONNX ` +
        `export beside it under the same stem (model.onnx for model.pt or model.step_100.pt) ` +
        `or a model.json; from a PyTorch script, the helper of 'Landscape: Set Up PyTorch ` +
        `Export' (landscape_lens.py) writes both. 'landscape inspect' shows the weights`,
      { file },
    );
  const paired = pairWithArchitecture(file, tensors, readCheckpoint(sibling, { allowNonFinite: true }), sibling);
  return { ...paired, format: detectFormat(file)! };
}

import { detectFormat, CHECKPOINT_FORMATS, type CheckpointFormat } from './registry';
export { detectFormat, looksLikeCheckpoint, CHECKPOINT_GLOB } from './detect';
export type { CheckpointFormat } from './detect';

/** Errors raised while running the graph name the file it came from (the architecture file for weights-only checkpoints). */
function withSource(m: GraphModel, file: string): GraphModel {
  m.source ??= file;
  return m;
}

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
    let first = -1,
      count = 0;
    for (let i = 0; i < p.size; i++)
      if (!Number.isFinite(model.theta[p.offset + i])) {
        if (first < 0) first = i;
        count++;
      }
    if (count) {
      const v = model.theta[p.offset + first];
      const idx: number[] = [];
      let r = first;
      for (let d = p.shape.length - 1; d >= 0; d--) {
        idx.unshift(r % p.shape[d]);
        r = Math.floor(r / p.shape[d]);
      }
      throw new UserInputError(
        `weight tensor '${p.name}' has ${count} non-finite value${count > 1 ? 's' : ''} (first: ${v} at ` +
          `index [${idx.join(', ')}], element ${first}): the loss, gradient and curvature would all be NaN`,
        { file, where: `tensor '${p.name}'` },
      );
    }
  }
}

/** The reader of each format (registry.ts lists the formats; a format without a reader does not compile). */
const READERS: Record<CheckpointFormat, (file: string) => GraphModel> = {
  'tfjs-layers': file => withSource(readTfjsLayersModel(file), file),
  onnx: file => withSource(readOnnxModel(file), file),
  keras: file => withSource(readKerasModel(file), file),
  'keras-h5': file => withSource(readKerasModel(file), file),
  safetensors: file => withSiblingArchitecture(file, readWeightsOnly(file)),
  pytorch: file => withSiblingArchitecture(file, readWeightsOnly(file)),
};

function readAnyCheckpoint(file: string): GraphModel {
  if (!fs.existsSync(file)) throw new UserInputError('checkpoint not found', { file });
  const fmt = detectFormat(file);
  if (!fmt) throw new UserInputError(`unrecognised checkpoint format '${path.extname(file)}' (expected ${expectedNames()})`, { file });
  // a FIFO, device or folder is refused before any reader opens it (a FIFO would block, /dev/zero never ends)
  regularSize(file, 'checkpoint');
  return READERS[fmt](file);
}

/** "model.json, .keras, .h5, …" from the registry. */
function expectedNames(): string {
  return CHECKPOINT_FORMATS.map(f => (f.id === 'tfjs-layers' ? 'model.json' : f.extensions.join('/'))).join(', ');
}
