/**
 * Integration, in the real extension host: a user's own per-step training log elsewhere in the workspace is
 * attached to the run it belongs to with *Attach Training Log to Run…* — its own log-only run disappears from
 * the tree, the run holds the log (its series at full resolution beside the helper's metrics.csv), the
 * choice lives in the workspace state and no file of the workspace is written or changed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import { runSeries, refreshRun } from '../../src/core/logs/runs';
import { EXT_ID, queueIdle, suiteFolder, until } from './util';

describe('Attach Training Log to Run…', function () {
  this.timeout(120000);
  let api: LandscapeApi;
  let dir: string;

  before(async () => {
    api = await vscode.extensions.getExtension<LandscapeApi>(EXT_ID)!.activate();
    dir = await suiteFolder('pytorch-attach');
  });
  after(async () => {
    if (api) await queueIdle(api);
  });

  it("attaches the chosen log to the run: one run, the user's 500 points with the helper's log, no file written", async () => {
    const run = path.join(dir, 'runs', 'train');
    const logs = path.join(dir, 'logs');
    fs.mkdirSync(run, { recursive: true });
    fs.mkdirSync(logs, { recursive: true });
    const ext = vscode.extensions.getExtension(EXT_ID)!.extensionPath;
    fs.copyFileSync(path.join(ext, 'test/fixtures/pytorch-exports/cnn_init/opset17_unfold.onnx'), path.join(run, 'model.step_500.onnx'));
    fs.writeFileSync(path.join(run, 'metrics.csv'), 'step,loss\n500,0.5\n');
    const user = path.join(logs, 'train_log.csv');
    fs.writeFileSync(user, 'step,loss\n' + Array.from({ length: 500 }, (_, i) => `${i + 1},${1 / (i + 1)}`).join('\n') + '\n');
    const listing = () =>
      fs
        .readdirSync(dir, { recursive: true })
        .map(f => `${f}:${fs.statSync(path.join(dir, String(f))).mtimeMs}`)
        .sort();
    const before = listing();
    await until('the log as a run of its own', async () => (await api.tree.rescan()).some(r => r.dir === logs));
    const r = await vscode.commands.executeCommand<{ log: string; run: string }>('landscapeLens.attachTrainingLog', user, run);
    assert.deepStrictEqual(r, { log: user, run });
    const runs = await api.tree.getRuns();
    assert.ok(!runs.some(x => x.dir === logs), 'the log-only run is gone');
    const it = runs.find(x => x.dir === run)!;
    assert.deepStrictEqual(it.logs.map(l => path.basename(l.file)).sort(), ['metrics.csv', 'train_log.csv']);
    refreshRun(it);
    const loss = runSeries(it).filter(s => s.tag === 'loss');
    assert.deepStrictEqual(loss.map(s => [path.basename(s.file), s.steps.length]).sort(), [
      ['metrics.csv', 1],
      ['train_log.csv', 500],
    ]);
    // after a rescan (a reload reads the same workspace state) the log is still attached
    const again = (await api.tree.rescan()).find(x => x.dir === run)!;
    assert.ok(again.attached?.some(a => a.file === user && a.how === 'chosen'));
    assert.deepStrictEqual(listing(), before, 'no file of the workspace written or changed');
  });
});
