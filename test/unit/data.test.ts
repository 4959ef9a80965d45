import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseNpy } from '../../src/core/data/npy';
import { parseNpz } from '../../src/core/data/npz';
import { loadDataset } from '../../src/core/data/dataset';
import { encodeNpz, encodeNpy } from '../../src/core/data/npyWrite';
import { UserInputError } from '../../src/core/errors';
import { readZip } from '../../src/core/data/zip';
import { zipSync } from 'fflate';

const FX = path.resolve(__dirname, '../../../test/fixtures/npy');
const expected = JSON.parse(fs.readFileSync(path.join(FX, 'expected.json'), 'utf8'));

describe('npy reader (fixtures written by NumPy)', () => {
  for (const name of Object.keys(expected).filter(k => k !== 'npz')) {
    it(`reads ${name}.npy (${expected[name].dtype}, shape ${JSON.stringify(expected[name].shape)})`, () => {
      const f = path.join(FX, `${name}.npy`);
      const a = parseNpy(fs.readFileSync(f), f);
      assert.deepStrictEqual(a.shape, expected[name].shape);
      const vals = Array.from(a.data as ArrayLike<number>);
      assert.strictEqual(vals.length, expected[name].values.length);
      vals.forEach((v, i) => {
        const e = expected[name].values[i];
        assert.ok(Math.abs(v - e) <= 1e-6 * Math.max(1, Math.abs(e)), `${name}[${i}] = ${v}, NumPy says ${e}`);
      });
    });
  }
});

describe('npz reader and dataset loader', () => {
  it('reads a stored npz (np.savez) with int64 labels', () => {
    const d = loadDataset(path.join(FX, 'stored.npz'));
    assert.deepStrictEqual(d.xShape, [6, 2]);
    assert.strictEqual(d.y.kind, 'labels');
    assert.deepStrictEqual(Array.from(d.y.data), expected.npz.y);
    Array.from(d.x).forEach((v, i) => assert.ok(Math.abs(v - expected.npz.x[i]) < 1e-6));
  });
  it('reads a compressed npz (np.savez_compressed) with custom keys', () => {
    const d = loadDataset(path.join(FX, 'compressed.npz'), { xKey: 'inputs', yKey: 'labels' });
    assert.strictEqual(d.m, 6);
    assert.deepStrictEqual(Array.from(d.y.data), expected.npz.y);
  });
  it('names the missing key and the flag to use', () => {
    assert.throws(
      () => loadDataset(path.join(FX, 'compressed.npz')),
      (e: Error) =>
        e instanceof UserInputError &&
        /no array named 'x'.*inputs, labels.*--x-key/.test(e.message) &&
        e.message.includes('compressed.npz'),
    );
  });
  it('takes a seeded subset: same seed same rows, different seed different rows', () => {
    const a = loadDataset(path.join(FX, 'stored.npz'), { samples: 3, seed: 1 });
    const b = loadDataset(path.join(FX, 'stored.npz'), { samples: 3, seed: 1 });
    const c = loadDataset(path.join(FX, 'stored.npz'), { samples: 3, seed: 2 });
    assert.strictEqual(a.m, 3);
    assert.deepStrictEqual(a.indices, b.indices);
    assert.notDeepStrictEqual(a.indices, c.indices);
    a.indices!.forEach((r, i) => assert.strictEqual(a.x[i * 2], new Float32Array(expected.npz.x)[r * 2]));
  });
  it('round-trips through the writer', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const buf = encodeNpz({ x: { shape: [3, 2], data: x }, y: { shape: [3], data: Int32Array.from([2, 0, 1]) } }, true);
    const m = parseNpz(buf, 'mem.npz');
    assert.deepStrictEqual(Array.from(m.get('x')!.data), Array.from(x));
    assert.deepStrictEqual(m.get('y')!.shape, [3]);
  });
});

describe('npy/npz bad input: clear errors naming file and offset', () => {
  const good = encodeNpy({ shape: [4, 4], data: new Float32Array(16) });
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /at least a 10-byte preamble/],
    ['wrong magic', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /byte 0.*magic/],
    ['truncated data', good.subarray(0, good.length - 5), /bytes of data, but only/],
    ['header past end', good.subarray(0, 40), /runs past the end/],
  ];
  for (const [name, buf, re] of cases) {
    it(name, () =>
      assert.throws(
        () => parseNpy(buf, 'bad.npy'),
        (e: Error) => e instanceof UserInputError && e.message.startsWith('bad.npy') && re.test(e.message),
      ),
    );
  }
  it('refuses zip entries with .. paths', () => {
    const z = zipSync({ '../evil.npy': good });
    assert.throws(() => readZip(z, 'evil.npz'), /absolute or '\.\.' path; refused/);
  });
  it('refuses decompression bombs before inflating', () => {
    const z = zipSync({ 'x.npy': [new Uint8Array(20 * 2 ** 20), { level: 9 }] });
    assert.throws(() => readZip(z, 'bomb.npz'), /compression ratio .* refused/);
  });
  it('labels and inputs with different sample counts', () => {
    const buf = encodeNpz({ x: { shape: [3, 2], data: new Float32Array(6) }, y: { shape: [2], data: new Int32Array(2) } });
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'll-')), 'mismatch.npz');
    fs.writeFileSync(f, buf);
    assert.throws(() => loadDataset(f), /'y' has shape \(2\) but 'x' has 3 samples/);
  });
});
