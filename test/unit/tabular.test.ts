/** CSV and JSONL datasets: same loss as the .npz they were written from; errors name line and column. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDataset } from '../../src/core/data/dataset';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('CSV and JSONL datasets', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-tab-'));
  const cls = loadDataset(path.join(ROOT, 'test/fixtures/onnx/mlp/data.npz'));
  const reg = loadDataset(path.join(ROOT, 'test/fixtures/onnx/regression/data.npz'));
  const d = cls.xShape[1];
  // features written with full float32 precision
  const csv = [['label', ...Array.from({ length: d }, (_, j) => `f${j}`)].join(',')];
  for (let i = 0; i < cls.m; i++) csv.push([cls.y.data[i], ...Array.from(cls.x.subarray(i * d, (i + 1) * d))].join(','));
  fs.writeFileSync(path.join(tmp, 'cls.csv'), csv.join('\n') + '\n');
  const jl: string[] = [];
  for (let i = 0; i < cls.m; i++) jl.push(JSON.stringify({ inputs: Array.from(cls.x.subarray(i * d, (i + 1) * d)), cls: cls.y.data[i] }));
  fs.writeFileSync(path.join(tmp, 'cls.jsonl'), jl.join('\n') + '\n');

  it('read back exactly: features, integer labels, the target column chosen by name', () => {
    const a = loadDataset(path.join(tmp, 'cls.csv'));
    assert.deepStrictEqual(Array.from(a.x), Array.from(cls.x));
    assert.strictEqual(a.y.kind, 'labels');
    assert.deepStrictEqual(Array.from(a.y.data), Array.from(cls.y.data));
    const b = loadDataset(path.join(tmp, 'cls.jsonl'), { xKey: 'inputs', yKey: 'cls' });
    assert.deepStrictEqual(Array.from(b.x), Array.from(cls.x));
  });

  it('the CLI gives the same loss on CSV, JSONL and .npz', () => {
    const run = (data: string, ...extra: string[]) =>
      JSON.parse(
        spawnSync(
          process.execPath,
          [CLI, 'diagnose', path.join(ROOT, 'test/fixtures/onnx/mlp/model.onnx'), '--data', data, '--json', ...extra],
          { encoding: 'utf8' },
        ).stdout,
      ).loss;
    const ref = run(path.join(ROOT, 'test/fixtures/onnx/mlp/data.npz'));
    assert.strictEqual(run(path.join(tmp, 'cls.csv'), '--target', 'label'), ref);
    assert.strictEqual(run(path.join(tmp, 'cls.jsonl'), '--x-key', 'inputs', '--y-key', 'cls'), ref);
  });

  it('float targets stay values; bad cells name line and column', () => {
    const lines = ['a,b,c,target'];
    for (let i = 0; i < 5; i++) lines.push([reg.x[i * 3], reg.x[i * 3 + 1], reg.x[i * 3 + 2], reg.y.data[i * 2]].join(','));
    fs.writeFileSync(path.join(tmp, 'reg.csv'), lines.join('\n'));
    const r = loadDataset(path.join(tmp, 'reg.csv'));
    assert.strictEqual(r.y.kind, 'values');
    fs.writeFileSync(path.join(tmp, 'bad.csv'), 'x1,x2,y\n1,2,0\n3,oops,1\n');
    assert.throws(
      () => loadDataset(path.join(tmp, 'bad.csv')),
      (e: Error & { where?: string }) => /'oops' is not a number/.test(e.message) && e.where === "line 3, column 'x2'",
    );
    fs.writeFileSync(path.join(tmp, 'bad.jsonl'), '{"x":[1,2],"y":0}\n{"x":[1],"y":1}\n');
    assert.throws(() => loadDataset(path.join(tmp, 'bad.jsonl')), /'x' has 1 values, earlier lines 2/);
    assert.throws(() => loadDataset(path.join(tmp, 'cls.csv'), { target: 'nope' }), /no column 'nope'/);
  });
});
