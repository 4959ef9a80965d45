/**
 * Hostile input through the extension (issue 16): a cloned repository can plant a TF.js checkpoint
 * whose weight shard is a symlink to a file outside the folder, or a FIFO named like a checkpoint.
 * The watchers pick both up; the refusal shows in the runs tree (failed, with the reason), the file
 * outside is never read (its access time is unchanged), nothing blocks, and the extension host
 * still answers and diagnoses a good checkpoint afterwards.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import type { DiagnoseResult } from '../../src/core/diagnose';
import { EXT_ID, mkdirWatched, queueIdle, suiteFolder, until } from './util';

describe('Landscape Lens: planted symlinks and FIFOs in the workspace', function () {
  this.timeout(240000);
  let api: LandscapeApi;
  let root: string, planted: string, secret: string, linked: string, fifo: string;

  before(async () => {
    api = await vscode.extensions.getExtension<LandscapeApi>(EXT_ID)!.activate();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    planted = path.join(await suiteFolder('hostile'), 'planted-run');
    const src = path.join(root, 'runs', 'mlp-run', 'step_200');
    // a "secret" outside the workspace with exactly the bytes a shard needs (so only containment refuses it)
    secret = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-secret-')), 'secret.bin');
    fs.copyFileSync(path.join(src, 'group1-shard1of1.bin'), secret);
    fs.utimesSync(secret, new Date(1_000_000), new Date()); // atime before mtime: any read updates it (relatime)
    await mkdirWatched(path.join(planted, 'step_100')); // the first test relies on the watcher seeing the file written there
    fs.copyFileSync(path.join(root, 'runs', 'mlp-run', 'data.npz'), path.join(planted, 'data.npz'));
    fs.symlinkSync(secret, path.join(planted, 'step_100', 'group1-shard1of1.bin'));
    linked = path.join(planted, 'step_100', 'model.json');
    fifo = path.join(planted, 'ckpt_9.onnx');
  });

  after(async () => {
    await queueIdle(api, 'the jobs this suite started');
    fs.rmSync(planted, { recursive: true, force: true });
    fs.rmSync(path.dirname(secret), { recursive: true, force: true });
    await api.tree.rescan();
  });

  it('a shard symlinked outside the folder: refused in the tree, the outside file never read', async () => {
    fs.copyFileSync(path.join(root, 'runs', 'mlp-run', 'step_200', 'model.json'), linked);
    const f = await until('the refusal of the planted checkpoint', () => api.service.failureFor(linked), 90000);
    assert.match(f.message, /outside|symlink|not inside|escapes/i, f.message);
    const it = await until(
      'the failed item',
      async () => (await api.tree.snapshot()).find(i => i.path === linked && i.contextValue === 'checkpoint.failed'),
      20000,
    );
    assert.match(it.description, /^failed: /);
    assert.strictEqual(fs.statSync(secret).atimeMs, 1_000_000, 'the file outside the folder was not read');
  });

  it('a FIFO named like a checkpoint: refused without blocking; the extension host still answers and diagnoses', async () => {
    execFileSync('mkfifo', [fifo]);
    await api.tree.rescan();
    const r = await vscode.commands.executeCommand<DiagnoseResult | undefined>('landscapeLens.diagnoseQuick', vscode.Uri.file(fifo));
    assert.strictEqual(r, undefined);
    const f = await until('the refusal of the FIFO', () => api.service.failureFor(fifo), 60000);
    assert.match(f.message, /regular file|FIFO|not a file/i, f.message);
    // still responsive: the tree answers and a good checkpoint is diagnosed
    const items = await api.tree.snapshot();
    assert.ok(items.length > 0);
    const good = await api.diagnose(vscode.Uri.file(path.join(root, 'runs', 'mlp-run', 'step_200', 'model.json')), {
      silent: true,
      mode: 'quick',
    });
    assert.ok(good && Number.isFinite(good.loss));
  });
});
