/**
 * Helpers shared by the integration suites (they run inside the extension host, all in one window
 * on one copy of test/fixtures/workspace). Every suite that writes files works in its own folder
 * `suites/<name>/` of that workspace (a fresh copy of the pristine fixture where it needs the run),
 * leaves no jobs behind and restores the settings it changes, so the suites pass in any order
 * (LANDSCAPE_TEST_ORDER=reverse in index.ts checks that).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import { scaled, timeFactor } from '../harness/speed';

export const EXT_ID = 'landscape-lens.landscape-lens';

export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

/**
 * Poll `f` every 100 ms until it returns a truthy value (returned). The time bound is a safety net
 * only (× the machine-speed factor, test/harness/speed.ts): what is waited for is the state.
 */
export async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 60000): Promise<T> {
  const end = Date.now() + scaled(ms);
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${scaled(ms)} ms, time factor ${timeFactor()})`);
    await sleep(100);
  }
}

/** The opened workspace (a copy of test/fixtures/workspace made by the harness). */
export function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the test workspace is not open');
  return f.uri.fsPath;
}

/** The pristine fixture workspace in the repository (never written to). */
export function fixtureRoot(): string {
  return path.join(vscode.extensions.getExtension(EXT_ID)!.extensionPath, 'test', 'fixtures', 'workspace');
}

/**
 * A fresh folder `suites/<name>/` of the workspace for one suite, emptied first; with `copy`, the
 * named entries of the pristine fixture (e.g. `runs/mlp-run`, `train.py`) are copied into it, so a
 * suite that writes beside a run works on its own run whatever the other suites did before. Every
 * folder is created with mkdirWatched(), so the watcher reports what is written there later.
 */
export async function suiteFolder(name: string, copy: string[] = []): Promise<string> {
  const dir = path.join(workspaceRoot(), 'suites', name);
  fs.rmSync(dir, { recursive: true, force: true });
  await mkdirWatched(dir);
  for (const c of copy) await copyWatched(path.join(fixtureRoot(), c), path.join(dir, c));
  return dir;
}

/** Copies a file or folder tree; every folder is created with mkdirWatched(). */
export async function copyWatched(from: string, to: string): Promise<void> {
  if (!fs.statSync(from).isDirectory()) {
    await mkdirWatched(path.dirname(to));
    fs.copyFileSync(from, to);
    return;
  }
  await mkdirWatched(to);
  for (const e of fs.readdirSync(from).sort()) await copyWatched(path.join(from, e), path.join(to, e));
}

/**
 * Creates `dir` and its missing parents one level at a time, each once the watcher reports file
 * events in it (watcherLive). VS Code's recursive watcher picks up a new folder only some time after
 * it appears, and a folder created inside one it has not picked up yet (mkdir -p of several levels)
 * is never watched: files written there later would never reach the extension.
 */
export async function mkdirWatched(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    fs.mkdirSync(d);
    await watcherLive(d);
  }
}

/** Resolves when the job queue is empty and no job runs (no suite leaves work behind for the next). */
export async function queueIdle(api: LandscapeApi, what = 'the job queue to drain'): Promise<void> {
  await until(what, () => (!api.service.queue.running && api.service.queue.queued.length === 0) || undefined, 300000);
}

/**
 * Resolves once the checkpoint watcher has handled the file events received so far: waits for an
 * event after `eventsBefore`, flushes the watcher's batch now, and waits for the rescan that flush
 * started (the auto-diagnosis decision follows it synchronously).
 */
export async function watcherHandled(api: LandscapeApi, eventsBefore: number): Promise<void> {
  await until('the watcher to receive the file events', () => api.watch.events > eventsBefore || undefined, 60000);
  api.watch.flush();
  await api.tree.rescan();
}

/** Updates a landscapeLens setting (workspace) and resolves once the extension has seen the change. */
export async function setSetting(key: string, value: unknown): Promise<void> {
  const seen = new Promise<void>(resolve => {
    const sub = vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration(`landscapeLens.${key}`)) {
        sub.dispose();
        resolve();
      }
    });
  });
  const current = vscode.workspace.getConfiguration('landscapeLens').inspect(key)?.workspaceValue;
  await vscode.workspace.getConfiguration('landscapeLens').update(key, value, vscode.ConfigurationTarget.Workspace);
  // no change event when the value was already that: nothing for the extension to see
  if (JSON.stringify(current) !== JSON.stringify(value)) await seen;
}

/**
 * Diagnoses (quick) every `step_*` checkpoint of a freshly copied run and waits for the queue to
 * drain, so the watcher's auto-diagnosis of the copy (the same quick job, shared or then served from
 * the cache) is over before the suite measures anything.
 */
export async function settleCopiedRun(api: LandscapeApi, run: string): Promise<void> {
  const ckpts = fs
    .readdirSync(run)
    .filter(d => /^step_\d+$/.test(d))
    .map(d => path.join(run, d, 'model.json'))
    .filter(f => fs.existsSync(f));
  for (const c of ckpts) await api.diagnose(vscode.Uri.file(c), { silent: true, mode: 'quick' });
  await api.tree.rescan();
  await queueIdle(api, `the jobs for the copy of ${path.basename(run)}`);
}

/**
 * Resolves once file events in `dir` (an existing folder) are delivered: writes probe files
 * `.watch-probe-N` (no checkpoint, no log: the extension ignores them) into `dir` until a watcher of
 * our own, on the whole workspace as the extension's are, reports one, then removes them.
 */
export async function watcherLive(dir: string): Promise<void> {
  const seen = new Set<string>();
  const w = vscode.workspace.createFileSystemWatcher('**/.watch-probe-*', false, false, true);
  const on = (u: vscode.Uri) => {
    if (path.dirname(u.fsPath) === dir) seen.add(path.basename(u.fsPath));
  };
  const subs = [w.onDidCreate(on), w.onDidChange(on)];
  const written: string[] = [];
  try {
    let i = 0;
    await until(
      `file events in ${path.relative(workspaceRoot(), dir)}`,
      async () => {
        const name = `.watch-probe-${i++}`;
        fs.writeFileSync(path.join(dir, name), 'probe');
        written.push(name);
        for (let k = 0; k < 20 && !seen.size; k++) await sleep(50);
        return seen.size > 0 || undefined;
      },
      120000,
    );
  } finally {
    for (const s of subs) s.dispose();
    w.dispose();
    for (const f of written) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** The markdown of hovers, joined (what the user reads). */
export function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap(h => h.contents.map(c => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

/** The hover text at `needle` (plus `shift` characters) on the first line of `doc` that contains `lineIncludes`. */
export async function hoverAt(doc: vscode.TextDocument, lineIncludes: string, needle = lineIncludes, shift = 0): Promise<string> {
  const ln = doc
    .getText()
    .split('\n')
    .findIndex(l => l.includes(lineIncludes));
  const pos = new vscode.Position(ln, doc.lineAt(ln).text.indexOf(needle) + shift);
  return hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos));
}
