/**
 * A derivative rule of one primitive op of the native IR. `vjp` (reverse mode) maps the output
 * cotangents to the input cotangents; `jvp` (forward mode, the "R-op" of Pearlmutter 1994) maps the
 * input tangents to the output tangents. Both emit IR nodes (ir.ts), so rules compose: the HVP is
 * the JVP of the forward + VJP graph. `undefined` is an exact zero (no node emitted).
 * The families' shared shapes follow JAX (`jax/_src/interpreters/ad.py`): `linear` (deflinear2: the JVP is the op on
 * the tangent, the VJP its adjoint) and `bilinear` (defbilinear: ẏ = op(ȧ, b) + op(a, ḃ), the VJP the two transposes).
 */
import type { Graph, PrimNode, PrimOp, TangentOnlyOp, INode } from '../ir';

export type Maybe = string | undefined;
/** The rules of primitive K (methods: a rule written for any node also serves one op). */
export interface Rule<K extends PrimOp = PrimOp> {
  /** Cotangents of the inputs, given those of the outputs (undefined: zero); only `need[i]` inputs are asked for. */
  vjp(g: Graph, n: PrimNode<K>, gy: Maybe[], need: boolean[]): Maybe[];
  /** Tangents of the outputs, given those of the inputs (undefined: zero). */
  jvp(g: Graph, n: PrimNode<K>, t: Maybe[]): Maybe[];
}
/** A primitive that only derivative graphs hold (ir.ts TangentOnlyOp): a forward-mode rule only. */
export interface TangentRule<K extends PrimOp = PrimOp> {
  jvp(g: Graph, n: PrimNode<K>, t: Maybe[]): Maybe[];
}
/** Every primitive's rules: the type of RULES (rules/index.ts). A primitive without its rule does not compile. */
export type PrimRules = { [K in PrimOp]: K extends TangentOnlyOp ? TangentRule<K> : Rule<K> };
/** A rule looked up for a node (autodiff.ts): vjp absent for the tangent-only primitives. */
export interface AnyRule {
  vjp?(g: Graph, n: INode, gy: Maybe[], need: boolean[]): Maybe[];
  jvp(g: Graph, n: INode, t: Maybe[]): Maybe[];
}

/** Ops with zero derivative almost everywhere (comparisons, casts of masks, signs, stop-gradient maxima). */
export const zeroRule: Rule = { vjp: (_g, n) => n.inputs.map(() => undefined), jvp: (_g, n) => n.outputs.map(() => undefined) };

/** a + b where either may be an exact zero. */
export function addMaybe(g: Graph, a: Maybe, b: string): string;
export function addMaybe(g: Graph, a: Maybe, b: Maybe): Maybe;
export function addMaybe(g: Graph, a: Maybe, b: Maybe): Maybe {
  return a === undefined ? b : b === undefined ? a : g.add(a, b);
}

/**
 * An op linear in its first input (the others are compile-time constants: shapes, axes, indices): ẏ = op(ẋ) and
 * x̄ = adjoint(ȳ) (JAX deflinear2).
 */
export function linear<K extends PrimOp>(
  apply: (g: Graph, n: PrimNode<K>, t: string) => string,
  adjoint: (g: Graph, n: PrimNode<K>, gy: string) => string,
): Rule<K> {
  return {
    vjp: (g, n, [gy], need) => n.inputs.map((_, i) => (i === 0 && gy !== undefined && need[0] ? adjoint(g, n, gy) : undefined)),
    jvp: (g, n, [t]) => [t === undefined ? undefined : apply(g, n, t)],
  };
}

/**
 * An op bilinear in its inputs (a, b): ẏ = op(ȧ, b) + op(a, ḃ), exact at every order; ā = lhs(ȳ) and b̄ = rhs(ȳ), the
 * transposes of a ↦ op(a, b) and b ↦ op(a, b) (JAX defbilinear).
 */
export function bilinear<K extends PrimOp>(
  apply: (g: Graph, n: PrimNode<K>, a: string, b: string) => string,
  lhs: (g: Graph, n: PrimNode<K>, gy: string) => string,
  rhs: (g: Graph, n: PrimNode<K>, gy: string) => string,
): Rule<K> {
  return {
    vjp: (g, n, [gy], need) =>
      gy === undefined ? n.inputs.map(() => undefined) : [need[0] ? lhs(g, n, gy) : undefined, need[1] ? rhs(g, n, gy) : undefined],
    jvp: (g, n, [ta, tb]) => {
      const [a, b] = n.inputs;
      return [addMaybe(g, ta === undefined ? undefined : apply(g, n, ta, b), tb === undefined ? undefined : apply(g, n, a, tb))];
    },
  };
}
