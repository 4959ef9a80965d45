/**
 * Results cache: diagnose results keyed by a fingerprint of checkpoint + data + settings,
 * stored as JSON files in the extension's workspace storage (never in the user's folders),
 * so reloads, hovers and other windows show them at once. The fingerprint is a content hash
 * (memoised by stat), so a changed checkpoint or dataset changes it and stale entries are never
 * shown as current; `invalidate` drops a changed checkpoint's entries from disk too.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnoseResult } from '../core/diagnose';
import { containedPath, openRegular, readAt, readRegularFile, readRegularText } from '../core/safeFs';

export interface CacheEntry {
  key: string;
  checkpoint: string;
  checkpointFingerprint: string;
  result: DiagnoseResult;
}

/** Files a checkpoint consists of (model.json plus its weight shards). */
export function checkpointFiles(file: string): string[] {
  const files = [file];
  if (file.toLowerCase().endsWith('.json')) {
    try {
      const j = JSON.parse(readRegularText(file, { what: 'checkpoint', maxBytes: 256 * 2 ** 20 })) as {
        weightsManifest?: { paths?: string[] }[];
      };
      for (const g of j.weightsManifest ?? [])
        for (const p of g.paths ?? []) {
          // only shards the reader would accept: inside the checkpoint's real folder (symlinks resolved)
          try {
            containedPath(path.dirname(path.resolve(file)), decodeURIComponent(p), 'weight shard', { file });
            files.push(path.resolve(path.dirname(file), p));
          } catch {
            /* refused by the reader too */
          }
        }
    } catch {
      /* unreadable: the fingerprint of model.json alone */
    }
  }
  return files;
}

const HASH_FULL_BYTES = 64 * 2 ** 20;
const memo = new Map<string, { stat: string; hash: string }>();

/**
 * Content hash of one file (sha-256 of its bytes; files over 64 MB: of their size and the first
 * and last 8 MB). Memoised by path + size + mtime + inode, so an unchanged file is hashed once per
 * session and a lookup costs one stat.
 */
export function contentHash(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return 'missing';
  }
  if (!st.isFile()) return 'not-a-regular-file'; // a FIFO would block the extension host, /dev/zero never ends
  const statKey = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const m = memo.get(file);
  if (m && m.stat === statKey) return m.hash;
  const h = crypto.createHash('sha256');
  try {
    if (st.size <= HASH_FULL_BYTES) h.update(readRegularFile(file, { what: 'checkpoint', maxBytes: HASH_FULL_BYTES }));
    else {
      const { fd } = openRegular(file, 'checkpoint');
      try {
        const part = 8 * 2 ** 20;
        h.update(readAt(fd, 0, part));
        h.update(readAt(fd, st.size - part, part));
        h.update(`:${st.size}`);
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch {
    return 'unreadable';
  }
  const hash = h.digest('hex');
  memo.set(file, { stat: statKey, hash });
  return hash;
}

/** Fingerprint of a set of files: their names (relative to the first) and content hashes. */
export function fingerprint(files: string[]): string {
  const h = crypto.createHash('sha256');
  const base = path.dirname(path.resolve(files[0] ?? '.'));
  for (const f of files)
    h.update(path.relative(base, path.resolve(f)))
      .update(':')
      .update(contentHash(f))
      .update(';');
  return h.digest('hex').slice(0, 32);
}

export class ResultsCache {
  private byCheckpoint = new Map<string, CacheEntry[]>();

  constructor(private readonly dir: string) {
    try {
      for (const f of fs.readdirSync(dir)) {
        if (!f.endsWith('.json')) continue;
        try {
          // eslint-disable-next-line no-restricted-properties -- the extension's own storage folder, not a user file
          this.remember(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CacheEntry);
        } catch {
          /* skip corrupt entry */
        }
      }
    } catch {
      /* no cache yet */
    }
  }

  static key(checkpoint: string, data: string, options: unknown): { key: string; checkpointFingerprint: string } {
    const checkpointFingerprint = fingerprint(checkpointFiles(checkpoint));
    const key = crypto
      .createHash('sha256')
      .update(checkpointFingerprint)
      .update(fingerprint([data]))
      .update(JSON.stringify(options))
      .digest('hex')
      .slice(0, 32);
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
    // eslint-disable-next-line no-restricted-properties -- the extension's own storage folder (temporary name, then rename)
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

  /** All entries for this checkpoint (oldest first), current or not. */
  entriesFor(checkpoint: string): CacheEntry[] {
    return this.byCheckpoint.get(path.resolve(checkpoint)) ?? [];
  }

  /** Delete the entries of this checkpoint whose files changed since they were computed; returns how many. */
  invalidate(checkpoint: string): number {
    const k = path.resolve(checkpoint);
    const list = this.byCheckpoint.get(k);
    if (!list?.length) return 0;
    const fp = fingerprint(checkpointFiles(checkpoint));
    const stale = list.filter(e => e.checkpointFingerprint !== fp);
    for (const e of stale) {
      try {
        fs.unlinkSync(path.join(this.dir, `${e.key}.json`));
      } catch {
        /* gone */
      }
    }
    const keep = list.filter(e => e.checkpointFingerprint === fp);
    if (keep.length) this.byCheckpoint.set(k, keep);
    else this.byCheckpoint.delete(k);
    return stale.length;
  }

  get size(): number {
    let n = 0;
    for (const l of this.byCheckpoint.values()) n += l.length;
    return n;
  }

  clear(): number {
    let n = 0;
    try {
      for (const f of fs.readdirSync(this.dir))
        if (f.endsWith('.json')) {
          fs.unlinkSync(path.join(this.dir, f));
          n++;
        }
    } catch {
      /* nothing */
    }
    this.byCheckpoint.clear();
    return n;
  }
}
