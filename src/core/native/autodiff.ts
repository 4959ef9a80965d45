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
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    const gy = n.outputs.map(o => ct.get(o));
    if (gy.every(x => x === undefined)) continue;
    const need = n.inputs.map(i => i !== '' && active.has(i));
    if (!need.some(Boolean)) continue;
    const gx = vjpOf(n)(g, n, gy, need);
    n.inputs.forEach((x, i) => {
      const c = gx[i];
      if (need[i] && c !== undefined) ct.set(x, addMaybe(g, ct.get(x), c));
    });
  }
  return new Map(wrt.map(w => [w, ct.get(w)]));
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
