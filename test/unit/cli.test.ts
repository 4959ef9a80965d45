import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FX = path.join(ROOT, 'test/fixtures/tfjs');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000 });
}

describe('landscape CLI (built bundle dist/cli.js)', function () {
  this.timeout(120000);
  before(function () { if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`); });

  it('diagnose --json prints one JSON object with the documented fields', () => {
    const r = cli('diagnose', path.join(FX, 'mlp-regression/model.json'), '--data', path.join(FX, 'mlp-regression/data.npz'), '--json');
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of ['checkpoint', 'format', 'backend', 'params', 'samples', 'loss', 'gradNorm']) assert.ok(k in j, k);
    assert.strictEqual(typeof j.timings.totalMs, 'number');
    const producer = JSON.parse(fs.readFileSync(path.join(FX, 'mlp-regression/producer.json'), 'utf8')).value;
    assert.ok(Math.abs(j.loss - producer) / producer < 1e-5, `${j.loss} vs tfjs-layers ${producer}`);
  });

  it('human mode prints a table', () => {
    const r = cli('diagnose', path.join(FX, 'mlp-sigmoid/model.json'), '--data', path.join(FX, 'mlp-sigmoid/data.npz'), '--backend', 'cpu');
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /gradient norm\s+\d/);
    assert.match(r.stdout, /backend\s+cpu/);
  });

  it('bad input: exit 2 and one line naming the file and the problem', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-cli-'));
    const bad = path.join(dir, 'data.npz');
    fs.writeFileSync(bad, 'not a zip');
    const r = cli('diagnose', path.join(FX, 'mlp-sigmoid/model.json'), '--data', bad);
    assert.strictEqual(r.status, 2);
    assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.includes(bad) && /not a zip archive/.test(r.stderr), r.stderr);
    const missing = cli('diagnose', path.join(dir, 'nope/model.json'), '--data', bad);
    assert.strictEqual(missing.status, 2);
    assert.match(missing.stderr, /checkpoint not found/);
    const badFlag = cli('diagnose', path.join(FX, 'mlp-sigmoid/model.json'), '--data', bad, '--samples', 'many');
    assert.strictEqual(badFlag.status, 2);
  });

  it('--out writes a new file and refuses to overwrite', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-cli-'));
    const out = path.join(dir, 'r.json');
    const a = cli('diagnose', path.join(FX, 'mlp-logits/model.json'), '--data', path.join(FX, 'mlp-logits/data.npz'), '--json', '--out', out);
    assert.strictEqual(a.status, 0, a.stderr);
    assert.strictEqual(JSON.parse(fs.readFileSync(out, 'utf8')).loss, JSON.parse(a.stdout).loss);
    const b = cli('diagnose', path.join(FX, 'mlp-logits/model.json'), '--data', path.join(FX, 'mlp-logits/data.npz'), '--json', '--out', out);
    assert.strictEqual(b.status, 2);
    assert.match(b.stderr, /already exists/);
  });
});
