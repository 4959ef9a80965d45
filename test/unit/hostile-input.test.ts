/**
 * Hostile and broken input (issue 16): pickles that nest 200,000 deep, APPENDS of 300,000 items and
 * self-referencing lists; malformed ONNX graphs (dangling inputs, cycles, names defined twice,
 * missing outputs, bad initializer dims, impossible reshapes, shape mismatches only TF.js sees).
 * Every case must end as a UserInputError (CLI exit 2) naming the file (and node / op where there
 * is one), never as a RangeError, a TypeError or an "internal error".
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { restrictedUnpickle, readPytorchStateDict, MAX_PICKLE_DEPTH } from '../../src/core/formats/pytorch';
import { describeValue } from '../../src/core/formats/describe';
import { isUserInputError } from '../../src/core/errors';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend';
import { decodeOnnxModel, readOnnxModel } from '../../src/core/formats/onnx';
import { forward } from '../../src/core/model/execute';
import { loadDataset } from '../../src/core/data/dataset';
import { resolveLoss } from '../../src/core/loss';
import { TfObjective } from '../../src/core/objective';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-hostile-'));

/** A protocol-2 pickle: PROTO 2, `body`, STOP. */
const pickle = (...body: (number | number[] | Uint8Array)[]): Uint8Array => {
  const out: number[] = [0x80, 2];
  for (const b of body)
    if (typeof b === 'number') out.push(b);
    else for (const x of b) out.push(x);
  out.push(0x2e);
  return Uint8Array.from(out);
};
const repeat = (byte: number, n: number): Uint8Array => new Uint8Array(n).fill(byte);
const shortStr = (s: string): number[] => [0x8c, s.length, ...Buffer.from(s, 'latin1')];
const EMPTY_LIST = 0x5d,
  APPEND = 0x61,
  APPENDS = 0x65,
  MARK = 0x28,
  TUPLE = 0x74,
  BINPUT = 0x71,
  BINGET = 0x68,
  BINPERSID = 0x51,
  BININT1 = 0x4b,
  EMPTY_DICT = 0x7d,
  SETITEM = 0x73;

const userError =
  (re: RegExp, file: string) =>
  (e: unknown): boolean => {
    assert.ok(isUserInputError(e), `expected a UserInputError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assert.ok(re.test((e as Error).message), (e as Error).message);
    assert.ok((e as Error).message.includes(file), `names the file: ${(e as Error).message}`);
    return true;
  };

describe('hostile pickles (.pt)', function () {
  this.timeout(60000);

  it('200,000-deep nested lists: a UserInputError "nesting deeper than N" naming the file', () => {
    const deep = pickle(repeat(EMPTY_LIST, 200000), repeat(APPEND, 199999));
    assert.throws(
      () => restrictedUnpickle(deep, 'deep.pt', 'data.pkl'),
      userError(new RegExp(`nesting deeper than ${MAX_PICKLE_DEPTH}`), 'deep.pt'),
    );
    // the legacy stream: the first pickle (the magic number) is the deep list
    assert.throws(() => readPytorchStateDict('deep-legacy.pt', deep), userError(/nesting deeper than/, 'deep-legacy.pt'));
  });

  it('200,000-deep nested tuples (MARK … TUPLE) are refused the same way', () => {
    const deep = pickle(repeat(MARK, 200000), repeat(TUPLE, 200000));
    assert.throws(() => restrictedUnpickle(deep, 'tuples.pt', 'data.pkl'), userError(/nesting deeper than/, 'tuples.pt'));
  });

  it('a deep chain built through the memo (outside the depth bookkeeping) is never walked: no crash anywhere', () => {
    // L0..Ln memoised, then L_i.append(L_{i+1}) in increasing i: each append sees an empty child
    const n = 100000,
      body: number[] = [];
    const LONG_BINPUT = 0x72,
      LONG_BINGET = 0x6a;
    const u32 = (v: number): number[] => [v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255];
    for (let i = 0; i <= n; i++) body.push(EMPTY_LIST, LONG_BINPUT, ...u32(i));
    for (let i = 0; i < n; i++) body.push(LONG_BINGET, ...u32(i), LONG_BINGET, ...u32(i + 1), APPEND);
    body.push(LONG_BINGET, ...u32(0));
    const data = pickle(body);
    const root = restrictedUnpickle(data, 'memo.pt', 'data.pkl');
    assert.ok(describeValue(root).length < 60);
    assert.throws(
      () => readPytorchStateDict('memo.pt', data),
      (e: unknown) => isUserInputError(e),
    );
  });

  it('nesting up to the bound is read', () => {
    const n = MAX_PICKLE_DEPTH - 1;
    let v = restrictedUnpickle(pickle(repeat(EMPTY_LIST, n + 1), repeat(APPEND, n)), 'ok.pt', 'data.pkl');
    let depth = 1;
    while (Array.isArray(v) && v.length) {
      v = v[0];
      depth++;
    }
    assert.strictEqual(depth, MAX_PICKLE_DEPTH);
  });

  it('APPENDS of 300,000 items builds the list (no spread, no stack overflow)', () => {
    const items: number[] = [];
    for (let i = 0; i < 300000; i++) items.push(BININT1, i % 256);
    const v = restrictedUnpickle(pickle(EMPTY_LIST, MARK, items, APPENDS), 'wide.pt', 'data.pkl') as number[];
    assert.strictEqual(v.length, 300000);
    assert.strictEqual(v[299999], 299999 % 256);
    // and as a legacy stream it is a bad magic number, said as such
    assert.throws(
      () => readPytorchStateDict('wide.pt', pickle(EMPTY_LIST, MARK, items, APPENDS)),
      userError(/bad magic number/, 'wide.pt'),
    );
  });

  it('a self-referencing list in an error message: cycle-safe and short', () => {
    // BINPERSID with ('storage', <a list that contains itself>, 'k', 'cpu', 4)
    const self = [EMPTY_LIST, BINPUT, 0, BINGET, 0, APPEND];
    const data = pickle(MARK, shortStr('storage'), self, shortStr('k'), shortStr('cpu'), BININT1, 4, TUPLE, BINPERSID);
    assert.throws(
      () => restrictedUnpickle(data, 'cycle.pt', 'data.pkl'),
      (e: unknown) => {
        userError(/unsupported storage type \[<cycle>\]/, 'cycle.pt')(e);
        assert.ok((e as Error).message.length < 300, (e as Error).message);
        return true;
      },
    );
  });

  it('a self-referencing dict as a state-dict key or a storage key does not crash', () => {
    // {<dict containing itself>: 1}: not a tensor, skipped; the root is not a state dict of tensors
    const d = pickle(EMPTY_DICT, EMPTY_DICT, BINPUT, 1, shortStr('me'), BINGET, 1, SETITEM, BININT1, 1, SETITEM);
    const root = restrictedUnpickle(d, 'dict.pt', 'data.pkl') as Map<unknown, unknown>;
    assert.ok(root instanceof Map && root.size === 1);
    assert.ok(/<cycle>/.test(describeValue([...root.keys()][0])));
  });

  it('describeValue: bounded length and depth, cycles marked, no toString of the value', () => {
    const a: unknown[] = [];
    a.push(a, a);
    assert.strictEqual(describeValue(a), '[<cycle>, <cycle>]');
    let deep: unknown[] = [];
    for (let i = 0; i < 200000; i++) deep = [deep];
    assert.ok(describeValue(deep).length < 40);
    const wide = Array.from({ length: 300000 }, (_, i) => 'x'.repeat(i % 50));
    assert.ok(describeValue(wide).length <= 121);
    assert.strictEqual(
      describeValue(
        new Map<unknown, unknown>([
          ['a', 1],
          [2, [3]],
        ]),
      ),
      '{"a": 1, 2: [3]}',
    );
    const evil = {
      toString() {
        throw new Error('called');
      },
      toJSON() {
        throw new Error('called');
      },
    };
    assert.ok(describeValue([evil]).startsWith('[{'));
  });

  it('fuzz: random nesting / append / memo programs give a UserInputError or a value, never another exception', () => {
    const ops = fc.array(
      fc.constantFrom(
        EMPTY_LIST,
        APPEND,
        APPENDS,
        MARK,
        TUPLE,
        0x85,
        0x86,
        0x87,
        0x6c,
        EMPTY_DICT,
        SETITEM,
        0x75,
        0x8f,
        0x90,
        0x4e,
        0x94,
        BINGET,
      ),
      { minLength: 1, maxLength: 300 },
    );
    fc.assert(
      fc.property(ops, fc.nat(4000), (body, reps) => {
        const bytes: number[] = [];
        for (const o of body) {
          bytes.push(o);
          if (o === BINGET) bytes.push(0);
        }
        const data = pickle(bytes, repeat(EMPTY_LIST, reps), repeat(APPEND, reps));
        try {
          describeValue(restrictedUnpickle(data, 'f.pt', 'data.pkl'));
        } catch (e) {
          if (!isUserInputError(e)) throw e;
        }
        try {
          readPytorchStateDict(path.join(TMP, 'f.pt'), data);
        } catch (e) {
          if (!isUserInputError(e)) throw e;
        }
      }),
      { numRuns: 2000, seed: 16 },
    );
  });
});

// ───────────────────────────── ONNX ─────────────────────────────
/* eslint-disable @typescript-eslint/no-explicit-any */
const ROOT = path.resolve(__dirname, '../../..');
const ONNX = path.join(ROOT, 'test/fixtures/onnx');

/** The fixture `<name>/model.onnx` decoded, edited by `edit` and written to a temporary file. */
function edited(fixture: string, label: string, edit: (g: any) => void): string {
  const src = path.join(ONNX, fixture, 'model.onnx');
  const m = decodeOnnxModel(fs.readFileSync(src), src) as any;
  edit(m.graph);
  const f = path.join(TMP, `${label}.onnx`);
  fs.writeFileSync(f, m.$type.encode(m).finish());
  return f;
}
const floatInit = (name: string, dims: number[], values: number[]): any => ({
  name,
  dims,
  dataType: 1,
  rawData: new Uint8Array(Float32Array.from(values).buffer),
});
const int64Init = (name: string, values: number[]): any => ({
  name,
  dims: [values.length],
  dataType: 7,
  rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
});
const node = (opType: string, name: string, input: string[], output: string[], attribute: any[] = []): any => ({
  opType,
  name,
  input,
  output,
  attribute,
});
const intAttr = (name: string, i: number): any => ({ name, type: 2, i });
// mlp: /0/Gemm(input, 0.weight[16,6], 0.bias) → /1/Tanh → /2/Gemm(·, 2.weight[12,16]) → /3/Relu → /4/Gemm → output

/** readOnnxModel(f) throws a UserInputError naming the file, matching `re` (and each of `names`). */
function refused(f: string, re: RegExp, ...names: string[]): void {
  assert.throws(
    () => readOnnxModel(f),
    (e: unknown) => {
      userError(re, f)(e);
      for (const n of names) assert.ok((e as Error).message.includes(n), `names ${n}: ${(e as Error).message}`);
      return true;
    },
  );
}

describe('malformed ONNX graphs', function () {
  this.timeout(120000);
  before(async () => {
    await initBackend('cpu');
  });

  it('a node input that nothing produces', () => {
    refused(
      edited('mlp', 'dangling', g => {
        g.node[1].input = ['nobody'];
      }),
      /reads 'nobody', which no node, initializer or graph input defines/,
      "Tanh node '/1/Tanh'",
    );
  });

  it('a cycle is refused with the nodes on it; an out-of-order acyclic graph is sorted and reads', () => {
    refused(
      edited('mlp', 'cycle', g => {
        g.node[1].input = ['/3/Relu_output_0'];
      }),
      /cycle through 3 nodes: Tanh node '\/1\/Tanh' → Gemm node '\/2\/Gemm' → Relu node '\/3\/Relu'$/,
      "'/1/Tanh'",
      "'/2/Gemm'",
      "'/3/Relu'",
    );
    refused(
      edited('mlp', 'selfloop', g => {
        g.node[1].input = ['/1/Tanh_output_0'];
      }),
      /reads its own output|cycle through 1 node/,
      "'/1/Tanh'",
    );
    const shuffled = readOnnxModel(
      edited('mlp', 'shuffled', g => {
        g.node.reverse();
      }),
    );
    assert.deepStrictEqual(
      shuffled.nodes.map(n => n.name),
      ['/0/Gemm', '/1/Tanh', '/2/Gemm', '/3/Relu', '/4/Gemm'],
    );
    assert.strictEqual(shuffled.numParams, readOnnxModel(path.join(ONNX, 'mlp/model.onnx')).numParams);
  });

  it('two nodes writing one name; a node writing over an initializer or the graph input', () => {
    refused(
      edited('mlp', 'twice', g => {
        g.node[3].output = ['/1/Tanh_output_0'];
      }),
      /writes '\/1\/Tanh_output_0', which Tanh node '\/1\/Tanh' already writes/,
      "Relu node '/3/Relu'",
    );
    refused(
      edited('mlp', 'over-init', g => {
        g.node[1].output = ['2.weight'];
      }),
      /writes '2\.weight', which an initializer already defines/,
    );
    refused(
      edited('mlp', 'over-input', g => {
        g.node[1].output = ['input'];
      }),
      /writes 'input', which the graph input already defines/,
    );
    refused(
      edited('mlp', 'two-inits', g => {
        g.initializer.push(floatInit('0.bias', [16], new Array(16).fill(0)));
      }),
      /two initializers are named '0\.bias'/,
    );
  });

  it('a graph output that no node produces', () => {
    refused(
      edited('mlp', 'no-output', g => {
        g.output[0].name = 'nowhere';
      }),
      /graph output 'nowhere' is not produced/,
    );
  });

  it('negative or inconsistent initializer dims', () => {
    refused(
      edited('mlp', 'negdims', g => {
        g.initializer.find((t: any) => t.name === '0.bias').dims = [-4, -4];
      }),
      /'0\.bias' has dims \(-4, -4\): every dimension must be an integer ≥ 0/,
    );
    refused(
      edited('mlp', 'baddims', g => {
        g.initializer.find((t: any) => t.name === '0.bias').dims = [17];
      }),
      /'0\.bias'/,
    );
    refused(
      edited('mlp', 'const-dims', g => {
        g.node.splice(
          1,
          0,
          node('Constant', 'c', [], ['k'], [{ name: 'value', type: 4, t: { dims: [-2, -2], dataType: 1, rawData: new Uint8Array(16) } }]),
        );
      }),
      /'k' has dims \(-2, -2\)/,
    );
  });

  it('an op without its required inputs', () => {
    refused(
      edited('mlp', 'arity', g => {
        g.node[2].input = ['/1/Tanh_output_0'];
      }),
      /Gemm node '\/2\/Gemm': has 1 input; Gemm needs at least 2/,
    );
  });

  it('impossible reshapes (static): sizes that cannot match, two -1, a 0 beyond the rank', () => {
    const withReshape = (label: string, shape: number[]) =>
      edited('mlp', label, g => {
        g.initializer.push(int64Init('shape', shape));
        g.node.splice(2, 0, node('Reshape', '/r/Reshape', ['/1/Tanh_output_0', 'shape'], ['r']));
        g.node[3].input[0] = 'r';
      });
    refused(
      withReshape('reshape-25', [5, 5]),
      /Reshape node '\/r\/Reshape': cannot reshape \(\?, 16\) into \(5, 5\): 25 values are not a multiple of 16/,
    );
    refused(withReshape('reshape-2holes', [-1, -1]), /more than one -1/, "'/r/Reshape'");
    refused(withReshape('reshape-zero', [0, 16, 0]), /copies dimension 2/);
    // a fitting reshape is read; one that fits the batch but not the next layer is caught at the Gemm
    readOnnxModel(withReshape('reshape-ok', [-1, 16]));
    refused(withReshape('reshape-8', [-1, 8]), /Gemm node '\/2\/Gemm': inner dimensions differ: A \(\?, 8\) × B \(12, 16\)ᵀ \(8 vs 16\)/);
  });

  it('MatMul / Gemm / Conv / Add shape mismatches found by static inference', () => {
    refused(
      edited('mlp', 'matmul', g => {
        g.node[2] = node('MatMul', '/2/MatMul', ['/1/Tanh_output_0', '2.weight'], ['/2/Gemm_output_0']);
      }),
      /MatMul node '\/2\/MatMul': inner dimensions differ: \(\?, 16\) × \(12, 16\) \(16 vs 12\)/,
    );
    refused(
      edited('mlp', 'gemm-c', g => {
        g.initializer.find((t: any) => t.name === '2.bias').dims = [3, 4];
      }),
      /Gemm node '\/2\/Gemm': cannot broadcast A·B and C \(\?, 12\) and \(3, 4\)/,
    );
    refused(
      edited('mlp', 'add', g => {
        g.initializer.push(floatInit('three', [3], [1, 2, 3]));
        g.node.splice(2, 0, node('Add', '/a/Add', ['/1/Tanh_output_0', 'three'], ['a']));
        g.node[3].input[0] = 'a';
      }),
      /Add node '\/a\/Add': cannot broadcast the inputs \(\?, 16\) and \(3\)/,
    );
    refused(
      edited('cnn', 'conv-group1', g => {
        g.node.find((n: any) => n.name === '/c1/Conv').attribute = [
          ...g.node.find((n: any) => n.name === '/c1/Conv').attribute.filter((a: any) => a.name !== 'group'),
          intAttr('group', 2),
        ];
      }),
      /Conv node '\/c1\/Conv': input has 1 channels but the weight \(4, 1, 3, 3\) expects 1 × group 2 = 2/,
    );
    refused(
      edited('cnn', 'conv-group', g => {
        g.node.find((n: any) => n.name === '/c2/Conv').attribute = [
          ...g.node.find((n: any) => n.name === '/c2/Conv').attribute.filter((a: any) => a.name !== 'group'),
          intAttr('group', 2),
        ];
      }),
      /Conv node '\/c2\/Conv': input has 4 channels but the weight \(6, 4, 3, 3\) expects 4 × group 2 = 8/,
    );
    refused(
      edited('cnn', 'conv-big', g => {
        const c = g.node.find((n: any) => n.name === '/c1/Conv');
        c.attribute = c.attribute.filter((a: any) => a.name !== 'pads' && a.name !== 'dilations');
        c.attribute.push({ name: 'dilations', type: 7, ints: [5, 5] });
      }),
      /Conv node '\/c1\/Conv': the 11-wide kernel \(dilated\) is larger than the padded input/,
    );
  });

  it('a shape mismatch only TF.js sees (unknown input shape): a UserInputError naming file, node and op', async () => {
    const f = edited('mlp', 'runtime', g => {
      delete g.input[0].type.tensorType.shape; // rank unknown to the static checks
      const w = g.initializer.find((t: any) => t.name === '0.weight');
      Object.assign(w, floatInit('0.weight', [16, 7], new Array(112).fill(0.1)));
    });
    const model = readOnnxModel(f);
    assert.throws(
      () => tf.tidy(() => forward(model, tf.tensor1d(model.theta), tf.zeros([2, 6]))),
      (e: unknown) => userError(/ONNX op Gemm \(node '\/0\/Gemm'\) failed on this graph's tensors: .*matMul/i, f)(e),
    );
    // the same through the objective's first forward pass
    const data = loadDataset(path.join(ONNX, 'mlp/data.npz'));
    assert.throws(
      () => new TfObjective(model, data, resolveLoss(model, data)),
      (e: unknown) => userError(/node '\/0\/Gemm'/, f)(e),
    );
  });

  it('errors raised inside ONNX ops (Softmax over a non-last axis) name the file', () => {
    const f = edited('mlp', 'softmax-axis', g => {
      g.node[1] = node('Softmax', '/1/Softmax', ['/0/Gemm_output_0'], ['/1/Tanh_output_0'], [intAttr('axis', 0)]);
    });
    const model = readOnnxModel(f);
    assert.throws(
      () => tf.tidy(() => forward(model, tf.tensor1d(model.theta), tf.zeros([2, 6]))),
      (e: unknown) => userError(/softmax over axis 0/, f)(e) && (e as Error).name === 'UnsupportedError',
    );
  });

  it('fuzz: rewired mlp graphs (inputs, outputs, node order, dims) read and run, or give a UserInputError — never another exception', () => {
    const src = path.join(ONNX, 'mlp/model.onnx');
    const names = [
      'input',
      'output',
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '4.weight',
      '4.bias',
      '/0/Gemm_output_0',
      '/1/Tanh_output_0',
      '/2/Gemm_output_0',
      '/3/Relu_output_0',
      'x',
      '',
    ];
    const ops = ['Gemm', 'MatMul', 'Add', 'Tanh', 'Relu', 'Reshape', 'Flatten', 'Softmax', 'Conv'];
    const edit = fc.oneof(
      fc.tuple(fc.constant('in'), fc.nat(4), fc.nat(3), fc.constantFrom(...names)),
      fc.tuple(fc.constant('out'), fc.nat(4), fc.nat(0), fc.constantFrom(...names)),
      fc.tuple(fc.constant('op'), fc.nat(4), fc.nat(0), fc.constantFrom(...ops)),
      fc.tuple(fc.constant('swap'), fc.nat(4), fc.nat(4), fc.constant('')),
      fc.tuple(fc.constant('dims'), fc.nat(5), fc.integer({ min: -3, max: 20 }), fc.constant('')),
      fc.tuple(fc.constant('gout'), fc.nat(0), fc.nat(0), fc.constantFrom(...names)),
    );
    let ran = 0,
      read = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), es => {
        const m = decodeOnnxModel(fs.readFileSync(src), src) as any;
        const g = m.graph;
        for (const [kind, i, j, v] of es) {
          const n = g.node[i % g.node.length];
          if (kind === 'in') {
            n.input[j % (n.input.length + 1)] = v;
            n.input = n.input.filter((x: unknown) => x !== undefined);
          } else if (kind === 'out') n.output = v ? [v] : [];
          else if (kind === 'op') n.opType = v;
          else if (kind === 'swap') {
            const k = j % g.node.length;
            [g.node[i % g.node.length], g.node[k]] = [g.node[k], g.node[i % g.node.length]];
          } else if (kind === 'dims') {
            const t = g.initializer[i % g.initializer.length];
            t.dims = [...t.dims.slice(1), j];
          } else g.output[0].name = v;
        }
        const f = path.join(TMP, 'fuzz.onnx');
        fs.writeFileSync(f, m.$type.encode(m).finish());
        try {
          const model = readOnnxModel(f);
          read++;
          tf.tidy(() => forward(model, tf.tensor1d(model.theta), tf.zeros([2, 6])));
          ran++;
        } catch (e) {
          if (!isUserInputError(e)) throw e;
        }
      }),
      { numRuns: 800, seed: 8 },
    );
    assert.ok(read > 0 && ran > 0, `some rewired graphs still read (${read}) and run (${ran})`);
  });
});

describe('hostile input through the CLI (dist/cli.js): exit 2, one line, no stack trace', function () {
  this.timeout(120000);
  const CLI = path.join(ROOT, 'dist', 'cli.js');
  before(function () {
    if (!fs.existsSync(CLI)) this.skip();
  });
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const oneLine = (r: ReturnType<typeof cli>, re: RegExp, file: string): void => {
    assert.strictEqual(r.status, 2, `exit ${r.status}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.strictEqual(lines.length, 1, r.stderr);
    assert.ok(lines[0].startsWith('landscape: error: ') && lines[0].includes(file) && re.test(lines[0]), lines[0]);
  };

  it('a cyclic ONNX graph and an ONNX shape mismatch found while running', () => {
    const cyc = edited('mlp', 'cli-cycle', g => {
      g.node[1].input = ['/3/Relu_output_0'];
    });
    oneLine(cli('diagnose', cyc, '--data', path.join(ONNX, 'mlp/data.npz')), /cycle through 3 nodes/, cyc);
    const rt = edited('mlp', 'cli-runtime', g => {
      delete g.input[0].type.tensorType.shape;
      Object.assign(
        g.initializer.find((t: any) => t.name === '0.weight'),
        floatInit('0.weight', [16, 7], new Array(112).fill(0.1)),
      );
    });
    oneLine(cli('diagnose', rt, '--data', path.join(ONNX, 'mlp/data.npz')), /node '\/0\/Gemm'.*Gemm/, rt);
  });

  it('a 200,000-deep pickle', () => {
    const f = path.join(TMP, 'deep.pt');
    fs.writeFileSync(f, pickle(repeat(EMPTY_LIST, 200000), repeat(APPEND, 199999)));
    oneLine(cli('inspect', f), /nesting deeper than/, f);
  });
});
