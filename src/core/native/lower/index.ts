/**
 * Internal op → native IR lowering, by internal op name (one table per op family). The ONNX ops' lowerings cover
 * exactly the one ONNX op table's computed ops (model/onnxOps.ts): `satisfies Record<OnnxNodeOp, Lower>`.
 */
import { ONNX_LOWER, Lower } from './onnx';
import { KERAS_LOWER } from './keras';
import { SEQUENCE_LOWER } from './sequence';
import type { OnnxNodeOp } from '../../model/onnxOps';

export const ONNX_LOWERINGS = { ...ONNX_LOWER, ...SEQUENCE_LOWER } satisfies Record<OnnxNodeOp, Lower>;
export const LOWER: Record<string, Lower> = { ...ONNX_LOWERINGS, ...KERAS_LOWER };
export type { Lower };
