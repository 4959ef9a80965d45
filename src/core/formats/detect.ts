/** Checkpoint format detection by file name (cheap: no reader is loaded). */
import * as path from 'path';

export type CheckpointFormat = 'tfjs-layers' | 'keras' | 'keras-h5' | 'onnx' | 'safetensors' | 'pytorch' | 'npz-weights';

/** Glob (VS Code syntax) of files that may be checkpoints. */
export const CHECKPOINT_GLOB = '**/{model.json,*.keras,*.h5,*.onnx,*.safetensors,*.pt,*.pth}';

export function detectFormat(file: string): CheckpointFormat | undefined {
  const base = path.basename(file).toLowerCase();
  if (base.endsWith('.json')) return 'tfjs-layers';
  if (base.endsWith('.keras')) return 'keras';
  if (base.endsWith('.h5') || base.endsWith('.hdf5')) return 'keras-h5';
  if (base.endsWith('.onnx')) return 'onnx';
  if (base.endsWith('.safetensors')) return 'safetensors';
  if (base.endsWith('.pt') || base.endsWith('.pth')) return 'pytorch';
  return undefined;
}

/** True for files the product treats as checkpoints (used by hovers and watchers). */
export function looksLikeCheckpoint(file: string): boolean {
  const base = path.basename(file).toLowerCase();
  if (base.endsWith('.json')) return base === 'model.json' || /model.*\.json$/.test(base);
  return detectFormat(file) !== undefined;
}

