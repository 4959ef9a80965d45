/**
 * Seeded results of the demo workspace. *Landscape: Create Demo Workspace* diagnoses every demo
 * checkpoint (quick mode) before it opens the folder; the results cache lives in the extension's
 * per-workspace storage, which the new window does not share, so the results travel in the demo
 * folder as `.landscape/seed-results.json` (paths relative to the folder). On activation (in a
 * trusted workspace) a workspace folder holding the demo marker and that file has its entries
 * imported into the cache — each only if the checkpoint's files still have the fingerprint they
 * were diagnosed with — and the file is renamed `seed-results.imported.json`. An entry is stored
 * under the key the current quick-mode settings give when they equal the settings it was computed
 * with (so a quick diagnosis is a cache hit), else under its own settings' key (shown, never
 * mistaken for a result of other settings). Pure Node: no `vscode` here.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnoseOptions, DiagnoseResult } from '../core/diagnose';
import { ResultsCache } from './cache';
import { DEMO_MARKER } from '../core/demo/folder';
import { writeOutput } from '../core/output';
import { readRegularText } from '../core/safeFs';

export const SEED_FILE = path.join('.landscape', 'seed-results.json');
export const SEED_IMPORTED = path.join('.landscape', 'seed-results.imported.json');
export const SEED_VERSION = 1;

export interface SeedEntry {
  checkpoint: string;
  checkpointFingerprint: string;
  options: DiagnoseOptions;
  result: DiagnoseResult;
}
export interface SeedFile {
  version: number;
  createdAt: string;
  mode: 'quick';
  entries: SeedEntry[];
}

const rel = (dir: string, p: string) => path.relative(dir, path.resolve(p)).split(path.sep).join('/');
const abs = (dir: string, p: string) => path.resolve(dir, ...p.split('/'));

/** An entry with the folder's paths (checkpoint, data) made relative to it. */
export function toSeedEntry(dir: string, e: SeedEntry): SeedEntry {
  const options = { ...e.options, checkpoint: rel(dir, e.options.checkpoint), data: rel(dir, e.options.data) };
  const result = { ...e.result, checkpoint: rel(dir, e.result.checkpoint), data: { ...e.result.data, file: rel(dir, e.result.data.file) } };
  return { checkpoint: rel(dir, e.checkpoint), checkpointFingerprint: e.checkpointFingerprint, options, result };
}

/** The inverse of toSeedEntry for a folder (wherever it is now). */
export function fromSeedEntry(dir: string, e: SeedEntry): SeedEntry {
  const options = { ...e.options, checkpoint: abs(dir, e.options.checkpoint), data: abs(dir, e.options.data) };
  const result = { ...e.result, checkpoint: abs(dir, e.result.checkpoint), data: { ...e.result.data, file: abs(dir, e.result.data.file) } };
  return { checkpoint: abs(dir, e.checkpoint), checkpointFingerprint: e.checkpointFingerprint, options, result };
}

/** Writes the seed file into a demo folder (a new file: an existing one is replaced only if it is a seed file of this builder). */
export function writeSeed(dir: string, entries: SeedEntry[]): string {
  const file = path.join(dir, SEED_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const seed: SeedFile = {
    version: SEED_VERSION,
    createdAt: new Date().toISOString(),
    mode: 'quick',
    entries: entries.map(e => toSeedEntry(dir, e)),
  };
  fs.rmSync(path.join(dir, SEED_IMPORTED), { force: true });
  writeOutput(file, JSON.stringify(seed), { root: dir });
  return file;
}

/** Options compared as data: sorted keys, `dataHow` (a description) left out. */
export function sameOptions(a: DiagnoseOptions, b: DiagnoseOptions): boolean {
  const canon = (o: unknown): unknown =>
    Array.isArray(o)
      ? o.map(canon)
      : o && typeof o === 'object'
        ? Object.fromEntries(
            Object.entries(o as Record<string, unknown>)
              .filter(([k, v]) => k !== 'dataHow' && v !== undefined)
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([k, v]) => [k, canon(v)]),
          )
        : o;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

function validEntry(e: unknown): e is SeedEntry {
  const x = e as SeedEntry;
  return (
    !!x &&
    typeof x.checkpoint === 'string' &&
    typeof x.checkpointFingerprint === 'string' &&
    !!x.options &&
    typeof x.options.checkpoint === 'string' &&
    typeof x.options.data === 'string' &&
    !!x.result &&
    typeof x.result.checkpoint === 'string' &&
    typeof x.result.loss === 'number' &&
    typeof x.result.computedAt === 'string' &&
    !!x.result.verdict &&
    !!x.result.data &&
    typeof x.result.data.file === 'string'
  );
}

export interface SeedImport {
  file?: string;
  imported: number;
  current: number;
  skipped: string[];
}

/**
 * Imports a demo folder's seed file into the cache (see the header). `current(checkpoint)` gives the
 * options a quick diagnosis would use now (undefined: unknown). A folder without the demo marker or
 * the seed file imports nothing.
 */
export function importSeed(dir: string, cache: ResultsCache, current: (checkpoint: string) => DiagnoseOptions | undefined): SeedImport {
  const file = path.join(dir, SEED_FILE);
  const out: SeedImport = { imported: 0, current: 0, skipped: [] };
  if (!fs.existsSync(path.join(dir, DEMO_MARKER)) || !fs.existsSync(file)) return out;
  out.file = file;
  let seed: SeedFile;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 64 * 2 ** 20) throw new Error('not a regular file of at most 64 MB');
    seed = JSON.parse(readRegularText(file, { what: 'seed file', maxBytes: 64 * 2 ** 20 })) as SeedFile;
    if (seed.version !== SEED_VERSION || !Array.isArray(seed.entries)) throw new Error(`version ${seed.version}`);
  } catch (e) {
    out.skipped.push(`${SEED_FILE}: ${(e as Error).message}`);
    return out;
  }
  for (const raw of seed.entries) {
    if (!validEntry(raw)) {
      out.skipped.push('an entry of the wrong shape');
      continue;
    }
    const e = fromSeedEntry(dir, raw);
    // only inside this folder
    if (path.relative(dir, e.checkpoint).startsWith('..') || path.relative(dir, e.options.data).startsWith('..')) {
      out.skipped.push(`${raw.checkpoint}: outside the folder`);
      continue;
    }
    const now = current(e.checkpoint);
    const same = now !== undefined && sameOptions(now, e.options);
    const { key, checkpointFingerprint } = ResultsCache.key(e.checkpoint, e.options.data, same ? now : e.options);
    if (checkpointFingerprint !== e.checkpointFingerprint) {
      out.skipped.push(`${raw.checkpoint}: changed since it was diagnosed`);
      continue;
    }
    if (!cache.get(key)) cache.put({ key, checkpoint: e.checkpoint, checkpointFingerprint, result: e.result });
    out.imported++;
    if (same) out.current++;
  }
  try {
    fs.renameSync(file, path.join(dir, SEED_IMPORTED));
  } catch {
    /* read-only folder: imported again next time (idempotent) */
  }
  return out;
}
