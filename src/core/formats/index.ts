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

import { detectFormat } from './detect';
export { detectFormat, looksLikeCheckpoint, CHECKPOINT_GLOB } from './detect';
export type { CheckpointFormat } from './detect';

export function readCheckpoint(file: string): GraphModel {
  if (!fs.existsSync(file)) throw new UserInputError('checkpoint not found', { file });
  const fmt = detectFormat(file);
  switch (fmt) {
    case 'tfjs-layers': return readTfjsLayersModel(file);
    case 'onnx': return readOnnxModel(file);
    case 'keras': case 'keras-h5': return readKerasModel(file);
    case undefined: throw new UserInputError(`unrecognised checkpoint format '${path.extname(file)}' (expected model.json, .keras, .h5, .onnx, .safetensors, .pt/.pth)`, { file });
    default: throw new UnsupportedError(`the ${fmt} reader is not available yet in this version (supported now: TF.js layers model.json, Keras .keras/.h5, ONNX)`, { file });
  }
}
