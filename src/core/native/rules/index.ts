/** All derivative rules of the native IR, by ONNX op type: one table per op family. */
import { ELEMENTWISE } from './elementwise';
import { LINEAR } from './linear';
import { CONV } from './conv';
import type { Rule } from './types';

export const RULES: Record<string, Rule> = { ...ELEMENTWISE, ...LINEAR, ...CONV };
export type { Rule, Maybe } from './types';
