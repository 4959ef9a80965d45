/**
 * ONNX ops of sequence models as TF.js functions (the TF.js engine's side of src/core/native/lower/sequence.ts):
 * masks and positions (ConstantOfShape, Range, Expand, Trilu, Split, Equal, Not, Where) and the recurrent
 * cells LSTM / GRU / RNN unrolled over the sequence from matMul, sigmoid, tanh, mul and add, whose
 * second-order gradients are the exact ones of src/core/autodiff/gradients.ts. Gate order and equations as
 * the ONNX operator specification defines them (see the header of native/lower/sequence.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedError } from '../../errors';
import type { GraphNode, OpFn } from '../graph';
import type { OnnxNodeOp } from '../onnxOps';

const ints = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Int32Array | Float32Array);
const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
const unsupported = (node: GraphNode, what: string): never => {
  throw new UnsupportedError(`ONNX op '${node.op.slice(5)}' (node '${node.name}', opset ${node.attrs.opset}): ${what}`);
};

function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const x = a[a.length - r + i] ?? 1,
      y = b[b.length - r + i] ?? 1;
    return x === 1 ? y : x;
  });
}
const toBool = (t: tf.Tensor): tf.Tensor => (t.dtype === 'bool' ? t : tf.notEqual(t, 0));

function recurrent(kind: 'LSTM' | 'GRU' | 'RNN'): OpFn {
  return (ins, a, node) => {
    const names = node.attrs.optionalInputs as string[] | undefined;
    const slot = (k: number): tf.Tensor | undefined => {
      if (!names) return ins[k];
      if (!names[k]) return undefined;
      return ins[names.slice(0, k + 1).filter(n => n !== '').length - 1];
    };
    const x = slot(0)!,
      w = slot(1)!,
      r = slot(2)!,
      b = slot(3),
      hInit = slot(5),
      cInit = kind === 'LSTM' ? slot(6) : undefined;
    if (slot(4)) unsupported(node, 'sequence_lens');
    if (kind === 'LSTM' && slot(7)) unsupported(node, 'peephole weights P');
    if (a.clip !== undefined) unsupported(node, 'cell clip');
    if (Number(a.layout ?? 0) !== 0) unsupported(node, 'layout 1 (batch-major)');
    const [T, N, I] = x.shape as number[];
    const dir = String(a.direction ?? 'forward'),
      D = dir === 'bidirectional' ? 2 : 1;
    const H = Number(a.hidden_size),
      G = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
    const acts = (a.activations as string[] | undefined) ?? [];
    const lbr = Number(a.linear_before_reset ?? 0) === 1;
    const ys: tf.Tensor[] = [],
      hs: tf.Tensor[] = [],
      cs: tf.Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const reverse = dir === 'reverse' || d === 1;
      const Wd = tf.reshape(tf.slice(w, [d, 0, 0], [1, G * H, I]), [G * H, I]) as tf.Tensor2D;
      const Rt = tf.transpose(tf.reshape(tf.slice(r, [d, 0, 0], [1, G * H, H]), [G * H, H])) as tf.Tensor2D;
      const Bd = b ? tf.reshape(tf.slice(b, [d, 0], [1, 2 * G * H]), [2 * G * H]) : undefined;
      const Wb = Bd ? tf.slice(Bd, [0], [G * H]) : undefined,
        Rb = Bd ? tf.slice(Bd, [G * H], [G * H]) : undefined;
      let xw: tf.Tensor = tf.reshape(tf.matMul(tf.reshape(x, [T * N, I]) as tf.Tensor2D, Wd, false, true), [T, N, G * H]);
      if (Wb) xw = tf.add(xw, Wb);
      if (Rb && !(kind === 'GRU' && lbr)) xw = tf.add(xw, Rb);
      let h: tf.Tensor = hInit ? tf.reshape(tf.slice(hInit, [d, 0, 0], [1, N, H]), [N, H]) : tf.zeros([N, H]);
      let c: tf.Tensor | undefined = cInit
        ? tf.reshape(tf.slice(cInit, [d, 0, 0], [1, N, H]), [N, H])
        : kind === 'LSTM'
          ? tf.zeros([N, H])
          : undefined;
      const out = new Array<tf.Tensor>(T);
      const gate = (z: tf.Tensor, k: number) => tf.slice(z, [0, k * H], [N, H]);
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        const xt = tf.reshape(tf.slice(xw, [t, 0, 0], [1, N, G * H]), [N, G * H]);
        if (kind === 'LSTM') {
          const z = tf.add(xt, tf.matMul(h as tf.Tensor2D, Rt));
          const i = tf.sigmoid(gate(z, 0)),
            o = tf.sigmoid(gate(z, 1)),
            f = tf.sigmoid(gate(z, 2)),
            ct = tf.tanh(gate(z, 3));
          c = tf.add(tf.mul(f, c!), tf.mul(i, ct));
          h = tf.mul(o, tf.tanh(c));
        } else if (kind === 'GRU') {
          let zr = tf.add(tf.slice(xt, [0, 0], [N, 2 * H]), tf.matMul(h as tf.Tensor2D, tf.slice(Rt, [0, 0], [H, 2 * H]) as tf.Tensor2D));
          if (Rb && lbr) zr = tf.add(zr, tf.slice(Rb, [0], [2 * H]));
          const zg = tf.sigmoid(gate(zr, 0)),
            rg = tf.sigmoid(gate(zr, 1));
          const Rh = tf.slice(Rt, [0, 2 * H], [H, H]) as tf.Tensor2D;
          let pre: tf.Tensor;
          if (lbr) {
            let hh: tf.Tensor = tf.matMul(h as tf.Tensor2D, Rh);
            if (Rb) hh = tf.add(hh, tf.slice(Rb, [2 * H], [H]));
            pre = tf.add(gate(xt, 2), tf.mul(rg, hh));
          } else pre = tf.add(gate(xt, 2), tf.matMul(tf.mul(rg, h) as tf.Tensor2D, Rh));
          const ht = tf.tanh(pre);
          h = tf.add(ht, tf.mul(zg, tf.sub(h, ht)));
        } else {
          const z = tf.add(xt, tf.matMul(h as tf.Tensor2D, Rt));
          const f = acts[d] ?? 'Tanh';
          h =
            f === 'Tanh' ? tf.tanh(z) : f === 'Relu' ? tf.relu(z) : f === 'Sigmoid' ? tf.sigmoid(z) : unsupported(node, `activation ${f}`);
        }
        out[t] = tf.reshape(h, [1, 1, N, H]);
      }
      ys.push(tf.concat(out, 0));
      hs.push(tf.reshape(h, [1, N, H]));
      if (c) cs.push(tf.reshape(c, [1, N, H]));
    }
    const outs = [tf.concat(ys, 1), tf.concat(hs, 0)];
    if (kind === 'LSTM') outs.push(tf.concat(cs, 0));
    return outs;
  };
}

export const ONNX_SEQUENCE_OPS = {
  'onnx.ConstantOfShape': ([sh], a, node) => {
    const shape = sh ? ints(sh) : [];
    if (!(shape.reduce((p, q) => p * q, 1) <= 1 << 24)) unsupported(node, `a constant of shape [${shape}] (at most 2^24 elements)`);
    const dt = String(a.valueDtype ?? 'float32');
    const v = Number(a.value ?? 0);
    return [
      dt === 'bool' ? tf.cast(tf.fill(shape, v ? 1 : 0, 'int32'), 'bool') : tf.fill(shape, v, dt === 'float32' ? 'float32' : 'int32'),
    ];
  },
  'onnx.Range': ([s, l, d], _a, node) => {
    const [s0, l0, d0] = [ints(s)[0], ints(l)[0], ints(d)[0]];
    if (!(Math.ceil((l0 - s0) / d0) <= 1 << 24)) unsupported(node, `a range from ${s0} to ${l0} by ${d0} (at most 2^24 elements)`);
    return [tf.range(s0, l0, d0, s.dtype === 'float32' ? 'float32' : 'int32')];
  },
  'onnx.Expand': ([x, sh]) => [tf.broadcastTo(x, broadcastShape(x.shape as number[], ints(sh)))],
  'onnx.Trilu': ([x, kk], a) => {
    const k = kk ? ints(kk)[0] : 0,
      upper = Number(a.upper ?? 1) === 1;
    const [R, C] = x.shape.slice(-2) as number[];
    const m = new Int32Array(R * C);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) m[i * C + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
    const mask = tf.tensor2d(m, [R, C], 'int32');
    if (x.dtype === 'float32') return [tf.mul(x, tf.cast(mask, 'float32'))];
    return [tf.where(tf.cast(tf.broadcastTo(mask, x.shape), 'bool'), x, tf.zerosLike(x))];
  },
  'onnx.Split': ([x, sp], a, node) => {
    const axis = norm(Number(a.axis ?? 0), x.rank);
    const outs = node.outputs.length;
    const sizes = sp ? ints(sp) : Array.isArray(a.split) ? (a.split as number[]).map(Number) : outs;
    return tf.split(x, sizes, axis);
  },
  'onnx.Equal': ([p, q]) => [tf.equal(p, q)],
  'onnx.Not': ([x]) => [tf.logicalNot(toBool(x))],
  'onnx.Where': ([c, p, q]) => {
    const shape = broadcastShape(broadcastShape(c.shape as number[], p.shape as number[]), q.shape as number[]);
    return [tf.where(tf.broadcastTo(toBool(c), shape), tf.broadcastTo(p, shape), tf.broadcastTo(q, shape))];
  },
  'onnx.LSTM': recurrent('LSTM'),
  'onnx.GRU': recurrent('GRU'),
  'onnx.RNN': recurrent('RNN'),
} satisfies Partial<Record<OnnxNodeOp, OpFn>>;
