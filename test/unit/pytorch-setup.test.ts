/**
 * *Set Up PyTorch Export* on six training scripts written in common styles (test/fixtures/pytorch-scripts:
 * a plain loop, a train() function, a Dataset/DataLoader loop, a Lightning-style training_step, a script that
 * already saves state_dicts, mixed precision with gradient accumulation): the same TypeScript edit logic the command uses (src/extension/pytorchSetup.ts
 * over media/pytorch/find_training.py), the edited script run unchanged by real PyTorch, and the last
 * checkpoint it wrote diagnosed by the CLI against PyTorch's float64 loss and gradient norm on the same sample.
 * A script whose targets cannot be found gets a placeholder that stops the run naming the line to edit.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { analyzeScript, checkpointEvery, planSetup, ScriptAnalysis } from '../../src/extension/pytorchSetup';
import { discoverRuns } from '../../src/core/logs/runs';

const ROOT = path.resolve(__dirname, '../../..');
const PY = '/usr/bin/python3';
const FINDER = path.join(ROOT, 'media', 'pytorch', 'find_training.py');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'pytorch-scripts');
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1' };

/** Appended by the test only, after the edit: runs the helper's exit hook, then PyTorch float64 at the last checkpoint. */
const trailer = (stem: string, loss: 'ce' | 'mse', model = 'model'): string => `
import atexit as _ax, copy as _cp, glob as _gl, json as _js, os as _os
import numpy as _np
import torch as _t
_ax._run_exitfuncs()
_d = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "runs", ${JSON.stringify(stem)})
_ck = max(_gl.glob(_d + "/model.step_*.pt"), key=lambda p: int(p.rsplit("_", 1)[1][:-3]))
_m = _cp.deepcopy(${model}).double().eval()
_m.load_state_dict({k: (v.double() if v.is_floating_point() else v) for k, v in _t.load(_ck).items()})
_z = _np.load(_d + "/data.npz")
_o = _m(_t.tensor(_z["x"]).double())
_L = ${loss === 'ce' ? '_t.nn.functional.cross_entropy(_o, _t.tensor(_z["y"]))' : '_t.nn.functional.mse_loss(_o, _t.tensor(_z["y"]).double())'}
_g = _t.autograd.grad(_L, list(_m.parameters()))
print(_js.dumps({"ckpt": _ck, "loss": _L.item(), "gradNorm": _t.sqrt(sum((g * g).sum() for g in _g)).item(),
                 "params": sum(p.numel() for p in _m.parameters())}))
`;

interface Case {
  file: string;
  /** the script's global that holds the trained model (for the reference) */
  model?: string;
  loss: 'ce' | 'mse';
  /** lines the edit must contain (exact, with indentation) */
  expect: string[];
  steps: number[];
}

const CASES: Case[] = [
  {
    file: 'plain_loop.py',
    loss: 'ce',
    expect: [
      'landscape_run = LandscapeRun("runs/plain_loop", model, every=10)',
      '    landscape_run.step(inputs, labels, loss=loss, lr=opt.param_groups[0]["lr"])',
    ],
    steps: [10, 20, 30, 40, 50, 60],
  },
  {
    file: 'train_function.py',
    loss: 'mse',
    expect: [
      '    landscape_run = LandscapeRun("runs/train_function", net, every=5)',
      '        landscape_run.step(X[i : i + 32], Y[i : i + 32], loss=loss, lr=optimizer.param_groups[0]["lr"])',
    ],
    steps: [5, 10, 15, 20, 25, 30, 35, 40],
  },
  {
    file: 'dataloader_loop.py',
    loss: 'ce',
    expect: [
      'landscape_run = LandscapeRun("runs/dataloader_loop", model, every=500)',
      '        landscape_run.step(xb, yb, loss=loss, lr=optimizer.param_groups[0]["lr"])',
    ],
    steps: [80],
  },
  {
    file: 'lightning_style.py',
    loss: 'ce',
    expect: ['        LandscapeRun.of(self, "runs/lightning_style", every=500).step(x, y, loss=loss)'],
    steps: [20],
  },
  {
    file: 'saves_state_dict.py',
    loss: 'ce',
    expect: [
      'landscape_run = LandscapeRun("runs/saves_state_dict", model, every=10)',
      '    landscape_run.step(data[batch], target[batch], loss=loss, lr=optimizer.param_groups[0]["lr"])',
    ],
    steps: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  },
  {
    file: 'amp_accumulation.py',
    model: 'm',
    loss: 'ce',
    expect: [
      '    landscape_run = LandscapeRun("runs/amp_accumulation", m, every=500)',
      '            landscape_run.step(inputs, targets, loss=l, lr=opt.param_groups[0]["lr"])',
    ],
    steps: [12],
  },
];

describe('Set Up PyTorch Export on six training-script styles, run by PyTorch', function () {
  this.timeout(600000);
  let tmp: string;

  before(function () {
    if (spawnSync(PY, ['-c', 'import torch, onnx'], { env }).status !== 0) throw new Error(`${PY} cannot import torch and onnx`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-ptsetup-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('checkpoint interval: about six checkpoints, round numbers', () => {
    assert.deepStrictEqual([null, 3000, 60, 40, 100, 5, 7].map(checkpointEvery), [500, 500, 10, 5, 10, 1, 1]);
  });

  for (const c of CASES) {
    it(`${c.file}: edited, run unchanged, every checkpoint at its step, the last one diagnosed as PyTorch float64`, async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'case-'));
      const script = path.join(dir, c.file);
      const source = fs.readFileSync(path.join(FIXTURES, c.file), 'utf8');
      fs.writeFileSync(script, source);
      fs.copyFileSync(path.join(ROOT, 'media', 'pytorch', 'landscape_lens.py'), path.join(dir, 'landscape_lens.py'));
      const a = await analyzeScript(PY, FINDER, script);
      const plan = planSetup(source, a, script);
      assert.deepStrictEqual(plan.placeholders, [], plan.text);
      const lines = plan.text.split('\n');
      for (const e of c.expect) assert.ok(lines.includes(e), `expected line ${JSON.stringify(e)} in\n${plan.text}`);
      // the import sits with the leading imports, before any other statement
      const imp = lines.indexOf('from landscape_lens import LandscapeRun');
      assert.strictEqual(imp, a.importAfter, plan.text);
      assert.match(lines[imp - 1], /^(import|from) /);
      // every original line is kept, in order
      const kept = lines.filter(l => !/LandscapeRun|landscape_run/.test(l));
      assert.deepStrictEqual(kept, source.split('\n'));
      // run the edited script from another folder (the run folder is relative to the script)
      fs.writeFileSync(script, plan.text + trailer(c.file.replace(/\.py$/, ''), c.loss, c.model));
      const r = spawnSync(PY, [script], { cwd: tmp, env, encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr);
      const ref = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ckpt: string; loss: number; gradNorm: number; params: number };
      const runDir = path.join(dir, 'runs', c.file.replace(/\.py$/, ''));
      const files = fs.readdirSync(runDir);
      for (const f of ['model.onnx', 'data.npz', 'metrics.csv']) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
      const runs = discoverRuns(path.join(dir, 'runs'));
      assert.strictEqual(runs.length, 1);
      // the architecture is the run's metadata, not a checkpoint; checkpoints come ordered by step
      assert.deepStrictEqual(runs[0].architectures, [path.join(runDir, 'model.onnx')]);
      assert.deepStrictEqual(
        runs[0].checkpoints.map(k => [path.basename(k.path), k.step]),
        c.steps.map(n => [`model.step_${n}.pt`, n]),
      );
      const csv = fs.readFileSync(path.join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
      assert.strictEqual(csv.length, 1 + c.steps[c.steps.length - 1], 'one metrics row per step');
      if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js')))
        throw new Error('dist/cli.js missing: npx webpack --mode production --config-name engine');
      const d = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'diagnose', ref.ckpt, '--json'], { encoding: 'utf8' });
      assert.strictEqual(d.status, 0, d.stderr);
      const res = JSON.parse(d.stdout) as { params: number; loss: number; gradNorm: number };
      assert.strictEqual(res.params, ref.params);
      assert.ok(Math.abs(res.loss - ref.loss) / ref.loss < 1e-5, `loss ${res.loss} vs PyTorch float64 ${ref.loss}`);
      assert.ok(Math.abs(res.gradNorm - ref.gradNorm) / ref.gradNorm < 1e-4, `‖g‖ ${res.gradNorm} vs PyTorch float64 ${ref.gradNorm}`);
    });
  }

  it('a name it cannot find becomes a placeholder that stops the script at the line it names', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'fill-'));
    const script = path.join(dir, 'custom.py');
    const source = [
      'import torch',
      'net = torch.nn.Linear(3, 1)',
      'optimizer = torch.optim.SGD(net.parameters(), lr=0.1)',
      'for _ in range(5):',
      '    loss = net(torch.randn(8, 3)).pow(2).mean()',
      '    optimizer.zero_grad()',
      '    loss.backward()',
      '    optimizer.step()',
      '',
    ].join('\n');
    fs.writeFileSync(script, source);
    fs.copyFileSync(path.join(ROOT, 'media', 'pytorch', 'landscape_lens.py'), path.join(dir, 'landscape_lens.py'));
    const a: ScriptAnalysis = await analyzeScript(PY, FINDER, script);
    const plan = planSetup(source, a, script);
    assert.deepStrictEqual(plan.placeholders, [{ line: 11, what: "the batch's targets" }]);
    fs.writeFileSync(script, plan.text);
    const r = spawnSync(PY, [script], { cwd: dir, env, encoding: 'utf8' });
    assert.notStrictEqual(r.status, 0);
    assert.match(
      r.stderr,
      /NotImplementedError: Landscape Lens: edit custom\.py line 11: replace LandscapeRun\.fill_in\("the batch's targets"\)/,
    );
    assert.ok(!fs.existsSync(path.join(dir, 'runs', 'custom', 'model.step_5.pt')), 'nothing silently written');
  });

  it('a script already set up is recognised; a syntax error is reported, not edited', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'again-'));
    const done = path.join(dir, 'done.py');
    fs.writeFileSync(done, 'from landscape_lens import LandscapeRun\nimport torch\n');
    assert.strictEqual((await analyzeScript(PY, FINDER, done)).alreadySetUp, true);
    const bad = path.join(dir, 'bad.py');
    fs.writeFileSync(bad, 'for x in range(3)\n    pass\n');
    assert.match((await analyzeScript(PY, FINDER, bad)).syntaxError ?? '', /line 1/);
  });
});
