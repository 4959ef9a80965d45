/**
 * Internal op → native IR lowering, by internal op name (one table per op family). The ONNX ops' lowerings cover
 * exactly the one ONNX op table's computed ops (model/onnxOps.ts), each typed by its fewest inputs:
 * `satisfies OnnxLowerings`.
 */
import { ONNX_LOWER } from './onnx';
import { KERAS_LOWER } from './keras';
import { SEQUENCE_LOWER } from './sequence';
import type { AnyLower, Lower, OnnxLowerings } from './common';

export const ONNX_LOWERINGS = { ...ONNX_LOWER, ...SEQUENCE_LOWER } satisfies OnnxLowerings;
export const LOWER: Record<string, AnyLower> = { ...ONNX_LOWERINGS, ...KERAS_LOWER };
export type { Lower, AnyLower };
