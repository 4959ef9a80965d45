/** The internal op set: name → implementation. One file per op family. */
import type { OpFn } from '../graph';
import { dense } from './dense';
import { identity, flatten, activation } from './basic';
import { ONNX_OPS } from './onnx';
import { ONNX_SEQUENCE_OPS } from './onnxSequence';
import { KERAS_OPS } from './keras';
import { specialNeurons } from './special';
import type { OnnxNodeOp } from '../onnxOps';

/** The TF.js kernels of the ONNX ops: exactly the one ONNX op table's computed ops (../onnxOps.ts). */
export const ONNX_KERNELS = { ...ONNX_OPS, ...ONNX_SEQUENCE_OPS } satisfies Record<OnnxNodeOp, OpFn>;

export const OPS: Record<string, OpFn> = {
  dense,
  identity,
  flatten,
  activation,
  ...ONNX_KERNELS,
  ...KERAS_OPS,
  specialNeurons,
};
