/**
 * A weights-only checkpoint (.pt state dict, .safetensors) paired with the architecture file beside
 * it (a same-stem .onnx from torch.onnx.export, or a model.json): every tensor the checkpoint holds
 * comes from the checkpoint — the parameters θ and the buffers (BatchNorm running mean / variance,
 * any other state-dict tensor the graph reads) — and the architecture file gives only the graph and
 * the constants the checkpoint does not hold (shapes, axes, …). The result says which tensor came
 * from where (`GraphModel.pairing` and a notice).
 *
 * Names are matched exactly. The exception is what torch.onnx.export's constant folding does: it
 * renames a tensor it computed (a bias-free nn.Linear's weight becomes `onnx::MatMul_N`, stored
 * transposed). Such a parameter is mapped back to the checkpoint tensor of the node's module scope
 * (`/fc2/MatMul` → `fc2.*`) with the same or the transposed shape; where the values of both files
 * agree the mapping is verified by them, else it rests on graph position and shape (and is said so).
 * Anything else — a tensor on one side only (`num_batches_tracked` excepted: inference never reads
 * it), a shape that differs, BatchNorm folded into the convolutions by a training=EVAL export — is
 * refused with the names listed (UserInputError: exit 2).
 */
import * as path from 'path';
import { UserInputError } from '../errors';
import type { CheckpointPairing, GraphModel, GraphNode, ParamSpec } from '../model/graph';
import type { NamedTensor } from './safetensors';

const dims = (s: number[]): string => (s.length ? s.join('×') : 'scalar');
const squeezed = (s: number[]): string => s.filter(d => d !== 1).join(',');
const sameShape = (a: number[], b: number[]): boolean =>
  squeezed(a) === squeezed(b) && a.reduce((x, y) => x * y, 1) === b.reduce((x, y) => x * y, 1);
const isFloat = (t: NamedTensor): boolean => !(t.values instanceof Int32Array);
/** A name the producer (PyTorch, Keras) gave, not one the exporter made up (`/fc/…`, `onnx::…`). */
const producerName = (n: string): boolean => n !== '' && !n.startsWith('/') && !n.startsWith('onnx::');
const BUFFER_COPY = /#buffer\(.*\)$/;

/** The PyTorch module path of an exported node: `/blk/blk.0/Conv` → `blk.0`, `/fc2/MatMul` → `fc2`. */
export function moduleScope(nodeName: string): string | undefined {
  const parts = nodeName.split('/');
  return nodeName.startsWith('/') && parts.length >= 3 ? parts[parts.length - 2] : undefined;
}

function transpose2(v: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = v[i * cols + j];
  return out;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-6 * scale)) return false;
  return true;
}

export function pairWithArchitecture(file: string, tensors: NamedTensor[], arch: GraphModel, archFile: string): GraphModel {
  const ck = path.basename(file),
    ar = path.basename(archFile);
  const byName = new Map(tensors.map(t => [t.name, t]));
  const used = new Set<string>();
  const theta = new Float32Array(arch.numParams);
  const pairing: CheckpointPairing = {
    checkpoint: ck,
    architecture: ar,
    params: [],
    buffers: [],
    unused: [],
    fromArchitecture: [],
    fromArchitectureOther: 0,
  };
  const missing: string[] = [],
    shapes: string[] = [];
  const params: ParamSpec[] = [];
  const extraNodes: GraphNode[] = [];
  const pending: ParamSpec[] = [];
  for (const p of arch.params) {
    const t = byName.get(p.name);
    if (!t) {
      pending.push(p);
      continue;
    }
    used.add(p.name);
    if (!sameShape(t.shape, p.shape)) {
      shapes.push(`${p.name} (${dims(t.shape)} in ${ck}, ${dims(p.shape)} in ${ar})`);
      continue;
    }
    theta.set(Float32Array.from(t.values), p.offset);
    params.push(p);
    pairing.params.push({ name: p.name });
  }
  // parameters the exporter renamed: the checkpoint tensor of the consumer's module scope with the same or the transposed shape
  const renamed: string[] = [];
  for (const p of pending) {
    const consumer = arch.nodes.find(n => n.inputs.includes(p.name));
    const scope = consumer ? moduleScope(consumer.name) : undefined;
    const archValues = arch.theta.subarray(p.offset, p.offset + p.size);
    type Cand = { t: NamedTensor; transposed: boolean; verified: boolean };
    const cands: Cand[] = [];
    for (const t of tensors) {
      if (used.has(t.name) || !isFloat(t) || (scope !== undefined && !t.name.startsWith(`${scope}.`))) continue;
      if (sameShape(t.shape, p.shape)) cands.push({ t, transposed: false, verified: close(archValues, t.values) });
      if (t.shape.length === 2 && p.shape.length === 2 && t.shape[0] === p.shape[1] && t.shape[1] === p.shape[0])
        cands.push({ t, transposed: true, verified: close(archValues, transpose2(t.values, t.shape[0], t.shape[1])) });
    }
    const verified = cands.filter(c => c.verified);
    let pick: Cand | undefined;
    if (verified.length === 1) pick = verified[0];
    else if (verified.length === 0 && scope !== undefined) {
      const names = new Set(cands.map(c => c.t.name));
      if (names.size === 1) {
        // one tensor of that module and shape; a square one read by MatMul is an nn.Linear weight, stored transposed
        const linear = consumer?.op === 'onnx.MatMul' && consumer.inputs[1] === p.name && cands[0].t.name.endsWith('.weight');
        pick = cands.length === 1 ? cands[0] : cands.find(c => c.transposed === linear);
      }
    }
    if (!pick) {
      missing.push(p.name);
      continue;
    }
    const t = pick.t;
    used.add(t.name);
    const spec: ParamSpec = {
      ...p,
      name: t.name,
      shape: [...t.shape],
      outAxis: p.outAxis === undefined ? undefined : pick.transposed ? 1 - p.outAxis : p.outAxis,
    };
    theta.set(Float32Array.from(t.values), p.offset);
    params.push(spec);
    extraNodes.push(
      pick.transposed
        ? {
            op: 'onnx.Transpose',
            inputs: [t.name],
            outputs: [p.name],
            attrs: { perm: [1, 0] },
            name: `${t.name} (transposed, as ${ar} stores it)`,
          }
        : { op: 'onnx.Identity', inputs: [t.name], outputs: [p.name], attrs: {}, name: `${t.name} (as ${ar} names it)` },
    );
    const matched = pick.verified ? 'position, shape and values' : 'position and shape';
    pairing.params.push({ name: t.name, exportedAs: p.name, transposed: pick.transposed || undefined, matched });
    const values = pick.verified ? ', values equal' : ` (the values differ: ${ar} was exported from another state)`;
    renamed.push(`${t.name} → '${p.name}'${pick.transposed ? ' (transposed)' : ''}, matched by graph position and shape${values}`);
  }
  // buffers and other constants: the checkpoint's when it holds them
  const constants: GraphModel['constants'] = new Map();
  const bnStats = new Set(arch.nodes.filter(n => n.op === 'onnx.BatchNormalization').flatMap(n => n.inputs.slice(3, 5)));
  for (const [name, c] of arch.constants) {
    const key = name.replace(BUFFER_COPY, '');
    const t = byName.get(key);
    if (t) {
      used.add(key);
      if (!sameShape(t.shape, c.shape)) {
        shapes.push(`${key} (${dims(t.shape)} in ${ck}, ${dims(c.shape)} in ${ar})`);
        continue;
      }
      constants.set(name, {
        shape: c.shape,
        dtype: c.dtype,
        values: c.dtype === 'int32' ? Int32Array.from(t.values, v => Math.round(v)) : Float32Array.from(t.values),
      });
      if (!pairing.buffers.includes(key)) pairing.buffers.push(key);
      continue;
    }
    constants.set(name, c);
    if (bnStats.has(name) && producerName(key)) missing.push(key);
    else if (producerName(key)) pairing.fromArchitecture.push(key);
    else pairing.fromArchitectureOther++;
  }
  const extra: string[] = [];
  for (const t of tensors) {
    if (used.has(t.name)) continue;
    // a tied parameter (one tensor under two state-dict names, e.g. b.weight = a.weight) is one initializer in the export
    const twin = tensors.find(
      u =>
        used.has(u.name) &&
        u.values.length === t.values.length &&
        squeezed(u.shape) === squeezed(t.shape) &&
        u.values.every((x, i) => Object.is(x, t.values[i])),
    );
    if (/(^|\.)num_batches_tracked$/.test(t.name)) pairing.unused.push(t.name);
    else if (twin) {
      pairing.unused.push(t.name);
      (pairing.tiedTo ??= {})[t.name] = twin.name;
    } else extra.push(t.name);
  }
  if (missing.length || extra.length || shapes.length) {
    const list = (a: string[]) => a.slice(0, 12).join(', ') + (a.length > 12 ? `, … (${a.length} in all)` : '');
    const parts = [
      missing.length ? `in ${ar} but not in ${ck}: ${list(missing)}` : '',
      extra.length ? `in ${ck} but not read by ${ar}: ${list(extra)}` : '',
      shapes.length ? `shapes differ: ${list(shapes)}` : '',
    ].filter(Boolean);
    const hints: string[] = [];
    if (missing.some(n => n.startsWith('onnx::Conv')) && extra.some(n => /running_(mean|var)$/.test(n)))
      hints.push(
        `${ar} has BatchNorm folded into its convolutions (torch.onnx.export's ` +
          `default training=EVAL does this), so its parameters are not PyTorch's: ` +
          `export with training=torch.onnx.TrainingMode.PRESERVE (model in eval mode)`,
      );
    else if (missing.some(n => n.startsWith('onnx::'))) {
      const folded = missing.filter(n => n.startsWith('onnx::'));
      hints.push(
        `${folded.map(n => `'${n}'`).join(', ')} ${folded.length > 1 ? 'were' : 'was'} renamed (a MatMul weight also ` +
          `transposed) by the exporter's constant folding and could not be matched by graph position and shape: ` +
          `export with do_constant_folding=False to keep PyTorch's names`,
      );
    }
    throw new UserInputError(
      `${ck} and its architecture ${ar} do not hold the same tensors — ${parts.join('; ')}${hints.length ? `. ${hints.join('. ')}` : ''}`,
      { file },
    );
  }
  const buffers = pairing.buffers.length ? ` and ${pairing.buffers.length} buffers (${pairing.buffers.join(', ')})` : '';
  const unused = pairing.unused.map(n => (pairing.tiedTo?.[n] ? `${n} (tied to ${pairing.tiedTo[n]}: the export holds it once)` : n));
  const fromArchitecture = [
    ...pairing.fromArchitecture,
    ...(pairing.fromArchitectureOther ? [`${pairing.fromArchitectureOther} exporter constants`] : []),
  ];
  const notices = [
    `architecture from ${ar}, weights from ${ck}: ${pairing.params.length} parameters${buffers} from ${ck}` +
      `${pairing.unused.length ? `; not read: ${unused.join(', ')}` : ''}` +
      `${pairing.fromArchitecture.length || pairing.fromArchitectureOther ? `; from ${ar}: ${fromArchitecture.join(', ')}` : ''}`,
  ];
  if (renamed.length) notices.push(`renamed by the exporter and mapped back: ${renamed.join('; ')}`);
  // a renamed parameter's exported name is now computed from the checkpoint's tensor in front of the graph
  const nodes = extraNodes.length ? [...extraNodes, ...arch.nodes] : arch.nodes;
  params.sort((a, b) => a.offset - b.offset);
  return { ...arch, params, theta, constants, nodes, pairing, notices: [...arch.notices, ...notices] };
}
