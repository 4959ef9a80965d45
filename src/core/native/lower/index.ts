/** Internal op → native IR lowering, by internal op name (one table per op family). */
import { ONNX_LOWER, Lower } from './onnx';
import { KERAS_LOWER } from './keras';
import { SEQUENCE_LOWER } from './sequence';

export const LOWER: Record<string, Lower> = { ...ONNX_LOWER, ...SEQUENCE_LOWER, ...KERAS_LOWER };
export type { Lower };
