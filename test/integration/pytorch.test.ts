/**
 * Integration, as a PyTorch user's story in the real extension host: a plain training script that saves
 * `torch.save(model.state_dict(), ...)` is run by real PyTorch; its weights-only checkpoints ask for the
 * architecture first (not for data, no CLI flags); *Set Up PyTorch Export* edits the script (the same edit
 * the unit suite checks on five styles) and the script, run again unchanged, writes a run whose tree lists
 * only checkpoints, ordered by step, with model.onnx as the run's architecture; the last checkpoint is
 * diagnosed as PyTorch float64 computes it. The helper is never overwritten when a different one is there.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { execFile, spawnSync } from 'child_process';
import type { LandscapeApi } from '../../src/extension/extension';
import { EXT_ID, queueIdle, suiteFolder, until } from './util';

const PY = '/usr/bin/python3';
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1' };

/** PyTorch float64 at a checkpoint of the run (the model is the script's: Linear 10→16, ReLU, Linear 16→2). */
const REFERENCE = `
import json, sys, numpy as np, torch, torch.nn as nn
m = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 2)).double()
m.load_state_dict({k: v.double() for k, v in torch.load(sys.argv[1]).items()})
d = np.load(sys.argv[2])
L = nn.functional.cross_entropy(m(torch.tensor(d["x"]).double()), torch.tensor(d["y"]))
g = torch.autograd.grad(L, list(m.parameters()))
print(json.dumps({"loss": L.item(), "gradNorm": torch.sqrt(sum((t * t).sum() for t in g)).item()}))
`;

/** Runs Python without blocking the extension host (the tests run in it). */
function py(args: string[], cwd?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise(resolve =>
    execFile(PY, args, { cwd, env, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

interface SetupResult {
  helper: string;
  written: boolean;
  inserted: boolean;
  reason?: string;
  notes?: string[];
  placeholders?: { line: number; what: string }[];
  runDir?: string;
}

describe('Set Up PyTorch Export: from torch.save(state_dict) to verdicts', function () {
  this.timeout(300000);
  let api: LandscapeApi;
  let dir: string;
  let script: vscode.Uri;
  let shipped: string;
  let original: string;

  before(async function () {
    if (spawnSync(PY, ['-c', 'import torch, onnx'], { env }).status !== 0) throw new Error(`${PY} cannot import torch and onnx`);
    const ext = vscode.extensions.getExtension<LandscapeApi>(EXT_ID)!;
    api = await ext.activate();
    shipped = fs.readFileSync(path.join(ext.extensionPath, 'media', 'pytorch', 'landscape_lens.py'), 'utf8');
    original = fs.readFileSync(path.join(ext.extensionPath, 'test', 'fixtures', 'pytorch-scripts', 'saves_state_dict.py'), 'utf8');
    dir = await suiteFolder('pytorch');
    script = vscode.Uri.file(path.join(dir, 'train.py'));
    fs.writeFileSync(script.fsPath, original);
  });
  after(async () => {
    if (api) await queueIdle(api);
  });

  it('a weights-only checkpoint asks for the architecture first, with its buttons, and no CLI flag', async () => {
    const r = await py([script.fsPath], dir);
    assert.strictEqual(r.status, 0, r.stderr);
    const ckpt = path.join(dir, 'checkpoints', 'model_step100.pt');
    assert.ok(fs.existsSync(ckpt));
    const res = await api.diagnose(vscode.Uri.file(ckpt), { silent: true, mode: 'quick' });
    assert.strictEqual(res, undefined);
    const failure = api.service.failureFor(ckpt)!;
    assert.ok(failure, 'the checkpoint has a failure');
    assert.strictEqual(failure.need, 'architecture');
    assert.match(failure.message, /model_step100\.pt holds weights only \(a PyTorch state dict\) and there is no architecture/);
    assert.doesNotMatch(failure.message, /--data|no dataset/);
    fs.writeFileSync(path.join(dir, 'load.py'), 'import torch\nsd = torch.load("checkpoints/model_step100.pt")\n');
    const hover = api.hover.provideHover(await vscode.workspace.openTextDocument(path.join(dir, 'load.py')), new vscode.Position(1, 22));
    const md = (hover?.contents ?? []).map(c => (c as vscode.MarkdownString).value).join('\n');
    assert.match(md, /Set Up PyTorch Export\]\(command:landscapeLens\.setupPytorchExport/, md);
    assert.match(md, /Pick the Architecture…\]\(command:landscapeLens\.pickArchitecture/, md);
  });

  it('Set Up PyTorch Export edits the script: import at the top, set-up after the model, the step call in the loop', async () => {
    const r = await vscode.commands.executeCommand<SetupResult>('landscapeLens.setupPytorchExport', script, { apply: true });
    assert.ok(r, 'the command returned');
    assert.strictEqual(r.helper, path.join(dir, 'landscape_lens.py'));
    assert.deepStrictEqual([r.written, r.inserted, r.reason, r.placeholders], [true, true, undefined, []]);
    assert.strictEqual(fs.readFileSync(r.helper, 'utf8'), shipped);
    assert.ok(
      r.notes!.some(n => /torch\.save\(\.\.\.state_dict\(\)\) at line 20/.test(n)),
      r.notes!.join('\n'),
    );
    const lines = fs.readFileSync(script.fsPath, 'utf8').split('\n');
    assert.strictEqual(lines[4], 'from landscape_lens import LandscapeRun', lines.join('\n'));
    assert.ok(
      lines.indexOf('landscape_run = LandscapeRun("runs/train", model, every=10)') > lines.findIndex(l => l.startsWith('model = ')),
    );
    assert.ok(lines.includes('    landscape_run.step(data[batch], target[batch], loss=loss, lr=optimizer.param_groups[0]["lr"])'));
    assert.deepStrictEqual(
      lines.filter(l => !/LandscapeRun|landscape_run/.test(l)),
      original.split('\n'),
      'every line of the script is kept',
    );
    const again = await vscode.commands.executeCommand<SetupResult>('landscapeLens.setupPytorchExport', script, { apply: true });
    assert.strictEqual(again.reason, 'already set up');
  });

  it('the edited script runs unchanged; the run lists checkpoints only, by step; the last one is PyTorch float64', async () => {
    const r = await py([script.fsPath], dir);
    assert.strictEqual(r.status, 0, r.stderr);
    const runDir = path.join(dir, 'runs', 'train');
    const run = await until('the run in the tree', async () => (await api.tree.rescan()).find(x => x.dir === runDir), 60000);
    assert.deepStrictEqual(run.architectures, [path.join(runDir, 'model.onnx')]);
    assert.deepStrictEqual(
      run.checkpoints.map(c => [path.basename(c.path), c.step]),
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map(s => [`model.step_${s}.pt`, s]),
    );
    assert.ok(
      run.logs.some(l => l.file === path.join(runDir, 'metrics.csv')),
      'the per-step log is part of the run',
    );
    const last = path.join(runDir, 'model.step_100.pt');
    const res = await api.diagnose(vscode.Uri.file(last), { silent: true, mode: 'quick' });
    assert.ok(res, `diagnosed: ${api.service.failureFor(last)?.message}`);
    const ref = JSON.parse((await py(['-c', REFERENCE, last, path.join(runDir, 'data.npz')])).stdout.trim().split('\n').pop()!) as {
      loss: number;
      gradNorm: number;
    };
    assert.strictEqual(res.params, 10 * 16 + 16 + 16 * 2 + 2);
    assert.ok(Math.abs(res.loss - ref.loss) / ref.loss < 1e-5, `loss ${res.loss} vs PyTorch float64 ${ref.loss}`);
    assert.ok(Math.abs(res.gradNorm - ref.gradNorm) / ref.gradNorm < 1e-4, `‖g‖ ${res.gradNorm} vs PyTorch float64 ${ref.gradNorm}`);
  });

  it('Compare With Previous picks the previous step; a failed comparison never marks the checkpoint failed', async () => {
    const runDir = path.join(dir, 'runs', 'train');
    const last = vscode.Uri.file(path.join(runDir, 'model.step_100.pt'));
    const r = await vscode.commands.executeCommand<{ slices?: { kind?: string; other?: string }[] }>('landscapeLens.comparePrevious', last);
    assert.ok(r, 'compared');
    const interp = (r.slices ?? []).filter(s => s.kind === 'interp').map(s => path.resolve(s.other ?? ''));
    assert.ok(interp.includes(path.join(runDir, 'model.step_90.pt')), `interpolation to step 90: ${interp.join(', ')}`);
    // the weights-only checkpoint without an architecture cannot be compared with: the error is the comparison's
    await vscode.commands
      .executeCommand('landscapeLens.compareWith', last, path.join(dir, 'checkpoints', 'model_step100.pt'))
      .then(undefined, () => undefined);
    await queueIdle(api);
    assert.strictEqual(api.service.failureFor(last.fsPath), undefined, 'the checkpoint is not marked failed');
  });

  it('a different landscape_lens.py already there is never overwritten', async () => {
    const mine = '# my own landscape_lens.py\n';
    fs.writeFileSync(path.join(dir, 'landscape_lens.py'), mine);
    const other = await vscode.commands.executeCommand<SetupResult>('landscapeLens.setupPytorchExport', vscode.Uri.file(dir));
    assert.strictEqual(other.written, false);
    assert.match(other.reason ?? '', /already exists .* not changed/);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'landscape_lens.py'), 'utf8'), mine);
  });
});
