/**
 * MaxPool without its Indices output where nothing reads it. The max-pooling rules (rules/conv.ts) route
 * derivatives by ONNX MaxPool's Indices output (the window argmax), so the lowering always asks for it; but
 * ONNX Runtime runs MaxPool with one output on its vectorised pooling kernel (MLAS) and with the Indices
 * output on a scalar loop — 8.6 vs 0.34 ms on the bench CNN's 1,024×16×8×8 maps (one thread, bench/tinyCnn.ts
 * micro-measurement), more than the whole rest of a loss pass. Graphs with no derivative of the pooling
 * (loss, lossBlock, outputs) lose the output after pruning. The values are the same kernel's maxima.
 *
 * Graphs that differentiate the pooling need the argmax. For non-overlapping windows (strides = kernel, no
 * padding, the map a whole number of windows, at most `maxPixels` per map) `argmaxIndices` forms the same
 * argmax from x alone, off the slow kernel: each map's pixels regrouped by window position with a
 * constant H·W × H·W permutation ([N·C, K, P]: one GEMM, exact for finite values), ArgMax over the window
 * axis (ONNX ArgMax: the first maximum, as MaxPool's Indices and PyTorch's backward), then the window-local
 * position k of output pixel p turned into its pixel within the map by integer arithmetic; the rules
 * scatter and gather along the maps' pixel axis ([N·C, H·W]). ArgMax is a primitive with a zero derivative
 * (ir.ts), and the chain starts at a value-preserving Cast (zero derivative too), so the derivative
 * transforms form no tangent of it. (A mask formulation — one-hot masks multiplied into
 * G and ẋ — was measured too and lost to ONNX Runtime's slow broadcasting over 2-element spans.)
 */
import type { Graph, PrimNode } from './ir';

/** A toggle for the bench (bench/tinyCnn.ts compares both). */
export const POOL_INDICES = { dropUnused: true, argmax: true, maxPixels: 256 };

const byGraph = new WeakMap<Graph, Map<string, string>>();

/**
 * MaxPool's argmax for `n`: by ArgMax where the windows allow — `perMap`: positions within each map,
 * [N·C, ho·wo] into x viewed as [N·C, H·W] — else the node's Indices output (flat into x, [N, C, ho, wo]).
 */
export function argmaxIndices(g: Graph, n: PrimNode<'MaxPool'>): { idx: string; perMap: boolean } {
  const [N, C, H, W] = g.shape(n.inputs[0]);
  const [kh, kw] = n.attrs.kernel_shape,
    [s0, s1] = n.attrs.strides;
  const ok =
    POOL_INDICES.argmax &&
    n.attrs.pads.every(p => p === 0) &&
    s0 === kh &&
    s1 === kw &&
    H % kh === 0 &&
    W % kw === 0 &&
    H * W <= POOL_INDICES.maxPixels;
  if (!ok) return { idx: n.outputs[1], perMap: false };
  let cache = byGraph.get(g);
  if (!cache) byGraph.set(g, (cache = new Map()));
  const hit = cache.get(n.outputs[0]);
  if (hit) return { idx: hit, perMap: true };
  const ho = H / kh,
    wo = W / kw,
    K = kh * kw,
    P = ho * wo,
    HW = H * W;
  // perm[(h, w), (k, p)] = 1 when pixel (h, w) is window position k of output pixel p
  const perm = new Float32Array(HW * HW);
  const base: number[] = [];
  for (let ph = 0; ph < ho; ph++) for (let pw = 0; pw < wo; pw++) base.push(ph * kh * W + pw * kw);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) for (let p = 0; p < P; p++) perm[(base[p] + i * W + j) * HW + (i * kw + j) * P + p] = 1;
  const i64 = (shape: number[]) => [{ shape, dtype: 'int64' as const }];
  const xc = g.toFloat(n.inputs[0]); // a value-preserving Cast: no derivative flows into what follows
  const xw = g.reshape(g.matmul(g.reshape(xc, [N * C, HW]), g.constF(perm, [HW, HW])), [N * C, K, P]);
  const [k] = g.prim('ArgMax', [xw], { axis: 1, keepdims: 0, select_last_index: 0 }, i64([N * C, P]));
  // window position k = i·kw + j of output pixel p is pixel base(p) + i·W + j = base(p) + k + ⌊k / kw⌋·(W − kw)
  let local = k;
  if (kw !== W) {
    const [row] = g.prim('Div', [k, g.constI([kw], [])], {}, i64([N * C, P]));
    const [skip] = g.prim('Mul', [row, g.constI([W - kw], [])], {}, i64([N * C, P]));
    [local] = g.prim('Add', [k, skip], {}, i64([N * C, P]));
  }
  const [idx] = g.prim('Add', [local, g.constI(base, [1, P])], {}, i64([N * C, P]));
  cache.set(n.outputs[0], idx);
  return { idx, perMap: true };
}

/** MaxPool nodes whose Indices output nothing reads lose it; returns how many. */
export function dropUnusedPoolIndices(g: Graph): number {
  if (!POOL_INDICES.dropUnused) return 0;
  const read = new Set<string>(g.outputs);
  for (const n of g.nodes) for (const i of n.inputs) read.add(i);
  let k = 0;
  for (const n of g.nodes)
    if (n.op === 'MaxPool' && n.outputs.length === 2 && !read.has(n.outputs[1])) {
      n.outputs = [n.outputs[0]];
      k++;
    }
  return k;
}
