/**
 * TF.js layers-model reader: `model.json` (keys `modelTopology` — a Keras model config,
 * Sequential or Functional — and `weightsManifest`, groups of weight specs stored
 * consecutively in binary shards) → the internal GraphModel.
 * Format: https://www.tensorflow.org/js/guide/save_load (tfjs-layers io "model.json").
 * Quantized weights (uint8/uint16 with scale/min, float16) are dequantized on read.
 * Shard paths that leave the checkpoint's folder (as text or through a symlink) are refused, and a
 * shard must be a regular file whose size matches the weights the manifest declares.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from '../errors';
import { openContained, readAt, readRegularText } from '../safeFs';
import { halfToFloat32 } from '../data/npy';
import type { GraphModel } from '../model/graph';
import { detectFormat } from './registry';
import { buildKerasGraph, KerasLayerConfig, WeightTensor } from './kerasConfig';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}
interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

export function isTfjsModelJson(file: string): boolean {
  return detectFormat(file) === 'tfjs-layers';
}

export function readTfjsLayersModel(file: string): GraphModel {
  const text: string = readRegularText(file, { what: 'checkpoint', maxBytes: 256 * 2 ** 20 });
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserInputError(`not valid JSON: ${(e as Error).message}`, { file });
  }
  if (typeof json !== 'object' || json === null)
    throw new UserInputError('expected a JSON object with modelTopology and weightsManifest', { file });
  if (json.format === 'graph-model')
    throw new UserInputError(
      "this is a TF.js graph model (format 'graph-model'); only layers models (format 'layers-model') carry a trainable architecture",
      { file, where: 'field format' },
    );
  const topo = json.modelTopology as Record<string, unknown> | undefined;
  if (!topo || typeof topo !== 'object')
    throw new UserInputError("missing field 'modelTopology' (expected a TF.js layers model.json)", { file, where: 'field modelTopology' });
  const modelConfig = (topo.model_config ?? topo) as { class_name?: string; config?: unknown };
  if (typeof modelConfig.class_name !== 'string')
    throw new UserInputError("'modelTopology' has no 'class_name' (expected Sequential, Functional or Model)", {
      file,
      where: 'field modelTopology.class_name',
    });
  const manifest = json.weightsManifest as ManifestGroup[] | undefined;
  if (!Array.isArray(manifest))
    throw new UserInputError("missing field 'weightsManifest' (expected an array of {paths, weights})", {
      file,
      where: 'field weightsManifest',
    });
  const weights = readWeights(file, manifest);
  const g = buildKerasGraph(modelConfig as { class_name: string; config: unknown }, weights, { file, format: 'tfjs-layers' });
  return g;
}

function readWeights(file: string, manifest: ManifestGroup[]): Map<string, WeightTensor> {
  const dir = path.dirname(path.resolve(file));
  const out = new Map<string, WeightTensor>();
  manifest.forEach((group, gi) => {
    const where = `weightsManifest[${gi}]`;
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new UserInputError('expected {paths: string[], weights: [...]}', { file, where });
    const bufs: Buffer[] = [];
    const opened: { fd: number; size: number; p: string }[] = [];
    try {
      for (const p of group.paths) {
        if (typeof p !== 'string') throw new UserInputError('shard path is not a string', { file, where: `${where}.paths` });
        let rel: string;
        try {
          rel = decodeURIComponent(p);
        } catch {
          throw new UserInputError(`shard path '${p}' has a malformed percent-escape`, { file, where: `${where}.paths` });
        }
        const f = openContained(dir, rel, 'weight shard', { file, where: `${where}.paths` });
        opened.push({ fd: f.fd, size: f.size, p });
      }
      // the weights the manifest declares bound what is read (too few bytes are reported per weight below)
      const declared = declaredBytes(group.weights);
      const held = opened.reduce((a, o) => a + o.size, 0);
      if (declared !== undefined && held > declared)
        throw new UserInputError(`the group's weights need ${declared} bytes but its shards hold ${held} bytes`, { file, where });
      bufs.push(...opened.map(o => readAt(o.fd, 0, o.size)));
    } finally {
      for (const o of opened) fs.closeSync(o.fd);
    }
    const data = Buffer.concat(bufs);
    let off = 0;
    group.weights.forEach((w, wi) => {
      const wWhere = `${where}.weights[${wi}] '${w?.name}'`;
      if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every(d => Number.isInteger(d) && d >= 0))
        throw new UserInputError('expected {name, shape: non-negative integers, dtype}', { file, where: wWhere });
      const count = w.shape.reduce((a: number, b: number) => a * b, 1);
      const q = w.quantization;
      const storeDtype = q ? q.dtype : w.dtype;
      const bytesPer = bytesPerStored(storeDtype);
      if (bytesPer === 0)
        throw new UserInputError(`unsupported weight dtype '${storeDtype}' (expected float32, int32, or quantized uint8/uint16/float16)`, {
          file,
          where: wWhere,
        });
      const n = count * bytesPer;
      if (off + n > data.length)
        throw new UserInputError(`needs ${n} bytes at shard offset ${off} but the group's shards hold ${data.length} bytes`, {
          file,
          where: wWhere,
        });
      const bytes = new Uint8Array(data.buffer.slice(data.byteOffset + off, data.byteOffset + off + n));
      off += n;
      let values: Float32Array;
      if (!q) values = storeDtype === 'int32' ? Float32Array.from(new Int32Array(bytes.buffer)) : new Float32Array(bytes.buffer);
      else if (q.dtype === 'float16') values = halfToFloat32(new Uint16Array(bytes.buffer));
      else {
        const raw = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.buffer);
        const scale = q.scale ?? 1,
          min = q.min ?? 0;
        values = new Float32Array(count);
        for (let i = 0; i < count; i++) values[i] = raw[i] * scale + min;
      }
      out.set(w.name, { name: w.name, shape: w.shape, values });
    });
    if (off !== data.length)
      throw new UserInputError(`weights use ${off} bytes but the group's shards hold ${data.length}`, { file, where });
  });
  return out;
}
/** Bytes the weight specs of one group declare (undefined when a spec is malformed: reported later, with its place). */
function declaredBytes(weights: unknown[]): number | undefined {
  let total = 0;
  for (const w of weights as WeightSpec[]) {
    if (!w || !Array.isArray(w.shape) || !w.shape.every(d => Number.isInteger(d) && d >= 0)) return undefined;
    const storeDtype = w.quantization ? w.quantization.dtype : w.dtype;
    const bytesPer = bytesPerStored(storeDtype);
    if (bytesPer === 0) return undefined;
    total += w.shape.reduce((a: number, b: number) => a * b, 1) * bytesPer;
  }
  return total;
}
export type { KerasLayerConfig };

/** Bytes per stored weight value (float32/int32 4, uint16/float16 2, uint8 1); 0: a dtype the reader does not know. */
function bytesPerStored(dtype: string | undefined): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'uint16' || dtype === 'float16') return 2;
  return dtype === 'uint8' ? 1 : 0;
}
