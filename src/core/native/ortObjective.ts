/**
 * The Objective on ONNX Runtime: L(θ) = (1/m) Σ_i ℓ(f(x_i; θ), y_i), its gradient and exact
 * Hessian-vector products Hv (forward-over-reverse, Pearlmutter 1994), compiled to ONNX graphs by
 * compile.ts and run by onnxruntime-node. The same contract as TfObjective (src/core/objective.ts):
 * chunks of at most `chunkSize` samples (the last one padded with weight-0 rows so every chunk has
 * one static shape and one session per graph kind), sums accumulated in float64, declared
 * penalties (λ/2)‖θ_P‖² added exactly in float64, every call counted.
 */
import type * as Ort from 'onnxruntime-node';
import type { GraphModel } from '../model/graph';
import type { Dataset } from '../data/dataset';
import { LossSpec, logitsModel, checkTargets } from '../loss';
import { throwIfAborted } from '../errors';
import type { Counts, Objective } from '../objective';
import type { Compiled, GraphKind } from './compile';
import { loadOrt, ExecutionProvider, defaultThreads, nativeCall } from './runtime';
import { compiledFor, acquireSession, releaseSession } from './cache';
import { penaltyRanges, penaltyValue, addPenaltyTerm, batchPieces, concat, PenaltyRange, blockRows } from '../objectiveParts';
import { loopHvpBlock, loopLossBlock, loopGradientBlock } from '../objectiveParts';
import { chooseBlockSize, BlockKind } from './blockSize';

interface Chunk {
  start: number;
  end: number;
  x?: Ort.Tensor;
  y: Ort.Tensor;
  w: Ort.Tensor;
}

export interface OrtOptions {
  chunkSize?: number;
  ep?: ExecutionProvider;
  threads?: number;
  /** rows per block graph (hvpBlock, lossBlock, gradientBlock); default: chosen by model size (./blockSize.ts) */
  blockSize?: number;
}

export class OrtObjective implements Objective {
  readonly numParams: number;
  readonly numSamples: number;
  readonly counts: Counts = { loss: 0, gradient: 0, hvp: 0, forward: 0, jvp: 0, vjp: 0 };
  /** Shape of one sample's output (logits). */
  readonly outShape: number[];
  readonly inputNotice?: string;
  readonly notices: string[] = [];
  /** Time spent compiling graphs and creating sessions (ms), by graph kind. */
  readonly sessionMs: Partial<Record<GraphKind, number>> = {};
  ep = 'cpu';
  private readonly ort: typeof Ort;
  private readonly model: GraphModel;
  private readonly source: GraphModel;
  private readonly rows: number;
  private readonly featShape: number[];
  private readonly outDim: number;
  private readonly chunks: Chunk[] = [];
  private readonly sessions = new Map<string, Promise<{ s: Ort.InferenceSession; c: Compiled }>>();
  private readonly penalties: PenaltyRange[];
  private readonly threads: number;
  private readonly acquired: (Compiled & { key: string })[] = [];
  /** The last θ wrapped as a tensor (no copy: the tensor views the caller's array). */
  private lastTheta?: { a: Float32Array; t: Ort.Tensor };

  constructor(
    model: GraphModel,
    private readonly data: Dataset,
    readonly spec: LossSpec,
    private readonly opts: OrtOptions = {},
  ) {
    const o = loadOrt();
    if (!o) throw new Error('onnxruntime-node is not available');
    this.ort = o;
    this.model = logitsModel(model, spec);
    this.source = model;
    this.numParams = model.numParams;
    this.numSamples = data.m;
    this.penalties = penaltyRanges(model);
    this.rows = Math.max(1, Math.min(data.m, opts.chunkSize ?? 1024));
    this.featShape = data.xShape.slice(1);
    // compile the forward graph now: it checks every op and gives the output shape
    const fwd = compiledFor({ model, spec, rows: this.rows, featShape: this.featShape, kind: 'outputs' });
    this.outShape = fwd.outShape;
    this.outDim = fwd.outDim;
    checkTargets([1, ...this.outShape], data, spec);
    const ms = model.inputs[0]?.shape.slice(1) ?? [];
    if (
      ms.length &&
      ms.every(d => typeof d === 'number' && d > 0) &&
      (ms.length !== this.featShape.length || ms.some((d, i) => d !== this.featShape[i]))
    ) {
      this.inputNotice =
        `inputs (${this.featShape.join('×')}) adapted to the model's ` + `(${(ms as number[]).join('×')}) in the compiled graph`;
    }
    const flops = 2 * this.numParams * this.rows;
    this.threads = opts.threads ?? defaultThreads(flops);
    this.makeChunks();
  }

  get backend(): string {
    return `onnxruntime (${this.ep})`;
  }

  private makeChunks(): void {
    const { data, rows: R } = this;
    const d = this.outDim,
      m = data.m;
    const featSize = this.featShape.reduce((a, b) => a * b, 1);
    const wScale = this.spec.kind === 'ce' ? 1 / m : 1 / (m * d);
    for (let s = 0; s < m; s += R) {
      const e = Math.min(m, s + R),
        n = e - s;
      const y = new Float32Array(R * d),
        w = new Float32Array(R);
      for (let i = 0; i < n; i++) w[i] = wScale;
      if (data.y.kind === 'labels') for (let i = 0; i < n; i++) y[i * d + data.y.data[s + i]] = 1;
      else y.set(data.y.data.subarray(s * d, e * d));
      const c: Chunk = { start: s, end: e, y: new this.ort.Tensor('float32', y, [R, d]), w: new this.ort.Tensor('float32', w, [R, 1]) };
      if (!data.source) c.x = this.xTensor(data.x.subarray(s * featSize, e * featSize), n);
      this.chunks.push(c);
    }
  }

  /** A chunk's inputs as a tensor of R rows (rows past n repeat the first: they carry weight 0). */
  private xTensor(x: Float32Array, n: number): Ort.Tensor {
    const featSize = this.featShape.reduce((a, b) => a * b, 1);
    let buf = x;
    if (n < this.rows) {
      buf = new Float32Array(this.rows * featSize);
      buf.set(x);
      for (let i = n; i < this.rows; i++) buf.copyWithin(i * featSize, 0, featSize);
    } else if (x.byteOffset !== 0 || x.buffer.byteLength !== x.byteLength) buf = x.slice();
    return new this.ort.Tensor('float32', buf, [this.rows, ...this.featShape]);
  }
  private xOf(c: Chunk): Ort.Tensor {
    return c.x ?? this.xTensor(this.data.source!.read(c.start, c.end), c.end - c.start);
  }

  private get cfg(): { ep: ExecutionProvider; threads: number } {
    return { ep: this.opts.ep ?? 'auto', threads: this.threads };
  }

  private session(kind: GraphKind, block = 1): Promise<{ s: Ort.InferenceSession; c: Compiled }> {
    const key = `${kind}|${block}`;
    let p = this.sessions.get(key);
    if (!p) {
      p = (async () => {
        const t0 = performance.now();
        const c = compiledFor({ model: this.source, spec: this.spec, rows: this.rows, featShape: this.featShape, kind, block });
        this.acquired.push(c);
        const { session, ep, notice } = await acquireSession(c, this.cfg);
        this.ep = ep;
        if (notice && !this.notices.includes(notice)) this.notices.push(notice);
        this.sessionMs[kind] = (this.sessionMs[kind] ?? 0) + performance.now() - t0;
        return { s: session, c };
      })();
      this.sessions.set(key, p);
    }
    return p;
  }

  private async run(kind: GraphKind, feeds: Record<string, Ort.Tensor>, block = 1): Promise<Float32Array[]> {
    const { s, c } = await this.session(kind, block);
    const f: Record<string, Ort.Tensor> = {};
    for (const i of c.inputs) f[i] = feeds[i];
    const out = await nativeCall(() => s.run(f));
    return c.outputs.map(o => out[o].data as Float32Array);
  }

  /** A vector as a tensor: θ's tensor is reused across calls with the same array; a view with an offset is copied once. */
  private vec(v: Float32Array, dims: number[] = [v.length]): Ort.Tensor {
    if (this.lastTheta?.a === v && dims.length === 1) return this.lastTheta.t;
    const own = v.byteOffset === 0 && v.buffer.byteLength === v.byteLength ? v : v.slice();
    return new this.ort.Tensor('float32', own, dims);
  }
  private thetaTensor(theta: Float32Array): Ort.Tensor {
    const t = this.vec(theta);
    // reused only when it views the caller's array (an in-place change of θ is then seen as well)
    if (t.data === theta) this.lastTheta = { a: theta, t };
    return t;
  }

  penalty(theta: Float32Array): number {
    return penaltyValue(this.penalties, theta);
  }

  async loss(theta: Float32Array, signal?: AbortSignal): Promise<number> {
    this.counts.loss++;
    const th = this.thetaTensor(theta);
    let total = 0;
    for (const c of this.chunks) {
      throwIfAborted(signal);
      const [l] = await this.run('loss', { theta: th, x: this.xOf(c), y: c.y, w: c.w });
      total += l[0];
    }
    return total + this.penalty(theta);
  }

  async valueAndGradient(theta: Float32Array, signal?: AbortSignal): Promise<{ loss: number; gradient: Float32Array }> {
    this.counts.gradient++;
    const th = this.thetaTensor(theta);
    let total = 0;
    const g = new Float64Array(this.numParams);
    for (const c of this.chunks) {
      throwIfAborted(signal);
      const [l, gr] = await this.run('grad', { theta: th, x: this.xOf(c), y: c.y, w: c.w });
      total += l[0];
      if (this.chunks.length === 1 && this.penalties.length === 0) return { loss: total, gradient: gr }; // a fresh buffer of ORT's: no copy
      for (let i = 0; i < gr.length; i++) g[i] += gr[i];
    }
    addPenaltyTerm(this.penalties, theta, g);
    return { loss: total + this.penalty(theta), gradient: Float32Array.from(g) };
  }

  async hvp(theta: Float32Array, v: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    this.counts.hvp++;
    const th = this.thetaTensor(theta),
      vt = this.vec(v);
    if (this.chunks.length === 1 && this.penalties.length === 0) {
      throwIfAborted(signal);
      const c = this.chunks[0];
      const [hv] = await this.run('hvp', { theta: th, v: vt, x: this.xOf(c), y: c.y, w: c.w });
      return hv; // a fresh buffer of ORT's: no copy
    }
    const out = new Float64Array(this.numParams);
    for (const c of this.chunks) {
      throwIfAborted(signal);
      const [hv] = await this.run('hvp', { theta: th, v: vt, x: this.xOf(c), y: c.y, w: c.w });
      for (let i = 0; i < hv.length; i++) out[i] += hv[i];
    }
    addPenaltyTerm(this.penalties, v, out);
    return Float32Array.from(out);
  }

  private pieces(batch?: { start: number; end: number }): { c: Chunk; s: number; e: number }[] {
    return batchPieces(this.chunks, this.numSamples, batch);
  }

  async outputs(
    theta: Float32Array,
    batch?: { start: number; end: number },
    signal?: AbortSignal,
  ): Promise<{ shape: number[]; values: Float32Array }> {
    this.counts.forward++;
    const th = this.thetaTensor(theta),
      d = this.outDim;
    const parts: Float32Array[] = [];
    for (const p of this.pieces(batch)) {
      throwIfAborted(signal);
      const [o] = await this.run('outputs', { theta: th, x: this.xOf(p.c) });
      parts.push(o.slice(p.s * d, p.e * d));
    }
    const values = concat(parts);
    return { shape: [values.length / d, ...this.outShape], values };
  }

  async jvp(theta: Float32Array, v: Float32Array, batch?: { start: number; end: number }, signal?: AbortSignal): Promise<Float32Array> {
    this.counts.jvp++;
    const th = this.thetaTensor(theta),
      vt = this.vec(v),
      d = this.outDim;
    const parts: Float32Array[] = [];
    for (const p of this.pieces(batch)) {
      throwIfAborted(signal);
      const [o] = await this.run('jvp', { theta: th, v: vt, x: this.xOf(p.c) });
      parts.push(o.slice(p.s * d, p.e * d));
    }
    return concat(parts);
  }

  async vjp(theta: Float32Array, u: Float32Array, batch?: { start: number; end: number }, signal?: AbortSignal): Promise<Float32Array> {
    this.counts.vjp++;
    const th = this.thetaTensor(theta),
      d = this.outDim;
    const pieces = this.pieces(batch);
    const total = pieces.reduce((a, p) => a + (p.e - p.s) * d, 0);
    if (u.length !== total) throw new RangeError(`vjp: u has ${u.length} values, the outputs of this batch have ${total}`);
    const out = new Float64Array(this.numParams);
    let off = 0;
    for (const p of pieces) {
      throwIfAborted(signal);
      const uc = new Float32Array(this.rows * d);
      uc.set(u.subarray(off, off + (p.e - p.s) * d), p.s * d);
      off += (p.e - p.s) * d;
      const [g] = await this.run('vjp', { theta: th, x: this.xOf(p.c), u: new this.ort.Tensor('float32', uc, [this.rows, d]) });
      for (let i = 0; i < g.length; i++) out[i] += g[i];
    }
    return Float32Array.from(out);
  }

  /** Rows per block graph for `kind` and b vectors (1: the single-vector graphs, one per row). */
  private blockSize(kind: BlockKind, b: number): number {
    if (b <= 1) return 1;
    const B = this.opts.blockSize ?? chooseBlockSize(kind, { numParams: this.numParams, rows: this.rows, outDim: this.outDim });
    return Math.max(1, Math.min(B, b));
  }

  /** Rows j0..j0+k of a b×n block as a [B, n] tensor (zero rows pad a short last block). */
  private blockTensor(M: Float32Array, j0: number, k: number, B: number): Ort.Tensor {
    const n = this.numParams;
    if (k === B && j0 === 0 && M.length === B * n) return this.vec(M, [B, n]);
    const buf = new Float32Array(B * n);
    buf.set(M.subarray(j0 * n, (j0 + k) * n));
    return new this.ort.Tensor('float32', buf, [B, n]);
  }

  async hvpBlock(theta: Float32Array, V: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    const n = this.numParams,
      b = blockRows(V, n, 'hvpBlock');
    const B = this.blockSize('hvpBlock', b);
    if (B <= 1) return loopHvpBlock(this, theta, V, signal);
    const out = new Float32Array(b * n);
    const th = this.thetaTensor(theta);
    for (let j0 = 0; j0 < b; j0 += B) {
      const k = Math.min(B, b - j0);
      if (k === 1) {
        out.set(await this.hvp(theta, V.subarray(j0 * n, (j0 + 1) * n), signal), j0 * n);
        continue;
      }
      this.counts.hvp += k;
      const Vt = this.blockTensor(V, j0, k, B);
      if (this.chunks.length === 1 && this.penalties.length === 0) {
        throwIfAborted(signal);
        const c = this.chunks[0];
        const [hv] = await this.run('hvpBlock', { theta: th, V: Vt, x: this.xOf(c), y: c.y, w: c.w }, B);
        out.set(hv.subarray(0, k * n), j0 * n);
        continue;
      }
      const acc = new Float64Array(k * n);
      for (const c of this.chunks) {
        throwIfAborted(signal);
        const [hv] = await this.run('hvpBlock', { theta: th, V: Vt, x: this.xOf(c), y: c.y, w: c.w }, B);
        for (let i = 0; i < k * n; i++) acc[i] += hv[i];
      }
      for (let j = 0; j < k; j++)
        addPenaltyTerm(this.penalties, V.subarray((j0 + j) * n, (j0 + j + 1) * n), acc.subarray(j * n, (j + 1) * n));
      for (let i = 0; i < k * n; i++) out[j0 * n + i] = acc[i];
    }
    return out;
  }

  async lossBlock(thetas: Float32Array, signal?: AbortSignal): Promise<Float64Array> {
    const n = this.numParams,
      b = blockRows(thetas, n, 'lossBlock');
    const B = this.blockSize('lossBlock', b);
    if (B <= 1) return loopLossBlock(this, thetas, signal);
    const out = new Float64Array(b);
    for (let j0 = 0; j0 < b; j0 += B) {
      const k = Math.min(B, b - j0);
      if (k === 1) {
        out[j0] = await this.loss(thetas.subarray(j0 * n, (j0 + 1) * n), signal);
        continue;
      }
      this.counts.loss += k;
      const T = this.blockTensor(thetas, j0, k, B);
      for (const c of this.chunks) {
        throwIfAborted(signal);
        const [l] = await this.run('lossBlock', { thetas: T, x: this.xOf(c), y: c.y, w: c.w }, B);
        for (let j = 0; j < k; j++) out[j0 + j] += l[j];
      }
      for (let j = 0; j < k; j++) out[j0 + j] += this.penalty(thetas.subarray((j0 + j) * n, (j0 + j + 1) * n));
    }
    return out;
  }

  async gradientBlock(thetas: Float32Array, signal?: AbortSignal): Promise<{ loss: Float64Array; gradient: Float32Array }> {
    const n = this.numParams,
      b = blockRows(thetas, n, 'gradientBlock');
    const B = this.blockSize('gradBlock', b);
    if (B <= 1) return loopGradientBlock(this, thetas, signal);
    const loss = new Float64Array(b),
      gradient = new Float32Array(b * n);
    for (let j0 = 0; j0 < b; j0 += B) {
      const k = Math.min(B, b - j0);
      if (k === 1) {
        const r = await this.valueAndGradient(thetas.subarray(j0 * n, (j0 + 1) * n), signal);
        loss[j0] = r.loss;
        gradient.set(r.gradient, j0 * n);
        continue;
      }
      this.counts.gradient += k;
      const T = this.blockTensor(thetas, j0, k, B);
      const acc = this.chunks.length > 1 || this.penalties.length > 0 ? new Float64Array(k * n) : undefined;
      for (const c of this.chunks) {
        throwIfAborted(signal);
        const [l, g] = await this.run('gradBlock', { thetas: T, x: this.xOf(c), y: c.y, w: c.w }, B);
        for (let j = 0; j < k; j++) loss[j0 + j] += l[j];
        if (acc) for (let i = 0; i < k * n; i++) acc[i] += g[i];
        else gradient.set(g.subarray(0, k * n), j0 * n);
      }
      for (let j = 0; j < k; j++) {
        const th = thetas.subarray((j0 + j) * n, (j0 + j + 1) * n);
        loss[j0 + j] += this.penalty(th);
        if (acc) addPenaltyTerm(this.penalties, th, acc.subarray(j * n, (j + 1) * n));
      }
      if (acc) for (let i = 0; i < k * n; i++) gradient[j0 * n + i] = acc[i];
    }
    return { loss, gradient };
  }

  dispose(): void {
    for (const c of this.acquired) releaseSession(c, this.cfg);
    this.lastTheta = undefined;
    this.acquired.length = 0;
    this.sessions.clear();
    this.chunks.length = 0;
  }
}
