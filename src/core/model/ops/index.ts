/** The internal op set: name → implementation. One file per op family. */
import type { OpFn } from '../graph';
import { dense } from './dense';
import { identity, flatten, activation } from './basic';

export const OPS: Record<string, OpFn> = { dense, identity, flatten, activation };

export function registerOp(name: string, fn: OpFn): void { OPS[name] = fn; }
