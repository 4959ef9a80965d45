/**
 * The one ONNX op table: every ONNX op type the reader accepts, with what each consumer needs to know about it —
 *  - its theory kind (family and canonical activation: model/opKinds.ts → diagnostics/theory.ts);
 *  - how the reader's validator infers its static output shape (`shape`: a rule of formats/onnxValidate.ts SHAPE_RULES;
 *    'unknown' = not inferred, never guessed) and the fewest inputs it needs (`minInputs`, default 1);
 *  - `folded`: the reader turns it into a constant (Constant), so it has no kernel and no lowering.
 * Derived from it: the reader's supported set (formats/onnx.ts SUPPORTED_ONNX_OPS), the validator's shape rules and
 * input counts, and the theory kinds. Keyed by the same op types and typed so that none is missing: the TF.js kernels
 * (model/ops/index.ts ONNX_KERNELS satisfies Record<OnnxNodeOp, OpFn>) and the native lowerings (native/lower/index.ts
 * ONNX_LOWERINGS satisfies Record<OnnxNodeOp, Lower>); test/unit/onnx-op-table.test.ts checks both ways at run time.
 * Adding an ONNX op: one entry here, its kernel and its lowering (the types ask for both), and a derivative rule
 * (native/rules/) only if the lowering needs a primitive the IR does not have (native/ir.ts PRIM_OPS).
 */

/** What a node does, for the structural rules (model/opKinds.ts). */
export type OpFamily =
  'dense' | 'conv' | 'activation' | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'norm' | 'pool' | 'embedding' | 'shape' | 'special' | 'other';

/** How the validator infers an op's static output shape (formats/onnxValidate.ts SHAPE_RULES). */
export type ShapeRule =
  'same' | 'broadcast' | 'reshape' | 'matmul' | 'gemm' | 'conv' | 'pool' | 'transpose' | 'globalPool' | 'flatten' | 'unknown';

export interface OnnxOpEntry {
  family: OpFamily;
  /** the canonical element-wise non-linearity (family 'activation'; 'linear' for Neg) */
  activation?: string;
  shape: ShapeRule;
  /** fewest inputs (absent optional inputs do not count); default 1 */
  minInputs?: number;
  /** folded into a constant by the reader: no kernel, no lowering */
  folded?: true;
}

const act = (activation: string): { family: 'activation'; activation: string; shape: 'same' } => ({
  family: 'activation',
  activation,
  shape: 'same',
});

export const ONNX_OP_TABLE = {
  // weight layers
  Gemm: { family: 'dense', shape: 'gemm', minInputs: 2 },
  MatMul: { family: 'dense', shape: 'matmul', minInputs: 2 },
  Conv: { family: 'conv', shape: 'conv', minInputs: 2 },
  ConvTranspose: { family: 'conv', shape: 'unknown', minInputs: 2 },
  // elementwise arithmetic
  Add: { family: 'add', shape: 'broadcast', minInputs: 2 },
  Sub: { family: 'sub', shape: 'broadcast', minInputs: 2 },
  Mul: { family: 'mul', shape: 'broadcast', minInputs: 2 },
  Div: { family: 'div', shape: 'broadcast', minInputs: 2 },
  Pow: { family: 'pow', shape: 'broadcast', minInputs: 2 },
  // activations (the torch family: zoo, issue 22)
  Neg: act('linear'),
  Relu: act('relu'),
  LeakyRelu: act('leaky_relu'),
  PRelu: { ...act('prelu'), minInputs: 2 },
  Elu: act('elu'),
  Selu: act('selu'),
  Celu: act('celu'),
  Sigmoid: act('sigmoid'),
  HardSigmoid: act('hard_sigmoid'),
  HardSwish: act('hard_swish'),
  Tanh: act('tanh'),
  Softplus: act('softplus'),
  Softsign: act('softsign'),
  ThresholdedRelu: act('thresholded_relu'),
  Mish: act('mish'),
  Gelu: act('gelu'),
  Softmax: act('softmax'),
  LogSoftmax: act('log_softmax'),
  Erf: act('erf'),
  Exp: act('exponential'),
  Log: act('log'),
  Sqrt: act('sqrt'),
  Abs: act('abs'),
  Clip: act('clip'),
  // normalisation and pooling
  BatchNormalization: { family: 'norm', shape: 'same', minInputs: 5 },
  LayerNormalization: { family: 'norm', shape: 'same', minInputs: 2 },
  MaxPool: { family: 'pool', shape: 'pool' },
  AveragePool: { family: 'pool', shape: 'pool' },
  GlobalAveragePool: { family: 'pool', shape: 'globalPool' },
  ReduceMean: { family: 'pool', shape: 'unknown' },
  // shape and data movement
  Flatten: { family: 'shape', shape: 'flatten' },
  Reshape: { family: 'shape', shape: 'reshape', minInputs: 2 },
  Transpose: { family: 'shape', shape: 'transpose' },
  Squeeze: { family: 'shape', shape: 'unknown' },
  Unsqueeze: { family: 'shape', shape: 'unknown' },
  Concat: { family: 'shape', shape: 'unknown' },
  Shape: { family: 'shape', shape: 'unknown' },
  // an embedding when it picks rows of a parameter (model/opKinds.ts)
  Gather: { family: 'shape', shape: 'unknown', minInputs: 2 },
  Slice: { family: 'shape', shape: 'unknown' },
  Pad: { family: 'shape', shape: 'unknown' },
  Cast: { family: 'shape', shape: 'same' },
  Identity: { family: 'shape', shape: 'same' },
  Dropout: { family: 'shape', shape: 'same' },
  // sequence models (transformers, recurrent nets): masks, positions, token ids, recurrent cells
  ConstantOfShape: { family: 'shape', shape: 'unknown' },
  Range: { family: 'shape', shape: 'unknown' },
  Expand: { family: 'shape', shape: 'unknown' },
  Trilu: { family: 'shape', shape: 'unknown' },
  Split: { family: 'shape', shape: 'unknown' },
  Where: { family: 'shape', shape: 'unknown' },
  Equal: { family: 'shape', shape: 'unknown' },
  Not: { family: 'shape', shape: 'unknown' },
  LSTM: { family: 'other', shape: 'unknown' },
  GRU: { family: 'other', shape: 'unknown' },
  RNN: { family: 'other', shape: 'unknown' },
  // folded by the reader
  Constant: { family: 'other', shape: 'unknown', minInputs: 0, folded: true },
} as const satisfies Record<string, OnnxOpEntry>;

/** An ONNX op type the reader accepts. */
export type OnnxOp = keyof typeof ONNX_OP_TABLE;
/** The ops the reader folds into constants. */
export type FoldedOnnxOp = { [K in OnnxOp]: (typeof ONNX_OP_TABLE)[K] extends { folded: true } ? K : never }[OnnxOp];
/** An op's fewest inputs (its entry's `minInputs`, default 1). */
export type MinInputs<K extends OnnxOp> = (typeof ONNX_OP_TABLE)[K] extends { minInputs: infer N extends number } ? N : 1;
/** The internal op (GraphModel node op) of each computed ONNX op: what a TF.js kernel and a lowering exist for. */
export type OnnxNodeOp = `onnx.${Exclude<OnnxOp, FoldedOnnxOp>}`;

export const isOnnxOp = (op: string): op is OnnxOp => Object.prototype.hasOwnProperty.call(ONNX_OP_TABLE, op);

/** The table's entry of an op type (undefined: not supported). */
export function onnxOpEntry(op: string): OnnxOpEntry | undefined {
  return isOnnxOp(op) ? ONNX_OP_TABLE[op] : undefined;
}

/** Every supported ONNX op type, in table order. */
export const ONNX_OP_TYPES: readonly OnnxOp[] = Object.keys(ONNX_OP_TABLE).filter(isOnnxOp);

const computed = (op: OnnxOp): op is Exclude<OnnxOp, FoldedOnnxOp> => !('folded' in ONNX_OP_TABLE[op]);
/** The internal ops (`onnx.<type>`) that need a TF.js kernel and a native lowering: the computed ones. */
export const ONNX_NODE_OPS: readonly OnnxNodeOp[] = ONNX_OP_TYPES.filter(computed).map(op => `onnx.${op}` as const);
