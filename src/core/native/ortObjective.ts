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
import { compileGraph, Compiled, GraphKind } from './compile';
import { createSession, loadOrt, ExecutionProvider, defaultThreads, nativeCall } from './runtime';
import { penaltyRanges, penaltyValue, addPenaltyTerm, batchPieces, concat, PenaltyRange } from '../objectiveParts';
import { loopHvpBlock, loopLossBlock, loopGradientBlock } from '../objectiveParts';

/**
 * Compiled graphs, per (model object, loss, rows, input shape, kind): objectives over different
 * subsets of one dataset (the surgery's minibatches) share them, and so their sessions.
 */
const compiledCache = new WeakMap<GraphModel, Map<string, Compiled>>();
function compiledFor(model: GraphModel, spec: LossSpec, rows: number, featShape: number[], kind: GraphKind): Compiled {
  let m = compiledCache.get(model);
  if (!m) {
    m = new Map();
    compiledCache.set(model, m);
  }
  const key = `${spec.kind}|${spec.foldedActivation ?? ''}|${rows}|${featShape.join('x')}|${kind}`;
  let c = m.get(key);
  if (!c) {
    c = compileGraph(logitsModel(model, spec), spec, rows, featShape, kind);
    m.set(key, c);
  }
  return c;
}

/** Sessions shared by content (the same Compiled object) and configuration: reference-counted, released when the last user disposes. */
type SessionEntry = { p: Promise<{ session: Ort.InferenceSession; ep: string; notice?: string }>; refs: number };
const sessionCache = new Map<Compiled, Map<string, SessionEntry>>();
const cfgKey = (cfg: { ep: ExecutionProvider; threads: number }) => `${cfg.ep}|${cfg.threads}`;
function acquire(
  c: Compiled,
  cfg: { ep: ExecutionProvider; threads: number },
): Promise<{ session: Ort.InferenceSession; ep: string; notice?: string }> {
  let m = sessionCache.get(c);
  if (!m) {
    m = new Map();
    sessionCache.set(c, m);
  }
  let e = m.get(cfgKey(cfg));
  if (!e) {
    e = { p: createSession(c.bytes, cfg), refs: 0 };
    m.set(cfgKey(cfg), e);
  }
  e.refs++;
  return e.p;
}
function release(c: Compiled, cfg: { ep: ExecutionProvider; threads: number }): void {
  const m = sessionCache.get(c),
    e = m?.get(cfgKey(cfg));
  if (!m || !e || --e.refs > 0) return;
  m.delete(cfgKey(cfg));
  if (m.size === 0) sessionCache.delete(c);
  e.p.then(({ session }) => nativeCall(() => session.release())).catch(() => undefined);
}

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
  private readonly sessions = new Map<GraphKind, Promise<{ s: Ort.InferenceSession; c: Compiled }>>();
  private readonly penalties: PenaltyRange[];
  private readonly threads: number;
  private readonly acquired: Compiled[] = [];

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
    const fwd = compiledFor(model, spec, this.rows, this.featShape, 'outputs');
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

  private session(kind: GraphKind): Promise<{ s: Ort.InferenceSession; c: Compiled }> {
    let p = this.sessions.get(kind);
    if (!p) {
      p = (async () => {
        const t0 = performance.now();
        const c = compiledFor(this.source, this.spec, this.rows, this.featShape, kind);
        this.acquired.push(c);
        const { session, ep, notice } = await acquire(c, { ep: this.opts.ep ?? 'auto', threads: this.threads });
        this.ep = ep;
        if (notice && !this.notices.includes(notice)) this.notices.push(notice);
        this.sessionMs[kind] = performance.now() - t0;
        return { s: session, c };
      })();
      this.sessions.set(kind, p);
    }
    return p;
  }

  private async run(kind: GraphKind, feeds: Record<string, Ort.Tensor>): Promise<Float32Array[]> {
    const { s, c } = await this.session(kind);
    const f: Record<string, Ort.Tensor> = {};
    for (const i of c.inputs) f[i] = feeds[i];
    const out = await nativeCall(() => s.run(f));
    return c.outputs.map(o => out[o].data as Float32Array);
  }

  private vec(v: Float32Array): Ort.Tensor {
    return new this.ort.Tensor('float32', v, [v.length]);
  }

  penalty(theta: Float32Array): number {
    return penaltyValue(this.penalties, theta);
  }

  async loss(theta: Float32Array, signal?: AbortSignal): Promise<number> {
    this.counts.loss++;
    const th = this.vec(theta);
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
    const th = this.vec(theta);
    let total = 0;
    const g = new Float64Array(this.numParams);
    for (const c of this.chunks) {
      throwIfAborted(signal);
      const [l, gr] = await this.run('grad', { theta: th, x: this.xOf(c), y: c.y, w: c.w });
      total += l[0];
      if (this.chunks.length === 1 && this.penalties.length === 0) return { loss: total, gradient: Float32Array.from(gr) };
      for (let i = 0; i < gr.length; i++) g[i] += gr[i];
    }
    addPenaltyTerm(this.penalties, theta, g);
    return { loss: total + this.penalty(theta), gradient: Float32Array.from(g) };
  }

  async hvp(theta: Float32Array, v: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    this.counts.hvp++;
    const th = this.vec(theta),
      vt = this.vec(v);
    if (this.chunks.length === 1 && this.penalties.length === 0) {
      throwIfAborted(signal);
      const c = this.chunks[0];
      const [hv] = await this.run('hvp', { theta: th, v: vt, x: this.xOf(c), y: c.y, w: c.w });
      return Float32Array.from(hv);
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
    const th = this.vec(theta),
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
    const th = this.vec(theta),
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
    const th = this.vec(theta),
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
    for (const c of this.acquired) release(c, { ep: this.opts.ep ?? 'auto', threads: this.threads });
    this.acquired.length = 0;
    this.sessions.clear();
    this.chunks.length = 0;
  }
}
