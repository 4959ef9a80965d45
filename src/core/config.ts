/**
 * `landscape.json`: a workspace file that says how checkpoints are diagnosed. Schema:
 * media/landscape.schema.json (contributed to VS Code's jsonValidation). The first entry of
 * `checkpoints` whose glob (relative to the config's folder; `**`, `*`, `?`, `{a,b}`) matches the
 * checkpoint wins; its fields override the defaults. Without a config (or a matching entry), a
 * dataset with a conventional name next to the checkpoint or in a parent folder is used, and the
 * result says which. Both are searched only up to the workspace folder (`stop`), never above, and
 * a `data` path must stay inside the config's folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { UserInputError } from './errors';
import { containedPath, readRegularText } from './safeFs';
import { compileGlob, GlobMatcher } from './glob';
import { CONFIG_FILE } from './formats/registry';
import SCHEMA from '../../media/landscape.schema.json';

/** One entry of `checkpoints`; its shape is media/landscape.schema.json's (test/unit/config.test.ts checks this type against it). */
export interface CheckpointConfig {
  glob: string;
  data?: string;
  xKey?: string;
  yKey?: string;
  loss?: 'mse' | 'ce' | 'bce';
  samples?: number;
  seed?: number;
  chunkSize?: number;
  /** x ← x·inputScale + inputShift, applied to the inputs after loading */
  inputScale?: number;
  inputShift?: number;
}

export interface LandscapeConfig {
  file: string;
  checkpoints: CheckpointConfig[];
}

export const CONFIG_NAME = CONFIG_FILE;
export const CONVENTIONAL_DATA = ['data.npz', 'dataset.npz', 'train.npz', 'val.npz', 'test.npz'];

/** The schema of landscape.json: media/landscape.schema.json, the one definition (also VS Code's jsonValidation). */
export const LANDSCAPE_SCHEMA = SCHEMA;

let validator: ValidateFunction | undefined;
/** ajv, loaded and compiled on the first landscape.json read. */
function validate(j: unknown): ErrorObject | undefined {
  if (!validator) {
    // lazy: ajv is only needed once a landscape.json is read
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Ajv = (require('ajv') as typeof import('ajv')).default;
    validator = new Ajv({ allErrors: false, strict: false }).compile(SCHEMA);
  }
  return validator(j) ? undefined : validator.errors?.[0];
}

type SchemaNode = {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  minLength?: number;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
};

/** What a schema node accepts, in words: "a non-negative integer", "mse, ce or bce", … */
function expected(n: SchemaNode): string {
  if (n.enum) {
    const v = n.enum.map(String);
    return v.length > 1 ? `${v.slice(0, -1).join(', ')} or ${v[v.length - 1]}` : v[0];
  }
  if (n.type === 'integer')
    return n.minimum === 0 ? 'a non-negative integer' : n.minimum !== undefined ? `an integer ≥ ${n.minimum}` : 'an integer';
  if (n.type === 'string') return n.minLength ? 'a non-empty string' : 'a string';
  if (n.type === 'number') return n.minimum !== undefined ? `a number ≥ ${n.minimum}` : 'a number';
  return n.type === 'object' ? 'an object' : n.type === 'array' ? 'an array' : `a ${n.type}`;
}

/** ajv's first error → a UserInputError naming the file, the key path (`checkpoints[0].samples`) and what is wrong. */
function configError(file: string, e: ErrorObject, j: unknown): UserInputError {
  const segs = e.instancePath
    .split('/')
    .slice(1)
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = segs.reduce((w, s) => (/^\d+$/.test(s) ? `${w}[${s}]` : w ? `${w}.${s}` : s), '');
  let node = SCHEMA as SchemaNode,
    value: unknown = j;
  for (const s of segs) {
    node = (/^\d+$/.test(s) ? node.items : node.properties?.[s]) ?? {};
    value = (value as Record<string, unknown>)?.[s];
  }
  const top = segs.length === 0 || (segs.length === 1 && segs[0] === 'checkpoints');
  if (top && (e.keyword === 'type' || e.keyword === 'required'))
    return new UserInputError('expected {"checkpoints": [{"glob": …, "data": …}, …]}', { file, where: 'field checkpoints' });
  if (e.keyword === 'additionalProperties') {
    const k = (e.params as { additionalProperty: string }).additionalProperty;
    return new UserInputError(`unknown field '${k}' (expected ${Object.keys(node.properties ?? {}).join(', ')})`, {
      file,
      where: where ? `${where}.${k}` : `field ${k}`,
    });
  }
  if (e.keyword === 'required')
    return new UserInputError(`missing '${(e.params as { missingProperty: string }).missingProperty}'`, { file, where });
  const key = segs[segs.length - 1];
  if (/^\d+$/.test(key)) return new UserInputError(`expected ${expected(node)}`, { file, where });
  const got = node.enum && typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return new UserInputError(`'${key}' must be ${expected(node)}, got ${got}`, { file, where });
}

export function loadConfig(file: string): LandscapeConfig {
  let j: unknown;
  const text = readRegularText(file, { what: CONFIG_NAME, maxBytes: 16 * 2 ** 20 });
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new UserInputError(`cannot read ${CONFIG_NAME}: ${(e as Error).message}`, { file });
  }
  const err = validate(j);
  if (err) throw configError(file, err, j);
  const checkpoints = (j as { checkpoints: CheckpointConfig[] }).checkpoints;
  // too long or too many alternatives: refused here, with its place
  checkpoints.forEach((c, i) => compileGlob(c.glob, { file, where: `checkpoints[${i}].glob` }));
  return { file: path.resolve(file), checkpoints };
}

/** @deprecated use compileGlob (src/core/glob.ts): a linear-time matcher with `.test`, not a RegExp. */
export function globToRegExp(glob: string): GlobMatcher {
  return compileGlob(glob);
}

/**
 * The folders searched for landscape.json and conventional datasets (issue 25: configuration stays
 * inside): from the checkpoint's folder up to `stop` (the workspace folder; in the CLI the current
 * directory or --root), never above it. A checkpoint outside `stop` (or without one) gets only its own folder.
 */
export function searchFolders(checkpoint: string, stop?: string): string[] {
  let dir = path.dirname(path.resolve(checkpoint));
  const out = [dir];
  if (stop === undefined) return out;
  const end = path.resolve(stop);
  const rel = path.relative(end, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return out;
  while (dir !== end && path.dirname(dir) !== dir) {
    dir = path.dirname(dir);
    out.push(dir);
  }
  return out;
}

/** landscape.json in the checkpoint's folder or the nearest parent up to `stop` (searchFolders). */
export function findConfig(checkpoint: string, stop?: string): string | undefined {
  for (const dir of searchFolders(checkpoint, stop)) {
    const f = path.join(dir, CONFIG_NAME);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

export function matchCheckpoint(cfg: LandscapeConfig, checkpoint: string): (CheckpointConfig & { index: number }) | undefined {
  const rel = path.relative(path.dirname(cfg.file), path.resolve(checkpoint)).split(path.sep).join('/');
  const i = cfg.checkpoints.findIndex((c, k) => compileGlob(c.glob, { file: cfg.file, where: `checkpoints[${k}].glob` }).test(rel));
  return i < 0 ? undefined : { ...cfg.checkpoints[i], index: i };
}

export interface ResolvedSettings extends Omit<CheckpointConfig, 'glob'> {
  dataFile?: string;
  how: string;
}

/** What to diagnose a checkpoint with: a matching landscape.json entry, else a conventional dataset. */
export function resolveSettings(checkpoint: string, opts: { config?: string; stop?: string } = {}): ResolvedSettings {
  const cfgFile = opts.config ?? findConfig(checkpoint, opts.stop);
  if (cfgFile) {
    const cfg = loadConfig(cfgFile);
    const m = matchCheckpoint(cfg, checkpoint);
    if (m) {
      const { glob, index, data, ...rest } = m;
      return {
        ...rest,
        // a data path stays inside the config's folder (no ../, no absolute path, no symlink out)
        dataFile: data ? insideConfigFolder(cfg.file, data, `checkpoints[${index}].data`) : conventional(checkpoint, opts.stop).file,
        how: `${path.basename(cfg.file)} checkpoints[${index}] (glob '${glob}')`,
      };
    }
  }
  const c = conventional(checkpoint, opts.stop);
  return { dataFile: c.file, how: c.how };
}

/**
 * A `data` path of landscape.json, resolved inside the config's folder: refused when absolute, when it
 * leaves the folder with `..`, or (when it exists) when it resolves through a symlink to outside.
 */
export function insideConfigFolder(cfgFile: string, rel: string, where: string): string {
  const folderLabel = `the folder of ${CONFIG_NAME}`;
  const dir = path.dirname(path.resolve(cfgFile));
  const full = path.resolve(dir, rel);
  const r = path.relative(dir, full);
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel))
    throw new UserInputError(`data path '${rel}' is absolute; it must stay inside ${folderLabel}; refused`, { file: cfgFile, where });
  if (r === '' || r === '..' || r.startsWith('..' + path.sep) || path.isAbsolute(r))
    throw new UserInputError(`data path '${rel}' leaves ${folderLabel}; refused`, { file: cfgFile, where });
  // an existing file (or a symlink to one): its real path must stay inside too
  if (!fs.existsSync(full)) return full;
  return containedPath(dir, rel, 'data', { file: cfgFile, where, folderLabel });
}

export function conventional(checkpoint: string, stop?: string): { file?: string; how: string } {
  const own = path.dirname(path.resolve(checkpoint));
  for (const dir of searchFolders(checkpoint, stop)) {
    for (const n of CONVENTIONAL_DATA) {
      const f = path.join(dir, n);
      if (fs.existsSync(f)) return { file: f, how: `found ${n} ${dir === own ? 'next to the checkpoint' : `in ${dir}`}` };
    }
  }
  return {
    how: `no dataset found: add a ${CONFIG_NAME}, pass --data, or put one of ${CONVENTIONAL_DATA.join(', ')} next to the checkpoint`,
  };
}
