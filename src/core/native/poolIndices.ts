/**
 * MaxPool without its Indices output where nothing reads it. The max-pooling rules (rules/conv.ts) route
 * derivatives by ONNX MaxPool's Indices output (the window argmax), so the lowering always asks for it; but
 * ONNX Runtime runs MaxPool with one output on its vectorised pooling kernel (MLAS) and with the Indices
 * output on a scalar loop — 8.6 vs 0.34 ms on the bench CNN's 1,024×16×8×8 maps (one thread, bench/tinyCnn.ts
 * micro-measurement), more than the whole rest of a loss pass. Graphs with no derivative of the pooling
 * (loss, lossBlock, outputs) lose the output after pruning. The values are the same kernel's maxima.
 * (A mask-based routing without Indices — first-maximum one-hot masks from x and y — was measured for the
 * derivative graphs and was slower on ONNX Runtime's broadcasting: not used.)
 */
import type { Graph } from './ir';

/** A toggle for the bench (bench/tinyCnn.ts compares both). */
export const POOL_INDICES = { dropUnused: true };

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
