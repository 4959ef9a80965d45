/**
 * Which writer expresses a checkpoint, and the dispatch to it. TF.js layers, ONNX and safetensors
 * inputs are written in their own format; a weights-only input whose architecture comes from a
 * sibling (.pt/.pth, or safetensors when the architecture changes) is written in the sibling's
 * format (ONNX or TF.js layers) with a notice; Keras files have no writer yet (clear error).
 */
import * as fs from 'fs';
import * as path from 'path';
import { UnsupportedError, UserInputError } from '../../errors';
import type { GraphModel } from '../../model/graph';
import { detectFormat } from '../detect';
import { siblingArchitecture } from '../index';
export { siblingArchitecture };
import { defaultOutputPath, splitName } from './common';
import { claimOutput } from '../../output';
import { writeTfjsFromSource } from './tfjsLayers';
import { writeOnnx } from './onnx';
import { writeSafetensors } from './safetensors';

export type WriterFormat = 'tfjs-layers' | 'onnx' | 'safetensors';
export interface WritePlan {
  format: WriterFormat;
  source: string;
  reason: string;
}

/** How `input` will be written; `architectureChanges`: the output has a different architecture (weights-only formats cannot hold it). */
export function planWrite(input: string, architectureChanges = false): WritePlan {
  const fmt = detectFormat(input);
  if (fmt === 'tfjs-layers') return { format: 'tfjs-layers', source: input, reason: 'same format as the input (TF.js layers)' };
  if (fmt === 'onnx') return { format: 'onnx', source: input, reason: 'same format as the input (ONNX)' };
  if (fmt === 'safetensors' && !architectureChanges)
    return { format: 'safetensors', source: input, reason: 'same format as the input (safetensors: header kept, tensor bytes replaced)' };
  if (fmt === 'safetensors' || fmt === 'pytorch') {
    const sib = siblingArchitecture(input);
    if (!sib)
      throw new UnsupportedError(
        'no writer can express this checkpoint: a weights-only file without a sibling architecture (.onnx or model.json)',
        { file: input },
      );
    const f = detectFormat(sib) as WriterFormat;
    const why = fmt === 'pytorch' ? 'there is no PyTorch writer' : 'safetensors holds weights only and the architecture changes';
    return {
      format: f,
      source: sib,
      reason: `${why}; written in the format of its architecture file ${path.basename(sib)} (${f === 'onnx' ? 'ONNX' : 'TF.js layers'})`,
    };
  }
  throw new UnsupportedError(
    `no writer for ${fmt ?? 'this'} checkpoints yet (writers: TF.js layers ` +
      `model.json, ONNX, safetensors); convert the model to TF.js layers or ONNX first`,
    { file: input },
  );
}

export const extensionOf = (f: WriterFormat): string => (f === 'tfjs-layers' ? '.json' : f === 'onnx' ? '.onnx' : '.safetensors');

/** The folder of a run that holds the checkpoints written by surgery (never among training's own). */
export const DERIVED_DIR = 'derived';

/**
 * A free default output in the run's `derived/` folder, named after the input's unit (the folder of a
 * TF.js model.json, else the file's stem) and the tag: `<run>/step_4000/model.json` →
 * `<run>/derived/step_4000.special/model.json` (its own folder, shard beside it), `<run>/ckpt_7.onnx` →
 * `<run>/derived/ckpt_7.perturbed.onnx`; then `.2`, `.3`, … while a name is taken. An input already in
 * `derived/` stays there (`step_4000.special` → `step_4000.special.trained`). A safetensors output holds
 * weights only and needs its architecture file beside it, so it stays beside the input (`<stem>.<tag>.safetensors`).
 */
export function defaultOutput(input: string, plan: WritePlan, tag: string): string {
  if (plan.format === 'safetensors') {
    const p = defaultOutputPath(input, tag, '.safetensors');
    claimOutput(p, path.dirname(path.resolve(input)));
    return p;
  }
  const abs = path.resolve(input);
  const folderUnit = detectFormat(abs) === 'tfjs-layers';
  const unit = folderUnit ? path.dirname(abs) : abs;
  const parent = path.dirname(unit);
  const derived = path.basename(parent) === DERIVED_DIR ? parent : path.join(parent, DERIVED_DIR);
  const unitName = folderUnit ? path.basename(unit) : splitName(abs).stem;
  for (let i = 1; i < 10000; i++) {
    const name = `${unitName}.${tag}${i === 1 ? '' : `.${i}`}`;
    if (plan.format === 'tfjs-layers') {
      const folder = path.join(derived, name);
      if (!fs.existsSync(folder)) return claimed(path.join(folder, 'model.json'), path.dirname(derived));
    } else {
      const p = path.join(derived, name + extensionOf(plan.format));
      if (!fs.existsSync(p)) return claimed(p, path.dirname(derived));
    }
  }
  throw new UserInputError(`no free output name for tag '${tag}' in ${derived}`, { file: input });
}

/** `file` claimed for the run folder `root` (src/core/output.ts): a `derived/` that leads outside it is refused. */
function claimed(file: string, root: string): string {
  claimOutput(file, root);
  return file;
}

/** Write `model` with parameters θ per `plan`; returns the files written. */
export function writeWithPlan(plan: WritePlan, model: GraphModel, theta: Float32Array, out: string, inputs: string[] = []): string[] {
  for (const f of inputs)
    if (path.resolve(f) === path.resolve(out)) throw new UnsupportedError('the output would replace an input file; refused', { file: out });
  switch (plan.format) {
    case 'tfjs-layers':
      return writeTfjsFromSource(plan.source, model, theta, out);
    case 'onnx':
      return writeOnnx(plan.source, model, theta, out);
    case 'safetensors':
      return writeSafetensors(plan.source, model, theta, out);
  }
}

export { writeTfjsLayers, writeTfjsFromSource, tfjsShardPath, readModelJson } from './tfjsLayers';
export { writeOnnx, onnxBytes, onnxNode, onnxFloatTensor } from './onnx';
export type { OnnxAugment } from './onnx';
export { writeSafetensors } from './safetensors';
export { defaultOutputPath, writeNewFile, checkNew } from './common';
