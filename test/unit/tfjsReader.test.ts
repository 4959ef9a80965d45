import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../../src/core/formats';
import { UserInputError } from '../../src/core/errors';

const FX = path.resolve(__dirname, '../../../test/fixtures/tfjs');

function copyFixture(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-tfjs-'));
  for (const f of fs.readdirSync(path.join(FX, name))) fs.copyFileSync(path.join(FX, name, f), path.join(dir, f));
  return dir;
}

describe('TF.js layers reader', () => {
  it('reads a Sequential Dense model written by tfjs-layers', () => {
    const g = readCheckpoint(path.join(FX, 'mlp-regression', 'model.json'));
    assert.strictEqual(g.format, 'tfjs-layers');
    assert.deepStrictEqual(
      g.params.map(p => p.shape),
      [[3, 8], [8], [8, 6], [6], [6, 2], [2]],
    );
    assert.strictEqual(g.numParams, 3 * 8 + 8 + 8 * 6 + 6 + 6 * 2 + 2);
    assert.deepStrictEqual(
      g.layers.map(l => l.activation),
      ['tanh', 'sigmoid', 'linear'],
    );
    // θ equals the shard's float32 bytes in manifest order
    const shard = fs.readFileSync(path.join(FX, 'mlp-regression', 'group1-shard1of1.bin'));
    assert.deepStrictEqual(
      Array.from(g.theta),
      Array.from(new Float32Array(shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength))),
    );
  });

  it('refuses shard paths that leave the checkpoint folder', () => {
    const dir = copyFixture('mlp-logits');
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    j.weightsManifest[0].paths = ['../../etc/passwd'];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(j));
    assert.throws(
      () => readCheckpoint(path.join(dir, 'model.json')),
      (e: Error) =>
        e instanceof UserInputError && /leaves the checkpoint's folder; refused/.test(e.message) && /weightsManifest\[0\]/.test(e.message),
    );
  });

  it('reports a truncated shard with the weight name and offsets', () => {
    const dir = copyFixture('mlp-logits');
    const shard = path.join(dir, 'group1-shard1of1.bin');
    fs.writeFileSync(shard, fs.readFileSync(shard).subarray(0, 100));
    assert.throws(
      () => readCheckpoint(path.join(dir, 'model.json')),
      /needs \d+ bytes at shard offset \d+ but the group's shards hold 100 bytes/,
    );
  });

  it('reports invalid JSON and missing fields', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-tfjs-'));
    fs.writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": ');
    assert.throws(() => readCheckpoint(path.join(dir, 'model.json')), /not valid JSON/);
    fs.writeFileSync(path.join(dir, 'model.json'), '{"weightsManifest": []}');
    assert.throws(() => readCheckpoint(path.join(dir, 'model.json')), /missing field 'modelTopology'/);
  });

  it('names an unsupported layer class and its layer', () => {
    const dir = copyFixture('mlp-logits');
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    j.modelTopology.config.layers[0].class_name = 'LSTM';
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(j));
    assert.throws(() => readCheckpoint(path.join(dir, 'model.json')), /layer class 'LSTM' \(layer '[^']+'\) is not supported/);
  });
});
