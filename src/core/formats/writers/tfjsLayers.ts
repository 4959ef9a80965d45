/**
 * TF.js layers-model writer (https://www.tensorflow.org/js/guide/save_load): `model.json` with the
 * Keras model config as `modelTopology` and one weights group in one new shard `<stem>.weights.bin`.
 * Weights are named `<layer>/<role>` (what tfjs-layers itself writes and what our reader matches):
 * every trainable parameter from θ (float32, in θ order), then the model's constants (BatchNorm
 * moving statistics, …) as read. Quantised source weights are written as float32.
 * New files only (see common.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from '../../errors';
import type { GraphModel } from '../../model/graph';
import { checkNew, splitName, writeNewFile } from './common';
import { readRegularText } from '../../safeFs';

/** The weights shard that goes with a model.json output path. */
export function tfjsShardPath(out: string): string {
  const { dir, stem } = splitName(out);
  return path.join(dir, `${stem}.weights.bin`);
}

/** The parsed model.json of a TF.js layers model (its modelTopology is reused by the writer). */
export function readModelJson(file: string): Record<string, unknown> {
  const text = readRegularText(file, { what: 'model.json', maxBytes: 256 * 2 ** 20 });
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UserInputError(`cannot read model.json: ${(e as Error).message}`, { file });
  }
}

export interface TfjsWriteOptions {
  /** The Keras model config to store as modelTopology (for a model read from model.json: its own). */
  topology: unknown;
  model: GraphModel;
  theta: Float32Array;
  out: string;
  /** Other top-level fields to keep (format, generatedBy, userDefinedMetadata, …). */
  base?: Record<string, unknown>;
  inputs?: string[];
}

/** Write model.json + shard; returns the files written. */
export function writeTfjsLayers(o: TfjsWriteOptions): string[] {
  if (!o.out.toLowerCase().endsWith('.json'))
    throw new UserInputError('a TF.js layers model is written as a .json file (plus a .weights.bin shard)', { file: o.out });
  if (o.theta.length !== o.model.numParams) throw new Error(`internal: θ has ${o.theta.length} values, the model ${o.model.numParams}`);
  const shard = tfjsShardPath(o.out);
  checkNew([o.out, shard], o.inputs);
  const weights: { name: string; shape: number[]; dtype: string }[] = [];
  const parts: Uint8Array[] = [];
  for (const p of o.model.params) {
    weights.push({ name: p.name, shape: p.shape.slice(), dtype: 'float32' });
    const v = o.theta.slice(p.offset, p.offset + p.size);
    parts.push(new Uint8Array(v.buffer));
  }
  for (const [name, c] of o.model.constants) {
    weights.push({ name, shape: c.shape.slice(), dtype: c.dtype });
    const v = c.values.slice();
    parts.push(new Uint8Array(v.buffer));
  }
  const total = parts.reduce((a, b) => a + b.length, 0);
  const bin = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    bin.set(p, off);
    off += p.length;
  }
  const json = {
    format: 'layers-model',
    convertedBy: null,
    ...(o.base ?? {}),
    generatedBy: `Landscape Lens${o.base?.generatedBy ? ` (from ${String(o.base.generatedBy)})` : ''}`,
    modelTopology: o.topology,
    weightsManifest: [{ paths: [encodeURIComponent(path.basename(shard))], weights }],
  };
  writeNewFile(shard, bin);
  try {
    writeNewFile(o.out, JSON.stringify(json));
  } catch (e) {
    fs.unlinkSync(shard);
    throw e;
  }
  return [o.out, shard];
}

/** Write a model read from `source` (a model.json) with θ replaced. */
export function writeTfjsFromSource(source: string, model: GraphModel, theta: Float32Array, out: string): string[] {
  const j = readModelJson(source);
  const { modelTopology, weightsManifest: _w, ...base } = j;
  return writeTfjsLayers({ topology: modelTopology, model, theta, out, base, inputs: [source] });
}
