/**
 * Small convolutions as one dense matrix product (the "Toeplitz" or "unrolled" form of a convolution:
 * Chellapilla, Puri & Simard 2006 §2; Vasudevan, Anderson & Gregg 2017). For y = conv(x, W) (NCHW, group 1)
 * with Q input and P output pixels per map, K = kh·kw taps:
 *   M[(c,q), (o,p)] = Σ_k W[o,c,k]·S[k,q,p],   y[n, (o,p)] = Σ_(c,q) x[n, (c,q)]·M[(c,q), (o,p)]
 * where S[k,q,p] = 1 when tap k of output pixel p reads input pixel q (strides, dilations and zero padding
 * are in S; a padded tap reads nothing). M is built from W by one small matrix product with the constant S
 * (each entry of M is one weight or 0, exactly), then y is one GEMM over the whole batch with no im2col copy.
 * It does Q/K times the multiply-adds of the convolution, which pays where the maps are tiny: the im2col path
 * (convGemm.ts) moves the batch's windows through kh·kw Slices, a Concat and two Transposes, ONNX Runtime's
 * Conv runs one skinny GEMM per image, while [N, C·Q]·[C·Q, O·P] runs at the GEMM kernel's full speed.
 * The rewrite runs on the forward graph before the derivative transforms, so gradients, HVPs, JVPs and VJPs
 * are the MatMul rules' products (∂x = G·Mᵀ, ∂M = xᵀ·G, ∂W = ∂M folded back through S) — the same sums as the
 * convolution's rules in another order (float32 rounding only).
 */
import { isPrim, type Graph, type INode, type PrimNode } from './ir';

/**
 * Applies to ungrouped 2-D convolutions whose dense matrix has at most `maxElems` entries and at most
 * `maxInflation` times the convolution's multiply-adds.
 */
export const CONV_DENSE = { enabled: true, maxElems: 2 ** 20, maxInflation: 8 };

/** Rewrite the Conv nodes among g.nodes[from..] that qualify; returns how many. */
export function convsToDense(g: Graph, from = 0): number {
  if (!CONV_DENSE.enabled) return 0;
  const tail = g.nodes.splice(from, g.nodes.length - from);
  let n = 0;
  for (const node of tail) {
    if (!qualifies(g, node)) {
      g.nodes.push(node);
      continue;
    }
    denseConv(g, node);
    n++;
  }
  return n;
}

function qualifies(g: Graph, node: INode): node is PrimNode<'Conv'> {
  if (!isPrim(node, 'Conv') || node.inputs.length !== 2 || node.attrs.group !== 1) return false;
  const xs = g.shape(node.inputs[0]),
    ws = g.shape(node.inputs[1]),
    ys = g.shape(node.outputs[0]);
  if (xs.length !== 4 || ws.length !== 4 || ys.length !== 4) return false;
  const [, C, H, W] = xs,
    [O, , kh, kw] = ws,
    [, , ho, wo] = ys;
  const Q = H * W,
    P = ho * wo,
    K = kh * kw;
  return C * Q * O * P <= CONV_DENSE.maxElems && Q <= CONV_DENSE.maxInflation * K;
}

/** S as [K, Q·P]: row k, column q·P + p is 1 when tap k of output pixel p reads input pixel q. */
export function tapSelection(
  H: number,
  W: number,
  kh: number,
  kw: number,
  ho: number,
  wo: number,
  a: { strides: number[]; pads: number[]; dilations: number[] },
): Float32Array {
  const Q = H * W,
    P = ho * wo;
  const S = new Float32Array(kh * kw * Q * P);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let ph = 0; ph < ho; ph++)
        for (let pw = 0; pw < wo; pw++) {
          const qh = ph * a.strides[0] - a.pads[0] + i * a.dilations[0],
            qw = pw * a.strides[1] - a.pads[1] + j * a.dilations[1];
          if (qh < 0 || qw < 0 || qh >= H || qw >= W) continue;
          S[(i * kw + j) * Q * P + (qh * W + qw) * P + ph * wo + pw] = 1;
        }
  return S;
}

const selections = new WeakMap<Graph, Map<string, string>>();

function denseConv(g: Graph, node: PrimNode<'Conv'>): void {
  const [x, w] = node.inputs,
    out = node.outputs[0];
  const [N, C, H, W] = g.shape(x),
    [O, , kh, kw] = g.shape(w),
    [, , ho, wo] = g.shape(out);
  const Q = H * W,
    P = ho * wo,
    K = kh * kw;
  // one constant S per geometry and graph (a block graph's forward copies share it)
  const key = `${H},${W},${kh},${kw},${ho},${wo},${node.attrs.strides},${node.attrs.pads},${node.attrs.dilations}`;
  let byKey = selections.get(g);
  if (!byKey) selections.set(g, (byKey = new Map()));
  let S = byKey.get(key);
  if (!S) byKey.set(key, (S = g.constF(tapSelection(H, W, kh, kw, ho, wo, node.attrs), [K, Q * P])));
  const wck = g.reshape(g.transpose(w, [1, 0, 2, 3]), [C * O, K]); // [C·O, K]
  const m = g.reshape(g.transpose(g.reshape(g.matmul(wck, S), [C, O, Q, P]), [0, 2, 1, 3]), [C * Q, O * P]);
  const y = g.matmul(g.reshape(x, [N, C * Q]), m); // [N, O·P]
  const yr = g.reshape(y, [N, O, ho, wo]);
  // the last node writes the conv's output tensor (the reshape is never elided: [N, O·P] ≠ [N, O, ho, wo])
  const last = g.nodes[g.nodes.length - 1];
  if (last.outputs[0] !== yr) throw new Error('convDense: unexpected graph state');
  last.outputs[0] = out;
}
