/**
 * Issue 24's honest flags and attached logs: the evaluated loss against the logged training loss
 * (flagged above 3×, with the likely cause), a folded export diagnosed alone (the real torch.onnx.export
 * default export of test/fixtures/pytorch-exports), a loss that does not fit the targets (mse on class labels
 * → ce), and a training log above or named by a run attached to it instead of a run of its own.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lossCheck, LOSS_MISMATCH_FACTOR } from '../../src/core/diagnostics/lossMismatch';
import { foldedExport } from '../../src/core/diagnostics/foldedExport';
import { lossAdvice } from '../../src/core/lossAdvice';
import { trainingLossTag, valueAtStep } from '../../src/core/logs/loggedLoss';
import { discoverRuns, refreshRun, runSeries } from '../../src/core/logs/runs';
import { readCheckpoint } from '../../src/core/formats';
import { diagnose } from '../../src/core/diagnose';
import { preset } from '../../src/core/diagnostics/registry';
import { initBackend } from '../../src/core/backend';
import { flagsOf } from '../../src/shared/headline';
import { renderDiagnose } from '../../src/cli/format';
import { AttachedLogs } from '../../src/extension/attachedLogs';

const ROOT = path.resolve(__dirname, '../../..');
const FX = path.join(ROOT, 'test/fixtures/pytorch-exports');
const logged = (value: number, points = 1) => ({ value, step: 500, from: 500, to: 500, points, tag: 'loss', file: '/p/train_log.csv' });
const evalInfo = (bn: number, dropout = 0) => ({ batchNormLayers: bn, dropoutLayers: dropout, n: 1024, total: 1024 });

describe('honest flags: the evaluated loss against the logged training loss', () => {
  it("ShuffleNet's 113.7 against a logged 1.83 (62×) with BatchNorm: flagged, BatchNorm statistics first, the remedy stated", () => {
    const c = lossCheck(113.7, logged(1.83), evalInfo(49))!;
    assert.ok(c.flagged && Math.abs(c.ratio - 113.7 / 1.83) < 1e-9);
    assert.match(c.text, /62\.1× above the logged training loss 1\.83 .*flagged above 3×\): likely BatchNorm statistics/);
    assert.match(c.option, /inference mode only.*update_bn/);
    assert.ok(c.causes.some(x => /different data sample/.test(x)));
  });

  it('within 3× is not flagged (either way); below with dropout names dropout', () => {
    assert.strictEqual(LOSS_MISMATCH_FACTOR, 3);
    assert.strictEqual(lossCheck(2.9, logged(1), evalInfo(2))!.flagged, false);
    assert.strictEqual(lossCheck(1, logged(2.9), evalInfo(2))!.flagged, false);
    const d = lossCheck(0.1, logged(0.5), evalInfo(0, 2))!;
    assert.ok(d.flagged);
    assert.match(d.text, /5× below .*likely dropout/);
    assert.strictEqual(lossCheck(NaN, logged(1), evalInfo(0)), undefined);
  });

  it('the logged value: the training-loss tag, the mean of the points in [step − 5 %, step] (at most 20)', () => {
    assert.strictEqual(trainingLossTag(['step', 'lr', 'val_loss', 'train_loss']), 'train_loss');
    assert.strictEqual(trainingLossTag(['val_loss', 'my_loss']), 'my_loss');
    assert.strictEqual(trainingLossTag(['val_loss', 'test_loss']), undefined);
    const steps = Array.from({ length: 100 }, (_, i) => i * 10);
    const v = valueAtStep(
      steps,
      steps.map(s => s / 10),
      500,
    )!;
    assert.deepStrictEqual([v.from, v.to, v.points, v.value], [480, 500, 3, 49]);
    assert.strictEqual(valueAtStep(steps, steps, 5000), undefined, 'no point near the step');
  });
});

describe('honest flags: folded export, loss advice', () => {
  it('the default torch.onnx.export (BatchNorm folded into the convolutions) alone is flagged; the PRESERVE export is not', () => {
    const folded = readCheckpoint(path.join(FX, 'cnn_init/opset17_evalfused.onnx'));
    const f = foldedExport(folded)!;
    assert.ok(f, 'flagged');
    assert.match(f.text, /not the training parameters/);
    assert.strictEqual(foldedExport(readCheckpoint(path.join(FX, 'cnn_init/opset17_unfold.onnx'))), undefined);
    assert.strictEqual(foldedExport(readCheckpoint(path.join(FX, 'cnn_init/opset17_fold.onnx'))), undefined, 'BatchNorm kept');
  });

  it('mse on integer class labels suggests ce; ce on regression values suggests mse; fitting losses say nothing', () => {
    const labels = { kind: 'labels' as const, data: new Int32Array([0, 3, 1]), numClasses: 4 };
    assert.match(lossAdvice('mse', true, labels, 4)!, /integer class labels \(4 classes\) but the loss is mse \(requested\).*use loss ce/);
    assert.match(lossAdvice('bce', true, labels)!, /use loss ce/);
    assert.strictEqual(lossAdvice('ce', true, labels), undefined);
    const reg = { kind: 'values' as const, data: new Float32Array([0.3, -2, 5.5]), shape: [3, 1] };
    assert.match(lossAdvice('ce', true, reg)!, /not class probabilities.*use loss mse/);
    const probs = { kind: 'values' as const, data: new Float32Array([0, 1, 0.25, 0.75]), shape: [2, 2] };
    assert.strictEqual(lossAdvice('ce', true, probs), undefined);
    assert.strictEqual(lossAdvice('mse', false, reg), undefined);
  });
});

describe('attached logs and the check in a real diagnosis', () => {
  let tmp: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-honest-'));
    await initBackend('cpu');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("a train_log.csv above the run is attached to it (one run, the user's log at full resolution beside the helper's)", () => {
    const p = path.join(tmp, 'project');
    const run = path.join(p, 'runs', 'train');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(
      path.join(p, 'train_log.csv'),
      'step,loss\n' + Array.from({ length: 600 }, (_, i) => `${i + 1},${1 / (i + 1)}`).join('\n') + '\n',
    );
    fs.writeFileSync(path.join(run, 'metrics.csv'), 'step,loss\n500,0.002\n');
    fs.copyFileSync(path.join(FX, 'cnn_init/opset17_unfold.onnx'), path.join(run, 'model.step_500.onnx'));
    const runs = discoverRuns(p);
    assert.strictEqual(runs.length, 1, runs.map(r => r.name).join(', '));
    assert.strictEqual(runs[0].dir, run);
    assert.deepStrictEqual(runs[0].attached, [{ file: path.join(p, 'train_log.csv'), how: 'folder above' }]);
    refreshRun(runs[0]);
    const s = runSeries(runs[0]).filter(x => x.tag === 'loss');
    assert.deepStrictEqual(s.map(x => [path.basename(x.file), x.steps.length]).sort(), [
      ['metrics.csv', 1],
      ['train_log.csv', 600],
    ]);
  });

  it('run.json names a log elsewhere in the folder: attached; a log outside the root is not', () => {
    const p = path.join(tmp, 'named');
    const run = path.join(p, 'runs', 'a');
    const other = path.join(p, 'logs');
    fs.mkdirSync(run, { recursive: true });
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'log.jsonl'), '{"step": 1, "loss": 2}\n');
    fs.writeFileSync(path.join(other, 'ckpt_note.csv'), 'step,loss\n1,1\n');
    fs.copyFileSync(path.join(FX, 'cnn_init/opset17_unfold.onnx'), path.join(run, 'model.step_1.onnx'));
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ logs: ['../../logs/log.jsonl', '../../../outside.csv'] }));
    fs.writeFileSync(path.join(tmp, 'outside.csv'), 'step,loss\n1,1\n');
    const runs = discoverRuns(p);
    const a = runs.find(r => r.dir === run)!;
    assert.deepStrictEqual(a.attached, [{ file: path.join(other, 'log.jsonl'), how: 'run.json' }]);
    assert.ok(
      runs.some(r => r.dir === other && r.logs.length === 1),
      'the other log keeps its run',
    );
  });

  it('diagnose() compares with the logged loss: a log 10× below the evaluated loss is flagged in the result, the notices, flagsOf and the CLI text', async () => {
    const run = path.join(tmp, 'mlp-run');
    const ck = path.join(run, 'step_500');
    fs.mkdirSync(ck, { recursive: true });
    for (const f of ['model.json', 'group1-shard1of1.bin']) fs.copyFileSync(path.join(ROOT, 'examples/mlp', f), path.join(ck, f));
    const base = { checkpoint: path.join(ck, 'model.json'), data: path.join(ROOT, 'examples/mlp/data.npz'), ...preset('quick') };
    fs.writeFileSync(path.join(run, 'train_log.csv'), 'step,loss\n500,1\n');
    const probe = await diagnose(base);
    assert.ok(probe.lossCheck, 'a logged loss at step 500 was found');
    const L = probe.loss;
    fs.writeFileSync(path.join(run, 'train_log.csv'), `step,loss\n490,${L}\n500,${L * 1.2}\n`);
    const ok = await diagnose(base);
    assert.strictEqual(ok.lossCheck!.flagged, false);
    assert.strictEqual(ok.lossCheck!.logged.points, 2);
    assert.deepStrictEqual(flagsOf(ok), []);
    fs.writeFileSync(path.join(run, 'train_log.csv'), `step,loss\n500,${L / 10}\n`);
    const bad = await diagnose(base);
    assert.ok(bad.lossCheck!.flagged && Math.abs(bad.lossCheck!.ratio - 10) < 1e-6);
    assert.ok(bad.notices.some(n => /10× above the logged training loss/.test(n)));
    assert.match(flagsOf(bad)[0], /10× above/);
    assert.match(renderDiagnose(bad), /check\s+evaluated loss .* 10× above/);
  });

  it('a log the user attached to the run from elsewhere (Attach Training Log to Run…) is compared too: runLogs, and the deepest attached run of a checkpoint', async () => {
    const run = path.join(tmp, 'attached-run');
    const ck = path.join(run, 'step_500');
    fs.mkdirSync(ck, { recursive: true });
    for (const f of ['model.json', 'group1-shard1of1.bin']) fs.copyFileSync(path.join(ROOT, 'examples/mlp', f), path.join(ck, f));
    const logs = path.join(tmp, 'elsewhere', 'logs');
    fs.mkdirSync(logs, { recursive: true });
    const base = { checkpoint: path.join(ck, 'model.json'), data: path.join(ROOT, 'examples/mlp/data.npz'), ...preset('quick') };
    const alone = await diagnose(base);
    assert.strictEqual(alone.lossCheck, undefined, 'no log in or above the run: nothing to compare');
    const log = path.join(logs, 'my_training.csv');
    fs.writeFileSync(log, `step,loss\n500,${alone.loss / 10}\n`);
    // the extension's state: this log attached to the run (and another run attached above it, which must not win)
    const state = new Map<string, unknown>();
    const attached = new AttachedLogs({
      get: <T>(k: string) => state.get(k) as T | undefined,
      update: async (k, v) => void state.set(k, v),
    });
    await attached.attach(tmp, path.join(logs, 'unrelated.csv'));
    await attached.attach(run, log);
    const runLogs = attached.forCheckpoint(base.checkpoint);
    assert.deepStrictEqual(runLogs, { dir: path.resolve(run), files: [path.resolve(log)] });
    assert.strictEqual(attached.forCheckpoint(path.join(tmp, 'elsewhere', 'model.onnx'))?.dir, path.resolve(tmp));
    assert.strictEqual(attached.forCheckpoint('/nowhere/model.onnx'), undefined);
    const bad = await diagnose({ ...base, runLogs });
    assert.ok(bad.lossCheck?.flagged, 'the attached log is compared');
    assert.strictEqual(bad.lossCheck.logged.file, path.resolve(log));
    assert.ok(Math.abs(bad.lossCheck.ratio - 10) < 1e-6);
    assert.deepStrictEqual(fs.readdirSync(logs).sort(), ['my_training.csv'], 'no user file written');
  });
});
