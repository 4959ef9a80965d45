/**
 * Integration tests inside the real VS Code extension host: the diagnose command on a fixture
 * checkpoint (numbers checked against the float64 reference), the results cache, and hovers.
 */
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import { fmt } from '../../src/shared/format';
import type { DiagnoseResult } from '../../src/core/diagnose';
import { readDenseNet, lossAndGrad64 } from '../unit/reference/denseNet64';
import { loadDataset } from '../../src/core/data/dataset';
import { hoverAt, hoverText } from './util';

const EXT_ID = 'landscape-lens.landscape-lens';

function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace is open');
  return f.uri.fsPath;
}

describe('Landscape Lens in the extension host', function () {
  this.timeout(180000);
  let api: LandscapeApi;
  let ckpt: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<LandscapeApi>(EXT_ID);
    assert.ok(ext, `extension ${EXT_ID} is installed`);
    api = await ext.activate();
    ckpt = path.join(workspaceRoot(), 'models', 'mlp', 'model.json');
  });

  it('activates quickly and registers its commands', async () => {
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['landscapeLens.diagnoseCheckpoint', 'landscapeLens.clearCache']) assert.ok(cmds.includes(c), `${c} registered`);
    assert.ok(Number.isFinite(api.activationMs));
    console.log(`[timing] activation ${api.activationMs.toFixed(1)} ms`);
  });

  it('diagnoses a checkpoint in the worker on the native engine (ONNX Runtime) and matches the float64 reference', async () => {
    const r = await vscode.commands.executeCommand<DiagnoseResult>('landscapeLens.diagnoseCheckpoint', vscode.Uri.file(ckpt));
    assert.ok(r, 'the command returned a result');
    const data = loadDataset(path.join(path.dirname(ckpt), 'data.npz'));
    const ref = lossAndGrad64(readDenseNet(ckpt), data.x, data.m, data.y.data, 'ce');
    let n = 0;
    for (const g of ref.grad) n += g * g;
    assert.ok(Math.abs(r.loss - ref.loss) / ref.loss < 1e-5, `loss ${r.loss} vs float64 ${ref.loss}`);
    assert.ok(Math.abs(r.gradNorm - Math.sqrt(n)) / Math.sqrt(n) < 1e-5, `gradNorm ${r.gradNorm} vs float64 ${Math.sqrt(n)}`);
    // the native engine runs in the extension's worker thread (onnxruntime-node loaded there)
    assert.strictEqual(r.engine, 'onnxruntime', `engine ${r.engine}, backend ${r.backend}, notices ${r.notices.join('; ')}`);
    assert.match(r.backend, /^onnxruntime \((cpu|webgpu|cuda)\)$/);
    assert.ok(api.cache.latestFor(ckpt), 'the result is cached');
  });

  it('shows the cached summary in a hover on the checkpoint path in a Python file', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), 'train.py'));
    const lineNo = doc
      .getText()
      .split('\n')
      .findIndex(l => l.includes('models/mlp/model.json'));
    const col = doc.lineAt(lineNo).text.indexOf('models/mlp') + 3;
    const t0 = Date.now();
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(lineNo, col),
    );
    console.log(`[timing] hover from cache ${Date.now() - t0} ms (round trip through the hover API)`);
    const text = hoverText(hovers);
    const r = api.cache.latestFor(ckpt)!.result;
    assert.ok(text.includes('Landscape Lens'), `hover text: ${text}`);
    assert.ok(text.includes(`| ${fmt(r.loss)} |`), `hover shows the loss ${fmt(r.loss)} (the shared format): ${text}`);
    assert.ok(text.includes('‖g‖') && text.includes(`| ${fmt(r.gradNorm)} |`), 'hover shows the gradient norm');
  });

  it('shows no Landscape hover on a string that is not a checkpoint', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), 'train.py'));
    const text = await hoverAt(doc, 'not/a/checkpoint', 'not/a', 2);
    assert.ok(!text.includes('Landscape Lens'));
  });

  it('a worker killed mid-job fails the job with a message and the next job runs', async () => {
    // a job held on a barrier that is never released: it is running when killed and cannot finish first
    let held!: () => void;
    const running = new Promise<void>(r => {
      held = r;
    });
    const job = api.worker.run({ kind: 'ping', hold: path.join(os.tmpdir(), `landscape-barrier-${process.pid}-never`) }, p => {
      if (p.stage === 'held') held();
    });
    await running;
    await api.worker.kill();
    await assert.rejects(job.promise, /diagnostics worker/);
    const again = await api.worker.run({ kind: 'diagnose', options: { checkpoint: ckpt, data: path.join(path.dirname(ckpt), 'data.npz') } })
      .promise;
    assert.ok(Number.isFinite(again.loss));
  });
});
