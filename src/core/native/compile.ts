/**
 * The native compiler: GraphModel + loss → ONNX graphs for ONNX Runtime. θ is a graph input (never
 * a constant ORT could fold); each parameter is a slice of θ reshaped to its shape, and is a leaf of
 * the derivative transforms. Shapes are static: one graph per (model, loss, chunk rows).
 *  loss:    L = Σ_i w_i ℓ(f(x_i; θ), y_i)
 *  grad:    L, ∇_θL                     (reverse mode over the forward graph)
 *  hvp:     H v = R_v{∇_θL}              (forward mode over forward + reverse: Pearlmutter 1994)
 *  outputs: f(x; θ) as [rows, d]         jvp: J v            vjp: Jᵀu
 */
import { Graph, CompileError, prod } from './ir';
import { LOWER } from './lower';
import { lossGraph } from './lower/loss';
import { vjp, jvp, prune } from './autodiff';
import { toModelProto } from './proto';
import { convsToGemm } from './convGemm';
import type { GraphModel } from '../model/graph';
import type { LossSpec } from '../loss';

export type GraphKind = 'loss' | 'grad' | 'hvp' | 'outputs' | 'jvp' | 'vjp';
export interface Compiled {
  kind: GraphKind;
  bytes: Uint8Array;
  inputs: string[];
  outputs: string[];
  nodes: number;
  outDim: number;
  outShape: number[];
}

/** The first op of `model` that has no native lowering (or undefined): what keeps `auto` on TF.js. */
export function firstUnsupported(model: GraphModel): { op: string; node: string } | undefined {
  for (const n of model.nodes) if (!LOWER[n.op]) return { op: n.op, node: n.name };
  return undefined;
}

/** Each parameter's slice of a flat θ-shaped vector (θ itself, or a tangent v), reshaped to its shape. */
function paramViews(g: Graph, model: GraphModel, flat: string): string[] {
  return model.params.map(p => g.reshape(g.slice(flat, [p.offset], [p.offset + p.size], [0]), p.shape));
}

interface Built {
  g: Graph;
  leaves: string[];
  z: string;
  outShape: number[];
}

function buildForward(model: GraphModel, rows: number, featShape: number[]): Built {
  if (model.inputs.length !== 1) throw new CompileError(`${model.inputs.length} model inputs (one is compiled)`);
  const g = new Graph();
  const theta = g.input('theta', [model.numParams]);
  const env = new Map<string, string>();
  // each parameter a view of θ; a leaf must be a tensor of its own (not the input θ itself)
  const leaves = paramViews(g, model, theta).map(t => (t === theta ? g.unary('Identity', theta) : t));
  model.params.forEach((p, i) => env.set(p.name, leaves[i]));
  for (const [name, c] of model.constants) {
    env.set(name, c.dtype === 'int32' ? g.constI(Array.from(c.values), c.shape) : g.constF(c.values, c.shape));
  }
  let x = g.input('x', [rows, ...featShape]);
  const ms = model.inputs[0].shape.slice(1);
  if (ms.length > 0 && ms.every(d => typeof d === 'number' && d > 0)) {
    const want = ms as number[];
    const same = want.length === featShape.length && want.every((d, i) => d === featShape[i]);
    if (!same) {
      if (featShape.length === 3 && want.length === 3 && featShape[0] === want[2] && featShape[1] === want[0] && featShape[2] === want[1])
        x = g.transpose(x, [0, 2, 3, 1]);
      else if (
        featShape.length === 3 &&
        want.length === 3 &&
        featShape[2] === want[0] &&
        featShape[0] === want[1] &&
        featShape[1] === want[2]
      )
        x = g.transpose(x, [0, 3, 1, 2]);
      else x = g.reshape(x, [rows, ...want]);
    }
  }
  env.set(model.inputs[0].name, x);
  for (const node of model.nodes) {
    const fn = LOWER[node.op];
    if (!fn) throw new CompileError(`op '${node.op}' (node '${node.name}') has no native lowering`, node.op, node.name);
    const ins = node.inputs.map(n => {
      if (n === '') return undefined;
      const t = env.get(n);
      if (t === undefined) throw new CompileError(`tensor '${n}' needed by node '${node.name}' is not defined`, node.op, node.name);
      return t;
    });
    let outs: string[];
    try {
      outs = fn(g, ins, node.attrs, node);
    } catch (e) {
      if (e instanceof CompileError) throw e;
      throw new CompileError(`node '${node.name}' (${node.op}): ${(e as Error).message}`, node.op, node.name);
    }
    node.outputs.forEach((o, i) => {
      if (outs[i] !== undefined) env.set(o, outs[i]);
    });
  }
  const out = env.get(model.outputs[0]);
  if (!out) throw new CompileError(`output '${model.outputs[0]}' is not produced`);
  const os = g.shape(out);
  return { g, leaves, z: g.reshape(out, [rows, prod(os.slice(1))]), outShape: os.slice(1) };
}

/** ∇ w.r.t. θ from the leaves' cotangents: concat of the flattened pieces (zeros for unused parameters). */
function flatGrad(g: Graph, model: GraphModel, leaves: string[], ct: Map<string, string | undefined>): string {
  return g.concat(
    model.params.map((p, i) => {
      const c = ct.get(leaves[i]);
      return c === undefined ? g.zeros([p.size]) : g.reshape(c, [p.size]);
    }),
    0,
  );
}

export function compileGraph(model: GraphModel, spec: LossSpec, rows: number, featShape: number[], kind: GraphKind): Compiled {
  const { g, leaves, z, outShape } = buildForward(model, rows, featShape);
  const d = g.shape(z)[1];
  const forwardNodes = () => g.nodes.slice();
  if (kind === 'outputs') g.outputs = [z];
  else if (kind === 'jvp') {
    const v = g.input('v', [model.numParams]);
    const tan = new Map(paramViews(g, model, v).map((t, i) => [leaves[i], t]));
    const t = jvp(g, forwardNodes(), tan).get(z);
    g.outputs = [t ?? g.zeros([rows, d])];
  } else if (kind === 'vjp') {
    const u = g.input('u', [rows, d]);
    const ct = vjp(g, forwardNodes(), z, u, leaves);
    g.outputs = [flatGrad(g, model, leaves, ct)];
  } else {
    const y = g.input('y', [rows, d]),
      w = g.input('w', [rows, 1]);
    const L = lossGraph(g, spec.kind, z, y, w);
    if (kind === 'loss') g.outputs = [L];
    else {
      const fwd = forwardNodes();
      const grad = flatGrad(g, model, leaves, vjp(g, fwd, L, g.scalar(1), leaves));
      if (kind === 'grad') g.outputs = [L, grad];
      else {
        const v = g.input('v', [model.numParams]);
        const all = g.nodes.slice();
        const tan = new Map(paramViews(g, model, v).map((t, i) => [leaves[i], t]));
        const hv = jvp(g, all, tan).get(grad);
        g.outputs = [hv ?? g.zeros([model.numParams])];
      }
    }
  }
  // an output that is a graph input or initializer needs a node of its own
  g.outputs = g.outputs.map(o => (g.inputs.includes(o) || g.inits.has(o) ? g.unary('Identity', o) : o));
  prune(g);
  convsToGemm(g); // small-map convolutions as one GEMM over the batch (convGemm.ts)
  return { kind, bytes: toModelProto(g), inputs: g.inputs.slice(), outputs: g.outputs, nodes: g.nodes.length, outDim: d, outShape };
}
