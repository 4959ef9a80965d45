/**
 * The internal model every reader produces: a topologically sorted graph of ops over named
 * tensors, a list of trainable parameters that live in one flat vector θ, and constants.
 * The forward pass is a pure function of (θ, inputs) built only from TF.js ops whose
 * second-order gradients are verified (src/core/autodiff), so the loss can be differentiated
 * twice for exact Hessian-vector products.
 */
import type * as tfc from '@tensorflow/tfjs-core';

export type Layout = 'NHWC' | 'NCHW';

/** One trainable tensor, a contiguous slice θ[offset, offset+size) reshaped to `shape`. */
export interface ParamSpec {
  /** Tensor name as the producer wrote it (e.g. "dense_1/kernel", "fc1.weight"). */
  name: string;
  /** The layer / node that owns it (for per-layer reports). */
  layer: string;
  /** Role in its layer: kernel (weight matrix or filter), bias, gamma, beta, embedding, other. */
  role: 'kernel' | 'bias' | 'gamma' | 'beta' | 'embedding' | 'other';
  shape: number[];
  offset: number;
  size: number;
  /** For kernels: which axis indexes output units / filters (filter-normalised directions use it). */
  outAxis?: number;
}

export interface GraphNode {
  /** Op name in the internal op set (see src/core/model/ops/). */
  op: string;
  /** Names of input tensors (graph inputs, params, constants or earlier outputs). */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, unknown>;
  /** Human name of the producer's layer / node, used in error messages. */
  name: string;
}

export interface GraphModel {
  format: string;
  /** The file the graph was read from (named in errors raised while running it). */
  source?: string;
  /** Model inputs with shapes (batch dimension as -1 or null). */
  inputs: { name: string; shape: (number | null)[]; dtype: 'float32' | 'int32' }[];
  outputs: string[];
  params: ParamSpec[];
  numParams: number;
  /** θ as stored in the checkpoint. */
  theta: Float32Array;
  /** Non-trainable tensors (BN statistics, shape constants, ...). */
  constants: Map<string, { shape: number[]; dtype: 'float32' | 'int32'; values: Float32Array | Int32Array }>;
  nodes: GraphNode[];
  /** Final activation of the network output, if the producer marked one (drives the default loss). */
  outputActivation?: string;
  /** Layer list with kinds, for reports and the theory rules. */
  layers: { name: string; kind: string; activation?: string; units?: number; params: number }[];
  notices: string[];
  /** Quadratic penalties (λ/2)‖θ_param‖² that are part of the training loss (e.g. special neurons' a_k). */
  penalty?: { param: string; lambda: number }[];
  /**
   * A weights-only checkpoint read with the architecture file beside it: which tensor came from which
   * file (src/core/formats/pairing.ts).
   */
  pairing?: CheckpointPairing;
  /** Kawaguchi–Kaelbling special neurons a_k·exp(w_kᵀx + b_k), if the model has them: parameter names. */
  specialNeurons?: { a: string; w: string; b: string; lambda: number; node: string };
}

export type OpFn = (inputs: tfc.Tensor[], attrs: Record<string, unknown>, node: GraphNode) => tfc.Tensor[];

export interface PairedParam {
  /** the parameter's name in the model (the checkpoint's name) */
  name: string;
  /** the architecture file's name for it when the exporter renamed it (e.g. onnx::MatMul_16) */
  exportedAs?: string;
  /** the architecture file stores it transposed; a Transpose node is added in front of its consumer */
  transposed?: boolean;
  /** how a renamed tensor was matched: by graph position, shape and equal values, or by position and shape only */
  matched?: 'position, shape and values' | 'position and shape';
}

export interface CheckpointPairing {
  checkpoint: string;
  architecture: string;
  /** parameters θ, all read from the checkpoint */
  params: PairedParam[];
  /** non-trainable tensors (buffers) read from the checkpoint */
  buffers: string[];
  /** checkpoint tensors the graph does not read: BatchNorm num_batches_tracked, and the second name of a tied parameter (see tiedTo) */
  unused: string[];
  /** a tied parameter's second state-dict name → the name the export reads (same shape and values) */
  tiedTo?: Record<string, string>;
  /** constants that only the architecture file holds (named ones; exporter-made shape/axis constants are counted) */
  fromArchitecture: string[];
  fromArchitectureOther: number;
}
