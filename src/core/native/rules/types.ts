/**
 * A derivative rule of one primitive op of the native IR. `vjp` (reverse mode) maps the output
 * cotangents to the input cotangents; `jvp` (forward mode, the "R-op" of Pearlmutter 1994) maps the
 * input tangents to the output tangents. Both emit IR nodes (ir.ts), so rules compose: the HVP is
 * the JVP of the forward + VJP graph. `undefined` is an exact zero (no node emitted).
 */
import type { Graph, INode } from '../ir';

export type Maybe = string | undefined;
export interface Rule {
  /** Cotangents of the inputs, given those of the outputs (undefined: zero); only `need[i]` inputs are asked for. */
  vjp?(g: Graph, n: INode, gy: Maybe[], need: boolean[]): Maybe[];
  /** Tangents of the outputs, given those of the inputs (undefined: zero). */
  jvp(g: Graph, n: INode, t: Maybe[]): Maybe[];
}
/** Ops with zero derivative almost everywhere (comparisons, casts of masks, signs, stop-gradient maxima). */
export const zeroRule: Rule = { vjp: (_g, n) => n.inputs.map(() => undefined), jvp: (_g, n) => n.outputs.map(() => undefined) };

/** a + b where either may be an exact zero. */
export function addMaybe(g: Graph, a: Maybe, b: Maybe): Maybe {
  return a === undefined ? b : b === undefined ? a : g.add(a, b);
}
