/**
 * The ONNX ops of sequence models (transformers, recurrent nets) lowered to native IR.
 *
 * Masks and positions: ConstantOfShape, Range, Expand, Trilu, Split, Equal, Not and Where on
 * compile-time values are folded (every shape is static once the chunk size is fixed); a boolean known
 * at compile time is kept as a 0/1 int64 constant and becomes a bool only where a Where reads it.
 * Where on a computed float tensor is differentiated by its rule (routing by the constant condition).
 *
 * Recurrent cells (ONNX LSTM, GRU, RNN; forward, reverse or bidirectional; no peepholes, no clip,
 * full-length sequences) are unrolled over the static sequence length into MatMul / Add / Sigmoid /
 * Tanh / Mul (so the exact first- and second-order rules of those primitives apply: the HVP is
 * forward-over-reverse through the unrolled recurrence, Pearlmutter 1994). The input projection
 * X·Wᵀ is one product over all steps; each step adds H_{t−1}·Rᵀ. Gate order as ONNX defines it:
 *  LSTM (i, o, f, c):  i,o,f = σ(·), c̃ = tanh(·), C_t = f⊙C_{t−1} + i⊙c̃, H_t = o⊙tanh(C_t)
 *  GRU  (z, r, h):     z,r = σ(·), h̃ = tanh(X W_hᵀ + r⊙(H R_hᵀ + Rb_h) + Wb_h) (linear_before_reset = 1)
 *                      or tanh(X W_hᵀ + (r⊙H) R_hᵀ + Rb_h + Wb_h) (= 0), H_t = (1 − z)⊙h̃ + z⊙H_{t−1}
 *  RNN:                H_t = f(X W_iᵀ + H R_iᵀ + Wb + Rb), f = Tanh | Relu | Sigmoid
 * (Hochreiter & Schmidhuber 1997; Cho et al. 2014; the ONNX operator specification, opset 14.)
 */
import type { Graph } from '../ir';
import type { GraphNode } from '../../model/graph';
import { fail, ints, isInt, norm, val, type Lower } from './onnx';
import type { OnnxLowerings } from './common';

/** Largest constant built at compile time (a hostile shape must not exhaust memory). */
const MAX_FOLDED = 1 << 24;
const known = (g: Graph, t: string | undefined): number[] | undefined => (t === undefined ? undefined : g.value(t));

/** Values of a known tensor broadcast to `shape` (row-major). */
function broadcastValues(v: number[], from: number[], shape: number[]): number[] {
  const r = shape.length,
    f = [...new Array(r - from.length).fill(1), ...from];
  const total = shape.reduce((a, b) => a * b, 1),
    out = new Array<number>(total);
  for (let k = 0; k < total; k++) {
    let rem = k,
      src = 0,
      stride = 1;
    const idx = new Array<number>(r);
    for (let d = r - 1; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
    }
    for (let d = r - 1; d >= 0; d--) {
      src += (f[d] === 1 ? 0 : idx[d]) * stride;
      stride *= f[d];
    }
    out[k] = v[src];
  }
  return out;
}

/** A boolean condition tensor for Where: a known 0/1 constant becomes a bool tensor, a computed bool stays. */
function asBool(g: Graph, c: string): string {
  const v = known(g, c);
  if (v === undefined) return g.dtype(c) === 'bool' ? c : g.greater(c, 0.5);
  return g.greater(g.constF(v, g.shape(c)), 0.5);
}

/** A known float-valued tensor (float data or a folded 0/1 int): its values, for folding. */
const knownAny = (g: Graph, t: string | undefined): number[] | undefined => known(g, t);

function recurrent(kind: 'LSTM' | 'GRU' | 'RNN'): Lower {
  return (g, [X, W, R, B, seqLens, h0, c0, P], a, node) => {
    const lens = node.attrs.optionalInputs as string[] | undefined;
    // optional inputs keep their slots in node.attrs.optionalInputs; the filtered list drops empty names
    const slot = (k: number): string | undefined => {
      if (!lens) return [X, W, R, B, seqLens, h0, c0, P][k];
      const name = lens[k];
      if (!name) return undefined;
      const pos = lens.slice(0, k + 1).filter(n => n !== '').length - 1;
      return [X, W, R, B, seqLens, h0, c0, P][pos];
    };
    const x = slot(0)!,
      w = slot(1)!,
      r = slot(2)!,
      b = slot(3),
      sl = slot(4),
      hInit = slot(5),
      cInit = kind === 'LSTM' ? slot(6) : undefined;
    if (kind === 'LSTM' && slot(7)) fail(node, 'peephole weights P');
    if (a.clip !== undefined) fail(node, 'cell clip');
    if (Number(a.layout ?? 0) !== 0) fail(node, 'layout 1 (batch-major)');
    if (kind === 'LSTM' && Number(a.input_forget ?? 0) !== 0) fail(node, 'input_forget = 1');
    const [T, N, I] = g.shape(x);
    if (sl) {
      const v = known(g, sl);
      if (!v || v.some(d => d !== T)) fail(node, 'sequence_lens shorter than the sequence (only full-length sequences are compiled)');
    }
    const dir = String(a.direction ?? 'forward'),
      D = dir === 'bidirectional' ? 2 : 1;
    const H = Number(a.hidden_size);
    const G = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
    const acts = (a.activations as string[] | undefined) ?? [];
    if (kind !== 'RNN' && acts.length && acts.some((f, i) => f !== (i % (kind === 'LSTM' ? 3 : 2) === 0 ? 'Sigmoid' : 'Tanh')))
      fail(node, `activations ${acts.join(',')} (the default Sigmoid/Tanh only)`);
    const rnnAct = (t: string, d: number): string => {
      const f = acts[d] ?? 'Tanh';
      if (f === 'Tanh') return g.unary('Tanh', t);
      if (f === 'Relu') return g.unary('Relu', t);
      if (f === 'Sigmoid') return g.unary('Sigmoid', t);
      return fail(node, `activation ${f}`);
    };
    const lbr = Number(a.linear_before_reset ?? 0) === 1;
    const ys: string[] = [],
      hs: string[] = [],
      cs: string[] = [];
    for (let d = 0; d < D; d++) {
      const reverse = dir === 'reverse' || d === 1;
      const pick = (t: string, rows: number[], cols?: number) =>
        g.reshape(g.slice(t, [d], [d + 1], [0]), cols === undefined ? rows : [...rows, cols]);
      const Wd = pick(w, [G * H, I]),
        Rd = pick(r, [G * H, H]);
      const Bd = b ? pick(b, [2 * G * H]) : undefined;
      const Wb = Bd ? g.slice(Bd, [0], [G * H], [0]) : undefined,
        Rb = Bd ? g.slice(Bd, [G * H], [2 * G * H], [0]) : undefined;
      // X·Wᵀ (+ Wb, and + Rb for every gate whose Rb is not inside a reset product) for all steps at once
      let xw = g.reshape(g.matmul(g.reshape(x, [T * N, I]), g.transpose(Wd, [1, 0])), [T, N, G * H]);
      if (Wb) xw = g.add(xw, Wb);
      if (Rb && !(kind === 'GRU' && lbr)) xw = g.add(xw, Rb);
      const Rt = g.transpose(Rd, [1, 0]); // [H, G·H]
      let h = hInit ? pick(hInit, [N, H]) : g.zeros([N, H]);
      let c = cInit ? pick(cInit, [N, H]) : kind === 'LSTM' ? g.zeros([N, H]) : undefined;
      const out = new Array<string>(T);
      const gate = (z: string, k: number) => g.slice(z, [k * H], [(k + 1) * H], [1]);
      // GRU: the recurrent weights of the z, r gates and of h̃ (and the reset bias) sliced once, outside the steps —
      // inside, each step's slice would add a node to the forward and a padded [H, 3H] cotangent to the reverse
      const Rzr = kind === 'GRU' ? g.slice(Rt, [0], [2 * H], [1]) : undefined,
        Rh = kind === 'GRU' ? g.slice(Rt, [2 * H], [3 * H], [1]) : undefined;
      const Rbzr = kind === 'GRU' && Rb && lbr ? g.slice(Rb, [0], [2 * H], [0]) : undefined,
        Rbh = kind === 'GRU' && Rb && lbr ? g.slice(Rb, [2 * H], [3 * H], [0]) : undefined;
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        const xt = g.reshape(g.slice(xw, [t], [t + 1], [0]), [N, G * H]);
        if (kind === 'LSTM') {
          // one Sigmoid over the i, o, f block and one Tanh over c (fewer nodes in all three graphs)
          const z = g.add(xt, g.matmul(h, Rt));
          const iof = g.unary('Sigmoid', g.slice(z, [0], [3 * H], [1]));
          const i = gate(iof, 0),
            o = gate(iof, 1),
            f = gate(iof, 2),
            ct = g.unary('Tanh', gate(z, 3));
          c = g.add(g.mul(f, c!), g.mul(i, ct));
          h = g.mul(o, g.unary('Tanh', c));
        } else if (kind === 'GRU') {
          const hr = g.matmul(h, Rzr!); // [N, 2H]: z and r
          let zr = g.add(g.slice(xt, [0], [2 * H], [1]), hr);
          if (Rbzr) zr = g.add(zr, Rbzr);
          const zrs = g.unary('Sigmoid', zr);
          const zg = gate(zrs, 0),
            rg = gate(zrs, 1);
          let pre: string;
          if (lbr) {
            let hh = g.matmul(h, Rh!);
            if (Rbh) hh = g.add(hh, Rbh);
            pre = g.add(gate(xt, 2), g.mul(rg, hh));
          } else pre = g.add(gate(xt, 2), g.matmul(g.mul(rg, h), Rh!));
          const ht = g.unary('Tanh', pre);
          h = g.add(ht, g.mul(zg, g.sub(h, ht))); // (1 − z)⊙h̃ + z⊙H
        } else h = rnnAct(g.add(xt, g.matmul(h, Rt)), d);
        out[t] = g.reshape(h, [1, 1, N, H]);
      }
      ys.push(g.concat(out, 0)); // [T, 1, N, H]
      hs.push(g.reshape(h, [1, N, H]));
      if (c) cs.push(g.reshape(c, [1, N, H]));
    }
    const outs = [g.concat(ys, 1), g.concat(hs, 0)];
    if (kind === 'LSTM') outs.push(g.concat(cs, 0));
    return outs;
  };
}

export const SEQUENCE_LOWER = {
  'onnx.ConstantOfShape': (g, [sh], a, node) => {
    const shape = sh ? val(g, sh, node, 'the shape') : [];
    const v = Number(a.value ?? 0),
      dt = String(a.valueDtype ?? 'float32');
    const n = shape.reduce((p, q) => p * q, 1);
    if (!(n <= MAX_FOLDED)) fail(node, `a constant of ${n} elements (at most ${MAX_FOLDED})`);
    if (dt !== 'float32') return [g.constI(new Array<number>(n).fill(dt === 'bool' ? (v ? 1 : 0) : v), shape)];
    return [v === 0 ? g.zeros(shape) : g.expand(g.scalar(v), shape)];
  },
  'onnx.Range': (g, [start, limit, delta], _a, node) => {
    const s = val(g, start, node, 'start')[0],
      l = val(g, limit, node, 'limit')[0],
      d = val(g, delta, node, 'delta')[0];
    const n = Math.max(Math.ceil((l - s) / d), 0);
    if (!(n <= MAX_FOLDED)) fail(node, `a range of ${n} elements (at most ${MAX_FOLDED} are folded)`);
    const v = Array.from({ length: n }, (_, i) => s + i * d);
    return [isInt(g, start) ? g.constI(v) : g.constF(v, [n])];
  },
  'onnx.Expand': (g, [x, sh], _a, node) => {
    const shape = val(g, sh, node, 'the shape');
    const xs = g.shape(x);
    const r = Math.max(xs.length, shape.length);
    const full = [...new Array(r - xs.length).fill(1), ...xs],
      want = [...new Array(r - shape.length).fill(1), ...shape];
    const out = full.map((d, i) => (d === 1 ? want[i] : d));
    const v = known(g, x);
    if (v !== undefined && g.dtype(x) === 'int64') return [g.constI(broadcastValues(v, xs, out), out)];
    return [g.expand(x, out)];
  },
  'onnx.Trilu': (g, [x, kk], a, node) => {
    const k = kk ? val(g, kk, node, 'k')[0] : 0,
      upper = Number(a.upper ?? 1) === 1;
    const s = g.shape(x),
      [R, C] = s.slice(-2);
    const keep = (i: number, j: number) => (upper ? j - i >= k : j - i <= k);
    const v = knownAny(g, x);
    if (v !== undefined && g.dtype(x) === 'int64')
      return [
        g.constI(
          v.map((e, idx) => (keep(Math.floor(idx / C) % R, idx % C) ? e : 0)),
          s,
        ),
      ];
    // a computed tensor: multiply by the constant 0/1 triangle (linear)
    const tri = new Float32Array(R * C);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) tri[i * C + j] = keep(i, j) ? 1 : 0;
    return [g.mul(x, g.constF(tri, [R, C]))];
  },
  'onnx.Split': (g, [x, sp], a, node) => {
    const s = g.shape(x),
      axis = norm(Number(a.axis ?? 0), s.length);
    const outs = node.outputs.length;
    const sizes = sp ? val(g, sp, node, 'split') : (ints(a, 'split') ?? new Array<number>(outs).fill(s[axis] / outs));
    if (sizes.some(d => !Number.isInteger(d) || d < 0) || sizes.reduce((p, q) => p + q, 0) !== s[axis])
      fail(node, `split sizes ${sizes.join(',')} do not add up to the axis length ${s[axis]}`);
    let off = 0;
    return sizes.map(d => {
      const y = isInt(g, x) ? g.constI(val(g, x, node, 'data').slice(off, off + d)) : g.slice(x, [off], [off + d], [axis]);
      off += d;
      return y;
    });
  },
  'onnx.Equal': (g, [p, q], _a, node) => {
    const vp = known(g, p),
      vq = known(g, q);
    if (vp !== undefined && vq !== undefined) {
      const out = g.shape(vp.length >= vq.length ? p! : q!);
      const n = Math.max(vp.length, vq.length);
      return [
        g.constI(
          Array.from({ length: n }, (_, i) => (vp[vp.length === 1 ? 0 : i] === vq[vq.length === 1 ? 0 : i] ? 1 : 0)),
          out,
        ),
      ];
    }
    // ids fed as float32 against an integer constant (a padding id): compare as floats, exact below 2^24
    const asFloat = (t: string, v: number[] | undefined) => (g.dtype(t) === 'float' ? t : v !== undefined ? g.constF(v, g.shape(t)) : t);
    const [a2, b2] = g.dtype(p) === g.dtype(q!) ? [p, q] : [asFloat(p, vp), asFloat(q!, vq)];
    if (g.dtype(a2) !== g.dtype(b2!)) fail(node, 'Equal of tensors of different types');
    return [g.equal(a2, b2!)];
  },
  'onnx.Not': (g, [x], _a, node) => {
    const v = known(g, x);
    if (v === undefined)
      return g.dtype(x) === 'bool'
        ? g.prim('Not', [x], {}, [{ shape: g.shape(x), dtype: 'bool' }])
        : fail(node, 'Not of a non-boolean tensor');
    return [
      g.constI(
        v.map(e => (e ? 0 : 1)),
        g.shape(x),
      ),
    ];
  },
  'onnx.Where': (g, [c, p, q], _a, node) => {
    const vc = known(g, c),
      vp = known(g, p),
      vq = known(g, q);
    if (vc !== undefined && vp !== undefined && vq !== undefined && g.dtype(p!) === 'int64') {
      const out = g.shape(c);
      if (vp.length > vc.length || vq.length > vc.length) fail(node, 'Where on integer tensors larger than the condition');
      return [
        g.constI(
          vc.map((e, i) => (e ? vp[vp.length === 1 ? 0 : i] : vq[vq.length === 1 ? 0 : i])),
          out,
        ),
      ];
    }
    if (g.dtype(p!) !== 'float' || g.dtype(q!) !== 'float') fail(node, 'Where on integer data');
    return [g.where(asBool(g, c), p!, q!)];
  },
  'onnx.LSTM': recurrent('LSTM'),
  'onnx.GRU': recurrent('GRU'),
  'onnx.RNN': recurrent('RNN'),
} satisfies Partial<OnnxLowerings>;
export type { GraphNode };
