/**
 * `landscape.json`: a workspace file that says how checkpoints are diagnosed. Schema:
 * media/landscape.schema.json (contributed to VS Code's jsonValidation). The first entry of
 * `checkpoints` whose glob (relative to the config's folder; `**`, `*`, `?`, `{a,b}`) matches the
 * checkpoint wins; its fields override the defaults. Without a config (or a matching entry), a
 * dataset with a conventional name next to the checkpoint or in a parent folder is used, and the
 * result says which.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from './errors';
import { readRegularText } from './safeFs';
import { compileGlob, GlobMatcher } from './glob';

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

export interface LandscapeConfig { file: string; checkpoints: CheckpointConfig[] }

export const CONFIG_NAME = 'landscape.json';
export const CONVENTIONAL_DATA = ['data.npz', 'dataset.npz', 'train.npz', 'val.npz', 'test.npz'];

const KEYS: Record<string, 'string' | 'number' | 'integer'> = { glob: 'string', data: 'string', xKey: 'string', yKey: 'string', loss: 'string', samples: 'integer', seed: 'integer', chunkSize: 'integer', inputScale: 'number', inputShift: 'number' };

export function loadConfig(file: string): LandscapeConfig {
  let j: unknown;
  const text = readRegularText(file, { what: CONFIG_NAME, maxBytes: 16 * 2 ** 20 });
  try { j = JSON.parse(text); } catch (e) { throw new UserInputError(`cannot read ${CONFIG_NAME}: ${(e as Error).message}`, { file }); }
  const o = j as { checkpoints?: unknown };
  if (!o || typeof o !== 'object' || !Array.isArray(o.checkpoints)) throw new UserInputError(`expected {"checkpoints": [{"glob": …, "data": …}, …]}`, { file, where: 'field checkpoints' });
  const checkpoints = o.checkpoints.map((e, i) => {
    const where = `checkpoints[${i}]`;
    if (!e || typeof e !== 'object') throw new UserInputError('expected an object', { file, where });
    for (const [k, v] of Object.entries(e as Record<string, unknown>)) {
      const t = KEYS[k];
      if (!t) throw new UserInputError(`unknown field '${k}' (expected ${Object.keys(KEYS).join(', ')})`, { file, where: `${where}.${k}` });
      const ok = t === 'string' ? typeof v === 'string' : t === 'integer' ? Number.isInteger(v) && (v as number) >= 0 : typeof v === 'number' && Number.isFinite(v);
      if (!ok) throw new UserInputError(`'${k}' must be ${t === 'integer' ? 'a non-negative integer' : `a ${t}`}, got ${JSON.stringify(v)}`, { file, where: `${where}.${k}` });
    }
    const c = e as CheckpointConfig;
    if (!c.glob) throw new UserInputError("missing 'glob'", { file, where });
    compileGlob(c.glob, { file, where: `${where}.glob` }); // too long or too many alternatives: refused here, with its place
    if (c.loss && !['mse', 'ce', 'bce'].includes(c.loss)) throw new UserInputError(`'loss' must be mse, ce or bce, got '${c.loss}'`, { file, where: `${where}.loss` });
    return c;
  });
  return { file: path.resolve(file), checkpoints };
}

/** @deprecated use compileGlob (src/core/glob.ts): a linear-time matcher with `.test`, not a RegExp. */
export function globToRegExp(glob: string): GlobMatcher { return compileGlob(glob); }

/** landscape.json in the checkpoint's folder or the nearest parent (up to `stop`). */
export function findConfig(checkpoint: string, stop?: string): string | undefined {
  let dir = path.dirname(path.resolve(checkpoint));
  const end = stop ? path.resolve(stop) : path.parse(dir).root;
  for (;;) {
    const f = path.join(dir, CONFIG_NAME);
    if (fs.existsSync(f)) return f;
    if (dir === end || path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
}

export function matchCheckpoint(cfg: LandscapeConfig, checkpoint: string): (CheckpointConfig & { index: number }) | undefined {
  const rel = path.relative(path.dirname(cfg.file), path.resolve(checkpoint)).split(path.sep).join('/');
  const i = cfg.checkpoints.findIndex((c, k) => compileGlob(c.glob, { file: cfg.file, where: `checkpoints[${k}].glob` }).test(rel));
  return i < 0 ? undefined : { ...cfg.checkpoints[i], index: i };
}

export interface ResolvedSettings extends Omit<CheckpointConfig, 'glob'> { dataFile?: string; how: string }

/** What to diagnose a checkpoint with: a matching landscape.json entry, else a conventional dataset. */
export function resolveSettings(checkpoint: string, opts: { config?: string; stop?: string } = {}): ResolvedSettings {
  const cfgFile = opts.config ?? findConfig(checkpoint, opts.stop);
  if (cfgFile) {
    const cfg = loadConfig(cfgFile);
    const m = matchCheckpoint(cfg, checkpoint);
    if (m) {
      const { glob, index, data, ...rest } = m;
      return { ...rest, dataFile: data ? path.resolve(path.dirname(cfg.file), data) : conventional(checkpoint, opts.stop).file, how: `${path.basename(cfg.file)} checkpoints[${index}] (glob '${glob}')` };
    }
  }
  const c = conventional(checkpoint, opts.stop);
  return { dataFile: c.file, how: c.how };
}

export function conventional(checkpoint: string, stop?: string): { file?: string; how: string } {
  let dir = path.dirname(path.resolve(checkpoint));
  const end = stop ? path.resolve(stop) : path.parse(dir).root;
  for (;;) {
    for (const n of CONVENTIONAL_DATA) {
      const f = path.join(dir, n);
      if (fs.existsSync(f)) return { file: f, how: `found ${n} ${dir === path.dirname(path.resolve(checkpoint)) ? 'next to the checkpoint' : `in ${dir}`}` };
    }
    if (dir === end || path.dirname(dir) === dir) break;
    dir = path.dirname(dir);
  }
  return { how: `no dataset found: add a ${CONFIG_NAME}, pass --data, or put one of ${CONVENTIONAL_DATA.join(', ')} next to the checkpoint` };
}
