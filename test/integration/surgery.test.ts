/**
 * Acting on a minimum, in the real extension host, on the suite's own copy of the fixture run
 * (suites/surgery/: the checkpoints it writes join that run, in its derived/ folder, and no other
 * suite sees them; it waits for its jobs before it ends): Add special neurons (with fine-tuning),
 * Perturb weights along the most negative eigenvector (with retraining), Copy special-neuron code;
 * new checkpoints beside the input, the input's bytes unchanged (SHA-256 before and after), the
 * measured effects in the command's result, the surgery log and the run's dashboard, the new
 * checkpoints in the runs tree, and the command links in the hover.
 */
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import { DashboardPanel } from '../../src/extension/panel';
import type { SpecialNeuronsJobResult, PerturbJobResult } from '../../src/core/surgery/jobs';
import { EXT_ID, hoverAt, queueIdle, settleCopiedRun, suiteFolder, until } from './util';

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort())
    out[f] = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(dir, f)))
      .digest('hex');
  return out;
}

describe('Landscape Lens: acting on a minimum (special neurons, perturbation)', function () {
  this.timeout(240000);
  let api: LandscapeApi;
  let run: string, ckpt: string, dir: string, home: string;
  let original: Record<string, string>;

  before(async () => {
    api = await vscode.extensions.getExtension<LandscapeApi>(EXT_ID)!.activate();
    // the pristine fixture run and the script naming its checkpoints, in a folder of our own
    home = await suiteFolder('surgery', ['runs/mlp-run', 'train.py']);
    run = path.join(home, 'runs', 'mlp-run');
    ckpt = path.join(run, 'step_600', 'model.json');
    dir = path.dirname(ckpt);
    original = hashes(dir);
    await settleCopiedRun(api, run);
  });

  after(async () => {
    await queueIdle(api, 'the jobs this suite started');
  });

  it('Add special neurons (fine-tuned): new checkpoints, outputs equal at initialisation, max|a_k| recorded, input unchanged', async () => {
    const r = await vscode.commands.executeCommand<SpecialNeuronsJobResult>('landscapeLens.addSpecialNeurons', vscode.Uri.file(ckpt), {
      lambda: 0.01,
      train: 60,
      lr: 0.01,
      seed: 1,
    });
    assert.ok(r, 'a result');
    assert.ok(r.added, 'added');
    assert.ok(r.added!.check.maxAbsDiff <= 1e-6, `outputs equal at a = w = b = 0: ${r.added!.check.maxAbsDiff}`);
    // written into the run's derived/ folder, never among training's own checkpoints
    assert.strictEqual(r.outFile, path.join(run, 'derived', 'step_600.special', 'model.json'));
    assert.ok(fs.existsSync(r.outFile));
    const t = r.training!;
    assert.strictEqual(t.curve[t.curve.length - 1].step, 60);
    assert.ok(fs.existsSync(t.outFile), t.outFile);
    assert.ok(t.curve.every(p => Number.isFinite(p.maxAbsA) && Number.isFinite(p.originalLoss)));
    for (const [f, h] of Object.entries(original)) assert.strictEqual(hashes(dir)[f], h, `${f} unchanged`);
    const rec = api.surgery.all[api.surgery.all.length - 1];
    assert.strictEqual(rec.kind, 'specialNeurons');
    assert.ok(rec.outFiles.includes(path.resolve(t.outFile)));
    // the runs tree lists the new checkpoints in the same run
    await until(
      'the new checkpoints in the tree',
      async () =>
        (await api.tree.getRuns()).find(x => x.dir === run)?.checkpoints.some(c => path.resolve(c.path) === path.resolve(t.outFile)),
      20000,
    );
  });

  it('the diagnosis of the augmented model reports |a_k| and their share of the output', async () => {
    const r = await api.diagnose(
      vscode.Uri.file(api.surgery.all[api.surgery.all.length - 1].outFiles.find(f => f.endsWith('.json') && f.includes('trained'))!),
      { silent: true, mode: 'quick' },
    );
    assert.ok(r?.specialNeurons, JSON.stringify(Object.keys(r ?? {})));
    assert.ok(r!.specialNeurons!.maxAbsA >= 0 && r!.specialNeurons!.outputShare >= 0);
  });

  it('Perturb weights along the bottom eigenvector with retraining: loss before/after, distance back, new file, input unchanged', async () => {
    const r = await vscode.commands.executeCommand<PerturbJobResult>('landscapeLens.perturbWeights', vscode.Uri.file(ckpt), {
      mode: 'eigen',
      direction: 'bottom',
      retrain: 20,
      seed: 2,
    });
    assert.ok(r, 'a result');
    assert.ok(Number.isFinite(r.lossBefore) && Number.isFinite(r.lossAfter));
    assert.ok(r.eigen && Number.isFinite(r.eigen.value));
    assert.ok(r.relativeNorm > 0);
    assert.ok(fs.existsSync(r.outFile) && r.outFile !== ckpt);
    assert.ok(r.retrain && r.retrain.steps === 20 && r.retrainedFile && fs.existsSync(r.retrainedFile));
    for (const [f, h] of Object.entries(original)) assert.strictEqual(hashes(dir)[f], h, `${f} unchanged`);
    assert.strictEqual(api.surgery.all[api.surgery.all.length - 1].kind, 'perturb');
  });

  it('the runs tree lists the surgery outputs under their source checkpoint, labelled by what they are; derived/ is no run of its own', async () => {
    await api.tree.rescan();
    const items = await api.tree.snapshot();
    const under = items.filter(i => i.parent === ckpt);
    const labels = under.map(i => i.label);
    assert.ok(labels.includes('special neurons'), JSON.stringify(labels));
    assert.ok(labels.includes('special neurons, fine-tuned 60 steps'), JSON.stringify(labels));
    assert.ok(labels.includes('perturbed along λ_min'), JSON.stringify(labels));
    assert.ok(labels.includes('perturbed along λ_min, retrained 20 steps'), JSON.stringify(labels));
    assert.ok(
      under.every(i => i.description.includes('step 600')),
      JSON.stringify(under.map(i => i.description)),
    );
    // not listed again as rows of the run, and no run called "derived"
    assert.ok(
      !items.some(i => !i.parent && i.path && i.path.includes(`${path.sep}derived${path.sep}`)),
      'derived checkpoints only under their source',
    );
    assert.ok(!(await api.tree.getRuns()).some(r => path.basename(r.dir) === 'derived'));
    const src = items.find(i => i.path === ckpt)!;
    assert.ok(src && !src.parent && src.label === 'step 600');
  });

  it("the run's dashboard shows the measured effects (surgery section, fine-tuning curve)", async () => {
    for (const p of api.panels.values()) p.panel.dispose();
    DashboardPanel.lastMessages = [];
    await vscode.commands.executeCommand('landscapeLens.openDashboard', vscode.Uri.file(run));
    const panel = await until('the panel', () => api.panels.get(run), 20000);
    await until('the first paint', () => panel.painted || undefined, 30000);
    const forRun = api.surgery.forRun(run);
    assert.ok(
      forRun.length >= 2 && forRun.some(r => r.kind === 'specialNeurons') && forRun.some(r => r.kind === 'perturb'),
      JSON.stringify(forRun.map(r => r.kind)),
    );
  });

  it('the hover on a checkpoint path offers Add special neurons and Perturb weights', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(home, 'train.py'));
    const text = await hoverAt(doc, 'step_600');
    assert.ok(text.includes('command:landscapeLens.addSpecialNeurons') && text.includes('command:landscapeLens.perturbWeights'), text);
  });

  it('Copy special-neuron code: TF.js snippet with D and K of the model, on the clipboard', async () => {
    const code = await vscode.commands.executeCommand<string>('landscapeLens.copySpecialNeuronsCode', vscode.Uri.file(ckpt), 'tfjs', 0.05);
    assert.ok(code && /exp/.test(code) && code.includes('0.05'), code);
    assert.strictEqual(await vscode.env.clipboard.readText(), code);
  });

  it('the model outline: a fully diagnosed checkpoint lists its layers in the runs tree, heat-coloured by their share of tr H', async () => {
    const c = path.join(run, 'step_200', 'model.json');
    const r = await api.diagnose(vscode.Uri.file(c), { silent: true, mode: 'full' });
    const layers = r!.layers.filter(l => typeof l.traceShare === 'number');
    assert.ok(layers.length >= 2, JSON.stringify(r!.layers));
    const sum = layers.reduce((a, l) => a + l.traceShare!, 0);
    assert.ok(Math.abs(sum - 1) < 0.05, `trace shares sum to 1: ${sum}`);
    const runs = await api.tree.getRuns();
    const theRun = runs.find(x => x.dir === run)!;
    const ck = theRun.checkpoints.find(x => path.resolve(x.path) === path.resolve(c))!;
    const kids = await api.tree.getChildren({ type: 'checkpoint', run: theRun, ckpt: ck });
    assert.deepStrictEqual(
      kids.map(k => (k as { name: string }).name),
      layers.map(l => l.name),
    );
    const items = kids.map(k => api.tree.getTreeItem(k));
    for (const [i, it] of items.entries()) {
      assert.match(String(it.description), /% of tr H/);
      const colour = ((it.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor).id;
      const share = layers[i].traceShare!;
      assert.strictEqual(
        colour,
        share >= 0.5 ? 'charts.red' : share >= 0.25 ? 'charts.orange' : share >= 0.1 ? 'charts.yellow' : 'charts.green',
      );
    }
    assert.strictEqual(
      api.tree.getTreeItem({ type: 'checkpoint', run: theRun, ckpt: ck }).collapsibleState,
      vscode.TreeItemCollapsibleState.Collapsed,
    );
  });

  it("the tree's context menu and the hover's command links reach the same commands (tree node and JSON link arguments)", async () => {
    const runs = await api.tree.getRuns();
    const theRun = runs.find(x => x.dir === run)!;
    const ck = theRun.checkpoints.find(x => path.resolve(x.path) === path.resolve(path.join(run, 'step_200', 'model.json')))!;
    // the tree passes its node to the command
    const r1 = await vscode.commands.executeCommand<PerturbJobResult>(
      'landscapeLens.perturbWeights',
      { type: 'checkpoint', run: theRun, ckpt: ck },
      { mode: 'filter', step: 0.05, seed: 3 },
    );
    assert.ok(
      r1 && r1.outFile === path.join(run, 'derived', 'step_200.perturbed', 'model.json') && r1.mode === 'filter',
      JSON.stringify(r1 && r1.outFile),
    );
    // a hover link carries its arguments as JSON in the command URI: run exactly those
    const doc = await vscode.workspace.openTextDocument(path.join(home, 'train.py'));
    const text = await hoverAt(doc, 'step_200');
    const m = /\(command:landscapeLens\.addSpecialNeurons\?([^)]+)\)/.exec(text);
    assert.ok(m, text);
    const args = JSON.parse(decodeURIComponent(m![1])) as unknown[];
    const r2 = await vscode.commands.executeCommand<SpecialNeuronsJobResult>('landscapeLens.addSpecialNeurons', args[0], { lambda: 0.02 });
    assert.ok(
      r2 && r2.added && r2.added.lambda === 0.02 && r2.outFile === path.join(run, 'derived', 'step_200.special', 'model.json'),
      JSON.stringify(r2 && r2.outFile),
    );
  });

  it('Diagnose All Checkpoints of a Run: every checkpoint of the run gets a result (quick)', async () => {
    await vscode.commands.executeCommand('landscapeLens.clearCache');
    const n = await vscode.commands.executeCommand<number>('landscapeLens.diagnoseRun', vscode.Uri.file(run), 'quick');
    const theRun = (await api.tree.getRuns()).find(x => x.dir === run)!;
    assert.strictEqual(n, theRun.checkpoints.length, `${n} of ${theRun.checkpoints.length}`);
    for (const c of theRun.checkpoints) assert.ok(api.service.resultFor(c.path)?.result.hessian?.top[0], `${c.path} diagnosed with λ_max`);
  });
});
