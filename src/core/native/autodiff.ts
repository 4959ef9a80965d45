/**
 * Graph transforms of the native engine. `vjp` (reverse mode) walks a node list backwards and
 * emits the cotangent nodes of each op's rule; `jvp` (forward mode) walks a node list forwards and
 * emits tangent nodes. The exact Hessian-vector product is forward-over-reverse
 * (Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 1994):
 * Hv = R_v{∇L} = jvp over (forward ∪ vjp(forward)) with the parameters' tangents set to v.
 * Every op the VJP rules emit has a JVP rule, so the composition closes over the IR.
 */
import { Graph, INode, CompileError, isPrimOp, type PrimOp } from './ir';
import { RULES } from './rules';
import { addMaybe, Maybe, zeroRule, type AnyRule } from './rules/types';

/** The rules by op name, for dispatch on a node (a rule typed for its primitive serves the node of that op). */
const BY_OP: Readonly<Record<PrimOp, AnyRule>> = RULES;

/** Tensors of `nodes` that depend on any of `leaves`. */
export function activeSet(nodes: INode[], leaves: Iterable<string>): Set<string> {
  const act = new Set(leaves);
  for (const n of nodes) {
    if (isPrimOp(n.op) && BY_OP[n.op] === zeroRule) continue; // piecewise-constant ops carry no derivative
    if (n.inputs.some(i => act.has(i))) for (const o of n.outputs) act.add(o);
  }
  return act;
}

/** The reverse-mode rule of a node's op; an op outside PRIM_OPS (Graph.emit) or a tangent-only one has none. */
function vjpOf(n: INode): NonNullable<AnyRule['vjp']> {
  const vjp = isPrimOp(n.op) ? BY_OP[n.op].vjp : undefined;
  if (!vjp) throw new CompileError(`op ${n.op} has no reverse-mode (VJP) rule`, n.op);
  return vjp;
}
/** The forward-mode rule of a node's op (every primitive has one). */
function jvpOf(n: INode): AnyRule['jvp'] {
  if (!isPrimOp(n.op)) throw new CompileError(`op ${n.op} has no forward-mode (JVP) rule`, n.op);
  return BY_OP[n.op].jvp;
}

/**
 * Reverse mode: cotangents of `wrt` given the cotangent `seed` of tensor `out`.
 * Only nodes on a path from `wrt` to `out` are differentiated.
 */
export function vjp(g: Graph, nodes: INode[], out: string, seed: string, wrt: string[]): Map<string, Maybe> {
  const active = activeSet(nodes, wrt);
  const ct = new Map<string, string>([[out, seed]]);
  // the cotangents of one-axis Slices, held back per sliced tensor until it is complete (see gatherSlices)
  const held = new Map<string, SliceCt[]>();
  const settle = (x: string) => {
    const parts = held.get(x);
    if (!parts) return;
    held.delete(x);
    ct.set(x, addMaybe(g, ct.get(x), gatherSlices(g, x, parts)));
  };
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    n.outputs.forEach(settle); // every reader of n's outputs comes after n: their slice cotangents are all held
    const gy = n.outputs.map(o => ct.get(o));
    if (gy.every(x => x === undefined)) continue;
    const need = n.inputs.map(i => i !== '' && active.has(i));
    if (!need.some(Boolean)) continue;
    const range = n.op === 'Slice' && gy[0] !== undefined ? sliceRange(g, n) : undefined;
    if (range) {
      const x = n.inputs[0];
      held.set(x, [...(held.get(x) ?? []), { ...range, ct: gy[0]! }]);
      continue;
    }
    const gx = vjpOf(n)(g, n, gy, need);
    n.inputs.forEach((x, i) => {
      const c = gx[i];
      if (need[i] && c !== undefined) ct.set(x, addMaybe(g, ct.get(x), c));
    });
  }
  wrt.forEach(settle);
  return new Map(wrt.map(w => [w, ct.get(w)]));
}

/** A Slice's cotangent held back by vjp: the range it read along one axis. */
interface SliceCt {
  axis: number;
  start: number;
  end: number;
  ct: string;
}

/** The axis and range of a one-axis Slice node with compile-time bounds (Graph.slice: step 1), else undefined. */
function sliceRange(g: Graph, n: INode): Omit<SliceCt, 'ct'> | undefined {
  if (n.inputs.length !== 4) return undefined;
  const st = g.value(n.inputs[1]),
    en = g.value(n.inputs[2]),
    ax = g.value(n.inputs[3]);
  if (!st || !en || !ax || ax.length !== 1 || st.length !== 1 || en.length !== 1) return undefined;
  return { axis: ax[0], start: st[0], end: en[0] };
}

/**
 * The cotangent of a tensor read by Slices, from the slices' cotangents: the adjoint of a Slice is a Pad to the
 * full shape, so k slices (a recurrence reading step t of X·Wᵀ, the gates of one product) would cost k full-size
 * Pads and k − 1 full-size Adds — in the gradient and again in the HVP's tangent sweep. Disjoint ranges along one
 * axis are instead written once, in order, as one Concat (zero blocks in the gaps); a range overlapping an earlier
 * one is added as its Pad. The same numbers: each element receives the same terms (adding zeros is exact).
 */
function gatherSlices(g: Graph, x: string, parts: SliceCt[]): string {
  const shape = g.shape(x);
  const pad = (p: SliceCt) => {
    const pads = new Array<number>(2 * shape.length).fill(0);
    pads[p.axis] = p.start;
    pads[p.axis + shape.length] = shape[p.axis] - p.end;
    return g.pad(p.ct, pads);
  };
  const zeros = (axis: number, len: number) => g.zeros(shape.map((d, i) => (i === axis ? len : d)));
  const byAxis = new Map<number, SliceCt[]>();
  for (const p of parts) byAxis.set(p.axis, [...(byAxis.get(p.axis) ?? []), p]);
  let total: Maybe;
  for (const [axis, ps] of byAxis) {
    if (ps.length === 1) {
      total = addMaybe(g, total, pad(ps[0]));
      continue;
    }
    ps.sort((a, b) => a.start - b.start);
    const pieces: string[] = [],
      overlapping: SliceCt[] = [];
    let at = 0;
    for (const p of ps) {
      if (p.start < at) {
        overlapping.push(p);
        continue;
      }
      if (p.start > at) pieces.push(zeros(axis, p.start - at));
      pieces.push(p.ct);
      at = p.end;
    }
    if (at < shape[axis]) pieces.push(zeros(axis, shape[axis] - at));
    total = addMaybe(g, total, g.concat(pieces, axis));
    for (const p of overlapping) total = addMaybe(g, total, pad(p));
  }
  return total!;
}

/** Forward mode: tangents of every tensor of `nodes` given the tangents of some leaves. */
export function jvp(g: Graph, nodes: INode[], tangents: Map<string, string>): Map<string, string> {
  const t = new Map(tangents);
  for (const n of nodes) {
    const tin = n.inputs.map(i => t.get(i));
    if (tin.every(x => x === undefined)) continue;
    const tout = jvpOf(n)(g, n, tin);
    n.outputs.forEach((o, i) => {
      const to = tout[i];
      if (to !== undefined) t.set(o, to);
    });
  }
  return t;
}

/** Keep only the nodes and initializers that the graph outputs need. */
export function prune(g: Graph): void {
  const need = new Set(g.outputs);
  const keep: INode[] = [];
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k];
    if (!n.outputs.some(o => need.has(o))) continue;
    keep.push(n);
    for (const i of n.inputs) if (i) need.add(i);
  }
  keep.reverse();
  g.nodes.length = 0;
  g.nodes.push(...keep);
  for (const name of [...g.inits.keys()]) if (!need.has(name)) g.inits.delete(name);
  const used = g.inputs.filter(i => need.has(i));
  g.inputs.length = 0;
  g.inputs.push(...used);
}
