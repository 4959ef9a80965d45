/**
 * A post-pass over a compiled graph (after the derivative transforms): ungrouped convolutions
 * whose output maps are small are rewritten as im2col + one matrix product over the whole batch,
 *   y = reshape(W[O, C·kh·kw] · col[C·kh·kw, N·ho·wo]) (Chellapilla, Puri & Simard 2006).
 * ONNX Runtime's Conv kernel, with weights that are graph inputs (θ) rather than constants, runs one
 * GEMM per image of shape [O, C·kh·kw]·[C·kh·kw, ho·wo]: when ho·wo is 4–64 (ResNet's last stages,
 * the forward, tangent and input-gradient convolutions alike) those GEMMs are skinny and slow; one
 * GEMM with N·ho·wo columns is not. The rewrite is the same sums in another order (float32 rounding
 * only). Runs after autodiff, so the derivative rules still see Conv nodes.
 */
import { isPrim, type Graph, type INode, type ConvAttrs, type PrimNode } from './ir';
import { im2col } from './rules/conv';

/** The rewrite applies to ungrouped 2-D Conv nodes with at most `maxOut` output pixels per map and a kernel of at most `maxK` taps. */
export const CONV_GEMM = { maxOut: 64, maxK: 49, enabled: true };

export function convsToGemm(g: Graph): number {
  if (!CONV_GEMM.enabled) return 0;
  const old = g.nodes.splice(0, g.nodes.length);
  let n = 0;
  for (const node of old) {
    if (!rewritable(g, node)) {
      g.nodes.push(node);
      continue;
    }
    const [x, w] = node.inputs,
      out = node.outputs[0];
    const a = node.attrs;
    const attrs: ConvAttrs = { strides: a.strides, pads: a.pads, dilations: a.dilations, group: 1 };
    const [N, O, ho, wo] = g.shape(out),
      [, C, kh, kw] = g.shape(w);
    const col = g.reshape(im2col(g, x, attrs, kh, kw, ho, wo), [C * kh * kw, N * ho * wo]);
    const y = g.matmul(g.reshape(w, [O, C * kh * kw]), col); // [O, N·ho·wo]
    g.transpose(g.reshape(y, [O, N, ho, wo]), [1, 0, 2, 3]);
    g.nodes[g.nodes.length - 1].outputs[0] = out; // the last node (the transpose) writes the conv's output
    n++;
  }
  return n;
}

function rewritable(g: Graph, node: INode): node is PrimNode<'Conv'> {
  if (!isPrim(node, 'Conv') || node.inputs.length !== 2 || node.attrs.group !== 1) return false;
  const ys = g.shape(node.outputs[0]),
    ws = g.shape(node.inputs[1]);
  if (ys.length !== 4 || ws.length !== 4) return false;
  return ys[2] * ys[3] <= CONV_GEMM.maxOut && ws[2] * ws[3] <= CONV_GEMM.maxK && ys[1] > 1;
}
