/**
 * Weights-only formats and `landscape inspect`: safetensors and PyTorch state dicts (written by
 * PyTorch 1.13) read to the producer's own sums and norms; a .pt carrying code is refused without
 * running it; weights + a same-stem ONNX architecture diagnose to PyTorch's loss; inspect on every
 * format; bad input; fuzzing.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { readSafetensors } from '../../src/core/formats/safetensors';
import { readPytorchStateDict } from '../../src/core/formats/pytorch';
import { inspectFile } from '../../src/core/inspect';
import { isUserInputError } from '../../src/core/errors';
import { mutate } from './reference/mutate';
import { scaled } from '../harness/speed';

const ROOT = path.resolve(__dirname, '../../..');
const FX = path.join(ROOT, 'test/fixtures/onnx');
const producer = JSON.parse(fs.readFileSync(path.join(FX, 'producer.json'), 'utf8'));
const CLI = path.join(ROOT, 'dist', 'cli.js');

function checkAgainstProducer(tensors: { name: string; shape: number[]; values: ArrayLike<number> }[]): void {
  assert.deepStrictEqual(
    tensors.map(t => t.name),
    Object.keys(producer.weights),
  );
  for (const t of tensors) {
    const p = producer.weights[t.name];
    assert.deepStrictEqual(t.shape, p.shape);
    let s = 0,
      q = 0;
    for (let i = 0; i < t.values.length; i++) {
      s += t.values[i];
      q += t.values[i] ** 2;
    }
    assert.ok(Math.abs(s - p.sum) <= 1e-5 * Math.max(1, Math.abs(p.sum)), `${t.name} sum ${s} vs ${p.sum}`);
    assert.ok(Math.abs(Math.sqrt(q) - p.l2) <= 1e-6 * p.l2, `${t.name} l2`);
  }
}

describe('weights-only formats', function () {
  this.timeout(scaled(120000)); // its fuzz tests catch a hang by the timeout, scaled by the machine's load
  it("safetensors: every tensor equals PyTorch's", () =>
    checkAgainstProducer(readSafetensors(path.join(FX, 'mlp/model.safetensors')).tensors));
  it("PyTorch .pt state dict (zip + restricted pickle): every tensor equals PyTorch's", () =>
    checkAgainstProducer(readPytorchStateDict(path.join(FX, 'mlp/weights.pt'), fs.readFileSync(path.join(FX, 'mlp/weights.pt')))));

  it('a .pt whose pickle calls os.system is refused by name, and nothing runs', () => {
    assert.throws(
      () => readPytorchStateDict('evil.pt', fs.readFileSync(path.join(FX, 'evil.pt'))),
      (e: Error) => isUserInputError(e) && /refusing pickle global '(posix|os|nt)\.system'/.test(e.message),
    );
    const r = spawnSync(process.execPath, [CLI, 'inspect', path.join(FX, 'evil.pt')], { encoding: 'utf8' });
    assert.strictEqual(r.status, 2);
    assert.ok(!r.stdout.includes('pwned') && !r.stderr.includes('pwned'));
  });

  it("the legacy (non-zip) torch.save format: every tensor equals PyTorch's", () =>
    checkAgainstProducer(readPytorchStateDict(path.join(FX, 'legacy.pt'), fs.readFileSync(path.join(FX, 'legacy.pt')))));

  it("safetensors weights + the same-stem ONNX architecture and a .pt beside the folder's model.onnx diagnose to PyTorch's loss; a .pt alone says what is missing", () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'diagnose', path.join(FX, 'mlp/model.safetensors'), '--data', path.join(FX, 'mlp/data.npz'), '--json'],
      { encoding: 'utf8' },
    );
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(Math.abs(j.loss - producer.mlp.loss64) / producer.mlp.loss64 < 1e-5);
    assert.strictEqual(j.format, 'safetensors');
    // the folder's model.onnx is the run's architecture: weights.pt beside it pairs with it (the helper's layout)
    const p = spawnSync(
      process.execPath,
      [CLI, 'diagnose', path.join(FX, 'mlp/weights.pt'), '--data', path.join(FX, 'mlp/data.npz'), '--json'],
      {
        encoding: 'utf8',
      },
    );
    assert.strictEqual(p.status, 0, p.stderr);
    assert.ok(Math.abs(JSON.parse(p.stdout).loss - producer.mlp.loss64) / producer.mlp.loss64 < 1e-5);
    // alone in a folder, it says what is missing
    const alone = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-pt-'));
    fs.copyFileSync(path.join(FX, 'mlp/weights.pt'), path.join(alone, 'weights.pt'));
    fs.copyFileSync(path.join(FX, 'mlp/data.npz'), path.join(alone, 'data.npz'));
    const w = spawnSync(process.execPath, [CLI, 'diagnose', path.join(alone, 'weights.pt'), '--data', path.join(alone, 'data.npz')], {
      encoding: 'utf8',
      cwd: alone,
    });
    assert.strictEqual(w.status, 2);
    assert.match(w.stderr, /weights only: 6 tensors but no architecture/);
  });

  it('safetensors bad input: header length, JSON, offsets, sizes', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-st-'));
    const write = (header: unknown, data = Buffer.alloc(8), lenOverride?: number) => {
      const h = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(lenOverride ?? h.length));
      const f = path.join(tmp, `t${Math.random()}.safetensors`);
      fs.writeFileSync(f, Buffer.concat([len, h, data]));
      return f;
    };
    assert.throws(() => readSafetensors(write({}, Buffer.alloc(0), 1e12)), /header length 1000000000000 is larger/);
    assert.throws(
      () => readSafetensors(write({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } })),
      /data_offsets \[0, 12\] run past the end of the data \(8 bytes\)/,
    );
    assert.throws(
      () => readSafetensors(write({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } })),
      /shape \(3\) × 4 bytes = 12 bytes, but data_offsets span 8/,
    );
    assert.throws(() => readSafetensors(write({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } })), /dtype 'Q4' is not supported/);
  });

  it('inspect works on every format and its statistics are right', () => {
    const files = [
      'onnx/mlp/model.onnx',
      'onnx/cnn/model.onnx',
      'onnx/mlp/model.safetensors',
      'onnx/mlp/weights.pt',
      'keras/cnn/model.keras',
      'keras/functional/model.h5',
      'tfjs/functional/model.json',
      'tfjs/mlp-softmax/model.json',
    ];
    for (const f of files) {
      const r = inspectFile(path.join(ROOT, 'test/fixtures', f));
      assert.ok(r.params > 0 && r.tensors.length > 0, f);
      for (const t of r.tensors) {
        assert.strictEqual(
          t.count,
          t.shape.reduce((a, b) => a * b, 1),
          `${f} ${t.name}`,
        );
        assert.ok(t.nan === 0 && t.inf === 0);
        assert.ok(t.min! <= t.mean! && t.mean! <= t.max! && t.std! >= 0);
      }
    }
    const st = inspectFile(path.join(FX, 'mlp/model.safetensors'));
    const w = st.tensors.find(t => t.name === '0.weight')!;
    assert.ok(Math.abs(w.l2! - producer.weights['0.weight'].l2) < 1e-6 * producer.weights['0.weight'].l2);
    const h5 = inspectFile(path.join(ROOT, 'test/fixtures/keras/functional/model.h5'));
    assert.ok(
      h5.tensors.some(t => !t.trainable && /moving_mean/.test(t.name)),
      'BN statistics listed as constants',
    );
    const cli = spawnSync(process.execPath, [CLI, 'inspect', path.join(FX, 'cnn/model.onnx'), '--json'], { encoding: 'utf8' });
    assert.strictEqual(cli.status, 0, cli.stderr);
    assert.strictEqual(JSON.parse(cli.stdout).params, 337);
  });

  for (const [label, file] of [
    ['safetensors', 'mlp/model.safetensors'],
    ['.pt', 'mlp/weights.pt'],
    ['.pt legacy', 'legacy.pt'],
  ] as const) {
    it(`fuzz ${label}: 10,000 mutated files give a UserInputError or tensors, never another exception or a hang`, () => {
      const seed = new Uint8Array(fs.readFileSync(path.join(FX, file)));
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-wfuzz-'));
      const f = path.join(tmp, path.basename(file));
      let n = 0;
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 5 }),
          edits => {
            n++;
            fs.writeFileSync(f, mutate(seed, edits));
            try {
              if (label !== 'safetensors') readPytorchStateDict(f, fs.readFileSync(f));
              else readSafetensors(f);
            } catch (e) {
              if (!isUserInputError(e)) throw e;
            }
            return true; // a hang is caught by the test's timeout (no wall-clock assertion: machines and CI are shared)
          },
        ),
        { numRuns: 10000, seed: 5 },
      );
      assert.ok(n >= 10000);
    });
  }
});
