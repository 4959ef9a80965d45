/**
 * Where the demo workspace may be built: a missing or empty folder, or an earlier demo (it holds the
 * marker file). Any other folder is refused, so no user file is ever overwritten; rebuilding an
 * earlier demo removes only the entries the builder writes (and refuses when there are others).
 * No TF.js here: the extension host checks a folder before it sends the build to the worker.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The marker file a demo folder holds. */
export const DEMO_MARKER = '.landscape-demo';
/** What the builder writes (and may remove when it rebuilds an earlier demo): `.landscape` holds the seeded results. */
export const DEMO_ENTRIES = [DEMO_MARKER, '.landscape', 'data.npz', 'landscape.json', 'runs', 'train.py', 'README.md', 'report.html'];
/** Entries an editor may have put into an empty folder: they do not make it non-empty and are kept. */
export const IGNORABLE_ENTRIES = ['.vscode', '.DS_Store', 'Thumbs.db'];

export type DemoFolderState = { kind: 'missing' | 'empty' | 'demo' } | { kind: 'refused'; reason: string };

export function checkDemoFolder(dir: string): DemoFolderState {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return { kind: 'missing' };
  }
  if (!st.isDirectory()) return { kind: 'refused', reason: `${dir} is not a folder` };
  const entries = fs.readdirSync(dir).filter(e => !IGNORABLE_ENTRIES.includes(e));
  if (!entries.length) return { kind: 'empty' };
  if (!entries.includes(DEMO_MARKER))
    return {
      kind: 'refused',
      reason: `${dir} is not empty and was not made by the demo builder (no ${DEMO_MARKER} marker); choose an empty or new folder`,
    };
  const other = entries.filter(e => !DEMO_ENTRIES.includes(e));
  if (other.length)
    return {
      kind: 'refused',
      reason:
        `${dir} is an earlier demo but also holds ${other.slice(0, 5).join(', ')}${other.length > 5 ? ', …' : ''}, ` +
        `which the builder did not write; choose an empty or new folder`,
    };
  return { kind: 'demo' };
}

/** Removes what the builder wrote into an earlier demo folder (only DEMO_ENTRIES; the marker last). */
export function clearDemoFolder(dir: string): void {
  for (const e of DEMO_ENTRIES.filter(x => x !== DEMO_MARKER)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  fs.rmSync(path.join(dir, DEMO_MARKER), { force: true });
}

/** Where to build in a folder the user chose: the folder itself when it may be used, else a free `landscape-lens-demo[-N]` inside it. */
export function demoTargetIn(chosen: string): string {
  if (checkDemoFolder(chosen).kind !== 'refused') return chosen;
  for (let i = 0; i < 100; i++) {
    const d = path.join(chosen, i ? `landscape-lens-demo-${i + 1}` : 'landscape-lens-demo');
    if (checkDemoFolder(d).kind !== 'refused') return d;
  }
  throw new Error(`no free demo folder name in ${chosen}`);
}
