/**
 * All derivative rules of the native IR, by primitive op (ir.ts PRIM_OPS): one table per op family. `satisfies
 * PrimRules` makes a primitive without its JVP (or, unless tangent-only, its VJP) a type error.
 */
import { ELEMENTWISE } from './elementwise';
import { LINEAR } from './linear';
import { CONV } from './conv';
import type { PrimRules } from './types';

export const RULES = { ...ELEMENTWISE, ...LINEAR, ...CONV } satisfies PrimRules;
export type { Rule, Maybe, PrimRules, AnyRule, TangentRule } from './types';
