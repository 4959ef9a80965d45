/**
 * Structural validation of an ONNX graph at read time, before anything is built or run: every
 * name has one definition (graph input, initializer, Constant or node output), every node input
 * and graph output is defined, the nodes are put in topological order (a cycle is refused with
 * the nodes on it), initializer dims are ≥ 0 and match their data, each op has its required
 * inputs, and static shape inference where shapes are known (graph input, initializers, Constant
 * nodes) catches impossible Reshapes, MatMul / Gemm inner-dimension mismatches, Conv channel and
 * kernel mismatches and non-broadcastable Add / Sub / Mul / Div / Pow. Dimensions that are not
 * known (a symbolic batch, a shape computed at run time) are never guessed: an error is raised only
 * when the known numbers contradict each other. Every error is a UserInputError naming the file,
 * the node and its op type.
 */
import { UserInputError } from '../errors';
import { onnxOpEntry, type ShapeRule } from '../model/onnxOps';

type Long = { toNumber(): number };
const num = (v: unknown): number =>
  typeof v === 'number' ? v : v && typeof (v as Long).toNumber === 'function' ? (v as Long).toNumber() : Number(v ?? 0);

interface AttrLike {
  name: string;
  type?: number;
  f?: number;
  i?: unknown;
  ints?: unknown[];
  s?: Uint8Array;
}
export interface OnnxNodeLike {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  attribute?: AttrLike[];
  domain?: string;
}
export interface OnnxGraphLike {
  node?: OnnxNodeLike[];
  initializer?: { name?: string; dims?: unknown[] }[];
  input?: { name: string; type?: { tensorType?: { shape?: { dim?: { dimValue?: unknown; dimParam?: string }[] } } } }[];
  output?: { name: string }[];
}
/** An initializer or Constant as decoded (formats/onnx.ts OnnxTensor). */
export interface KnownTensor {
  shape: number[];
  dtype: string;
  values: ArrayLike<number>;
}

/** A static shape: a number per known dimension, null for an unknown one; undefined when even the rank is unknown. */
type Shape = (number | null)[] | undefined;

/** The newest default-domain opset accepted (ONNX 1.18 / ONNX Runtime's range). */
export const MAX_OPSET = 23;

const fmt = (s: Shape): string => (s ? `(${s.map(d => (d === null ? '?' : d)).join(', ')})` : '(?)');

export function validateOnnxGraph<N extends OnnxNodeLike>(
  g: OnnxGraphLike & { node?: N[] },
  inits: Map<string, KnownTensor>,
  opts: { file: string; opset?: number },
): N[] {
  const { file } = opts;
  const nodes = g.node ?? [];
  const label = (n: OnnxNodeLike, i: number): string => `${n.opType || '(no op type)'} node '${n.name || `#${i}`}'`;
  const fail = (msg: string, where: string): never => {
    throw new UserInputError(msg, { file, where });
  };
  const nodeFail = (n: OnnxNodeLike, i: number, msg: string): never => fail(`${label(n, i)}: ${msg}`, `node '${n.name || `#${i}`}'`);
  // the default-domain opset the model imports: inside the range ONNX Runtime implements
  if (opts.opset !== undefined && opts.opset !== 0 && !(Number.isSafeInteger(opts.opset) && opts.opset >= 1 && opts.opset <= MAX_OPSET))
    fail(`imports opset ${opts.opset} of the default domain; supported: 1 to ${MAX_OPSET}`, 'field opset_import');

  // initializers (and Constant values): dims ≥ 0 and consistent with the data
  for (const t of g.initializer ?? []) {
    const dims = (t.dims ?? []).map(num);
    const bad = dims.find(d => !Number.isSafeInteger(d) || d < 0);
    if (bad !== undefined)
      fail(
        `initializer '${t.name ?? ''}' has dims (${dims.join(', ')}): every dimension must be an integer ≥ 0`,
        `initializer '${t.name ?? ''}'`,
      );
  }
  for (const [name, t] of inits) {
    if (t.shape.some(d => !Number.isSafeInteger(d) || d < 0))
      fail(`tensor '${name}' has dims (${t.shape.join(', ')}): every dimension must be an integer ≥ 0`, `initializer '${name}'`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.values.length)
      fail(
        `tensor '${name}' has dims (${t.shape.join(', ')}) = ${count} values but its data holds ${t.values.length}`,
        `initializer '${name}'`,
      );
  }

  // one definition per name
  const definedBy = new Map<string, string>(); // name → what defines it (for messages)
  const producer = new Map<string, number>(); // name → index of the node that outputs it
  for (const i of g.input ?? []) {
    if (!i.name) continue;
    if (definedBy.has(i.name)) fail(`graph input '${i.name}' is listed twice`, `graph input '${i.name}'`);
    definedBy.set(i.name, 'the graph input');
  }
  const initNames = new Set<string>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (initNames.has(name)) fail(`two initializers are named '${name}'`, `initializer '${name}'`);
    initNames.add(name);
    if (!definedBy.has(name)) definedBy.set(name, 'an initializer'); // an initializer may also be listed as a graph input (IR < 4)
  }
  nodes.forEach((n, i) => {
    if ((n.output ?? []).length === 0) nodeFail(n, i, 'has no outputs');
    if (n.opType === 'Constant') {
      // its value is in `inits` under its output name already
      const o = n.output?.[0];
      if (o && definedBy.has(o)) nodeFail(n, i, `writes '${o}', which ${definedBy.get(o)} already defines`);
      if (o && producer.has(o)) nodeFail(n, i, `writes '${o}', which ${label(nodes[producer.get(o)!], producer.get(o)!)} already writes`);
      if (o) {
        producer.set(o, i);
        definedBy.set(o, label(n, i));
      }
      return;
    }
    const seen = new Set<string>();
    for (const o of n.output ?? []) {
      if (o === '') continue; // an optional output left out
      if (seen.has(o)) nodeFail(n, i, `writes '${o}' twice`);
      seen.add(o);
      if (producer.has(o)) nodeFail(n, i, `writes '${o}', which ${label(nodes[producer.get(o)!], producer.get(o)!)} already writes`);
      if (definedBy.has(o)) nodeFail(n, i, `writes '${o}', which ${definedBy.get(o)} already defines`);
      producer.set(o, i);
      definedBy.set(o, label(n, i));
    }
  });

  // every input defined; arity
  nodes.forEach((n, i) => {
    const ins = n.input ?? [];
    for (const x of ins)
      if (x !== '' && !definedBy.has(x)) nodeFail(n, i, `reads '${x}', which no node, initializer or graph input defines`);
    const need = onnxOpEntry(n.opType ?? '')?.minInputs ?? 1;
    const have = ins.filter(x => x !== '').length;
    if (have < need) nodeFail(n, i, `has ${have} input${have === 1 ? '' : 's'}; ${n.opType} needs at least ${need}`);
  });
  for (const o of g.output ?? [])
    if (!definedBy.has(o.name))
      fail(`graph output '${o.name}' is not produced by any node (nor an initializer or graph input)`, `graph output '${o.name}'`);

  // topological order (Kahn's algorithm, file order among ready nodes: an already sorted graph is unchanged)
  const indeg = nodes.map(() => 0);
  const users = nodes.map(() => [] as number[]);
  nodes.forEach((n, i) => {
    for (const x of new Set(n.input ?? [])) {
      const p = producer.get(x);
      if (p === undefined) continue;
      if (p === i) nodeFail(n, i, `reads its own output '${x}' (a cycle)`);
      indeg[i]++;
      users[p].push(i);
    }
  });
  const order: number[] = [];
  const ready = new MinHeap();
  indeg.forEach((d, i) => {
    if (d === 0) ready.push(i);
  });
  while (ready.size) {
    const i = ready.pop();
    order.push(i);
    for (const u of users[i]) if (--indeg[u] === 0) ready.push(u);
  }
  if (order.length < nodes.length) {
    // the nodes left are on a cycle or downstream of one: walk back through unsorted producers until a node repeats
    const path: number[] = [],
      at = new Map<number, number>();
    let k = indeg.findIndex(d => d > 0);
    while (!at.has(k)) {
      at.set(k, path.length);
      path.push(k);
      k = (nodes[k].input ?? []).map(x => producer.get(x)).find((p): p is number => p !== undefined && indeg[p] > 0)!;
    }
    let cycle = path.slice(at.get(k)).reverse();
    const first = cycle.indexOf(Math.min(...cycle)); // start at the node that comes first in the file
    cycle = [...cycle.slice(first), ...cycle.slice(0, first)];
    const names = cycle
      .slice(0, 8)
      .map(i => label(nodes[i], i))
      .join(' → ');
    fail(
      `the graph has a cycle through ${cycle.length} node${cycle.length === 1 ? '' : 's'}: ${names}${cycle.length > 8 ? ' → …' : ''}`,
      `node '${nodes[cycle[0]].name || `#${cycle[0]}`}'`,
    );
  }
  const sorted = order.map(i => nodes[i]);

  // static shape inference where the shapes are known
  const shapes = new Map<string, Shape>();
  for (const i of g.input ?? []) {
    if (inits.has(i.name)) continue;
    const dims = i.type?.tensorType?.shape?.dim;
    shapes.set(
      i.name,
      dims
        ? dims
            .map(d => (d.dimParam || d.dimValue === undefined || d.dimValue === null ? null : num(d.dimValue)))
            .map(d => (d !== null && d >= 0 ? d : null))
        : undefined,
    );
  }
  for (const [name, t] of inits) shapes.set(name, t.shape.slice());
  for (const i of order) {
    const n = nodes[i];
    if (n.opType === 'Constant') continue;
    let out: Shape;
    try {
      out = inferShape(
        n,
        (x: string) => (x === '' ? undefined : shapes.get(x)),
        (x: string) => inits.get(x),
        opts.opset ?? 0,
      );
    } catch (e) {
      if (e instanceof ShapeError) nodeFail(n, i, e.message);
      throw e;
    }
    if (n.output?.[0]) shapes.set(n.output[0], out);
  }
  return sorted;
}

class ShapeError extends Error {}

/** A min-heap of node indices (ready nodes in file order). */
class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): number {
    const a = this.a,
      top = a[0],
      last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

function attr(n: OnnxNodeLike, name: string): AttrLike | undefined {
  return (n.attribute ?? []).find(a => a.name === name);
}
const attrInt = (n: OnnxNodeLike, name: string, dflt: number): number => {
  const a = attr(n, name);
  return a ? num(a.i) : dflt;
};
const attrInts = (n: OnnxNodeLike, name: string): number[] | undefined => {
  const a = attr(n, name);
  return a?.ints?.length ? a.ints.map(num) : undefined;
};
const attrStr = (n: OnnxNodeLike, name: string, dflt: string): string => {
  const a = attr(n, name);
  return a?.s ? new TextDecoder().decode(a.s) : dflt;
};

/** Multidirectional (numpy) broadcasting of two static shapes; throws when known dims differ and neither is 1. */
function broadcast(a: Shape, b: Shape, what: string): Shape {
  if (!a || !b) return undefined;
  const r = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let k = 0; k < r; k++) {
    const x = a[a.length - r + k] ?? 1,
      y = b[b.length - r + k] ?? 1;
    if (x !== null && y !== null && x !== y && x !== 1 && y !== 1)
      throw new ShapeError(`cannot broadcast ${what} ${fmt(a)} and ${fmt(b)} (dimension ${k - r}: ${x} vs ${y})`);
    out.push(x === 1 ? y : y === 1 ? x : (x ?? y));
  }
  return out;
}

/** What a shape rule reads: the node, its inputs' static shapes and known values, the opset. */
interface ShapeArgs {
  n: OnnxNodeLike;
  s: (k: number) => Shape;
  constOf: (k: number) => KnownTensor | undefined;
  opset: number;
}
/** The static shape rules, named by the ONNX op table (model/onnxOps.ts `shape`). */
export const SHAPE_RULES: Record<ShapeRule, (a: ShapeArgs) => Shape> = {
  same: ({ s }) => s(0),
  broadcast: ({ s }) => broadcast(s(0), s(1), 'the inputs'),
  reshape: ({ n, s, constOf, opset }) => reshape(n, s(0), constOf(1), opset),
  matmul: ({ s }) => matmul(s(0), s(1)),
  gemm: ({ n, s }) => gemm(n, s(0), s(1), s(2)),
  conv: ({ n, s }) => conv(n, s(0), s(1), s(2)),
  pool: ({ n, s }) => pool(n, s(0)),
  transpose: ({ n, s }) => {
    // the op's schema: perm is a permutation of the input's axes (length = rank); default: reversed
    const x = s(0);
    const perm = attrInts(n, 'perm');
    if (!x) return undefined;
    if (!perm) return x.slice().reverse();
    const sorted = perm.slice().sort((a, b) => a - b);
    if (perm.length !== x.length || sorted.some((p, k) => p !== k))
      throw new ShapeError(`perm [${perm.join(', ')}] is not a permutation of the ${x.length} axes of its rank-${x.length} input`);
    return perm.map(p => x[p]);
  },
  globalPool: ({ s }) => {
    const x = s(0);
    return x && x.length >= 2 ? [x[0], x[1], ...x.slice(2).map(() => 1)] : undefined;
  },
  flatten: ({ n, s }) => {
    const x = s(0);
    if (!x) return undefined;
    let ax = attrInt(n, 'axis', 1);
    if (ax < 0) ax += x.length;
    if (ax < 0 || ax > x.length) throw new ShapeError(`axis ${attrInt(n, 'axis', 1)} is outside a rank-${x.length} input`);
    const prod = (d: (number | null)[]): number | null => d.reduce<number | null>((p, q) => (p === null || q === null ? null : p * q), 1);
    return [prod(x.slice(0, ax)), prod(x.slice(ax))];
  },
  unknown: () => undefined,
};

function inferShape(n: OnnxNodeLike, shapeOf: (x: string) => Shape, constOf: (x: string) => KnownTensor | undefined, opset: number): Shape {
  const ins = n.input ?? [];
  const rule = onnxOpEntry(n.opType ?? '')?.shape ?? 'unknown';
  return SHAPE_RULES[rule]({
    n,
    s: k => (ins[k] ? shapeOf(ins[k]) : undefined),
    constOf: k => (ins[k] ? constOf(ins[k]) : undefined),
    opset,
  });
}

function reshape(n: OnnxNodeLike, x: Shape, target: KnownTensor | undefined, opset: number): Shape {
  let t: number[] | undefined;
  if (target) t = Array.from(target.values);
  else if (opset > 0 && opset < 5) t = attrInts(n, 'shape');
  if (!t) return undefined; // computed at run time
  const allowzero = attrInt(n, 'allowzero', 0) === 1;
  if (t.some(d => !Number.isInteger(d) || d < -1)) throw new ShapeError(`target shape (${t.join(', ')}) has a dimension below -1`);
  if (t.filter(d => d === -1).length > 1) throw new ShapeError(`target shape (${t.join(', ')}) has more than one -1`);
  if (allowzero && t.includes(0) && t.includes(-1))
    throw new ShapeError(`target shape (${t.join(', ')}) has both 0 and -1 with allowzero=1`);
  const out: (number | null)[] = t.map((d, i) => {
    if (d !== 0 || allowzero) return d;
    if (x && i >= x.length) throw new ShapeError(`target shape (${t!.join(', ')}) copies dimension ${i} (a 0) of a rank-${x.length} input`);
    return x ? x[i] : null;
  });
  if (!x) return out.map(d => (d === -1 ? null : d));
  const prod = (d: (number | null)[]): number | null => d.reduce<number | null>((p, q) => (p === null || q === null ? null : p * q), 1);
  const total = prod(x);
  const fixed = prod(out.filter(d => d !== -1));
  const hole = out.indexOf(-1);
  const tgt = `(${t.join(', ')})`;
  if (total !== null && fixed !== null) {
    if (hole < 0 && total !== fixed) throw new ShapeError(`cannot reshape ${fmt(x)} (${total} values) into ${tgt} (${fixed} values)`);
    if (hole >= 0) {
      if (fixed === 0 ? total !== 0 : total % fixed !== 0)
        throw new ShapeError(`cannot reshape ${fmt(x)} (${total} values) into ${tgt}: ${total} is not a multiple of ${fixed}`);
      out[hole] = fixed === 0 ? 0 : total / fixed;
    }
  } else {
    // an unknown input dimension (the batch): without a -1 the known input dims must still divide the target's size
    const knownIn = prod(x.filter(d => d !== null));
    if (hole < 0 && fixed !== null && knownIn !== null && knownIn > 0 && fixed % knownIn !== 0)
      throw new ShapeError(`cannot reshape ${fmt(x)} into ${tgt}: ${fixed} values are not a multiple of ${knownIn} for any batch size`);
    if (hole >= 0) out[hole] = null;
  }
  return out;
}

function matmul(a: Shape, b: Shape): Shape {
  if (!a || !b) return undefined;
  if (a.length === 0 || b.length === 0) throw new ShapeError('MatMul of a scalar');
  const A = a.length === 1 ? [1, a[0]] : a,
    B = b.length === 1 ? [b[0], 1] : b;
  const k1 = A[A.length - 1],
    k2 = B[B.length - 2];
  if (k1 !== null && k2 !== null && k1 !== k2) throw new ShapeError(`inner dimensions differ: ${fmt(a)} × ${fmt(b)} (${k1} vs ${k2})`);
  const batch = broadcast(A.slice(0, -2), B.slice(0, -2), 'the batch dimensions of')!;
  const out = [...batch, A[A.length - 2], B[B.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

function gemm(n: OnnxNodeLike, a: Shape, b: Shape, c: Shape): Shape {
  if (a && a.length !== 2) throw new ShapeError(`A has rank ${a.length} ${fmt(a)}; Gemm needs 2-D A and B`);
  if (b && b.length !== 2) throw new ShapeError(`B has rank ${b.length} ${fmt(b)}; Gemm needs 2-D A and B`);
  if (!a || !b) return undefined;
  const [m, k1] = attrInt(n, 'transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [k2, nn] = attrInt(n, 'transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  if (k1 !== null && k2 !== null && k1 !== k2)
    throw new ShapeError(
      `inner dimensions differ: A ${fmt(a)}${attrInt(n, 'transA', 0) ? 'ᵀ' : ''} × ` +
        `B ${fmt(b)}${attrInt(n, 'transB', 0) ? 'ᵀ' : ''} (${k1} vs ${k2})`,
    );
  const out = [m, nn];
  if (c) {
    if (c.length > 2) throw new ShapeError(`C ${fmt(c)} has rank ${c.length}; it must broadcast to (M, N) = ${fmt(out)}`);
    const r = broadcast(out, c, 'A·B and C');
    if (r && r.some((d, i) => out[i] !== null && d !== out[i]))
      throw new ShapeError(`C ${fmt(c)} does not broadcast to (M, N) = ${fmt(out)}`);
  }
  return out;
}

function conv(n: OnnxNodeLike, x: Shape, w: Shape, b: Shape): Shape {
  if (!x || !w) return undefined;
  if (x.length !== w.length) throw new ShapeError(`input ${fmt(x)} and weight ${fmt(w)} have different ranks`);
  if (x.length < 3) throw new ShapeError(`input ${fmt(x)} has rank ${x.length}; Conv needs (N, C, spatial…)`);
  const group = attrInt(n, 'group', 1);
  if (group < 1) throw new ShapeError(`group ${group} must be ≥ 1`);
  const cin = x[1],
    wcin = w[1],
    cout = w[0];
  if (cin !== null && wcin !== null && cin !== wcin * group)
    throw new ShapeError(
      `input has ${cin} channels but the weight ${fmt(w)} expects ${wcin}${group > 1 ? ` × group ${group} = ${wcin * group}` : ''}`,
    );
  if (cout !== null && cout % group !== 0) throw new ShapeError(`${cout} output channels are not divisible by group ${group}`);
  if (b && (b.length !== 1 || (b[0] !== null && cout !== null && b[0] !== cout)))
    throw new ShapeError(`bias ${fmt(b)} must be (${cout ?? '?'}), one value per output channel`);
  const sp = x.length - 2;
  const ks = attrInts(n, 'kernel_shape');
  if (ks && ks.length !== sp) throw new ShapeError(`kernel_shape (${ks.join(', ')}) has ${ks.length} dims for ${sp} spatial dims`);
  if (ks)
    ks.forEach((k, i) => {
      const wk = w[2 + i];
      if (wk !== null && k !== wk) throw new ShapeError(`kernel_shape (${ks.join(', ')}) differs from the weight ${fmt(w)}`);
    });
  const strides = attrInts(n, 'strides') ?? new Array(sp).fill(1),
    dil = attrInts(n, 'dilations') ?? new Array(sp).fill(1);
  const pads = attrInts(n, 'pads') ?? new Array(2 * sp).fill(0);
  const autoPad = attrStr(n, 'auto_pad', 'NOTSET');
  if (strides.some(v => v < 1) || dil.some(v => v < 1))
    throw new ShapeError(`strides (${strides.join(', ')}) and dilations (${dil.join(', ')}) must be ≥ 1`);
  if (pads.length !== 2 * sp || pads.some(p => p < 0)) throw new ShapeError(`pads (${pads.join(', ')}) must be ${2 * sp} values ≥ 0`);
  const out: (number | null)[] = [x[0], cout];
  for (let i = 0; i < sp; i++) {
    const H = x[2 + i],
      k = w[2 + i];
    if (H === null || k === null) {
      out.push(null);
      continue;
    }
    const s = strides[i] ?? 1,
      d = dil[i] ?? 1;
    const kd = (k - 1) * d + 1;
    let o: number;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') o = Math.ceil(H / s);
    else if (autoPad === 'VALID') o = Math.floor((H - kd) / s) + 1;
    else o = Math.floor((H + pads[i] + pads[i + sp] - kd) / s) + 1;
    if (o < 1)
      throw new ShapeError(
        `the ${kd}-wide kernel${d > 1 ? ` (dilated)` : ''} is larger than the ` +
          `padded input (${H} + ${pads[i]} + ${pads[i + sp]}) along spatial axis ${i}`,
      );
    out.push(o);
  }
  return out;
}

function pool(n: OnnxNodeLike, x: Shape): Shape {
  const k = attrInts(n, 'kernel_shape');
  if (!x || !k || k.length !== x.length - 2) return undefined; // the op itself says what is unsupported
  const sp = k.length;
  const strides = attrInts(n, 'strides') ?? new Array(sp).fill(1),
    dil = attrInts(n, 'dilations') ?? new Array(sp).fill(1);
  const pads = attrInts(n, 'pads') ?? new Array(2 * sp).fill(0);
  const autoPad = attrStr(n, 'auto_pad', 'NOTSET'),
    ceil = attrInt(n, 'ceil_mode', 0) === 1;
  if (strides.some(v => v < 1) || dil.some(v => v < 1) || k.some(v => v < 1))
    throw new ShapeError(`kernel_shape (${k.join(', ')}), strides (${strides.join(', ')}) and dilations (${dil.join(', ')}) must be ≥ 1`);
  const out: (number | null)[] = [x[0], x[1]];
  for (let i = 0; i < sp; i++) {
    const H = x[2 + i];
    if (H === null) {
      out.push(null);
      continue;
    }
    const s = strides[i] ?? 1,
      kd = (k[i] - 1) * (dil[i] ?? 1) + 1;
    const span = autoPad === 'VALID' ? H - kd : autoPad.startsWith('SAME') ? null : H + (pads[i] ?? 0) + (pads[i + sp] ?? 0) - kd;
    const o = span === null ? Math.ceil(H / s) : (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (o < 1) throw new ShapeError(`the ${kd}-wide window is larger than the padded input (${H}) along spatial axis ${i}`);
    out.push(o);
  }
  return out;
}
