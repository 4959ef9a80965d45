/**
 * The editor experience in the real extension host, on the fixture workspace (a run with a CSV
 * log and three TF.js checkpoints; what this suite writes goes into its own copy of that run under
 * suites/workspace/, and the settings it changes are restored): the runs tree, auto-diagnosis of a copied-in checkpoint
 * (once), a burst of new checkpoints (each queued once), settings (autoDiagnose off/full, hover
 * and CodeLens switches, thresholds), cancellation of a long job within 1 s, a worker killed
 * mid-job, hover and CodeLens content, the status bar, the dashboard's first paint, and the
 * timing report.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import { fmt } from '../../src/shared/format';
import { PRIORITY } from '../../src/extension/jobQueue';
import { findCheckpointFiles } from '../../src/extension/pickers';
import { EXT_ID, queueIdle, setSetting, settleCopiedRun, suiteFolder, until, watcherHandled, mkdirWatched, hoverText } from './util';

const timing: Record<string, string> = {};

function root(): string {
  return vscode.workspace.workspaceFolders![0].uri.fsPath;
}
function copyCheckpoint(from: string, to: string): string {
  fs.mkdirSync(to, { recursive: true });
  // weights first, model.json last (as a trainer writes them)
  for (const f of fs.readdirSync(from).sort((a, b) => (a === 'model.json' ? 1 : b === 'model.json' ? -1 : 0)))
    fs.copyFileSync(path.join(from, f), path.join(to, f));
  return path.join(to, 'model.json');
}
describe('Landscape Lens: runs, watchers, jobs, hovers, dashboard', function () {
  this.timeout(240000);
  let api: LandscapeApi;
  let run: string, home: string, mine: string;
  const SETTINGS = ['autoDiagnose', 'codeLens.enabled', 'hover.enabled'];

  before(async () => {
    api = await vscode.extensions.getExtension<LandscapeApi>(EXT_ID)!.activate();
    run = path.join(root(), 'runs', 'mlp-run'); // read only
    home = await suiteFolder('workspace', ['runs/mlp-run']);
    mine = path.join(home, 'runs', 'mlp-run'); // the copy this suite writes into
    await settleCopiedRun(api, mine);
  });

  after(async () => {
    for (const k of SETTINGS) await setSetting(k, undefined);
    await queueIdle(api, 'the jobs this suite started');
    console.log('[timing] ── timing report ──');
    for (const [k, v] of Object.entries(timing)) console.log(`[timing] ${k}: ${v}`);
  });

  it('shows the fixture run in the tree: checkpoints by step and log series', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.landscape');
    await api.tree.rescan();
    const items = await api.tree.snapshot();
    const mine = items.filter(i => i.run === path.join('runs', 'mlp-run'));
    assert.deepStrictEqual(
      mine.filter(i => i.contextValue?.startsWith('checkpoint')).map(i => i.label),
      ['step 200', 'step 400', 'step 600'],
      JSON.stringify(items),
    );
    assert.ok(
      mine.some(i => i.label === 'Log series'),
      'a log series group',
    );
    const runs = await api.tree.getRuns();
    const r = runs.find(x => x.dir === run)!;
    const tags = r.logs.flatMap(l => l.tail.store.tags()).sort();
    assert.deepStrictEqual(tags, ['accuracy', 'loss', 'lr', 'val_loss']);
    assert.ok(
      items.some(i => i.run === 'models' && i.label.includes('model.json')),
      'the models/mlp checkpoint too',
    );
  });

  it('auto-diagnoses a checkpoint copied into the run once (quick: loss, ‖g‖, λ_max)', async () => {
    const before = api.service.counts.computed;
    const ckpt = copyCheckpoint(path.join(mine, 'step_600'), path.join(mine, 'step_800'));
    const entry = await until('the auto-diagnosis of step_800', () => api.cache.latestFor(ckpt), 90000);
    assert.strictEqual(entry.result.hessian?.top.length, 1, 'quick mode computes the top eigenvalue');
    assert.ok(!entry.result.hessian?.density, 'quick mode: no density');
    // later change events of the same files must not queue it again: a canary checkpoint written
    // after them is auto-diagnosed only once the watcher has handled every earlier event
    const canary = copyCheckpoint(path.join(mine, 'step_200'), path.join(mine, 'step_900'));
    await until('the auto-diagnosis of the canary', () => api.cache.latestFor(canary), 90000);
    assert.strictEqual(api.watch.autoQueued.filter(p => p === ckpt).length, 1);
    assert.strictEqual(api.cache.entriesFor(ckpt).length, 1);
    assert.strictEqual(api.service.counts.computed - before, 2, 'step_800 and the canary, each once');
    const items = await until('step 800 in the tree', async () =>
      (await api.tree.snapshot()).find(i => i.path === ckpt && i.description.includes('λmax')),
    );
    assert.ok(items.description.includes('loss'), items.description);
  });

  it('a burst of 40 new checkpoints: each queued and diagnosed once', async () => {
    const burst = path.join(home, 'burst');
    await mkdirWatched(burst);
    fs.copyFileSync(path.join(run, 'data.npz'), path.join(burst, 'data.npz'));
    const ckpts: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) ckpts.push(copyCheckpoint(path.join(run, 'step_400'), path.join(burst, `ckpt_${i}`)));
    // hovering a path to a checkpoint whose diagnosis is still queued moves it to the front
    await until('the burst queued', () => api.service.queue.queued.length >= 10, 60000);
    const queuedPaths = api.service.queue.queued.map(j => (j.request as { options: { checkpoint: string } }).options.checkpoint);
    const target = queuedPaths[queuedPaths.length - 1];
    const script = path.join(burst, 'use_burst.py');
    fs.writeFileSync(script, `CKPT = "${path.relative(burst, target).split(path.sep).join('/')}"\n`);
    const doc = await vscode.workspace.openTextDocument(script);
    await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, 10));
    const next = api.service.queue.queued[0];
    const running = api.service.queue.running;
    const isTarget = (j: typeof next | undefined) =>
      !!j && path.resolve((j.request as { options: { checkpoint: string } }).options.checkpoint) === path.resolve(target);
    assert.ok(
      isTarget(next) || isTarget(running) || api.cache.latestFor(target),
      `after the hover ${target} runs next; queue: ${api.service.queue.queued
        .slice(0, 3)
        .map(j => j.label)
        .join(', ')}`,
    );
    assert.strictEqual(next && isTarget(next) ? next.priority : PRIORITY.hover, PRIORITY.hover);
    console.log(
      `[integration] hover on a queued checkpoint (last of ${queuedPaths.length}): ${isTarget(next) ? 'first in the queue' : isTarget(running) ? 'running' : 'already done'}`,
    );
    await until('all 40 diagnosed', () => ckpts.every(c => api.cache.latestFor(c)), 180000);
    timing['burst of 40 checkpoints, auto-diagnosed (quick)'] = `${Date.now() - t0} ms`;
    // late events of the burst's files must not queue any again: a canary written after them
    const canary = copyCheckpoint(path.join(run, 'step_200'), path.join(burst, 'ckpt_canary'));
    await until('the auto-diagnosis of the canary', () => api.cache.latestFor(canary), 90000);
    for (const c of ckpts) {
      assert.strictEqual(api.watch.autoQueued.filter(p => p === c).length, 1, `${c} queued once`);
      assert.strictEqual(api.cache.entriesFor(c).length, 1, `${c} computed once`);
    }
    console.log(
      `[integration] watcher: ${api.watch.events} events, ${api.watch.flushes} flushes, ${api.watch.autoQueued.length} auto-queued`,
    );
  });

  it('respects autoDiagnose off and full', async () => {
    await setSetting('autoDiagnose', 'off');
    const extra = path.join(home, 'extra');
    await mkdirWatched(extra);
    fs.copyFileSync(path.join(run, 'data.npz'), path.join(extra, 'data.npz'));
    const events = api.watch.events;
    const off = copyCheckpoint(path.join(run, 'step_200'), path.join(extra, 'off_1'));
    await watcherHandled(api, events);
    assert.ok(!api.watch.autoQueued.includes(off), 'not queued with autoDiagnose off');
    assert.strictEqual(api.cache.latestFor(off), undefined);
    await setSetting('autoDiagnose', 'full');
    const full = copyCheckpoint(path.join(run, 'step_200'), path.join(extra, 'full_1'));
    const e = await until('the full auto-diagnosis', () => api.cache.latestFor(full), 90000);
    assert.ok(
      e.result.hessian?.density && e.result.hessian.top.length >= 2 && e.result.slices?.length,
      'full mode: spectrum, density, slices',
    );
    await setSetting('autoDiagnose', undefined);
  });

  it('shows jobs and the queue length in the status bar', async () => {
    const a = api.service.queue.enqueue({ kind: 'ping', ms: 1500, steps: 15 }, { key: 'ping-a', label: 'ping A', priority: PRIORITY.user });
    const b = api.service.queue.enqueue({ kind: 'ping', ms: 10 }, { key: 'ping-b', label: 'ping B' });
    const c = api.service.queue.enqueue({ kind: 'ping', ms: 10 }, { key: 'ping-c', label: 'ping C' });
    const text = await until('the status bar text', () => api.statusBar.text.includes('ping A') && api.statusBar.text);
    assert.ok(text.includes('2 queued'), text);
    await Promise.all([a.promise, b.promise, c.promise]);
    await until('the status bar to clear', () => api.statusBar.text === '' || undefined);
  });

  it('cancel stops a long diagnosis (settles cooperatively or by the bounded terminate); partial eigenvalues streamed before', async () => {
    const ckpt = path.join(run, 'step_600', 'model.json');
    const partials: unknown[] = [];
    const sub = api.service.onPartial(e => {
      if (e.checkpoint === ckpt) partials.push(e.partial);
    });
    const p = api.service.diagnose(vscode.Uri.file(ckpt), {
      mode: 'quick',
      force: true,
      progress: 'none',
      // a 259-parameter model's trace and density are exact now (n HVPs): the long stage is the PGB residual at many perturbations
      extra: { top: 20, tol: 1e-14, maxIter: 250, pgb: true, pgbPerturbations: 100000 },
    });
    await until(
      'the PGB stage',
      () => {
        const r = api.service.queue.running;
        return r && /pgb/.test(r.progress?.stage ?? '') && r;
      },
      60000,
    );
    await until('a partial result streamed', () => partials.length >= 1 || undefined, 60000);
    const forced = api.worker.forcedCancels;
    const t0 = Date.now();
    api.service.queue.cancel(api.service.queue.running!.id);
    const r = await p;
    const ms = Date.now() - t0;
    sub.dispose();
    assert.strictEqual(r, undefined, 'a cancelled diagnosis returns nothing');
    timing['cancel → job settled'] =
      `${ms} ms (${api.worker.forcedCancels > forced ? 'worker terminated after the grace period' : 'stopped cooperatively'})`;
    assert.ok(partials.length >= 1, `partial results streamed: ${partials.length}`);
    const after = await api.service.diagnose(vscode.Uri.file(ckpt), { mode: 'quick', force: true, progress: 'none' });
    assert.ok(after && Number.isFinite(after.loss), 'the next job runs');
  });

  it('a worker killed mid-job (through the queue): the job fails with a message, the next one runs', async () => {
    const ckpt = path.join(run, 'step_400', 'model.json');
    // the job waits on a barrier the test never releases: it is surely running when the kill lands
    let held!: () => void;
    const running = new Promise<void>(r => {
      held = r;
    });
    const job = api.service.queue.enqueue(
      { kind: 'ping', hold: path.join(os.tmpdir(), `landscape-barrier-${process.pid}-never`) },
      {
        key: 'held-ping',
        label: 'held ping',
        priority: PRIORITY.user,
        onProgress: p => {
          if (p.stage === 'held') held();
        },
      },
    );
    await running;
    const restarts = api.worker.restarts;
    await api.worker.kill();
    await assert.rejects(job.promise, /diagnostics worker/);
    assert.strictEqual(api.worker.restarts, restarts + 1);
    const next = await api.service.diagnose(vscode.Uri.file(ckpt), { mode: 'quick', force: true, progress: 'none' });
    assert.ok(next && Number.isFinite(next.loss));
  });

  it('hover: compact table with the cached numbers and command links, for loader calls and YAML paths', async () => {
    const ckpt = path.join(run, 'step_600', 'model.json');
    await api.service.diagnose(vscode.Uri.file(ckpt), { mode: 'full', progress: 'none' });
    const r = api.service.resultFor(ckpt)!.result;
    const doc = await vscode.workspace.openTextDocument(path.join(root(), 'train.py'));
    const lineNo = doc
      .getText()
      .split('\n')
      .findIndex(l => l.includes('file://runs/mlp-run/step_600'));
    const col = doc.lineAt(lineNo).text.indexOf('step_600');
    const t0 = performance.now();
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(lineNo, col),
    );
    const roundTrip = performance.now() - t0;
    const text = hoverText(hovers);
    for (const s of [
      '| verdict | loss | ‖g‖ | λ_max | λ_min | trace | sharpness | PGB residual |',
      `| ${fmt(r.loss)} |`,
      `| ${fmt(r.hessian!.top[0].value)} |`,
      'Open dashboard',
      'Diagnose now',
      'Compare with previous',
      'data.npz',
    ])
      assert.ok(text.includes(s), `hover has ${s}: ${text}`);
    for (let i = 0; i < 20; i++)
      await vscode.commands.executeCommand('vscode.executeHoverProvider', doc.uri, new vscode.Position(lineNo, col));
    const own = api.hover.timings.slice(-20).sort((a, b) => a - b);
    timing['hover from cache (provider)'] = `median ${own[10].toFixed(2)} ms, max ${own[19].toFixed(2)} ms over 20`;
    timing['hover from cache (executeHoverProvider round trip)'] = `${roundTrip.toFixed(1)} ms`;
    for (const [needle, f] of [
      ['step_400', 'train.py'],
      ['step_200', 'train.py'],
      ['runs/mlp-run/step_400', 'config.yaml'],
    ] as const) {
      const d = await vscode.workspace.openTextDocument(path.join(root(), f));
      const ln = d
        .getText()
        .split('\n')
        .findIndex(l => l.includes(needle) && !l.includes('file://'));
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        d.uri,
        new vscode.Position(ln, d.lineAt(ln).text.indexOf(needle) + 2),
      );
      assert.ok(hoverText(hs).includes('Landscape Lens'), `hover in ${f} on ${needle}: ${hoverText(hs)}`);
    }
    const none = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(
        doc
          .getText()
          .split('\n')
          .findIndex(l => l.includes('not/a/checkpoint')),
        12,
      ),
    );
    assert.ok(!hoverText(none).includes('Landscape Lens'), 'no hover on a path that is not a checkpoint');
  });

  it('CodeLens: the verdict line above each checkpoint path; hover and lens switches are respected', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(root(), 'train.py'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 10);
    const mine = lenses.filter(l => l.command?.title.includes('Landscape'));
    assert.ok(mine.length >= 4, `lenses: ${mine.map(l => l.command?.title).join(' | ')}`);
    const l600 = mine.find(l => doc.lineAt(l.range.start.line).text.includes('step_600'))!;
    assert.ok(/Landscape: .*loss .*λmax/.test(l600.command!.title), l600.command!.title);
    await setSetting('codeLens.enabled', false);
    const off = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 10);
    assert.strictEqual(off.filter(l => l.command?.title.includes('Landscape')).length, 0);
    await setSetting('codeLens.enabled', undefined);
    await setSetting('hover.enabled', false);
    const ln = doc
      .getText()
      .split('\n')
      .findIndex(l => l.includes('step_600'));
    const hs = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(ln, doc.lineAt(ln).text.indexOf('step_600')),
    );
    assert.ok(!hoverText(hs).includes('Landscape Lens'));
    await setSetting('hover.enabled', undefined);
  });

  it('opens the dashboard for the run and reports its first paint', async () => {
    for (const p of api.panels.values()) p.panel.dispose();
    api.timings.firstPaintMs = undefined;
    api.timings.webviewReadyMs = undefined;
    await vscode.commands.executeCommand('landscapeLens.openDashboard', vscode.Uri.file(mine));
    await until('the first paint', () => api.timings.firstPaintMs !== undefined || undefined, 30000);
    timing['dashboard first paint (cached results, from panel creation)'] =
      `${api.timings.firstPaintMs} ms (panel creation to the webview's script running ${api.timings.webviewReadyMs} ms; webview script to paint ${api.timings.webviewPaintMs?.toFixed(0)} ms)`;
    const panel = api.panels.get(mine)!;
    assert.ok(panel, `a panel for ${mine}: ${[...api.panels.keys()].join(', ')}`);
    assert.ok(panel.painted);
    // the log grows: the dashboard's tail picks up the new rows
    const log = path.join(mine, 'metrics.csv');
    fs.appendFileSync(log, '610,1795401220.0,0.12,0.17,0.97,0.4\n620,1795401240.0,0.119,0.169,0.971,0.4\n');
    const n = await until('new log points', () => panel.pollLogs() || undefined, 10000);
    assert.ok(n >= 3, `new points: ${n}`);
  });

  it('registers all commands', async () => {
    const cmds = await vscode.commands.getCommands(true);
    for (const c of [
      'diagnoseCheckpoint',
      'diagnoseQuick',
      'openDashboard',
      'compareWith',
      'comparePrevious',
      'showSlice',
      'addSpecialNeurons',
      'copySpecialNeuronsCode',
      'perturbWeights',
      'revealInExplorer',
      'refreshRuns',
      'showJobs',
      'clearCache',
    ])
      assert.ok(cmds.includes(`landscapeLens.${c}`), c);
    timing['activation'] = `${api.activationMs.toFixed(1)} ms`;
  });

  it('compare with the previous checkpoint computes the interpolation', async () => {
    const ckpt = path.join(run, 'step_600', 'model.json');
    const r = await vscode.commands.executeCommand<{ slices?: { kind: string; other?: string }[] }>(
      'landscapeLens.comparePrevious',
      vscode.Uri.file(ckpt),
    );
    assert.ok(
      r?.slices?.some(s => s.kind === 'interp' && s.other?.includes('step_400')),
      JSON.stringify(r?.slices?.map(s => s.kind)),
    );
    assert.ok(
      api.service.resultFor(ckpt)!.result.slices!.some(s => (s as { kind: string }).kind === 'interp'),
      'merged into the shown result',
    );
  });

  it('clear cache empties the storage; the hover then offers Diagnose now', async () => {
    const n = await vscode.commands.executeCommand<number>('landscapeLens.clearCache');
    assert.ok(n > 0);
    assert.strictEqual(api.cache.size, 0);
    const doc = await vscode.workspace.openTextDocument(path.join(root(), 'train.py'));
    const ln = doc
      .getText()
      .split('\n')
      .findIndex(l => l.includes('step_600'));
    const hs = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(ln, doc.lineAt(ln).text.indexOf('step_600')),
    );
    assert.ok(hoverText(hs).includes('Not diagnosed yet'), hoverText(hs));
  });

  it("the checkpoint picker's search (VS Code's findFiles, the registry's glob) finds .h5, .pt and .pth files", async () => {
    await setSetting('watch.ignoreFolders', ['picker-probe']); // not added to the runs tree nor auto-diagnosed
    const dir = path.join(home, 'picker-probe');
    fs.mkdirSync(dir, { recursive: true });
    try {
      for (const n of ['net.h5', 'net.pt', 'net.pth', 'model.config.json'])
        fs.writeFileSync(path.join(dir, n), n.endsWith('.json') ? '{"hidden": 3}' : 'x');
      const found = (await findCheckpointFiles())
        .map(u => u.fsPath)
        .filter(p => p.startsWith(dir))
        .map(p => path.basename(p))
        .sort();
      assert.deepStrictEqual(found, ['net.h5', 'net.pt', 'net.pth']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await setSetting('watch.ignoreFolders', undefined);
    }
  });
});
