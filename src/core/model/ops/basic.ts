/** Shape and activation ops without parameters: identity, flatten, activation. */
import * as tf from '@tensorflow/tfjs-core';
import { activation as act } from '../../autodiff/ops';
import type { OpFn } from '../graph';

export const identity: OpFn = ([x]) => [x];
export const flatten: OpFn = ([x]) => [tf.reshape(x, [x.shape[0], -1])];
export const activation: OpFn = ([x], attrs) => [act(String(attrs.activation), x)];
