/**
 * A layout transpose before a flatten folded into the next matrix product's weights. Channels-last models
 * (Keras / TF.js) pool in NCHW and flatten in NHWC order: Transpose(a) → Reshape [N, F] → MatMul(·, W). On the
 * bench CNN that Transpose of a [1024, 8, 2, 2] map (and its adjoint and tangent copies) cost ONNX Runtime
 * 15–25 % of an HVP: its inner axes are 2 wide. The same product reads a in its own order if W's rows are
 * permuted to match:  y = Σ_f t[n, f]·W[f, :] = Σ_f' a[n, f']·W[σ(f'), :]  with σ(f') the position in t of
 * a's element f' — W' = P·W for a constant 0/1 permutation P (exact: one 1 per row). Runs on the forward
 * graph before the derivative transforms (like convDense.ts); the Transpose is left unused and pruned.
 */
import { isPrim, type Graph, type INode } from './ir';

export const FLATTEN_FOLD = { enabled: true };

/** Fold such transposes among g.nodes[from..]; returns how many. */
export function foldFlattenTransposes(g: Graph, from = 0): number {
  if (!FLATTEN_FOLD.enabled) return 0;
  const readers = new Map<string, INode[]>();
  for (const n of g.nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const plan = new Map<INode, { a: string; perm: number[] }>(); // Reshape node → transpose input and perm
  for (const t of g.nodes.slice(from)) {
    if (!isPrim(t, 'Transpose') || t.attrs.perm[0] !== 0 || g.rank(t.inputs[0]) < 3 || g.outputs.includes(t.outputs[0])) continue;
    const tr = readers.get(t.outputs[0]) ?? [];
    if (tr.length !== 1 || !isPrim(tr[0], 'Reshape')) continue;
    const r = tr[0],
      rs = g.shape(r.outputs[0]);
    if (rs.length !== 2 || rs[0] !== g.shape(t.outputs[0])[0] || g.outputs.includes(r.outputs[0])) continue;
    const rr = readers.get(r.outputs[0]) ?? [];
    const ok = rr.every(
      m => isPrim(m, 'MatMul') && m.inputs[0] === r.outputs[0] && m.inputs[1] !== r.outputs[0] && g.rank(m.inputs[1]) === 2,
    );
    if (rr.length > 0 && ok) plan.set(r, { a: t.inputs[0], perm: t.attrs.perm });
  }
  if (plan.size === 0) return 0;
  const permFor = new Map<string, { P: string; of: string }>(); // MatMul node output → its weight permutation
  for (const [r, { a, perm }] of plan) {
    const as = g.shape(a);
    const ts = perm.map(p => as[p]);
    const F = as.slice(1).reduce((x, y) => x * y, 1);
    // σ(f'): a's element at flat f' (over axes 1..) sits in t at the flat index of its permuted coordinates
    const P = new Float32Array(F * F);
    const coord = new Array<number>(as.length).fill(0);
    for (let f = 0; f < F; f++) {
      let rem = f;
      for (let d = as.length - 1; d >= 1; d--) {
        coord[d] = rem % as[d];
        rem = Math.floor(rem / as[d]);
      }
      let ft = 0;
      for (let d = 1; d < ts.length; d++) ft = ft * ts[d] + coord[perm[d]];
      P[f * F + ft] = 1;
    }
    const Pc = g.constF(P, [F, F]);
    for (const m of readers.get(r.outputs[0]) ?? []) permFor.set(m.outputs[0], { P: Pc, of: m.inputs[1] });
  }
  const tail = g.nodes.splice(from, g.nodes.length - from);
  for (const n of tail) {
    const fold = plan.get(n);
    if (fold) {
      const flat = g.reshape(fold.a, g.shape(n.outputs[0])); // a new node: a has rank ≥ 3
      const last = g.nodes[g.nodes.length - 1];
      if (last.outputs[0] !== flat) throw new Error('flattenFold: unexpected graph state');
      last.outputs[0] = n.outputs[0]; // the Reshape of a writes the flatten's tensor
      continue;
    }
    const pw = permFor.get(n.outputs[0]);
    if (pw) n.inputs[1] = g.matmul(pw.P, pw.of);
    g.nodes.push(n);
  }
  return plan.size;
}
