/**
 * The engine pieces scripts/gpu/check.js needs on a lent GPU machine, bundled by scripts/gpu/pack.js into
 * gpu-pack's dist/gpu-engine.js (webpack with the engine bundle's loaders; onnxruntime-node stays external and
 * resolves from dist/node_modules, as for dist/cli.js). The two tasks are the ones the bench and test/gpu use:
 * the reference MLP's shape (784-256-128-10 ReLU, softmax cross-entropy, 1,000 samples; seeded He
 * initialisation, not trained) and a small CNN (3×32×32, two conv+pool stages, 256 samples: bench/native.ts).
 */
import type { GraphModel, GraphNode, ParamSpec } from '../../src/core/model/graph';
import type { Dataset } from '../../src/core/data/dataset';
import { Rng } from '../../src/core/rng';
import { cnnTask } from '../../bench/native';

export { OrtObjective } from '../../src/core/native/ortObjective';
export { resolveLoss } from '../../src/core/loss';
export { relErr } from '../../src/core/hvpSelfTest';
export { loadOrt, ortLoadError, ortVersion } from '../../src/core/native/runtime';

/** A dense ReLU network as the ONNX importer gives it (Gemm with transB, weights [out, in]), with labels. */
export function mlpTask(widths: number[], m: number, seed: number): { model: GraphModel; data: Dataset } {
  const rng = new Rng(seed);
  const params: ParamSpec[] = [],
    nodes: GraphNode[] = [],
    values: number[] = [];
  let off = 0,
    prev = 'input';
  const add = (name: string, shape: number[], role: ParamSpec['role'], std: number) => {
    const size = shape.reduce((a, b) => a * b, 1);
    params.push({ name, layer: name.split('.')[0], role, shape, offset: off, size, outAxis: role === 'kernel' ? 0 : undefined });
    for (let i = 0; i < size; i++) values.push(role === 'bias' ? 0.01 * rng.normal() : std * rng.normal());
    off += size;
  };
  for (let l = 1; l < widths.length; l++) {
    const [fin, fout] = [widths[l - 1], widths[l]];
    add(`fc${l}.weight`, [fout, fin], 'kernel', Math.sqrt(2 / fin));
    add(`fc${l}.bias`, [fout], 'bias', 0);
    const last = l === widths.length - 1;
    const out = last ? 'logits' : `h${l}`;
    nodes.push({ op: 'onnx.Gemm', inputs: [prev, `fc${l}.weight`, `fc${l}.bias`], outputs: [out], attrs: { transB: 1 }, name: `fc${l}` });
    if (!last) {
      nodes.push({ op: 'onnx.Relu', inputs: [out], outputs: [`r${l}`], attrs: {}, name: `relu${l}` });
      prev = `r${l}`;
    }
  }
  const d = widths[0],
    classes = widths[widths.length - 1];
  const model: GraphModel = {
    format: 'bench',
    inputs: [{ name: 'input', shape: [null, d], dtype: 'float32' }],
    outputs: ['logits'],
    params,
    numParams: off,
    theta: Float32Array.from(values),
    constants: new Map(),
    nodes,
    layers: params.filter(p => p.role === 'kernel').map(p => ({ name: p.layer, kind: 'Dense', params: p.size })),
    notices: [],
  };
  const data: Dataset = {
    file: '<gpu check>',
    x: Float32Array.from({ length: m * d }, () => rng.normal()),
    xShape: [m, d],
    y: { kind: 'labels', data: Int32Array.from({ length: m }, () => rng.int(classes)), numClasses: classes },
    m,
    total: m,
    xKey: 'x',
    yKey: 'y',
  };
  return { model, data };
}

/** The check's tasks by name. */
export const TASKS: Record<string, () => { model: GraphModel; data: Dataset }> = {
  mlp: () => mlpTask([784, 256, 128, 10], 1000, 0),
  cnn: () => cnnTask([3, 32, 64], [true, true], 256, 10, 1),
};
