/**
 * Checkpoint writers: read → write (θ unchanged) → read gives bit-identical parameters and
 * constants for TF.js layers, ONNX (inline and external data) and safetensors; a changed θ is read
 * back exactly; nothing is ever overwritten (existing outputs, inputs as outputs); default names get
 * a numeric suffix when taken; float16 encoding inverts the reader's decoding.
 */
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../../src/core/formats';
import {
  writeWithPlan,
  planWrite,
  defaultOutput,
  writeTfjsFromSource,
  writeOnnx,
  writeSafetensors,
  tfjsShardPath,
} from '../../src/core/formats/writers';
import { float32ToHalf } from '../../src/core/formats/writers/common';
import { halfToFloat32 } from '../../src/core/data/npy';
import { isUserInputError } from '../../src/core/errors';
import type { GraphModel } from '../../src/core/model/graph';

const ROOT = path.resolve(__dirname, '../../..');
const sha = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const bits = (a: Float32Array | Int32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function sameModel(a: GraphModel, b: GraphModel): void {
  assert.deepStrictEqual(
    b.params.map(p => [p.name, p.shape]),
    a.params.map(p => [p.name, p.shape]),
  );
  assert.ok(bits(a.theta).equals(bits(b.theta)), 'θ bit-identical');
  assert.deepStrictEqual([...b.constants.keys()], [...a.constants.keys()]);
  for (const [k, c] of a.constants) assert.ok(bits(c.values).equals(bits(b.constants.get(k)!.values)), `constant ${k}`);
}

/** Copy a fixture folder to a temporary one (writers put outputs beside inputs). */
const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tmpCopy(rel: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-writers-'));
  made.push(dir);
  for (const f of fs.readdirSync(path.join(ROOT, rel))) fs.copyFileSync(path.join(ROOT, rel, f), path.join(dir, f));
  return dir;
}

describe('checkpoint writers', function () {
  this.timeout(60000);

  for (const rel of ['test/fixtures/tfjs/mlp-softmax', 'test/fixtures/tfjs/cnn', 'test/fixtures/tfjs/functional', 'examples/mlp']) {
    it(`TF.js layers round trip is bit-identical: ${rel}`, () => {
      const dir = tmpCopy(rel);
      const src = path.join(dir, 'model.json');
      const before = sha(src);
      const a = readCheckpoint(src);
      const out = defaultOutput(src, planWrite(src), 'copy');
      // in the run's derived/ folder: a folder of its own named after the checkpoint's folder
      assert.strictEqual(out, path.join(path.dirname(dir), 'derived', `${path.basename(dir)}.copy`, 'model.json'));
      const files = writeTfjsFromSource(src, a, a.theta, out);
      assert.deepStrictEqual(files, [out, tfjsShardPath(out)]);
      sameModel(a, readCheckpoint(out));
      assert.strictEqual(sha(src), before);
      // taken names get a numeric suffix
      assert.strictEqual(
        defaultOutput(src, planWrite(src), 'copy'),
        path.join(path.dirname(dir), 'derived', `${path.basename(dir)}.copy.2`, 'model.json'),
      );
      // an input already in derived/ stays there
      assert.strictEqual(
        defaultOutput(out, planWrite(out), 'trained'),
        path.join(path.dirname(dir), 'derived', `${path.basename(dir)}.copy.trained`, 'model.json'),
      );
    });
  }

  for (const rel of ['test/fixtures/onnx/mlp', 'test/fixtures/onnx/cnn', 'test/fixtures/onnx/external', 'test/fixtures/onnx/zoo']) {
    it(`ONNX round trip is bit-identical (initializers only replaced): ${rel}`, () => {
      const dir = tmpCopy(rel);
      const src = path.join(dir, 'model.onnx');
      const before = sha(src);
      const a = readCheckpoint(src);
      const out = path.join(dir, 'model.rt.onnx');
      writeOnnx(src, a, a.theta, out);
      const b = readCheckpoint(out);
      sameModel(a, b);
      assert.deepStrictEqual(
        b.nodes.map(n => [n.op, n.inputs, n.outputs]),
        a.nodes.map(n => [n.op, n.inputs, n.outputs]),
      );
      if (rel.endsWith('mlp')) assert.strictEqual(sha(out), before, 'raw_data initializers: the copy is byte-identical');
      assert.strictEqual(sha(src), before);
    });
  }

  it('safetensors round trip is bit-identical, a changed θ is read back exactly', () => {
    const dir = tmpCopy('test/fixtures/onnx/mlp');
    const src = path.join(dir, 'model.safetensors');
    const before = sha(src);
    const a = readCheckpoint(src);
    const plan = planWrite(src);
    assert.strictEqual(plan.format, 'safetensors');
    const out = defaultOutput(src, plan, 'perturbed');
    writeWithPlan(plan, a, a.theta, out, [src]);
    assert.strictEqual(sha(out), before, 'unchanged θ: the same bytes');
    sameModel(a, readCheckpoint(out));
    const t2 = a.theta.map((v, i) => v + 0.001 * (i % 7));
    const out2 = defaultOutput(src, plan, 'perturbed');
    assert.strictEqual(path.basename(out2), 'model.perturbed.2.safetensors');
    writeSafetensors(src, a, t2, out2);
    assert.ok(bits(readCheckpoint(out2).theta).equals(bits(t2)));
    assert.strictEqual(sha(src), before);
  });

  it('changed θ round-trips exactly through TF.js and ONNX', () => {
    for (const [rel, file] of [
      ['test/fixtures/tfjs/mlp-softmax', 'model.json'],
      ['test/fixtures/onnx/mlp', 'model.onnx'],
    ]) {
      const dir = tmpCopy(rel);
      const src = path.join(dir, file);
      const a = readCheckpoint(src);
      const t2 = a.theta.map((v, i) => v * 1.5 - 0.01 * (i % 5));
      const out = defaultOutput(src, planWrite(src), 'perturbed');
      writeWithPlan(planWrite(src), a, t2, out, [src]);
      assert.ok(bits(readCheckpoint(out).theta).equals(bits(t2)), rel);
    }
  });

  it('never overwrites: an existing output or an input as output is refused, and nothing is written', () => {
    const dir = tmpCopy('test/fixtures/onnx/mlp');
    const src = path.join(dir, 'model.onnx');
    const a = readCheckpoint(src);
    const taken = path.join(dir, 'taken.onnx');
    fs.writeFileSync(taken, 'keep');
    for (const out of [taken, src]) {
      assert.throws(
        () => writeWithPlan(planWrite(src), a, a.theta, out, [src]),
        (e: unknown) => isUserInputError(e),
      );
    }
    assert.strictEqual(fs.readFileSync(taken, 'utf8'), 'keep');
    const tdir = tmpCopy('test/fixtures/tfjs/mlp-softmax');
    const tsrc = path.join(tdir, 'model.json');
    const ta = readCheckpoint(tsrc);
    fs.writeFileSync(path.join(tdir, 'x.weights.bin'), 'keep');
    assert.throws(
      () => writeTfjsFromSource(tsrc, ta, ta.theta, path.join(tdir, 'x.json')),
      (e: unknown) => isUserInputError(e) && /exists/.test((e as Error).message),
    );
    assert.ok(!fs.existsSync(path.join(tdir, 'x.json')));
    assert.strictEqual(fs.readFileSync(path.join(tdir, 'x.weights.bin'), 'utf8'), 'keep');
  });

  it('keras inputs: a clear error naming the writers', function () {
    const k = path.join(ROOT, 'test/fixtures/keras/sequential');
    const f = fs.readdirSync(k).find(x => x.endsWith('.keras') || x.endsWith('.h5'));
    if (!f) this.skip();
    assert.throws(
      () => planWrite(path.join(k, f!)),
      (e: unknown) => isUserInputError(e) && /no writer/.test((e as Error).message),
    );
  });

  it('float16 encoding inverts the reader on every finite half value', () => {
    const h = new Uint16Array(65536).map((_, i) => i);
    const f = halfToFloat32(h);
    const back = float32ToHalf(f);
    for (let i = 0; i < 65536; i++) if (((i >> 10) & 0x1f) !== 0x1f) assert.strictEqual(back[i], i, `half 0x${i.toString(16)}`);
  });
});
