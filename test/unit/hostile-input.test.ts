/**
 * Hostile and broken input (issue 16): pickles that nest 200,000 deep, APPENDS of 300,000 items and
 * self-referencing lists; malformed ONNX graphs (dangling inputs, cycles, names defined twice,
 * missing outputs, bad initializer dims, impossible reshapes, shape mismatches only TF.js sees).
 * Every case must end as a UserInputError (CLI exit 2) naming the file (and node / op where there
 * is one), never as a RangeError, a TypeError or an "internal error".
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { restrictedUnpickle, readPytorchStateDict, MAX_PICKLE_DEPTH } from '../../src/core/formats/pytorch';
import { describeValue } from '../../src/core/formats/describe';
import { isUserInputError } from '../../src/core/errors';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-hostile-'));

/** A protocol-2 pickle: PROTO 2, `body`, STOP. */
const pickle = (...body: (number | number[] | Uint8Array)[]): Uint8Array => {
  const out: number[] = [0x80, 2];
  for (const b of body) if (typeof b === 'number') out.push(b); else for (const x of b) out.push(x);
  out.push(0x2e);
  return Uint8Array.from(out);
};
const repeat = (byte: number, n: number): Uint8Array => new Uint8Array(n).fill(byte);
const shortStr = (s: string): number[] => [0x8c, s.length, ...Buffer.from(s, 'latin1')];
const EMPTY_LIST = 0x5d, APPEND = 0x61, APPENDS = 0x65, MARK = 0x28, TUPLE = 0x74, BINPUT = 0x71, BINGET = 0x68, BINPERSID = 0x51, BININT1 = 0x4b, EMPTY_DICT = 0x7d, SETITEM = 0x73;

const userError = (re: RegExp, file: string) => (e: unknown): boolean => {
  assert.ok(isUserInputError(e), `expected a UserInputError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  assert.ok(re.test((e as Error).message), (e as Error).message);
  assert.ok((e as Error).message.includes(file), `names the file: ${(e as Error).message}`);
  return true;
};

describe('hostile pickles (.pt)', function () {
  this.timeout(60000);

  it('200,000-deep nested lists: a UserInputError "nesting deeper than N" naming the file', () => {
    const deep = pickle(repeat(EMPTY_LIST, 200000), repeat(APPEND, 199999));
    assert.throws(() => restrictedUnpickle(deep, 'deep.pt', 'data.pkl'), userError(new RegExp(`nesting deeper than ${MAX_PICKLE_DEPTH}`), 'deep.pt'));
    // the legacy stream: the first pickle (the magic number) is the deep list
    assert.throws(() => readPytorchStateDict('deep-legacy.pt', deep), userError(/nesting deeper than/, 'deep-legacy.pt'));
  });

  it('200,000-deep nested tuples (MARK … TUPLE) are refused the same way', () => {
    const deep = pickle(repeat(MARK, 200000), repeat(TUPLE, 200000));
    assert.throws(() => restrictedUnpickle(deep, 'tuples.pt', 'data.pkl'), userError(/nesting deeper than/, 'tuples.pt'));
  });

  it('nesting up to the bound is read', () => {
    const n = MAX_PICKLE_DEPTH - 1;
    let v = restrictedUnpickle(pickle(repeat(EMPTY_LIST, n + 1), repeat(APPEND, n)), 'ok.pt', 'data.pkl');
    let depth = 1;
    while (Array.isArray(v) && v.length) { v = v[0]; depth++; }
    assert.strictEqual(depth, MAX_PICKLE_DEPTH);
  });

  it('APPENDS of 300,000 items builds the list (no spread, no stack overflow)', () => {
    const items: number[] = [];
    for (let i = 0; i < 300000; i++) items.push(BININT1, i % 256);
    const v = restrictedUnpickle(pickle(EMPTY_LIST, MARK, items, APPENDS), 'wide.pt', 'data.pkl') as number[];
    assert.strictEqual(v.length, 300000);
    assert.strictEqual(v[299999], 299999 % 256);
    // and as a legacy stream it is a bad magic number, said as such
    assert.throws(() => readPytorchStateDict('wide.pt', pickle(EMPTY_LIST, MARK, items, APPENDS)), userError(/bad magic number/, 'wide.pt'));
  });

  it('a self-referencing list in an error message: cycle-safe and short', () => {
    // BINPERSID with ('storage', <a list that contains itself>, 'k', 'cpu', 4)
    const self = [EMPTY_LIST, BINPUT, 0, BINGET, 0, APPEND];
    const data = pickle(MARK, shortStr('storage'), self, shortStr('k'), shortStr('cpu'), BININT1, 4, TUPLE, BINPERSID);
    assert.throws(() => restrictedUnpickle(data, 'cycle.pt', 'data.pkl'), (e: unknown) => {
      userError(/unsupported storage type \[<cycle>\]/, 'cycle.pt')(e);
      assert.ok((e as Error).message.length < 300, (e as Error).message);
      return true;
    });
  });

  it('a self-referencing dict as a state-dict key or a storage key does not crash', () => {
    // {<dict containing itself>: 1}: not a tensor, skipped; the root is not a state dict of tensors
    const d = pickle(EMPTY_DICT, EMPTY_DICT, BINPUT, 1, shortStr('me'), BINGET, 1, SETITEM, BININT1, 1, SETITEM);
    const root = restrictedUnpickle(d, 'dict.pt', 'data.pkl') as Map<unknown, unknown>;
    assert.ok(root instanceof Map && root.size === 1);
    assert.ok(/<cycle>/.test(describeValue([...root.keys()][0])));
  });

  it('describeValue: bounded length and depth, cycles marked, no toString of the value', () => {
    const a: unknown[] = []; a.push(a, a);
    assert.strictEqual(describeValue(a), '[<cycle>, <cycle>]');
    let deep: unknown[] = []; for (let i = 0; i < 200000; i++) deep = [deep];
    assert.ok(describeValue(deep).length < 40);
    const wide = Array.from({ length: 300000 }, (_, i) => 'x'.repeat(i % 50));
    assert.ok(describeValue(wide).length <= 121);
    assert.strictEqual(describeValue(new Map<unknown, unknown>([['a', 1], [2, [3]]])), '{"a": 1, 2: [3]}');
    const evil = { toString() { throw new Error('called'); }, toJSON() { throw new Error('called'); } };
    assert.ok(describeValue([evil]).startsWith('[{'));
  });

  it('fuzz: random nesting / append / memo programs give a UserInputError or a value, never another exception', () => {
    const ops = fc.array(fc.constantFrom(EMPTY_LIST, APPEND, APPENDS, MARK, TUPLE, 0x85, 0x86, 0x87, 0x6c, EMPTY_DICT, SETITEM, 0x75, 0x8f, 0x90, 0x4e, 0x94, BINGET), { minLength: 1, maxLength: 300 });
    fc.assert(fc.property(ops, fc.nat(4000), (body, reps) => {
      const bytes: number[] = [];
      for (const o of body) { bytes.push(o); if (o === BINGET) bytes.push(0); }
      const data = pickle(bytes, repeat(EMPTY_LIST, reps), repeat(APPEND, reps));
      try { describeValue(restrictedUnpickle(data, 'f.pt', 'data.pkl')); } catch (e) { if (!isUserInputError(e)) throw e; }
      try { readPytorchStateDict(path.join(TMP, 'f.pt'), data); } catch (e) { if (!isUserInputError(e)) throw e; }
    }), { numRuns: 2000, seed: 16 });
  });
});
