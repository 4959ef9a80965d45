/**
 * Datasets larger than the memory budget are streamed from the file chunk by chunk: same
 * loss, gradient and HVP as the in-memory path; seeded subsets identical; clear errors.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/core/backend';
import { loadDataset } from '../../src/core/data/dataset';
import { encodeNpz } from '../../src/core/data/npyWrite';
import { denseGraphModel, relErr } from '../../src/core/hvpSelfTest';
import { denseParamCount, RefDenseLayer } from '../../src/core/autodiff/hyperdual';
import { TfObjective } from '../../src/core/objective';
import { resolveLoss } from '../../src/core/loss';
import { Rng } from '../../src/core/rng';

const ROOT = path.resolve(__dirname, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-stream-'));
const m = 300,
  d = 5;
const rng = new Rng(4);
const xs = Float64Array.from({ length: m * d }, () => rng.normal());
const ys = Int32Array.from({ length: m }, () => rng.int(3));
const stored = path.join(tmp, 'stored.npz'),
  compressed = path.join(tmp, 'compressed.npz');
fs.writeFileSync(stored, encodeNpz({ x: { shape: [m, d], data: xs }, y: { shape: [m], data: ys } }));
fs.writeFileSync(compressed, encodeNpz({ x: { shape: [m, d], data: xs }, y: { shape: [m], data: ys } }, true));

describe('streamed datasets', function () {
  this.timeout(60000);
  before(async () => {
    await initBackend('wasm');
  });

  it('an input array over the budget is read from the file on demand, with identical results', async () => {
    const mem = loadDataset(stored);
    const str = loadDataset(stored, { maxResidentBytes: 2000 });
    try {
      assert.ok(!mem.source && str.source, 'the small budget streams');
      assert.strictEqual(str.x.length, 0);
      assert.deepStrictEqual(str.xShape, [m, d]);
      assert.deepStrictEqual(Array.from(str.source!.read(7, 9)), Array.from(mem.x.subarray(7 * d, 9 * d)));
      const layers: RefDenseLayer[] = [
        { nIn: d, nOut: 6, act: 'tanh', bias: true },
        { nIn: 6, nOut: 3, act: 'linear', bias: true },
      ];
      const theta = Float32Array.from({ length: denseParamCount(layers) }, () => rng.normal() * 0.5);
      const v = Float32Array.from(theta, (_, i) => Math.sin(i));
      const model = denseGraphModel(layers, theta);
      const a = new TfObjective(model, mem, resolveLoss(model, mem), { chunkSize: 64 });
      const b = new TfObjective(model, str, resolveLoss(model, str), { chunkSize: 64 });
      try {
        assert.ok(Math.abs((await a.loss(theta)) - (await b.loss(theta))) < 1e-7);
        assert.ok(relErr((await b.valueAndGradient(theta)).gradient, (await a.valueAndGradient(theta)).gradient) < 1e-7);
        assert.ok(relErr(await b.hvp(theta, v), await a.hvp(theta, v)) < 1e-7);
        assert.ok(relErr(await b.jvp(theta, v, { start: 50, end: 140 }), await a.jvp(theta, v, { start: 50, end: 140 })) < 1e-7);
      } finally {
        a.dispose();
        b.dispose();
      }
    } finally {
      str.close?.();
    }
  });

  it('a seeded subset of a streamed file equals the in-memory subset', () => {
    const a = loadDataset(stored, { samples: 40, seed: 9 });
    const b = loadDataset(stored, { samples: 40, seed: 9, maxResidentBytes: 2000 });
    assert.deepStrictEqual(b.indices, a.indices);
    assert.deepStrictEqual(Array.from(b.x), Array.from(a.x));
    assert.deepStrictEqual(Array.from(b.y.data), Array.from(a.y.data));
  });

  it('reads numpy-written stored archives (zip64 local headers included)', () => {
    const f = path.join(ROOT, 'test/fixtures/npy/zip64.npz');
    const s = loadDataset(f, { maxResidentBytes: 100 });
    try {
      assert.ok(s.source);
      assert.deepStrictEqual(Array.from(s.source!.read(0, 2)), [0, 1, 2, 3, 4, 5]);
      assert.deepStrictEqual(Array.from(s.source!.read(19, 20)), [57, 58, 59]);
      assert.strictEqual(s.y.kind, 'labels');
    } finally {
      s.close?.();
    }
  });

  it('a compressed array over the budget is refused with the fix', () => {
    assert.throws(
      () => loadDataset(compressed, { maxResidentBytes: 2000 }),
      (e: Error) =>
        /compressed member .* cannot be streamed: re-save the data with numpy\.savez/.test(e.message) &&
        /key 'x'/.test(String((e as { where?: string }).where ?? e.message)),
    );
  });

  it('a non-finite value in a streamed chunk names its element', () => {
    const bad = Float64Array.from(xs);
    bad[123] = NaN;
    const f = path.join(tmp, 'nan.npz');
    fs.writeFileSync(f, encodeNpz({ x: { shape: [m, d], data: bad }, y: { shape: [m], data: ys } }));
    const s = loadDataset(f, { maxResidentBytes: 2000 });
    try {
      assert.throws(() => s.source!.read(20, 30), /non-finite value at element 123/);
    } finally {
      s.close?.();
    }
  });
});
