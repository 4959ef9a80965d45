/**
 * Start-up self-test of exact HVPs: a few tiny dense networks (every activation family that
 * needs a corrected gradient, the three losses) — TF.js double backprop on the active backend
 * (through the objective, ./objective.ts) against the float64 hyper-dual reference
 * (./autodiff/hyperdual.ts). Takes well under a second; on failure the engine refuses to compute (an
 * upgraded or different TF.js could otherwise be silently wrong).
 *
 * It lives above ./autodiff (exact gradients and the reference, which import nothing of the model,
 * the loss or the objective) because it exercises the whole objective: the dependency goes one way.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel, GraphNode, ParamSpec } from './model/graph';
import type { Dataset } from './data/dataset';
import { TfObjective, Objective } from './objective';
import { resolveLoss, LossSpec } from './loss';
import { registerExactGradients } from './autodiff/gradients';
import { denseHvp64, denseParamCount, RefDenseLayer } from './autodiff/hyperdual';
import { Rng } from './rng';

/**
 * Exact automatic differentiation on TF.js: install the corrected gradients
 * (./autodiff/gradients.ts) and self-test H·v on the active backend. Every entry point that
 * computes (worker, CLI, tests, bench) goes through initBackend() (./backend.ts), which calls this
 * before any gradient is taken.
 */
export async function ensureExactAutodiff(): Promise<void> {
  registerExactGradients();
  await hvpSelfTest();
}

/** A GraphModel of Dense layers with θ laid out as in ./autodiff/hyperdual.ts (kernel then bias per layer). */
export function denseGraphModel(layers: RefDenseLayer[], theta: Float32Array, inputShape?: number[]): GraphModel {
  const params: ParamSpec[] = [];
  const nodes: GraphNode[] = [];
  let offset = 0,
    prev = 'input';
  if (inputShape && inputShape.length > 1) {
    nodes.push({ op: 'flatten', inputs: ['input'], outputs: ['flat'], attrs: {}, name: 'flatten' });
    prev = 'flat';
  }
  layers.forEach((l, i) => {
    const name = `dense_${i}`;
    const ins = [prev, `${name}/kernel`];
    params.push({ name: `${name}/kernel`, layer: name, role: 'kernel', shape: [l.nIn, l.nOut], offset, size: l.nIn * l.nOut, outAxis: 1 });
    offset += l.nIn * l.nOut;
    if (l.bias) {
      params.push({ name: `${name}/bias`, layer: name, role: 'bias', shape: [l.nOut], offset, size: l.nOut });
      offset += l.nOut;
      ins.push(`${name}/bias`);
    }
    nodes.push({ op: 'dense', inputs: ins, outputs: [`${name}/out`], attrs: { activation: l.act }, name });
    prev = `${name}/out`;
  });
  return {
    format: 'test',
    inputs: [{ name: 'input', shape: [null, ...(inputShape ?? [layers[0].nIn])], dtype: 'float32' }],
    outputs: [prev],
    params,
    numParams: offset,
    theta,
    constants: new Map(),
    nodes,
    outputActivation: layers[layers.length - 1].act,
    layers: layers.map((l, i) => ({
      name: `dense_${i}`,
      kind: 'Dense',
      activation: l.act,
      units: l.nOut,
      params: l.nIn * l.nOut + (l.bias ? l.nOut : 0),
    })),
    notices: [],
  };
}

export interface HvpCase {
  name: string;
  layers: RefDenseLayer[];
  loss: 'ce' | 'mse' | 'bce';
  m: number;
  seed: number;
  thetaScale?: number;
  /** per-sample input shape (flattened before the first Dense) */ inputShape?: number[];
}

export interface HvpCheck {
  name: string;
  relError: number;
  gradRelError: number;
  ms: number;
}

/** Compare TF.js (active backend) H·v and gradient with the float64 hyper-dual reference at a random point. */
export async function checkHvpCase(
  c: HvpCase,
  make: (model: GraphModel, data: Dataset, spec: LossSpec) => Objective = (m, d, s) => new TfObjective(m, d, s),
): Promise<HvpCheck> {
  const t0 = performance.now();
  const rng = new Rng(c.seed);
  const P = denseParamCount(c.layers);
  const theta = Float32Array.from({ length: P }, () => rng.normal() * (c.thetaScale ?? 0.7));
  const v = Float32Array.from({ length: P }, () => rng.normal());
  const d = c.layers[0].nIn,
    K = c.layers[c.layers.length - 1].nOut;
  const x = Float32Array.from({ length: c.m * d }, () => rng.normal());
  let data: Dataset;
  let y: ArrayLike<number>;
  if (c.loss === 'ce') {
    const labels = Int32Array.from({ length: c.m }, () => rng.int(K));
    y = labels;
    data = {
      file: '<self-test>',
      x,
      xShape: [c.m, ...(c.inputShape ?? [d])],
      y: { kind: 'labels', data: labels, numClasses: K },
      m: c.m,
      total: c.m,
      xKey: 'x',
      yKey: 'y',
    };
  } else {
    const t = Float32Array.from({ length: c.m * K }, () => (c.loss === 'bce' ? rng.uniform() : rng.normal()));
    y = t;
    data = {
      file: '<self-test>',
      x,
      xShape: [c.m, ...(c.inputShape ?? [d])],
      y: { kind: 'values', data: t, shape: [c.m, K] },
      m: c.m,
      total: c.m,
      xKey: 'x',
      yKey: 'y',
    };
  }
  const model = denseGraphModel(c.layers, theta, c.inputShape);
  const obj = make(model, data, resolveLoss(model, data, c.loss));
  try {
    const hv = await obj.hvp(theta, v);
    const { gradient } = await obj.valueAndGradient(theta);
    const ref = denseHvp64(c.layers, theta, v, x, c.m, y, c.loss);
    return { name: c.name, relError: relErr(hv, ref.hv), gradRelError: relErr(gradient, ref.grad), ms: performance.now() - t0 };
  } finally {
    obj.dispose();
  }
}

export function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (a[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

export const SELF_TEST_CASES: HvpCase[] = [
  {
    name: 'tanh·sigmoid → softmax CE',
    loss: 'ce',
    m: 5,
    seed: 1,
    layers: [
      { nIn: 3, nOut: 4, act: 'tanh', bias: true },
      { nIn: 4, nOut: 4, act: 'sigmoid', bias: true },
      { nIn: 4, nOut: 3, act: 'softmax', bias: true },
    ],
  },
  {
    name: 'elu·gelu → sigmoid BCE',
    loss: 'bce',
    m: 5,
    seed: 2,
    layers: [
      { nIn: 3, nOut: 4, act: 'elu', bias: true },
      { nIn: 4, nOut: 3, act: 'gelu', bias: true },
      { nIn: 3, nOut: 2, act: 'sigmoid', bias: true },
    ],
  },
  {
    name: 'swish·softmax·exp → MSE',
    loss: 'mse',
    m: 5,
    seed: 3,
    layers: [
      { nIn: 3, nOut: 4, act: 'swish', bias: true },
      { nIn: 4, nOut: 3, act: 'softmax', bias: false },
      { nIn: 3, nOut: 2, act: 'exponential', bias: true },
    ],
  },
];

const passed = new Set<string>();
/** Run the self-test once per backend; throws (refusing to compute) if any case is off by more than 1e-4. */
export async function hvpSelfTest(tolerance = 1e-4): Promise<HvpCheck[]> {
  const backend = tf.getBackend();
  if (passed.has(backend)) return [];
  const out: HvpCheck[] = [];
  for (const c of SELF_TEST_CASES) {
    const r = await checkHvpCase(c);
    out.push(r);
    if (!(r.relError <= tolerance) || !(r.gradRelError <= tolerance)) {
      throw new Error(
        `exact-HVP self-test failed on backend '${backend}' (TF.js ${tf.version_core}): case '${c.name}' ` +
          `has relative error ${r.relError.toExponential(2)} in H·v and ${r.gradRelError.toExponential(2)} ` +
          `in the gradient (tolerance ${tolerance}). Landscape Lens refuses to compute curvature with it.`,
      );
    }
  }
  passed.add(backend);
  return out;
}
