/**
 * Runs made of checkpoints only: the architecture file of weights-only checkpoints (a PyTorch export's
 * model.onnx) is the run's metadata — not listed as a checkpoint — and logs/runs.ts architectureFor finds
 * the same file as the reader's pairing rule (formats/index.ts siblingArchitecture) on every layout here.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { architectureFor, discoverRuns, isArchitectureFile, previousCheckpoint, type RunCheckpoint } from '../../src/core/logs/runs';
import { siblingArchitecture } from '../../src/core/formats/index';

describe('runs: the architecture is run metadata, not a checkpoint', () => {
  let tmp: string;
  const touch = (...files: string[]): void => {
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.writeFileSync(path.join(tmp, f), f.endsWith('.csv') ? 'step,loss\n1,0.5\n' : 'x');
    }
  };
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-arch-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('architectureFor = siblingArchitecture on each layout', () => {
    touch(
      'a/model.onnx',
      'a/model.step_500.pt',
      'a/model.step_1000.pt',
      'b/model_step500.pt',
      'b/model.onnx',
      'c/net.onnx',
      'c/net.pt',
      'c/model.onnx',
      'd/weights.safetensors',
      'e/ckpt_3.pt',
    );
    for (const f of ['a/model.step_500.pt', 'b/model_step500.pt', 'c/net.pt', 'd/weights.safetensors', 'e/ckpt_3.pt']) {
      const p = path.join(tmp, f);
      assert.strictEqual(architectureFor(p), siblingArchitecture(p), f);
    }
    assert.strictEqual(architectureFor(path.join(tmp, 'c/net.pt')), path.join(tmp, 'c/net.onnx'));
    assert.strictEqual(architectureFor(path.join(tmp, 'b/model_step500.pt')), path.join(tmp, 'b/model.onnx'));
    assert.strictEqual(architectureFor(path.join(tmp, 'd/weights.safetensors')), undefined);
    assert.ok(isArchitectureFile(path.join(tmp, 'a/model.onnx')));
    assert.ok(isArchitectureFile(path.join(tmp, 'c/net.onnx')));
    assert.ok(!isArchitectureFile(path.join(tmp, 'c/model.onnx')), 'c/net.pt pairs with net.onnx: model.onnx is a checkpoint of its own');
  });

  it('a run: checkpoints by step, model.onnx under architectures, an ONNX checkpoint alone stays a checkpoint', () => {
    touch('runs/r/model.onnx', 'runs/r/model.step_1000.pt', 'runs/r/model.step_500.pt', 'runs/r/model.step_2500.pt', 'runs/r/metrics.csv');
    touch('onnx-only/model.onnx');
    const runs = discoverRuns(tmp);
    const r = runs.find(x => x.dir === path.join(tmp, 'runs', 'r'))!;
    assert.deepStrictEqual(r.architectures, [path.join(tmp, 'runs/r/model.onnx')]);
    assert.deepStrictEqual(
      r.checkpoints.map(c => [path.basename(c.path), c.step]),
      [
        ['model.step_500.pt', 500],
        ['model.step_1000.pt', 1000],
        ['model.step_2500.pt', 2500],
      ],
    );
    const alone = runs.find(x => x.dir === path.join(tmp, 'onnx-only'))!;
    assert.deepStrictEqual(
      alone.checkpoints.map(c => path.basename(c.path)),
      ['model.onnx'],
    );
    assert.strictEqual(alone.architectures, undefined);
  });
});

describe('runs: "previous" for a comparison', () => {
  const ck = (p: string, step?: number, derived = false): RunCheckpoint => ({
    path: p,
    step,
    mtimeMs: 0,
    ...(derived ? { derived: { tags: [{ tag: 'special', n: 1 }] } } : {}),
  });
  it('the previous step of the same run and architecture; never a derived checkpoint, never another format', () => {
    const list = [
      ck('/r/model.step_2500.pt', 2500),
      ck('/r/model.step_3000.pt', 3000),
      ck('/r/derived/model.step_3000.special.trained.onnx', 3000, true),
      ck('/r/derived/model.step_2900.perturbed.pt', 2900, true),
      ck('/r/export_2800.onnx', 2800),
      ck('/r/notes.pt'),
    ];
    assert.strictEqual(previousCheckpoint(list, '/r/model.step_3000.pt')?.path, '/r/model.step_2500.pt');
    assert.strictEqual(previousCheckpoint(list, '/r/model.step_2500.pt'), undefined);
    assert.strictEqual(previousCheckpoint(list, '/r/export_2800.onnx'), undefined);
    assert.strictEqual(previousCheckpoint(list, '/r/notes.pt'), undefined);
  });
});
