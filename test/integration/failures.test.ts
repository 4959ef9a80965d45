/**
 * Failures in plain sight, in the real extension host: a TF.js checkpoint whose weight shard is
 * missing (auto-diagnosed by the watcher) and a corrupt .onnx (diagnosed by the command) show the
 * error in the runs tree (error icon, `failed: <reason>` in the description, the whole message in the
 * tooltip, context value `checkpoint.failed` for Retry / Show Log); Retry runs the diagnosis again
 * (fails again while the file is broken, succeeds once it is fixed, and the failure is gone).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import type { DiagnoseResult } from '../../src/core/diagnose';
import { hoverMarkdown } from '../../src/extension/hover';
import { EXT_ID, mkdirWatched, queueIdle, suiteFolder, until } from './util';

describe('Landscape Lens: failed diagnoses in the runs tree, Retry', function () {
  this.timeout(240000);
  let api: LandscapeApi;
  let root: string, broken: string, shardless: string, corrupt: string, shard: string;

  before(async () => {
    api = await vscode.extensions.getExtension<LandscapeApi>(EXT_ID)!.activate();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    broken = path.join(await suiteFolder('failures'), 'broken-run');
    const src = path.join(root, 'runs', 'mlp-run');
    await mkdirWatched(path.join(broken, 'step_100')); // the first test relies on the watcher seeing the file written there
    fs.copyFileSync(path.join(src, 'data.npz'), path.join(broken, 'data.npz'));
    shard = path.join(src, 'step_200', 'group1-shard1of1.bin');
    shardless = path.join(broken, 'step_100', 'model.json');
    corrupt = path.join(broken, 'ckpt_7.onnx');
  });

  after(async () => {
    await queueIdle(api, 'the jobs this suite started');
    fs.rmSync(broken, { recursive: true, force: true });
    await api.tree.rescan();
  });

  const itemOf = async (p: string) => (await api.tree.snapshot()).find(i => i.path === p);

  it('auto-diagnosis of a model.json whose weight shard is missing: the error in the tree item and its tooltip', async () => {
    fs.copyFileSync(path.join(path.dirname(shard), 'model.json'), shardless); // the shard is not copied
    const f = await until('the failure of the auto-diagnosis', () => api.service.failureFor(shardless), 90000);
    assert.ok(api.watch.autoQueued.includes(shardless), 'queued by the watcher');
    const it = await until(
      'the failed item in the tree',
      async () => {
        const i = await itemOf(shardless);
        return i?.contextValue === 'checkpoint.failed' ? i : undefined;
      },
      20000,
    );
    assert.match(it.description, /^failed: /, it.description);
    assert.ok(it.tooltip?.includes(f.message), `the tooltip holds the whole message: ${it.tooltip}`);
    assert.ok(/shard|group1-shard1of1\.bin|ENOENT|missing|not found/i.test(f.message), f.message);
    assert.ok(!/not diagnosed/.test(it.description));
    const node = (await api.tree.getChildren({ type: 'run', run: (await api.tree.getRuns()).find(r => r.dir === broken)! })).find(
      n => n.type === 'checkpoint' && n.ckpt.path === shardless,
    )!;
    const icon = api.tree.getTreeItem(node).iconPath as vscode.ThemeIcon;
    assert.strictEqual(icon.id, 'error');
    // the hover on the path says so too, with Retry
    const hover = hoverMarkdown(api.service, shardless).value;
    assert.ok(
      /diagnosis failed/.test(hover) && hover.includes('command:landscapeLens.retryDiagnosis') && !/Not diagnosed yet/.test(hover),
      hover,
    );
  });

  it('a corrupt .onnx diagnosed by the command: failed in the tree; Retry runs it again and fails again', async () => {
    fs.writeFileSync(corrupt, Buffer.from('this is not an ONNX protobuf, just bytes \x00\x01\x02'));
    await api.tree.rescan();
    const r = await vscode.commands.executeCommand<DiagnoseResult | undefined>('landscapeLens.diagnoseQuick', vscode.Uri.file(corrupt));
    assert.strictEqual(r, undefined);
    const f1 = await until('the failure', () => api.service.failureFor(corrupt), 60000);
    const it = await until(
      'the failed .onnx in the tree',
      async () => {
        const i = await itemOf(corrupt);
        return i?.contextValue === 'checkpoint.failed' ? i : undefined;
      },
      20000,
    );
    assert.match(it.description, /^failed: /);
    const computedBefore = api.service.queue.stats.failed;
    const again = await vscode.commands.executeCommand<DiagnoseResult | undefined>(
      'landscapeLens.retryDiagnosis',
      vscode.Uri.file(corrupt),
    );
    assert.strictEqual(again, undefined);
    const f2 = api.service.failureFor(corrupt)!;
    assert.ok(f2 && f2.at >= f1.at && api.service.queue.stats.failed > computedBefore, 'Retry ran the job again');
  });

  it('Retry after the missing shard is restored: a result, and the failure is gone from the tree', async () => {
    fs.copyFileSync(shard, path.join(path.dirname(shardless), 'group1-shard1of1.bin'));
    const r = await vscode.commands.executeCommand<DiagnoseResult | undefined>('landscapeLens.retryDiagnosis', vscode.Uri.file(shardless));
    assert.ok(r && Number.isFinite(r.loss), 'a result');
    assert.strictEqual(api.service.failureFor(shardless), undefined);
    const it = await until(
      'the diagnosed item',
      async () => {
        const i = await itemOf(shardless);
        return i?.contextValue === 'checkpoint.diagnosed' ? i : undefined;
      },
      20000,
    );
    assert.ok(!/failed/.test(it.description), it.description);
  });
});
