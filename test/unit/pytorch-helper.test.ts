/**
 * The PyTorch export helper (media/pytorch/landscape_lens.py, inserted by *Set Up PyTorch Export*)
 * run by real PyTorch in a small training script (Conv + BatchNorm + bias-free Linear + GELU), and
 * what it writes diagnosed by the CLI: PyTorch's parameter count, and its float64 loss and
 * gradient norm at the last checkpoint; the run folder is one run with its steps and its log.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { discoverRuns } from '../../src/core/logs/runs';

const ROOT = path.resolve(__dirname, '../../..');
const PY = '/usr/bin/python3';
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1' };

const TRAIN = `
import json, sys
import torch, torch.nn as nn, numpy as np
from landscape_lens import LandscapeRun
torch.manual_seed(0)
x = torch.randn(200, 1, 8, 8)
y = (x.mean(dim=(1, 2, 3)) > 0).long() + (x[:, 0, 0, 0] > 0).long()
model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                      nn.Linear(256, 16, bias=False), nn.GELU(), nn.Linear(16, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
run = LandscapeRun("runs/pt", model, example_input=x[:1])
run.save_data(x, y, samples=128)
for step in range(21):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
    if step % 10 == 0:
        run.checkpoint(step, loss=loss.item(), lr=opt.param_groups[0]["lr"])
# float64 reference at the last checkpoint, on the saved sample, in eval mode (running statistics)
m = model.double().eval()
m.load_state_dict({k: (v.double() if v.is_floating_point() else v) for k, v in torch.load("runs/pt/model.step_20.pt").items()})
d = np.load("runs/pt/data.npz")
L = nn.functional.cross_entropy(m(torch.tensor(d["x"]).double()), torch.tensor(d["y"]))
g = torch.autograd.grad(L, list(m.parameters()))
print(json.dumps({"loss": L.item(), "gradNorm": torch.sqrt(sum((t * t).sum() for t in g)).item(), "params": sum(p.numel() for p in m.parameters())}))
`;

describe('PyTorch export helper (landscape_lens.py) run by PyTorch', function () {
  this.timeout(300000);
  let dir: string;
  let ref: { loss: number; gradNorm: number; params: number };

  before(function () {
    if (spawnSync(PY, ['-c', 'import torch, onnx'], { env }).status !== 0) {
      throw new Error(
        `${PY} cannot import torch and onnx: install them with apt-get install python3-torch python3-onnx (npm test provisions them as root)`,
      );
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-pthelper-'));
    fs.copyFileSync(path.join(ROOT, 'media', 'pytorch', 'landscape_lens.py'), path.join(dir, 'landscape_lens.py'));
    fs.writeFileSync(path.join(dir, 'train.py'), TRAIN);
    const r = spawnSync(PY, ['train.py'], { cwd: dir, env, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    ref = JSON.parse(r.stdout.trim().split('\n').pop()!);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the architecture once, a data sample, a checkpoint per call and the metrics log', () => {
    const files = fs.readdirSync(path.join(dir, 'runs', 'pt')).sort();
    assert.deepStrictEqual(files, ['data.npz', 'metrics.csv', 'model.onnx', 'model.step_0.pt', 'model.step_10.pt', 'model.step_20.pt']);
    const csv = fs
      .readFileSync(path.join(dir, 'runs', 'pt', 'metrics.csv'), 'utf8')
      .trim()
      .split('\n');
    assert.deepStrictEqual(csv[0], 'step,loss,lr');
    assert.strictEqual(csv.length, 4);
  });

  it("the last checkpoint diagnoses to PyTorch's parameter count, float64 loss and gradient norm", () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'dist', 'cli.js'), 'diagnose', path.join(dir, 'runs', 'pt', 'model.step_20.pt'), '--json'],
      { encoding: 'utf8' },
    );
    assert.strictEqual(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    assert.strictEqual(res.params, ref.params);
    assert.ok(Math.abs(res.loss - ref.loss) / ref.loss < 1e-5, `loss ${res.loss} vs PyTorch float64 ${ref.loss}`);
    assert.ok(Math.abs(res.gradNorm - ref.gradNorm) / ref.gradNorm < 1e-4, `‖g‖ ${res.gradNorm} vs PyTorch float64 ${ref.gradNorm}`);
    assert.ok(
      res.notices.some((n: string) => /weights from model\.step_20\.pt/.test(n)),
      res.notices.join('\n'),
    );
  });

  it('the run folder is one run: checkpoints at their steps and the metrics log', () => {
    const runs = discoverRuns(path.join(dir, 'runs'));
    assert.strictEqual(runs.length, 1);
    const steps = runs[0].checkpoints
      .filter(c => c.path.endsWith('.pt'))
      .map(c => c.step)
      .sort((a, b) => a! - b!);
    assert.deepStrictEqual(steps, [0, 10, 20]);
    assert.strictEqual(runs[0].logs.length, 1);
  });

  it('never overwrites a checkpoint', () => {
    const r = spawnSync(
      PY,
      [
        '-c',
        'import torch, torch.nn as nn\nfrom landscape_lens import LandscapeRun\nm = nn.Linear(2, 1)\nLandscapeRun("runs/pt", m, torch.zeros(1, 2)).checkpoint(20)',
      ],
      { cwd: dir, env, encoding: 'utf8' },
    );
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /FileExistsError: .*model\.step_20\.pt exists/);
  });
});
