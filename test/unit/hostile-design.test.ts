/**
 * Issue 25, one test per design piece: the resource budget (refuses each expansion before allocating,
 * with the file and the quantity), the bounds of log parsing (series, lines, records, junk), the one
 * output writer (contained, temporary name, nothing left after ENOSPC or SIGINT, never replacing), the
 * terminal escaper, configuration inside the root, strict flags, duplicate and prototype names, ONNX
 * attributes against the op's schema, and the lint rule that keeps bare `fs` reads and writes out of
 * the modules. Memory itself is measured by the corpus runner (npm run test:hostile), not here.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync } from 'fflate';
import { ResourceBudget, withBudget, INPUT_LIMITS, budgetFromMb, MIN_BUDGET_BYTES } from '../../src/core/budget';
import { SeriesStore } from '../../src/core/logs/series';
import { CsvParser } from '../../src/core/logs/csv';
import { JsonlParser } from '../../src/core/logs/jsonl';
import { TfEventsParser } from '../../src/core/logs/tfevents';
import { maskedCrc32c } from '../../src/core/logs/crc32c';
import { readPytorchStateDict } from '../../src/core/formats/pytorch';
import { table } from '../../src/core/table';
import { encodeFileVersion, encodeScalarEvent } from '../../src/core/logs/tfeventsWrite';
import { readZip } from '../../src/core/data/zip';
import { readSafetensors } from '../../src/core/formats/safetensors';
import { duplicateKey } from '../../src/core/formats/jsonKeys';
import { claimOutput, outputScope, writeOutput, writeFaults } from '../../src/core/output';
import { termLine, termText } from '../../src/shared/terminal';
import { resolveSettings, searchFolders } from '../../src/core/config';
import { intArg } from '../../src/cli/args';
import { validateOnnxGraph } from '../../src/core/formats/onnxValidate';
import { isUserInputError } from '../../src/core/errors';
import { readRegularFile } from '../../src/core/safeFs';

const ROOT = path.resolve(__dirname, '../../..');
const MLP = path.join(ROOT, 'test/fixtures/tfjs/mlp-regression');
const tmpdir = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `landscape-h25-${tag}-`));
const userError = (re: RegExp) => (e: unknown) => isUserInputError(e) && re.test((e as Error).message);

function safetensorsBytes(rawHeader: string, data: number): Buffer {
  const h = Buffer.from(rawHeader, 'utf8'),
    len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, Buffer.alloc(data)]);
}

describe('issue 25: one resource budget', () => {
  it('a charge past the limit throws one error naming the file, the quantity and the flag, and charges nothing', () => {
    const b = new ResourceBudget(10 * 2 ** 20);
    b.charge(6 * 2 ** 20, 'a');
    assert.throws(
      () => b.charge(5 * 2 ** 20, "tensor 'w'", { file: 'm.pt' }),
      userError(/^m\.pt: tensor 'w' needs 5\.0 MiB in memory, over the budget of 10\.0 MiB \(6\.0 MiB already in use\).*--max-resident-mb/),
    );
    assert.strictEqual(b.used, 6 * 2 ** 20);
    b.release(6 * 2 ** 20);
    b.check(10 * 2 ** 20, 'a transient read');
    assert.strictEqual(b.used, 0);
    assert.strictEqual(b.peak, 10 * 2 ** 20);
    assert.strictEqual(budgetFromMb(0).limit, MIN_BUDGET_BYTES);
    assert.strictEqual(budgetFromMb(64).limit, 64 * 2 ** 20);
  });

  it('a series store charges per block (not per tag) and refuses the tag past the bound, naming the log', () => {
    const budget = new ResourceBudget(64 * 2 ** 20);
    const s = new SeriesStore('run/metrics.csv', budget);
    for (let i = 0; i < INPUT_LIMITS.maxSeries; i++) s.sink(`t${i}`, 0, 1, NaN);
    // 10,000 one-point series: ~1.6 KiB each (64-point first blocks), not 786 KiB each
    assert.ok(budget.used < 20 * 2 ** 20, `${budget.used}`);
    assert.throws(() => s.sink('one more', 0, 1, NaN), userError(/^run\/metrics\.csv: more than 10000 series/));
    s.clear();
    assert.strictEqual(budget.used, 0);
    // long series: blocks grow to 32768 points; values come back in order
    const t = new SeriesStore('x', new ResourceBudget(64 * 2 ** 20));
    for (let i = 0; i < 100000; i++) t.sink('loss', i, i / 2, i);
    const g = t.get('loss')!;
    assert.strictEqual(g.steps.length, 100000);
    assert.ok(g.steps.every((v, i) => v === i) && g.values.every((v, i) => v === i / 2));
    // a budget too small for the points: refused before the block is allocated
    const small = new SeriesStore('y.jsonl', new ResourceBudget(100 * 1024));
    assert.throws(
      () => {
        for (let i = 0; i < 100000; i++) small.sink('loss', i, 1, NaN);
      },
      userError(/^y\.jsonl: the series of this log .* over the budget/),
    );
  });

  it('CSV and JSONL: a line past the bound is dropped (never buffered whole) and parsing resumes at the next line', () => {
    const long = 'x'.repeat(INPUT_LIMITS.maxLineBytes + 10);
    for (const [p, head, tail] of [
      [new CsvParser(), 'step,loss\n0,1\n1,"', '"\n2,3\n'],
      [new JsonlParser(), '{"step":0,"loss":1}\n{"step":1,"loss":"', '"}\n{"step":2,"loss":3}\n'],
    ] as const) {
      const s = new SeriesStore('log');
      const enc = new TextEncoder();
      p.push(enc.encode(head), s.sink);
      for (let k = 0; k < long.length; k += 65536) p.push(enc.encode(long.slice(k, k + 65536)), s.sink);
      p.push(enc.encode(tail), s.sink);
      assert.deepStrictEqual(Array.from(s.get('loss')!.values), [1, 3], p.kind);
      assert.ok(
        p.stats.warnings.some(w => /longer than 1048576 bytes; skipped/.test(w)),
        p.kind,
      );
    }
  });

  it('TensorBoard: junk after a valid file is given up after a bounded scan; a giant record claim is skipped', () => {
    const p = new TfEventsParser(),
      s = new SeriesStore('ev');
    p.push(Buffer.concat([encodeFileVersion(1), encodeScalarEvent(3, 1, { loss: 0.25 })]), s.sink);
    const zeros = new Uint8Array(1 << 16);
    let pushes = 0;
    for (let k = 0; k < 64; k++, pushes++) p.push(zeros, s.sink); // 4 MiB of zeros
    assert.deepStrictEqual(Array.from(s.get('loss')!.values), [0.25]);
    assert.ok(p.stats.warnings.some(w => /no valid record within 1048576 bytes .* the rest of the file is ignored/.test(w)));
    // a record that claims 1 GiB with a valid length CRC: skipped, not waited for
    const q = new TfEventsParser();
    const rec = Buffer.from(encodeScalarEvent(1, 1, { a: 1 }));
    const claim = Buffer.from(rec.subarray(0, 12));
    claim.writeUInt32LE(2 ** 30, 0);
    claim.writeUInt32LE(maskedCrc32c(claim, 0, 8), 8);
    q.push(Buffer.concat([claim, rec]), new SeriesStore('q').sink);
    assert.ok(q.stats.warnings.some(w => /claims 1073741824 bytes \(limit 16777216\); skipped/.test(w)));
  });

  it('zip: the inflated total is charged before inflating; the same member twice is refused', () => {
    const data = new Uint8Array(8 * 2 ** 20);
    for (let i = 0; i < data.length; i += 50) data[i] = i & 0xff;
    const z = zipSync({ 'x.npy': data }, { level: 1 });
    assert.ok(z.length < 2 ** 20);
    withBudget(new ResourceBudget(4 * 2 ** 20), () =>
      assert.throws(
        () => readZip(z, 'd.npz'),
        userError(/^d\.npz: zip members would inflate to 8388608 bytes .* refused before inflating/),
      ),
    );
    assert.strictEqual(withBudget(new ResourceBudget(64 * 2 ** 20), () => readZip(z, 'd.npz')).get('x.npy')!.length, data.length);
    const two = Buffer.from(zipSync({ 'a.npy': new Uint8Array(4), 'b.npy': new Uint8Array(4) }, { level: 0 }));
    for (let i = two.indexOf('b.npy'); i >= 0; i = two.indexOf('b.npy', i + 1)) two[i] = 'a'.charCodeAt(0);
    assert.throws(() => readZip(two, 'd.npz'), userError(/zip entry 'a\.npy' appears twice/));
  });

  it('a whole-file read is charged to the budget before the buffer exists', () => {
    const d = tmpdir('read');
    fs.writeFileSync(path.join(d, 'f'), Buffer.alloc(3 * 2 ** 20));
    withBudget(new ResourceBudget(2 * 2 ** 20), () =>
      assert.throws(
        () => readRegularFile(path.join(d, 'f'), { what: 'checkpoint' }),
        userError(/reading checkpoint whole \(3145728 bytes\)/),
      ),
    );
    fs.rmSync(d, { recursive: true });
  });

  it('safetensors: overlapping spans, duplicate names and prototype dtypes are refused; the decoded size is charged', () => {
    const d = tmpdir('st');
    const f = path.join(d, 'm.safetensors');
    const w = (h: string, n: number) => fs.writeFileSync(f, safetensorsBytes(h, n));
    w('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', 12);
    assert.throws(() => readSafetensors(f), userError(/tensors 'a' \[0, 8\] and 'b' \[4, 12\] overlap/));
    w('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8);
    assert.throws(() => readSafetensors(f), userError(/header names 'a' twice/));
    w('{"a":{"dtype":"constructor","shape":[1],"data_offsets":[0,4]}}', 4);
    assert.throws(() => readSafetensors(f), userError(/dtype 'constructor' is not supported/));
    w('{"a":{"dtype":"F16","shape":[1048576],"data_offsets":[0,2097152]}}', 2 ** 21);
    withBudget(new ResourceBudget(4 * 2 ** 20), () => assert.throws(() => readSafetensors(f), userError(/over the budget of 4\.0 MiB/)));
    assert.strictEqual(readSafetensors(f).tensors[0].values.length, 2 ** 20);
    // the duplicate-key scanner: nested objects, escaped keys, and keys only (not string values)
    assert.deepStrictEqual(duplicateKey('{"a":{"x":1,"x":2}}'), { key: 'x', path: '.a' });
    assert.deepStrictEqual(duplicateKey('{"a\\u0062":1,"ab":2}'), { key: 'ab', path: '' });
    assert.strictEqual(duplicateKey('{"a":"a","b":["a","a"],"c":{"a":1}}'), undefined);
    fs.rmSync(d, { recursive: true });
  });

  it('.pt: tensors viewing one storage share it (decoded once); the parameter total is bounded', function () {
    this.timeout(120000);
    const d = tmpdir('pt');
    const r = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import torch,sys
x = torch.arange(8, dtype=torch.float32)
torch.save({'a': x, 'b': x[2:6], 'c': x.view(2, 4).t(), **{f'v{i}': torch.zeros(1 << 18) for i in range(1)}}, sys.argv[1] + '/tied.pt')
y = torch.zeros(1 << 18)
torch.save({f't{i}': y for i in range(300)}, sys.argv[1] + '/views.pt')`,
        d,
      ],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
    );
    if (r.status !== 0) this.skip();
    const t = readPytorchStateDict(path.join(d, 'tied.pt'), fs.readFileSync(path.join(d, 'tied.pt')));
    const by = new Map(t.map(x => [x.name, x]));
    assert.deepStrictEqual(Array.from(by.get('b')!.values), [2, 3, 4, 5]);
    assert.strictEqual(by.get('b')!.values.buffer, by.get('a')!.values.buffer, 'a contiguous view shares the storage');
    assert.deepStrictEqual(Array.from(by.get('c')!.values), [0, 4, 1, 5, 2, 6, 3, 7], 'a transposed view is gathered by strides');
    // 300 × 1 MiB of parameters from one 1 MiB storage: refused by a 64 MiB budget, naming the tensor
    const buf = fs.readFileSync(path.join(d, 'views.pt'));
    withBudget(new ResourceBudget(64 * 2 ** 20), () =>
      assert.throws(
        () => readPytorchStateDict('views.pt', buf),
        userError(/^views\.pt: tensor 't\d+' \(262144 elements; \d+ tensors so far\)/),
      ),
    );
    fs.rmSync(d, { recursive: true });
  });
});

describe('issue 25: one output writer', () => {
  it('writes through a temporary name and never replaces an existing file unless asked', () => {
    const d = tmpdir('w');
    const f = path.join(d, 'sub', 'r.json');
    assert.strictEqual(writeOutput(f, 'one'), fs.realpathSync(f));
    assert.throws(() => writeOutput(f, 'two'), userError(/output file already exists/));
    assert.strictEqual(fs.readFileSync(f, 'utf8'), 'one');
    writeOutput(f, 'three', { overwrite: true });
    assert.strictEqual(fs.readFileSync(f, 'utf8'), 'three');
    fs.symlinkSync(path.join(d, 'nowhere'), path.join(d, 'dangling.json'));
    assert.throws(() => writeOutput(path.join(d, 'dangling.json'), 'x'), userError(/already exists/));
    assert.ok(!fs.existsSync(path.join(d, 'nowhere')));
    assert.deepStrictEqual(fs.readdirSync(path.join(d, 'sub')), ['r.json']);
    fs.rmSync(d, { recursive: true });
  });

  it('refuses a folder that leads outside the one the output belongs to (a symlinked derived/), before creating anything', () => {
    const d = tmpdir('derived');
    const run = path.join(d, 'run'),
      elsewhere = path.join(d, 'elsewhere');
    fs.mkdirSync(run);
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(run, 'derived'));
    const out = path.join(run, 'derived', 'step_1.special', 'model.json');
    claimOutput(out, run);
    assert.throws(() => writeOutput(out, '{}'), userError(/resolves \(through a symlink\) to .*elsewhere, outside .*run; refused/));
    assert.deepStrictEqual(fs.readdirSync(elsewhere), [], 'nothing created through the symlink');
    // the same with an explicit root, and a '..' that leaves it as text
    assert.throws(() => writeOutput(path.join(run, 'derived', 'x.onnx'), 'x', { root: run }), userError(/outside/));
    assert.throws(() => writeOutput(path.join(run, '..', 'y.onnx'), 'x', { root: run }), userError(/leaves its folder/));
    fs.rmSync(d, { recursive: true });
  });

  it('after a write failure (ENOSPC) no file is left, neither the name nor the temporary file', () => {
    const d = tmpdir('enospc');
    // a real full disk where the test runs as root and may mount a small tmpfs; else an injected failure
    let mounted = false;
    const mnt = path.join(d, 'mnt');
    fs.mkdirSync(mnt);
    if (process.getuid?.() === 0) mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status === 0;
    try {
      const f = path.join(mnt, 'report.html');
      if (!mounted) {
        writeFaults.failAfterBytes = 1000;
        writeFaults.code = 'ENOSPC';
      }
      assert.throws(
        () => writeOutput(f, Buffer.alloc(256 * 1024, 'a')),
        userError(/cannot write the output file: ENOSPC \(the disk is full\); nothing was left/),
      );
      assert.deepStrictEqual(fs.readdirSync(mnt), []);
      // a scope: the first output is removed when a later one fails
      writeFaults.failAfterBytes = undefined;
      return outputScope(async () => {
        writeOutput(path.join(mnt, 'a.json'), '{}');
        writeFaults.failAfterBytes = mounted ? undefined : 10;
        writeOutput(path.join(mnt, 'b.html'), Buffer.alloc(256 * 1024, 'b'));
      }).then(
        () => assert.fail('the scope should fail'),
        e => {
          assert.ok(isUserInputError(e), String(e));
          assert.deepStrictEqual(fs.readdirSync(mnt), []);
        },
      );
    } finally {
      writeFaults.failAfterBytes = undefined;
      setTimeout(() => {
        if (mounted) spawnSync('umount', [mnt]);
        fs.rmSync(d, { recursive: true, force: true });
      }, 100);
    }
  });

  it('after SIGINT during a job, the job’s outputs are removed and the process ends by the signal', async function () {
    this.timeout(30000);
    const d = tmpdir('sigint');
    const mod = path.join(ROOT, 'out/src/core/output.js');
    const script = `
      const { outputScope, writeOutput } = require(${JSON.stringify(mod)});
      outputScope(async () => {
        writeOutput(${JSON.stringify(path.join(d, 'untrained.onnx'))}, 'augmented, not trained yet');
        process.stdout.write('ready\\n');
        await new Promise(r => setInterval(() => {}, 1000));
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>(res => child.stdout.on('data', (b: Buffer) => /ready/.test(String(b)) && res()));
    assert.ok(fs.existsSync(path.join(d, 'untrained.onnx')));
    child.kill('SIGINT');
    const [code, sig] = await new Promise<[number | null, string | null]>(res => child.on('exit', (c, s) => res([c, s])));
    assert.strictEqual(sig, 'SIGINT', `exit ${code}`);
    assert.deepStrictEqual(fs.readdirSync(d), []);
    fs.rmSync(d, { recursive: true });
  });
});

describe('issue 25: clean terminal text', () => {
  it('escapes C0, ESC, DEL, C1 and bidi controls as visible \\uXXXX; text keeps its line breaks; JSON stays the same JSON', () => {
    const evil = 'a\x1b[2J\x1b]0;title\x07b\x7f\x9b\u202e\u2066c\r\x00';
    assert.strictEqual(termLine(evil), 'a\\u001b[2J\\u001b]0;title\\u0007b\\u007f\\u009b\\u202e\\u2066c\\u000d\\u0000');
    assert.strictEqual(termLine('x\ny'), 'x\\u000ay');
    assert.strictEqual(termText('x\ny\tz\x1b'), 'x\ny\tz\\u001b');
    const j = JSON.stringify({ [evil]: evil }, null, 2);
    assert.deepStrictEqual(JSON.parse(termText(j)), { [evil]: evil });
    assert.strictEqual(termLine('plain ünïcode → ok'), 'plain ünïcode → ok');
  });
});

describe('issue 25: configuration stays inside', () => {
  it('landscape.json and data.npz are searched up to the root, never above; data paths stay inside the config folder', () => {
    const d = tmpdir('cfg');
    const ws = path.join(d, 'ws'),
      run = path.join(ws, 'a', 'run');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(d, 'landscape.json'), JSON.stringify({ checkpoints: [{ glob: '**', data: 'x.npz' }] }));
    fs.writeFileSync(path.join(d, 'data.npz'), '');
    const ck = path.join(run, 'model.json');
    assert.deepStrictEqual(searchFolders(ck, ws), [run, path.join(ws, 'a'), ws]);
    assert.deepStrictEqual(searchFolders(ck, path.join(d, 'other')), [run], 'a checkpoint outside the root: its own folder only');
    assert.deepStrictEqual(searchFolders(ck), [run]);
    const r = resolveSettings(ck, { stop: ws });
    assert.strictEqual(r.dataFile, undefined);
    assert.match(r.how, /no dataset found/);
    fs.writeFileSync(path.join(ws, 'landscape.json'), JSON.stringify({ checkpoints: [{ glob: '**', data: '../data.npz' }] }));
    assert.throws(() => resolveSettings(ck, { stop: ws }), userError(/checkpoints\[0\]\.data\): data path '\.\.\/data\.npz' leaves/));
    fs.writeFileSync(path.join(ws, 'landscape.json'), JSON.stringify({ checkpoints: [{ glob: '**', data: path.join(d, 'data.npz') }] }));
    assert.throws(() => resolveSettings(ck, { stop: ws }), userError(/is absolute/));
    fs.symlinkSync(path.join(d, 'data.npz'), path.join(ws, 'link.npz'));
    fs.writeFileSync(path.join(ws, 'landscape.json'), JSON.stringify({ checkpoints: [{ glob: '**', data: 'link.npz' }] }));
    assert.throws(() => resolveSettings(ck, { stop: ws }), userError(/resolves \(through a symlink\)/));
    fs.writeFileSync(path.join(ws, 'landscape.json'), JSON.stringify({ checkpoints: [{ glob: '**', data: 'in/d.npz' }] }));
    assert.strictEqual(resolveSettings(ck, { stop: ws }).dataFile, path.join(ws, 'in', 'd.npz'));
    fs.rmSync(d, { recursive: true });
  });
});

describe('issue 25: flags and tables', () => {
  it('integer flags parse strictly, within their range', () => {
    const p = intArg('--chunk-size');
    assert.strictEqual(p('16'), 16);
    for (const bad of ['0', '', ' 5', '5 ', '1e3', '0x10', '2.0', '-1', '+3', '99999999999999999999'])
      assert.throws(() => p(bad), /--chunk-size must be an integer from 1 to 1048576/, bad);
    assert.throws(() => intArg('--threads')('10000'), /--threads must be an integer from 1 to \d+ threads \(4 × the \d+ cores\)/);
    assert.strictEqual(intArg('--max-resident-mb')('0'), 0);
  });

  it('lookup tables keyed by names from files find only their own keys', () => {
    const t = table({ F32: 4 });
    assert.strictEqual(t.F32, 4);
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) assert.strictEqual(t[k], undefined, k);
    assert.ok(Object.isFrozen(t));
  });

  it('ONNX: Transpose perm must permute the input axes; the opset must be in the supported range', () => {
    const g = (perm: number[]) => ({
      node: [{ opType: 'Transpose', name: 't', input: ['x'], output: ['y'], attribute: [{ name: 'perm', ints: perm }] }],
      input: [{ name: 'x', type: { tensorType: { shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } }],
      output: [{ name: 'y' }],
    });
    const run = (perm: number[], opset = 17) =>
      validateOnnxGraph(g(perm) as unknown as Parameters<typeof validateOnnxGraph>[0], new Map(), { file: 'm.onnx', opset });
    assert.strictEqual(run([1, 0]).length, 1);
    assert.throws(() => run([2, 0, 1]), userError(/Transpose node 't': perm \[2, 0, 1\] is not a permutation of the 2 axes/));
    assert.throws(() => run([0, 0]), userError(/perm \[0, 0\] is not a permutation/));
    assert.throws(
      () => run([1, 0], 99),
      userError(/m\.onnx \(field opset_import\): imports opset 99 of the default domain; supported: 1 to \d+/),
    );
    assert.throws(() => run([1, 0], -5), userError(/imports opset -5/));
  });
});

describe('issue 25: no bare fs reads or writes of user paths', () => {
  it('the lint rule flags fs.readFileSync / writeFileSync / openSync outside safeFs.ts and output.ts', function () {
    this.timeout(120000);
    const d = path.join(ROOT, 'src', 'core', `__lint_probe_${process.pid}.ts`);
    fs.writeFileSync(
      d,
      "import * as fs from 'fs';\nexport const a = (f: string) => fs.readFileSync(f);\nexport const b = (f: string) => fs.writeFileSync(f, 'x');\n",
    );
    try {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', d], {
        encoding: 'utf8',
        cwd: ROOT,
      });
      const msgs = (JSON.parse(r.stdout) as { messages: { ruleId: string }[] }[])[0].messages.filter(
        m => m.ruleId === 'no-restricted-properties',
      );
      assert.strictEqual(msgs.length, 2, r.stdout.slice(0, 800));
    } finally {
      fs.rmSync(d);
    }
  });
});

void MLP;
