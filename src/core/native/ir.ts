/**
 * The native engine's graph IR: ONNX nodes over named tensors with *static* shapes, built through
 * one method per primitive op. Each method infers its output shape, so every rule (lowering,
 * VJP, JVP) knows the shapes it works on (broadcast reductions, reshapes back). The op set is
 * deliberately small — what the lowering of the internal ops and the derivative rules emit — and
 * every op in it has a forward-mode (JVP) rule in rules/, so forward-over-reverse (Pearlmutter
 * 1994) closes over it. Serialised to an ONNX ModelProto by proto.ts.
 */
export type DType = 'float' | 'int64' | 'bool';
export interface TInfo {
  shape: number[];
  dtype: DType;
}
export type AttrValue = number | number[] | string | { f: number };

/**
 * The IR's primitive ops, declared once: what the Graph's builder methods emit (`one`, `prim`). Every one has its
 * derivative rules in rules/ — `RULES satisfies PrimRules` (rules/index.ts) makes a missing rule a type error.
 */
export const PRIM_OPS = [
  // elementwise (rules/elementwise.ts)
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Neg',
  'Identity',
  'Exp',
  'Log',
  'Sqrt',
  'Tanh',
  'Sigmoid',
  'Softplus',
  'Erf',
  'Relu',
  'Abs',
  'Pow',
  'Where',
  'Greater',
  'Equal',
  'Not',
  'Cast',
  'Sign',
  'ReduceMax',
  // linear and bilinear (rules/linear.ts)
  'MatMul',
  'ReduceSum',
  'Reshape',
  'Transpose',
  'Concat',
  'Slice',
  'Pad',
  'Gather',
  'ScatterND',
  'Expand',
  // convolution and pooling (rules/conv.ts)
  'Conv',
  'ConvTranspose',
  'MaxPool',
  'GatherElements',
  'ScatterElements',
  'ArgMax', // piecewise constant (pooling's argmax: ../poolIndices.ts)
] as const;
export type PrimOp = (typeof PRIM_OPS)[number];
const PRIM_SET: ReadonlySet<string> = new Set(PRIM_OPS);
export const isPrimOp = (op: string): op is PrimOp => PRIM_SET.has(op);
/** Whether a node is primitive `op` (the compiler writes primitives through Graph.prim, with their typed attributes). */
export const isPrim = <K extends PrimOp>(n: INode, op: K): n is PrimNode<K> => n.op === op;

/** The elementwise unary primitives (Graph.unary). */
export type UnaryOp = 'Neg' | 'Exp' | 'Log' | 'Sqrt' | 'Tanh' | 'Sigmoid' | 'Erf' | 'Relu' | 'Abs' | 'Sign' | 'Softplus' | 'Identity';
/**
 * Primitives emitted only by derivative rules (the adjoints of max pooling and of row gathers): they need a
 * forward-mode rule (the HVP differentiates the gradient graph forwards), never a reverse-mode one.
 */
export const TANGENT_ONLY_OPS = ['GatherElements', 'ScatterElements', 'ScatterND'] as const satisfies readonly PrimOp[];
export type TangentOnlyOp = (typeof TANGENT_ONLY_OPS)[number];

type ConvAttrMap = { strides: number[]; pads: number[]; dilations: number[]; group: number; kernel_shape: number[] };
/** The attributes of the primitives that take some (ONNX names); every other primitive takes none. */
type WithAttrs = {
  /** ONNX TensorProto element types: 1 float, 7 int64, 9 bool */
  Cast: { to: 1 | 7 | 9 };
  ReduceSum: { keepdims: 0 | 1 };
  ReduceMax: { axes: number[]; keepdims: 0 | 1 };
  Transpose: { perm: number[] };
  Concat: { axis: number };
  Pad: { mode: 'constant' };
  Gather: { axis: number };
  ScatterND: { reduction: 'add' };
  Conv: ConvAttrMap;
  ConvTranspose: ConvAttrMap & { output_padding: number[] };
  MaxPool: { kernel_shape: number[]; strides: number[]; pads: number[] };
  GatherElements: { axis: number };
  ScatterElements: { axis: number; reduction: 'add' };
  ArgMax: { axis: number; keepdims: 0 | 1; select_last_index: 0 | 1 };
};
type NoAttrs = { [name: string]: never };
/** The typed attribute map of each primitive. */
export type PrimAttrs = { [K in PrimOp]: K extends keyof WithAttrs ? WithAttrs[K] : NoAttrs };

/** A node of the graph: a primitive (PrimNode), or any ONNX node written by Graph.emit, which no rule differentiates. */
export interface INode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}
/** A node of primitive K with its typed attributes (what a rule of K reads). */
export interface PrimNode<K extends PrimOp = PrimOp> extends INode {
  op: K;
  attrs: PrimAttrs[K];
}
export interface Init {
  dtype: DType;
  shape: number[];
  data: Float32Array | number[];
}

export class CompileError extends Error {
  constructor(
    message: string,
    readonly op?: string,
    readonly node?: string,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const norm = (a: number, r: number): number => (a < 0 ? a + r : a);

/** Numpy-style broadcast of two static shapes. */
export function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length),
    out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1,
      y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new CompileError(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

export class Graph {
  readonly nodes: INode[] = [];
  readonly info = new Map<string, TInfo>();
  readonly inits = new Map<string, Init>();
  readonly inputs: string[] = [];
  outputs: string[] = [];
  /** Tensors whose value is known at compile time (small int64 shape vectors and scalars). */
  private readonly known = new Map<string, number[]>();
  private counter = 0;
  private readonly scalarCache = new Map<string, string>();

  fresh(prefix: string): string {
    return `${prefix.replace(/[^A-Za-z0-9_]/g, '_')}__${this.counter++}`;
  }
  shape(t: string): number[] {
    const i = this.info.get(t);
    if (!i) throw new CompileError(`internal: unknown tensor '${t}'`);
    return i.shape;
  }
  dtype(t: string): DType {
    const i = this.info.get(t);
    if (!i) throw new CompileError(`internal: unknown tensor '${t}'`);
    return i.dtype;
  }
  rank(t: string): number {
    return this.shape(t).length;
  }
  value(t: string): number[] | undefined {
    return this.known.get(t);
  }

  input(name: string, shape: number[], dtype: DType = 'float'): string {
    this.inputs.push(name);
    this.info.set(name, { shape, dtype });
    return name;
  }
  constF(values: ArrayLike<number>, shape: number[], name?: string): string {
    const n = name ?? this.fresh('c');
    this.inits.set(n, { dtype: 'float', shape, data: Float32Array.from(values as ArrayLike<number>) });
    this.info.set(n, { shape, dtype: 'float' });
    if (values.length <= 8) this.known.set(n, Array.from(values as ArrayLike<number>));
    return n;
  }
  constI(values: number[], shape: number[] = [values.length]): string {
    const n = this.fresh('i');
    this.inits.set(n, { dtype: 'int64', shape, data: values.slice() });
    this.info.set(n, { shape, dtype: 'int64' });
    this.known.set(n, values.slice());
    return n;
  }
  /** A float scalar constant, shared. */
  scalar(v: number): string {
    const k = String(v);
    let n = this.scalarCache.get(k);
    if (!n) {
      n = this.constF([v], []);
      this.scalarCache.set(k, n);
    }
    return n;
  }

  /**
   * Any ONNX node, attributes untyped: for writing ONNX files outside the IR (tests, tools). The derivative transforms
   * refuse an op that is not a PrimOp; the compiler's builders emit primitives only (`prim`, `one`).
   */
  emit(op: string, inputs: string[], attrs: Record<string, AttrValue>, outs: TInfo[], prefix = op): string[] {
    return this.push({ op, inputs, outputs: [], attrs }, outs, prefix);
  }
  /** A primitive with its typed attributes and its outputs' static shapes. */
  prim<K extends PrimOp>(op: K, inputs: string[], attrs: PrimAttrs[K], outs: TInfo[], prefix: string = op): string[] {
    const node: PrimNode<K> = { op, inputs, outputs: [], attrs };
    return this.push(node, outs, prefix);
  }
  private push(node: INode, outs: TInfo[], prefix: string): string[] {
    const outputs = outs.map(() => this.fresh(prefix));
    outs.forEach((o, i) => this.info.set(outputs[i], o));
    node.outputs = outputs;
    this.nodes.push(node);
    return outputs;
  }
  private one<K extends PrimOp>(op: K, inputs: string[], attrs: PrimAttrs[K], shape: number[], dtype: DType = 'float'): string {
    return this.prim(op, inputs, attrs, [{ shape, dtype }])[0];
  }

  // ── elementwise ────────────────────────────────────────────────────────────────────────────
  private bin(op: 'Add' | 'Sub' | 'Mul' | 'Div', a: string, b: string): string {
    return this.one(op, [a, b], {}, broadcastShape(this.shape(a), this.shape(b)));
  }
  add(a: string, b: string): string {
    return this.bin('Add', a, b);
  }
  sub(a: string, b: string): string {
    return this.bin('Sub', a, b);
  }
  mul(a: string, b: string): string {
    return this.bin('Mul', a, b);
  }
  div(a: string, b: string): string {
    return this.bin('Div', a, b);
  }
  unary(op: UnaryOp, x: string): string {
    return this.one(op, [x], {}, this.shape(x));
  }
  neg(x: string): string {
    return this.unary('Neg', x);
  }
  /** x^c for a constant exponent c. */
  powc(x: string, c: number): string {
    return this.one('Pow', [x, this.scalar(c)], {}, this.shape(x));
  }
  scale(x: string, c: number): string {
    return c === 1 ? x : this.mul(x, this.scalar(c));
  }
  /** x > c as bool (no derivative). */
  greater(x: string, c: number | string): string {
    const b = typeof c === 'number' ? this.scalar(c) : c;
    return this.one('Greater', [x, b], {}, broadcastShape(this.shape(x), this.shape(b)), 'bool');
  }
  equal(a: string, b: string): string {
    return this.one('Equal', [a, b], {}, broadcastShape(this.shape(a), this.shape(b)), 'bool');
  }
  toFloat(x: string): string {
    return this.one('Cast', [x], { to: 1 }, this.shape(x));
  }
  where(c: string, a: string, b: string): string {
    return this.one('Where', [c, a, b], {}, broadcastShape(this.shape(c), broadcastShape(this.shape(a), this.shape(b))));
  }

  // ── linear algebra ─────────────────────────────────────────────────────────────────────────
  /** Matrix product [..., m,k]·[..., k,n]: 2-D, or batched over equal leading axes (attention's Q·Kᵀ and A·V). */
  matmul(a: string, b: string): string {
    const sa = this.shape(a),
      sb = this.shape(b),
      r = sa.length;
    if (r < 2 || sb.length !== r || sa[r - 1] !== sb[r - 2] || sa.slice(0, -2).some((d, i) => d !== sb[i]))
      throw new CompileError(`MatMul of [${sa}] and [${sb}]: only 2-D products and batched products over equal leading axes are compiled`);
    return this.one('MatMul', [a, b], {}, [...sa.slice(0, -1), sb[r - 1]]);
  }
  /** The last two axes swapped (a batched matrix transpose). */
  transposeLast(x: string): string {
    const r = this.rank(x);
    return this.transpose(
      x,
      Array.from({ length: r }, (_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)),
    );
  }

  // ── reductions ─────────────────────────────────────────────────────────────────────────────
  private reducedShape(s: number[], axes: number[], keep: boolean): number[] {
    const ax = new Set(axes.map(a => norm(a, s.length)));
    return keep ? s.map((d, i) => (ax.has(i) ? 1 : d)) : s.filter((_, i) => !ax.has(i));
  }
  reduceSum(x: string, axes: number[], keep: boolean): string {
    const s = this.shape(x);
    const ax = axes.map(a => norm(a, s.length));
    if (ax.length === 0) return x;
    return this.one('ReduceSum', [x, this.constI(ax)], { keepdims: keep ? 1 : 0 }, this.reducedShape(s, ax, keep));
  }
  reduceMean(x: string, axes: number[], keep: boolean): string {
    const s = this.shape(x),
      n = prod(axes.map(a => s[norm(a, s.length)]));
    return this.scale(this.reduceSum(x, axes, keep), 1 / n);
  }
  /** Max over axes, treated as a constant by the derivative rules (used where it cancels exactly: log-sum-exp shifts). */
  reduceMaxNoGrad(x: string, axes: number[], keep: boolean): string {
    const s = this.shape(x);
    const ax = axes.map(a => norm(a, s.length));
    return this.one('ReduceMax', [x], { axes: ax, keepdims: keep ? 1 : 0 }, this.reducedShape(s, ax, keep));
  }

  // ── shape ──────────────────────────────────────────────────────────────────────────────────
  reshape(x: string, shape: number[]): string {
    const s = this.shape(x),
      n = prod(s);
    const out = shape.slice();
    const neg = out.indexOf(-1);
    if (neg >= 0) out[neg] = n / prod(out.filter((_, i) => i !== neg));
    if (prod(out) !== n || out.some(d => !Number.isInteger(d) || d < 0)) throw new CompileError(`cannot reshape [${s}] to [${shape}]`);
    if (out.length === s.length && out.every((d, i) => d === s[i])) return x;
    return this.one('Reshape', [x, this.constI(out)], {}, out, this.dtype(x));
  }
  transpose(x: string, perm: number[]): string {
    const s = this.shape(x);
    if (perm.every((p, i) => p === i)) return x;
    return this.one(
      'Transpose',
      [x],
      { perm },
      perm.map(p => s[p]),
      this.dtype(x),
    );
  }
  concat(xs: string[], axis: number): string {
    if (xs.length === 1) return xs[0];
    const s = this.shape(xs[0]).slice(),
      ax = norm(axis, s.length);
    s[ax] = xs.reduce((a, x) => a + this.shape(x)[ax], 0);
    return this.one('Concat', xs, { axis: ax }, s);
  }
  /** x[starts:ends] along axes (step 1; starts/ends already clamped, non-negative). */
  slice(x: string, starts: number[], ends: number[], axes: number[]): string {
    const s = this.shape(x).slice();
    const ax = axes.map(a => norm(a, s.length));
    if (ax.every((a, i) => starts[i] === 0 && ends[i] === s[a])) return x;
    ax.forEach((a, i) => {
      s[a] = ends[i] - starts[i];
    });
    return this.one('Slice', [x, this.constI(starts), this.constI(ends), this.constI(ax)], {}, s, this.dtype(x));
  }
  /** Constant-value pad; pads = [begin_0..begin_r-1, end_0..end_r-1], non-negative. */
  pad(x: string, pads: number[], value = 0): string {
    if (pads.every(p => p === 0)) return x;
    const s = this.shape(x),
      r = s.length;
    return this.one(
      'Pad',
      [x, this.constI(pads), this.scalar(value)],
      { mode: 'constant' },
      s.map((d, i) => d + pads[i] + pads[i + r]),
    );
  }
  expand(x: string, shape: number[]): string {
    const s = this.shape(x);
    const out = broadcastShape(s, shape);
    if (out.length === s.length && out.every((d, i) => d === s[i])) return x;
    return this.one('Expand', [x, this.constI(shape)], {}, out, this.dtype(x));
  }
  /** Sum a broadcast result back to `shape` (the adjoint of broadcasting). */
  unbroadcast(g: string, shape: number[]): string {
    const gs = this.shape(g);
    if (gs.length === shape.length && gs.every((d, i) => d === shape[i])) return g;
    const lead = gs.length - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < gs.length; i++) if (i < lead || (shape[i - lead] === 1 && gs[i] !== 1)) axes.push(i);
    return this.reshape(this.reduceSum(g, axes, true), shape);
  }

  // ── convolution and pooling (NCHW, 2-D) ────────────────────────────────────────────────────
  conv(x: string, w: string, a: ConvAttrs): string {
    const [n, , H, W] = this.shape(x),
      [o, , kh, kw] = this.shape(w);
    const ho = Math.floor((H + a.pads[0] + a.pads[2] - ((kh - 1) * a.dilations[0] + 1)) / a.strides[0]) + 1;
    const wo = Math.floor((W + a.pads[1] + a.pads[3] - ((kw - 1) * a.dilations[1] + 1)) / a.strides[1]) + 1;
    if (ho <= 0 || wo <= 0) throw new CompileError(`convolution of [${this.shape(x)}] with kernel [${this.shape(w)}] has no output`);
    return this.one('Conv', [x, w], { strides: a.strides, pads: a.pads, dilations: a.dilations, group: a.group, kernel_shape: [kh, kw] }, [
      n,
      o,
      ho,
      wo,
    ]);
  }
  convTranspose(x: string, w: string, a: ConvAttrs & { outputPadding: number[] }): string {
    const [n, , H, W] = this.shape(x),
      [, cg, kh, kw] = this.shape(w);
    const ho = a.strides[0] * (H - 1) + a.outputPadding[0] + (kh - 1) * a.dilations[0] + 1 - a.pads[0] - a.pads[2];
    const wo = a.strides[1] * (W - 1) + a.outputPadding[1] + (kw - 1) * a.dilations[1] + 1 - a.pads[1] - a.pads[3];
    return this.one(
      'ConvTranspose',
      [x, w],
      { strides: a.strides, pads: a.pads, dilations: a.dilations, group: a.group, output_padding: a.outputPadding, kernel_shape: [kh, kw] },
      [n, cg * a.group, ho, wo],
    );
  }
  /** Max pooling with the argmax indices (flat indices into x, as ONNX defines them). */
  maxPool(x: string, k: number[], strides: number[], pads: number[]): [string, string] {
    const [n, c, H, W] = this.shape(x);
    const ho = Math.floor((H + pads[0] + pads[2] - k[0]) / strides[0]) + 1,
      wo = Math.floor((W + pads[1] + pads[3] - k[1]) / strides[1]) + 1;
    const [y, i] = this.prim('MaxPool', [x], { kernel_shape: k, strides, pads }, [
      { shape: [n, c, ho, wo], dtype: 'float' },
      { shape: [n, c, ho, wo], dtype: 'int64' },
    ]);
    return [y, i];
  }
  gatherElements(data: string, idx: string, axis: number): string {
    return this.one('GatherElements', [data, idx], { axis }, this.shape(idx));
  }
  /** zeros(shapeOf(data)) with updates added at idx along axis (reduction add). */
  scatterAdd(zeros: string, idx: string, updates: string, axis: number): string {
    return this.one('ScatterElements', [zeros, idx, updates], { axis, reduction: 'add' }, this.shape(zeros));
  }
  zeros(shape: number[]): string {
    return this.expand(this.scalar(0), shape);
  }

  // ── embeddings (rows of a table by integer ids) ────────────────────────────────────────────
  /** float ids → int64 (no derivative: ids are data). */
  toInt64(x: string): string {
    return this.one('Cast', [x], { to: 7 }, this.shape(x), 'int64');
  }
  /** table[ids] along axis 0: [...ids.shape, ...table.shape[1:]]. */
  gather(table: string, ids: string): string {
    return this.one('Gather', [table, ids], { axis: 0 }, [...this.shape(ids), ...this.shape(table).slice(1)]);
  }
  /** zeros with `updates` added at the rows `idx` ([..., 1] int64) — ScatterND with reduction add. */
  scatterNDAdd(zeros: string, idx: string, updates: string): string {
    return this.one('ScatterND', [zeros, idx, updates], { reduction: 'add' }, this.shape(zeros));
  }
}

export interface ConvAttrs {
  strides: number[];
  pads: number[];
  dilations: number[];
  group: number;
}
export { prod };
