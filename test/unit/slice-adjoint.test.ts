/**
 * The reverse mode gathers the cotangents of a tensor read by several Slices (src/core/native/autodiff.ts
 * gatherSlices): disjoint ranges along one axis are written as one Concat (zero blocks in the gaps) instead of one
 * full-size Pad per slice and a chain of Adds — what made a GRU's HVP pay 32 full-size [T, N, 3H] pads per pass.
 * Checked on a tiny graph run by ONNX Runtime against the gradient and the Hessian-vector product written by hand:
 * L = Σ wa⊙x[0:2] + Σ wb⊙x[2:5] (a gap at row 5) + Σ wc⊙x[1:3] (overlapping both) + Σ wd⊙x[:, 1:3] (another axis)
 *   + ½ Σ x⊙x + Σ x[0:3]³/3 (a nonlinear slice reader: its tangent runs through the gathered Concat)
 * ∇L = pad(wa) + pad(wb) + pad(wc) + pad(wd) + x + pad(x[0:3]²),  H·v = v + pad(2·x[0:3]⊙v[0:3]).
 */
import * as assert from 'assert';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../src/core/native/ir';
import { vjp, jvp } from '../../src/core/native/autodiff';
import { toModelProto } from '../../src/core/native/proto';

const R = 6,
  C = 4;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('native autodiff: the cotangents of slices of one tensor', () => {
  it('are gathered into one Concat per axis (overlaps as Pads) and give the hand-written gradient and HVP', async () => {
    const g = new Graph();
    const x = g.input('x', [R, C]);
    const v = g.input('v', [R, C]);
    const W = {
      a: seq(2 * C, i => 0.5 + i),
      b: seq(3 * C, i => -1 + 0.25 * i),
      c: seq(2 * C, i => 2 - 0.5 * i),
      d: seq(R * 2, i => 0.1 * i - 0.3),
    };
    const wsum = (t: string, w: number[], shape: number[]) => g.reduceSum(g.mul(t, g.constF(w, shape)), [0, 1], false);
    const top = g.slice(x, [0], [3], [0]);
    const terms = [
      wsum(g.slice(x, [0], [2], [0]), W.a, [2, C]),
      wsum(g.slice(x, [2], [5], [0]), W.b, [3, C]),
      wsum(g.slice(x, [1], [3], [0]), W.c, [2, C]),
      wsum(g.slice(x, [1], [3], [1]), W.d, [R, 2]),
      g.scale(g.reduceSum(g.mul(x, x), [0, 1], false), 0.5),
      g.scale(g.reduceSum(g.powc(top, 3), [0, 1], false), 1 / 3),
    ];
    const L = terms.reduce((s, t) => g.add(s, t));
    const fwd = g.nodes.slice();
    const grad = vjp(g, fwd, L, g.scalar(1), [x]).get(x)!;
    const bwd = g.nodes.slice(fwd.length);
    const ops = (ns: typeof bwd) => ns.map(n => n.op);
    // rows 0:2 and 2:5 (and the gap 5:6) are one Concat; x[0:3] and x[1:3] overlap them, and the column slice is
    // alone on its axis: three Pads — where every slice used to be one Pad (six)
    assert.strictEqual(ops(bwd).filter(o => o === 'Concat').length, 1, ops(bwd).join(' '));
    assert.strictEqual(ops(bwd).filter(o => o === 'Pad').length, 3, ops(bwd).join(' '));
    const hv = jvp(g, g.nodes.slice(), new Map([[x, v]])).get(grad)!;
    g.outputs = [grad, hv];
    const session = await ort.InferenceSession.create(toModelProto(g));
    const xs = Float32Array.from(seq(R * C, i => Math.sin(i + 1))),
      vs = Float32Array.from(seq(R * C, i => Math.cos(2 * i)));
    const out = await session.run({ x: new ort.Tensor('float32', xs, [R, C]), v: new ort.Tensor('float32', vs, [R, C]) });
    // by hand
    const eg = Array.from(xs, Number),
      eh = Array.from(vs, Number);
    const addRows = (w: number[], r0: number) => w.forEach((wi, k) => (eg[(r0 + Math.floor(k / C)) * C + (k % C)] += wi));
    addRows(W.a, 0);
    addRows(W.b, 2);
    addRows(W.c, 1);
    W.d.forEach((wi, k) => (eg[Math.floor(k / 2) * C + 1 + (k % 2)] += wi));
    for (let i = 0; i < 3 * C; i++) {
      eg[i] += xs[i] * xs[i];
      eh[i] += 2 * xs[i] * vs[i];
    }
    const gotG = out[grad].data as Float32Array,
      gotH = out[hv].data as Float32Array;
    for (let i = 0; i < R * C; i++) {
      assert.ok(Math.abs(gotG[i] - eg[i]) <= 1e-5 * (1 + Math.abs(eg[i])), `∇L[${i}] ${gotG[i]} vs ${eg[i]}`);
      assert.ok(Math.abs(gotH[i] - eh[i]) <= 1e-5 * (1 + Math.abs(eh[i])), `Hv[${i}] ${gotH[i]} vs ${eh[i]}`);
    }
    await session.release();
  });
});
