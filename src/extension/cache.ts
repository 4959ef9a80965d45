/**
 * Results cache: diagnose results keyed by a fingerprint of checkpoint + data + settings,
 * stored as JSON files in the extension's workspace storage (never in the user's folders),
 * so reloads, hovers and other windows show them at once. A changed checkpoint or dataset
 * changes the fingerprint, so stale entries are never shown as current.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnoseResult } from '../core/diagnose';

export interface CacheEntry { key: string; checkpoint: string; checkpointFingerprint: string; result: DiagnoseResult }

/** Files a checkpoint consists of (model.json plus its weight shards). */
export function checkpointFiles(file: string): string[] {
  const files = [file];
  if (file.toLowerCase().endsWith('.json')) {
    try {
      const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
      for (const g of j.weightsManifest ?? []) for (const p of g.paths ?? []) files.push(path.resolve(path.dirname(file), p));
    } catch { /* unreadable: the fingerprint of model.json alone */ }
  }
  return files;
}

export function fingerprint(files: string[]): string {
  const h = crypto.createHash('sha256');
  for (const f of files) {
    h.update(path.resolve(f));
    try { const st = fs.statSync(f); h.update(`:${st.size}:${st.mtimeMs}`); } catch { h.update(':missing'); }
  }
  return h.digest('hex').slice(0, 32);
}

export class ResultsCache {
  private byCheckpoint = new Map<string, CacheEntry[]>();

  constructor(private readonly dir: string) {
    try {
      for (const f of fs.readdirSync(dir)) {
        if (!f.endsWith('.json')) continue;
        try { this.remember(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CacheEntry); } catch { /* skip corrupt entry */ }
      }
    } catch { /* no cache yet */ }
  }

  static key(checkpoint: string, data: string, options: unknown): { key: string; checkpointFingerprint: string } {
    const checkpointFingerprint = fingerprint(checkpointFiles(checkpoint));
    const key = crypto.createHash('sha256').update(checkpointFingerprint).update(fingerprint([data])).update(JSON.stringify(options)).digest('hex').slice(0, 32);
    return { key, checkpointFingerprint };
  }

  private remember(e: CacheEntry): void {
    const k = path.resolve(e.checkpoint);
    const list = (this.byCheckpoint.get(k) ?? []).filter(x => x.key !== e.key);
    list.push(e);
    list.sort((a, b) => a.result.computedAt.localeCompare(b.result.computedAt));
    this.byCheckpoint.set(k, list);
  }

  put(entry: CacheEntry): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `${entry.key}.json.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(entry));
    fs.renameSync(tmp, path.join(this.dir, `${entry.key}.json`));
    this.remember(entry);
  }

  get(key: string): CacheEntry | undefined {
    for (const list of this.byCheckpoint.values()) for (const e of list) if (e.key === key) return e;
    return undefined;
  }

  /** The newest result for this checkpoint whose files are unchanged since it was computed. */
  latestFor(checkpoint: string): CacheEntry | undefined {
    const list = this.byCheckpoint.get(path.resolve(checkpoint));
    if (!list?.length) return undefined;
    const fp = fingerprint(checkpointFiles(checkpoint));
    for (let i = list.length - 1; i >= 0; i--) if (list[i].checkpointFingerprint === fp) return list[i];
    return undefined;
  }

  clear(): number {
    let n = 0;
    try { for (const f of fs.readdirSync(this.dir)) if (f.endsWith('.json')) { fs.unlinkSync(path.join(this.dir, f)); n++; } } catch { /* nothing */ }
    this.byCheckpoint.clear();
    return n;
  }
}
