/**
 * Property-based robustness of the TF.js layers reader (model.json and its shard) and the data
 * readers (.npz, .npy, .csv, .jsonl): 10,000 mutated files each give a UserInputError or a result — never
 * another exception, a crash or a hang. (ONNX, Keras, safetensors, .pt and logs have their own.)
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { readTfjsLayersModel } from '../../src/core/formats/tfjsLayers';
import { loadDataset, loadNpy } from '../../src/core/data/dataset';
import { isUserInputError } from '../../src/core/errors';
import { mutate } from './reference/mutate';
import { scaled } from '../harness/speed';

const ROOT = path.resolve(__dirname, '../../..');
const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), {
  minLength: 1,
  maxLength: 5,
});
function run(label: string, seedFile: string, target: string, read: (f: string) => unknown, prepare?: (dir: string) => void): void {
  it(`${label}: 10,000 mutated files`, function () {
    this.timeout(scaled(180000)); // a hang is caught by the timeout, scaled by the machine's load
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-fuzz-'));
    prepare?.(dir);
    const seed = new Uint8Array(fs.readFileSync(seedFile));
    const f = path.join(dir, target);
    let n = 0;
    fc.assert(
      fc.property(edits, es => {
        n++;
        fs.writeFileSync(f, mutate(seed, es));
        try {
          read(f);
        } catch (e) {
          if (!isUserInputError(e)) throw e;
        }
        return true; // a hang is caught by the test's timeout (no wall-clock assertion: machines and CI are shared)
      }),
      { numRuns: 10000, seed: 11 },
    );
    assert.ok(n >= 10000);
  });
}

describe('fuzzing the TF.js and data readers', () => {
  const tfjs = path.join(ROOT, 'test/fixtures/tfjs/functional');
  run(
    'TF.js model.json',
    path.join(tfjs, 'model.json'),
    'model.json',
    f => readTfjsLayersModel(f),
    dir => fs.copyFileSync(path.join(tfjs, 'group1-shard1of1.bin'), path.join(dir, 'group1-shard1of1.bin')),
  );
  run(
    'TF.js weight shard',
    path.join(tfjs, 'group1-shard1of1.bin'),
    'group1-shard1of1.bin',
    f => readTfjsLayersModel(path.join(path.dirname(f), 'model.json')),
    dir => fs.copyFileSync(path.join(tfjs, 'model.json'), path.join(dir, 'model.json')),
  );
  run('.npz (compressed)', path.join(ROOT, 'test/fixtures/npy/compressed.npz'), 'd.npz', f => {
    try {
      loadDataset(f);
    } catch (e) {
      if (!isUserInputError(e)) throw e;
    }
    loadDataset(f, { xKey: 'x', yKey: 'y', maxResidentBytes: 64 });
  });
  run('.npy', path.join(ROOT, 'test/fixtures/npy/f32_c.npy'), 'a.npy', f => loadNpy(f));
  const tab = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-tabseed-'));
  fs.writeFileSync(path.join(tab, 'd.csv'), 'f0,f1,"f,2",label\n0.5,1,2,0\n-1.5,2e-3,"3",1\n4,5,6,2\n');
  fs.writeFileSync(path.join(tab, 'd.jsonl'), '{"x":[1,2,3],"y":0}\n{"x":[[4],[5],[6]],"y":1}\n{"x":[7,8,9.5],"y":2}\n');
  run('.csv dataset', path.join(tab, 'd.csv'), 'd.csv', f => loadDataset(f));
  run('.jsonl dataset', path.join(tab, 'd.jsonl'), 'd.jsonl', f => loadDataset(f));
});
