/**
 * The native compiler: GraphModel + loss → ONNX graphs for ONNX Runtime. θ is a graph input (never
 * a constant ORT could fold); each parameter is a slice of θ reshaped to its shape, and is a leaf of
 * the derivative transforms. Shapes are static: one graph per (model, loss, chunk rows).
 *  loss:    L = Σ_i w_i ℓ(f(x_i; θ), y_i)
 *  grad:    L, ∇_θL                     (reverse mode over the forward graph)
 *  hvp:     H v = R_v{∇_θL}              (forward mode over forward + reverse: Pearlmutter 1994)
 *  outputs: f(x; θ) as [rows, d]         jvp: J v            vjp: Jᵀu
 * Block kinds (b rows, one session run, the chunk's data read once):
 *  lossBlock: L(θ_j) for the rows θ_j of Θ [b, n]   (b forward copies over one x)
 *  gradBlock: L(θ_j), ∇L(θ_j)                      (b forward + reverse copies)
 *  hvpBlock:  H v_j for the rows of V [b, n]        (one primal forward + reverse, b tangent sweeps)
 */
import { Graph, CompileError, prod } from './ir';
import { LOWER } from './lower';
import { lossGraph } from './lower/loss';
import { hasInputs } from './lower/common';
import { onnxOpEntry } from '../model/onnxOps';
import { vjp, jvp, prune } from './autodiff';
import { toModelProto } from './proto';
import { convsToGemm } from './convGemm';
import { convsToDense } from './convDense';
import { foldFlattenTransposes } from './flattenFold';
import { dropUnusedPoolIndices } from './poolIndices';
import type { GraphModel } from '../model/graph';
import type { LossSpec } from '../loss';

export type GraphKind = 'loss' | 'grad' | 'hvp' | 'outputs' | 'jvp' | 'vjp' | 'lossBlock' | 'gradBlock' | 'hvpBlock';
export interface Compiled {
  kind: GraphKind;
  /** rows of the block input (1 for the single-vector kinds) */
  block: number;
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

/**
 * Each parameter's slice of a flat θ-shaped vector (θ itself, or a tangent v), reshaped to its shape;
 * with `row`, of row `row` of a [b, n] block of such vectors.
 */
function paramViews(g: Graph, model: GraphModel, flat: string, row?: number): string[] {
  return model.params.map(p =>
    row === undefined
      ? g.reshape(g.slice(flat, [p.offset], [p.offset + p.size], [0]), p.shape)
      : g.reshape(g.slice(flat, [row, p.offset], [row + 1, p.offset + p.size], [0, 1]), p.shape),
  );
}

interface Built {
  leaves: string[];
  z: string;
  outShape: number[];
}

/** The graph with its data input x (adapted to the model's layout) and the model's constants, shared by every forward copy. */
interface Base {
  g: Graph;
  x: string;
  consts: Map<string, string>;
}

function buildBase(model: GraphModel, rows: number, featShape: number[]): Base {
  if (model.inputs.length !== 1) throw new CompileError(`${model.inputs.length} model inputs (one is compiled)`);
  const g = new Graph();
  const consts = new Map<string, string>();
  for (const [name, c] of model.constants) {
    consts.set(name, c.dtype === 'int32' ? g.constI(Array.from(c.values), c.shape) : g.constF(c.values, c.shape));
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
  return { g, x, consts };
}

/** One copy of the model's forward pass on `base.x` with the parameters `views` (one tensor per parameter). */
function buildForwardOn(base: Base, model: GraphModel, views: string[], thetaName: string): Built {
  const { g } = base;
  const rows = g.shape(base.x)[0];
  const env = new Map<string, string>(base.consts);
  // a leaf must be a tensor of its own (not the input θ itself)
  const leaves = views.map(t => (t === thetaName ? g.unary('Identity', t) : t));
  model.params.forEach((p, i) => env.set(p.name, leaves[i]));
  env.set(model.inputs[0].name, base.x);
  const start = g.nodes.length;
  for (const node of model.nodes) {
    const fn = LOWER[node.op];
    if (!fn) throw new CompileError(`op '${node.op}' (node '${node.name}') has no native lowering`, node.op, node.name);
    const ins = node.inputs.map(n => {
      if (n === '') return undefined;
      const t = env.get(n);
      if (t === undefined) throw new CompileError(`tensor '${n}' needed by node '${node.name}' is not defined`, node.op, node.name);
      return t;
    });
    const need = node.op.startsWith('onnx.') ? (onnxOpEntry(node.op.slice(5))?.minInputs ?? 1) : 1;
    if (!hasInputs(ins, need))
      throw new CompileError(`node '${node.name}' (${node.op}) lacks one of its first ${Math.max(1, need)} inputs`, node.op, node.name);
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
  convsToDense(g, start); // small-map convolutions as one dense GEMM, before the derivative transforms (convDense.ts)
  foldFlattenTransposes(g, start); // a transpose before flatten → the next product's weight rows (flattenFold.ts)
  const out = env.get(model.outputs[0]);
  if (!out) throw new CompileError(`output '${model.outputs[0]}' is not produced`);
  const os = g.shape(out);
  return { leaves, z: g.reshape(out, [rows, prod(os.slice(1))]), outShape: os.slice(1) };
}

function buildForward(model: GraphModel, rows: number, featShape: number[]): Built & { g: Graph } {
  const base = buildBase(model, rows, featShape);
  const theta = base.g.input('theta', [model.numParams]);
  return { g: base.g, ...buildForwardOn(base, model, paramViews(base.g, model, theta), theta) };
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

export function compileGraph(model: GraphModel, spec: LossSpec, rows: number, featShape: number[], kind: GraphKind, block = 1): Compiled {
  if (kind === 'lossBlock' || kind === 'gradBlock') return compileParamBlock(model, spec, rows, featShape, kind, block);
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
      else if (kind === 'hvp') {
        const v = g.input('v', [model.numParams]);
        const all = g.nodes.slice();
        const tan = new Map(paramViews(g, model, v).map((t, i) => [leaves[i], t]));
        const hv = jvp(g, all, tan).get(grad);
        g.outputs = [hv ?? g.zeros([model.numParams])];
      } else {
        // hvpBlock: one primal forward + reverse, read by `block` forward-mode tangent sweeps (rows of V)
        const V = g.input('V', [block, model.numParams]);
        const all = g.nodes.slice();
        const rowsOut: string[] = [];
        for (let j = 0; j < block; j++) {
          const tan = new Map(paramViews(g, model, V, j).map((t, i) => [leaves[i], t]));
          const hv = jvp(g, all, tan).get(grad);
          rowsOut.push(g.reshape(hv ?? g.zeros([model.numParams]), [1, model.numParams]));
        }
        g.outputs = [g.concat(rowsOut, 0)];
      }
    }
  }
  return finish(g, kind, block, d, outShape);
}

/** Graph outputs that are inputs or initializers get a node of their own; prune; serialise. */
function finish(g: Graph, kind: GraphKind, block: number, d: number, outShape: number[]): Compiled {
  g.outputs = g.outputs.map(o => (g.inputs.includes(o) || g.inits.has(o) ? g.unary('Identity', o) : o));
  prune(g);
  convsToGemm(g); // small-map convolutions as one GEMM over the batch (convGemm.ts)
  dropUnusedPoolIndices(g); // MaxPool without its Indices output runs ONNX Runtime's fast kernel (poolIndices.ts)
  return { kind, block, bytes: toModelProto(g), inputs: g.inputs.slice(), outputs: g.outputs, nodes: g.nodes.length, outDim: d, outShape };
}

/**
 * Many parameter points per pass over one chunk: `block` copies of the forward (and, for gradBlock,
 * of its reverse sweep) over one data input, θ_j = row j of `thetas` [b, n]. Outputs L [b] (and ∇L [b, n]).
 */
function compileParamBlock(
  model: GraphModel,
  spec: LossSpec,
  rows: number,
  featShape: number[],
  kind: 'lossBlock' | 'gradBlock',
  block: number,
): Compiled {
  const base = buildBase(model, rows, featShape);
  const { g } = base;
  const thetas = g.input('thetas', [block, model.numParams]);
  let y: string | undefined, w: string | undefined;
  const Ls: string[] = [],
    Gs: string[] = [];
  let d = 0,
    outShape: number[] = [];
  for (let j = 0; j < block; j++) {
    const start = g.nodes.length;
    const f = buildForwardOn(base, model, paramViews(g, model, thetas, j), thetas);
    d = g.shape(f.z)[1];
    outShape = f.outShape;
    if (!y) {
      y = g.input('y', [rows, d]);
      w = g.input('w', [rows, 1]);
    }
    const L = lossGraph(g, spec.kind, f.z, y, w!);
    Ls.push(g.reshape(L, [1]));
    if (kind === 'gradBlock') {
      const fwd = g.nodes.slice(start);
      Gs.push(g.reshape(flatGrad(g, model, f.leaves, vjp(g, fwd, L, g.scalar(1), f.leaves)), [1, model.numParams]));
    }
  }
  g.outputs = kind === 'lossBlock' ? [g.concat(Ls, 0)] : [g.concat(Ls, 0), g.concat(Gs, 0)];
  return finish(g, kind, block, d, outShape);
}
