/**
 * The objective every diagnostic uses: L(θ) = (1/m) Σ_i ℓ(f(x_i; θ), y_i) on a flat parameter
 * vector θ, with its gradient and exact Hessian-vector products H(θ)v = ∇_θ (∇_θ L(θ) · v)
 * (double backprop, Pearlmutter 1994), accumulated over data chunks so memory stays bounded
 * by one chunk's activations. Quadratic penalties the model declares (GraphModel.penalty, e.g. the
 * special neurons' (λ/2)Σa_k² of Kawaguchi & Kaelbling 2020) are added exactly in float64:
 * L += (λ/2)‖θ_P‖², ∇L += λθ_P, Hv += λv_P. Every call is counted. Backend-independent interface; the TF.js
 * implementation below is the first.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from './model/graph';
import type { Dataset } from './data/dataset';
import type { RowSource } from './data/stream';
import { forward } from './model/execute';
import { LossSpec, chunkLoss, logitsModel, checkTargets } from './loss';
import { throwIfAborted, UserInputError } from './errors';
import { penaltyRanges, penaltyValue, addPenaltyTerm, batchPieces, concat, PenaltyRange } from './objectiveParts';
import { loopHvpBlock, loopLossBlock, loopGradientBlock } from './objectiveParts';

export interface Counts {
  loss: number;
  gradient: number;
  hvp: number;
  forward: number;
  jvp: number;
  vjp: number;
}

export interface Objective {
  readonly numParams: number;
  readonly numSamples: number;
  readonly backend: string;
  readonly counts: Counts;
  loss(theta: Float32Array, signal?: AbortSignal): Promise<number>;
  valueAndGradient(theta: Float32Array, signal?: AbortSignal): Promise<{ loss: number; gradient: Float32Array }>;
  hvp(theta: Float32Array, v: Float32Array, signal?: AbortSignal): Promise<Float32Array>;
  /**
   * Block products: several vectors or parameter points at once, one pass over the data where the
   * implementation can (curvlinops-style operators on blocks). Blocks are row-major and contiguous:
   * `V` holds b = V.length / numParams vectors of length numParams, one after another (a view of a
   * Krylov workspace works as is). Counted as b products of the single kind.
   *  hvpBlock(θ, V)   → H(θ)·v_j for each row v_j of V (b × n)
   *  lossBlock(Θ)     → L(θ_j) for each row θ_j of Θ (b values, float64)
   *  gradientBlock(Θ) → L(θ_j) and ∇L(θ_j) for each row (b values; b × n gradients)
   */
  hvpBlock(theta: Float32Array, V: Float32Array, signal?: AbortSignal): Promise<Float32Array>;
  lossBlock(thetas: Float32Array, signal?: AbortSignal): Promise<Float64Array>;
  gradientBlock(thetas: Float32Array, signal?: AbortSignal): Promise<{ loss: Float64Array; gradient: Float32Array }>;
  /**
   * Model outputs (logits when the final softmax/sigmoid is folded into the loss) for the samples
   * [start, end): row-major [rows, ...outShape].
   */
  outputs(
    theta: Float32Array,
    batch?: { start: number; end: number },
    signal?: AbortSignal,
  ): Promise<{ shape: number[]; values: Float32Array }>;
  /** Jacobian-vector product of the outputs: J(θ)v, shape as outputs(θ, batch). */
  jvp(theta: Float32Array, v: Float32Array, batch?: { start: number; end: number }, signal?: AbortSignal): Promise<Float32Array>;
  /** Vector-Jacobian product of the outputs: J(θ)ᵀu for u shaped as outputs(θ, batch). */
  vjp(theta: Float32Array, u: Float32Array, batch?: { start: number; end: number }, signal?: AbortSignal): Promise<Float32Array>;
  dispose(): void;
}

/** x is undefined for a streamed dataset: its rows are read from the file when the chunk is used. */
interface Chunk {
  x?: tf.Tensor;
  y: tf.Tensor;
  weight: number;
  start: number;
  end: number;
}

export class TfObjective implements Objective {
  readonly numParams: number;
  readonly numSamples: number;
  readonly counts: Counts = { loss: 0, gradient: 0, hvp: 0, forward: 0, jvp: 0, vjp: 0 };
  private readonly chunks: Chunk[] = [];
  private readonly model: GraphModel;
  private readonly source?: RowSource;
  private readonly featShape: number[];
  private readonly adapt: InputAdapter;
  /** How the dataset's inputs were converted to the model's layout, if they were. */
  readonly inputNotice?: string;
  /** Shape of one sample's output (logits). */
  readonly outShape: number[];
  /** θ index ranges [offset, offset+size) with their penalty weight λ. */
  private readonly penalties: PenaltyRange[];

  constructor(
    model: GraphModel,
    data: Dataset,
    readonly spec: LossSpec,
    opts: { chunkSize?: number } = {},
  ) {
    this.model = logitsModel(model, spec);
    this.numParams = model.numParams;
    this.numSamples = data.m;
    this.penalties = penaltyRanges(model);
    const chunkSize = Math.max(1, opts.chunkSize ?? 1024);
    const featSize = data.xShape.slice(1).reduce((a, b) => a * b, 1);
    this.source = data.source;
    this.featShape = data.xShape.slice(1);
    const featShape = data.xShape.slice(1);
    this.adapt = inputAdapter(featShape, model.inputs[0]?.shape.slice(1) ?? [], data.file);
    this.inputNotice = this.adapt.notice;
    const yRow = data.y.kind === 'labels' ? 1 : data.y.data.length / data.m;
    for (let s = 0; s < data.m; s += chunkSize) {
      const e = Math.min(data.m, s + chunkSize),
        n = e - s;
      const x = data.source
        ? undefined
        : tf.tidy(() => this.adapt.apply(tf.tensor(data.x.subarray(s * featSize, e * featSize), [n, ...featShape], 'float32')));
      const y =
        data.y.kind === 'labels'
          ? tf.tensor1d(data.y.data.subarray(s, e), 'int32')
          : tf.tensor(data.y.data.subarray(s * yRow, e * yRow), [n, ...data.y.shape.slice(1)], 'float32');
      this.chunks.push({ x, y, weight: n / data.m, start: s, end: e });
    }
    // validate shapes once with a forward pass on the first row
    const out = tf.tidy(() => forward(this.model, tf.tensor1d(model.theta), tf.slice(this.xOf(this.chunks[0]), 0, 1)));
    checkTargets(out.shape, data, spec);
    this.outShape = out.shape.slice(1);
    out.dispose();
  }

  get backend(): string {
    return tf.getBackend();
  }

  /** The declared penalties' value Σ (λ/2)‖θ_P‖² at θ (float64); 0 when the model has none. */
  penalty(theta: Float32Array): number {
    return penaltyValue(this.penalties, theta);
  }

  private lossOf(theta: tf.Tensor1D, c: Chunk): tf.Scalar {
    return chunkLoss(this.spec, forward(this.model, theta, this.xOf(c)), c.y);
  }

  async loss(theta: Float32Array, signal?: AbortSignal): Promise<number> {
    this.counts.loss++;
    let total = 0;
    for (const c of this.chunks) {
      throwIfAborted(signal);
      const l = tf.tidy(() => this.lossOf(tf.tensor1d(theta), c));
      total += c.weight * (await l.data())[0];
      l.dispose();
    }
    return total + this.penalty(theta);
  }

  async valueAndGradient(theta: Float32Array, signal?: AbortSignal): Promise<{ loss: number; gradient: Float32Array }> {
    this.counts.gradient++;
    let total = 0;
    const g = new Float64Array(this.numParams);
    for (const c of this.chunks) {
      throwIfAborted(signal);
      const [l, gr] = tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => this.lossOf(t as tf.Tensor1D, c))(tf.tensor1d(theta));
        return [value, grad] as [tf.Scalar, tf.Tensor1D];
      });
      const [lv, gv] = await Promise.all([l.data(), gr.data()]);
      l.dispose();
      gr.dispose();
      total += c.weight * lv[0];
      for (let i = 0; i < gv.length; i++) g[i] += c.weight * gv[i];
    }
    addPenaltyTerm(this.penalties, theta, g);
    return { loss: total + this.penalty(theta), gradient: Float32Array.from(g) };
  }

  async hvp(theta: Float32Array, v: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    this.counts.hvp++;
    const out = new Float64Array(this.numParams);
    const vt = tf.tensor1d(v);
    try {
      for (const c of this.chunks) {
        throwIfAborted(signal);
        const hv = tf.tidy(() => {
          const gradFn = tf.grad((t: tf.Tensor) => this.lossOf(t as tf.Tensor1D, c));
          return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gradFn(t), vt)) as tf.Scalar)(tf.tensor1d(theta));
        });
        const hvv = await hv.data();
        hv.dispose();
        for (let i = 0; i < hvv.length; i++) out[i] += c.weight * hvv[i];
      }
    } finally {
      vt.dispose();
    }
    addPenaltyTerm(this.penalties, v, out);
    return Float32Array.from(out);
  }

  private pieces(batch?: { start: number; end: number }): { c: Chunk; s: number; e: number }[] {
    return batchPieces(this.chunks, this.numSamples, batch);
  }

  private rowsOf(p: { c: Chunk; s: number; e: number }): tf.Tensor {
    if (!p.c.x && this.source)
      return this.adapt.apply(tf.tensor(this.source.read(p.c.start + p.s, p.c.start + p.e), [p.e - p.s, ...this.featShape], 'float32'));
    const x = this.xOf(p.c);
    return p.s === 0 && p.e === p.c.end - p.c.start ? x : tf.slice(x, p.s, p.e - p.s);
  }

  /** The chunk's inputs; for a streamed dataset a new tensor (call inside tf.tidy, which disposes it). */
  private xOf(c: Chunk): tf.Tensor {
    if (c.x) return c.x;
    return this.adapt.apply(tf.tensor(this.source!.read(c.start, c.end), [c.end - c.start, ...this.featShape], 'float32'));
  }

  async outputs(
    theta: Float32Array,
    batch?: { start: number; end: number },
    signal?: AbortSignal,
  ): Promise<{ shape: number[]; values: Float32Array }> {
    this.counts.forward++;
    const parts: Float32Array[] = [];
    let shape: number[] = [];
    let rows = 0;
    for (const p of this.pieces(batch)) {
      throwIfAborted(signal);
      const o = tf.tidy(() => forward(this.model, tf.tensor1d(theta), this.rowsOf(p)));
      parts.push((await o.data()) as Float32Array);
      shape = o.shape;
      rows += o.shape[0];
      o.dispose();
    }
    return { shape: [rows, ...shape.slice(1)], values: concat(parts) };
  }

  async vjp(theta: Float32Array, u: Float32Array, batch?: { start: number; end: number }, signal?: AbortSignal): Promise<Float32Array> {
    this.counts.vjp++;
    const out = new Float64Array(this.numParams);
    const pieces = this.pieces(batch);
    const rowSize = this.outShape.reduce((a, b) => a * b, 1);
    const total = pieces.reduce((a, p) => a + (p.e - p.s) * rowSize, 0);
    if (u.length !== total) throw new RangeError(`vjp: u has ${u.length} values, the outputs of this batch have ${total}`);
    let off = 0;
    for (const p of pieces) {
      throwIfAborted(signal);
      const n = (p.e - p.s) * rowSize;
      const g = tf.tidy(() => {
        const x = this.rowsOf(p);
        const ut = tf.tensor(u.subarray(off, off + n), [p.e - p.s, ...this.outShape]);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(forward(this.model, t as tf.Tensor1D, x), ut)) as tf.Scalar)(tf.tensor1d(theta));
      });
      const gv = await g.data();
      g.dispose();
      for (let i = 0; i < gv.length; i++) out[i] += gv[i];
      off += n;
    }
    return Float32Array.from(out);
  }

  /** J v by the double-vjp trick: J v = ∇_u ((Jᵀu)·v), exact at any u (we use u = 0). */
  async jvp(theta: Float32Array, v: Float32Array, batch?: { start: number; end: number }, signal?: AbortSignal): Promise<Float32Array> {
    this.counts.jvp++;
    const parts: Float32Array[] = [];
    const vt = tf.tensor1d(v);
    try {
      for (const p of this.pieces(batch)) {
        throwIfAborted(signal);
        const jv = tf.tidy(() => {
          const x = this.rowsOf(p);
          const th = tf.tensor1d(theta);
          const u0 = tf.zeros([p.e - p.s, ...this.outShape]);
          return tf.grad((u: tf.Tensor) => {
            const jtu = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(forward(this.model, t as tf.Tensor1D, x), u)) as tf.Scalar)(th);
            return tf.sum(tf.mul(jtu, vt)) as tf.Scalar;
          })(u0);
        });
        parts.push((await jv.data()) as Float32Array);
        jv.dispose();
      }
    } finally {
      vt.dispose();
    }
    return concat(parts);
  }

  hvpBlock(theta: Float32Array, V: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    return loopHvpBlock(this, theta, V, signal);
  }
  lossBlock(thetas: Float32Array, signal?: AbortSignal): Promise<Float64Array> {
    return loopLossBlock(this, thetas, signal);
  }
  gradientBlock(thetas: Float32Array, signal?: AbortSignal): Promise<{ loss: Float64Array; gradient: Float32Array }> {
    return loopGradientBlock(this, thetas, signal);
  }

  dispose(): void {
    for (const c of this.chunks) {
      c.x?.dispose();
      c.y.dispose();
    }
    this.chunks.length = 0;
  }
}

interface InputAdapter {
  apply(x: tf.Tensor): tf.Tensor;
  notice?: string;
}

/**
 * Dataset rows → the model's input layout: as is when the shapes agree (or the model's are
 * unknown); channels moved when the data is NCHW and the model NHWC or the reverse; reshaped when
 * only the flattening differs (e.g. 784 → 28×28×1). Otherwise a clear error.
 */
export function inputAdapter(dataShape: number[], modelShape: (number | null)[], file: string): InputAdapter {
  const same = { apply: (x: tf.Tensor) => x };
  if (modelShape.length === 0 || modelShape.some(d => d === null || d === undefined || d < 0)) return same;
  const ms = modelShape as number[];
  if (dataShape.length === ms.length && dataShape.every((d, i) => d === ms[i])) return same;
  const prod = (a: number[]) => a.reduce((p, q) => p * q, 1);
  const fmt = (a: number[]) => `(${a.join('×')})`;
  if (prod(dataShape) !== prod(ms))
    throw new UserInputError(
      `inputs have ${fmt(dataShape)} values per sample (${prod(dataShape)}) but the model expects ${fmt(ms)} (${prod(ms)})`,
      { file, where: 'inputs' },
    );
  if (dataShape.length === 3 && ms.length === 3) {
    if (dataShape[0] === ms[2] && dataShape[1] === ms[0] && dataShape[2] === ms[1])
      return {
        apply: x => tf.transpose(x, [0, 2, 3, 1]),
        notice: `inputs ${fmt(dataShape)} are channels-first; transposed to the model's channels-last ${fmt(ms)}`,
      };
    if (dataShape[2] === ms[0] && dataShape[0] === ms[1] && dataShape[1] === ms[2])
      return {
        apply: x => tf.transpose(x, [0, 3, 1, 2]),
        notice: `inputs ${fmt(dataShape)} are channels-last; transposed to the model's channels-first ${fmt(ms)}`,
      };
  }
  return { apply: x => tf.reshape(x, [x.shape[0], ...ms]), notice: `inputs ${fmt(dataShape)} reshaped to the model's ${fmt(ms)}` };
}
