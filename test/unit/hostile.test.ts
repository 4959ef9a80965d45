/**
 * Issue 16, hostile and broken input: every case of the hostile corpus (test/fixtures/hostile/
 * make-hostile.ts: symlinks out of the checkpoint folder, /dev/zero, FIFOs, a stride-0 .pt, a
 * backtracking glob, bad CRCs, zip64 junk, flags beyond the model, …) run through the built CLI
 * bundle must end with exit 2 and a one-line error naming the file and what is wrong — never a
 * hang, a crash or a read outside the folder. The child's timeout is only a safety net; the
 * assertions are on the outcome. Also: log rewrites in place (tail reset), output files, the
 * streaming CSV reader and the glob matcher on their own.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeHostile, SECRET_TEXT, stride0Pt, badCrcNpz } from '../fixtures/hostile/make-hostile';
import { LogTail } from '../../src/core/logs/tail';
import { CsvParser } from '../../src/core/logs/csv';
import { compileGlob } from '../../src/core/glob';
import { linesOfFile } from '../../src/core/data/tabular';
import { readPytorchStateDict } from '../../src/core/formats/pytorch';
import { readZip } from '../../src/core/data/zip';
import { prepareOutputs, writeAllNew } from '../../src/cli/output';
import { containedPath } from '../../src/core/safeFs';
import { isUserInputError } from '../../src/core/errors';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MLP = path.join(ROOT, 'test/fixtures/tfjs/mlp-regression');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000, env: { ...process.env, NO_COLOR: '1' } });
}

describe('hostile corpus through the CLI bundle (issue 16)', function () {
  this.timeout(120000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-hostile-'));
  const cases = makeHostile(tmp);
  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const c of cases) {
    it(`${c.name} → exit ${c.code}, ${c.error.source.slice(0, 50)}…`, () => {
      const atimes = (c.untouched ?? []).map(f => fs.statSync(f).atimeMs);
      const r = cli(...c.args);
      assert.notStrictEqual(r.signal, 'SIGTERM', `hung (killed by the safety-net timeout): ${c.args.join(' ')}`);
      assert.strictEqual(r.status, c.code, `exit ${r.status}; stderr: ${r.stderr.slice(0, 800)}`);
      assert.ok(c.error.test(r.stderr), `stderr does not match ${c.error}: ${r.stderr.slice(0, 800)}`);
      assert.ok(!/internal error|\n\s+at /.test(r.stderr), `a stack trace: ${r.stderr.slice(0, 800)}`);
      assert.ok(!(r.stdout + r.stderr).includes(SECRET_TEXT.trim()), 'the fake secret leaked');
      (c.untouched ?? []).forEach((f, i) => assert.strictEqual(fs.statSync(f).atimeMs, atimes[i], `${f} was read`));
    });
  }
});

describe('hostile input in the core (issue 16)', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-hostile-core-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a stride-0 .pt view of 2^31 elements is refused before allocating, naming the tensor and its size', () => {
    assert.throws(
      () => readPytorchStateDict('s0.pt', stride0Pt()),
      (e: Error) => isUserInputError(e) && /tensor 'w' declares size \(2147483648\)/.test(e.message),
    );
  });

  it('a zip member with a wrong CRC-32 is refused, naming the member', () => {
    assert.throws(
      () => readZip(badCrcNpz(), 'bad.npz'),
      (e: Error) => isUserInputError(e) && /zip member 'x\.npy' fails its CRC-32 check/.test(e.message),
    );
    // and the intact archive passes the same check
    assert.strictEqual(readZip(fs.readFileSync(path.join(MLP, 'data.npz')), 'data.npz').size, 2);
  });

  it('globs: linear-time matching of **a**a…**X, semantics of **, */, ?, {a,{b,c}}', () => {
    const bomb = compileGlob('**a'.repeat(300) + '**X');
    assert.strictEqual(bomb.test('a'.repeat(2000)), false);
    assert.strictEqual(bomb.test('a'.repeat(300) + 'X'), true);
    assert.ok(compileGlob('runs/**/model.json').test('runs/model.json'));
    assert.ok(compileGlob('runs/**/model.json').test('runs/a/b/model.json'));
    assert.ok(!compileGlob('runs/*/model.json').test('runs/a/b/model.json'));
    assert.ok(compileGlob('{a,{b,c}}/?.onnx').test('c/x.onnx') && !compileGlob('{a,{b,c}}/?.onnx').test('d/x.onnx'));
    assert.ok(compileGlob('x{y').test('x{y'));
    assert.throws(() => compileGlob('a'.repeat(1001)), /1001 characters long \(limit 1000\)/);
    assert.throws(() => compileGlob('{a,b}'.repeat(11)), /more than 1024 alternatives/);
  });

  it('containedPath resolves symlinks: a link inside the folder to a file inside is accepted, one to outside refused', () => {
    const d = path.join(tmp, 'contain');
    fs.mkdirSync(path.join(d, 'in'), { recursive: true });
    fs.writeFileSync(path.join(d, 'in', 'a.bin'), 'x');
    fs.writeFileSync(path.join(d, 'out.bin'), 'x');
    fs.symlinkSync(path.join(d, 'in', 'a.bin'), path.join(d, 'in', 'link.bin'));
    fs.symlinkSync(path.join(d, 'out.bin'), path.join(d, 'in', 'escape.bin'));
    assert.strictEqual(
      containedPath(path.join(d, 'in'), 'link.bin', 'shard', { file: 'm.json' }),
      fs.realpathSync(path.join(d, 'in', 'a.bin')),
    );
    assert.throws(() => containedPath(path.join(d, 'in'), 'escape.bin', 'shard', { file: 'm.json' }), /resolves \(through a symlink\)/);
    assert.throws(() => containedPath(path.join(d, 'in'), '../out.bin', 'shard', { file: 'm.json' }), /leaves the checkpoint's folder/);
    assert.throws(() => containedPath(path.join(d, 'in'), '/etc/hostname', 'shard', { file: 'm.json' }), /is absolute/);
  });

  it('CSV lines are streamed: lines split across chunk boundaries, CRLF, blank lines and a last line without newline', () => {
    const f = path.join(tmp, 'lines.csv');
    const lines = ['a,b,y', ...Array.from({ length: 200 }, (_, i) => `${i},${i * 0.5},${i % 3}`)];
    fs.writeFileSync(f, lines.join('\r\n') + '\n\n' + '7,8,9');
    const got = [...linesOfFile(f, 7)];
    assert.deepStrictEqual(
      got.map(l => l[0]),
      [...lines, '7,8,9'],
    );
    assert.strictEqual(got[got.length - 1][1], lines.length + 2);
  });

  it('logs --follow: a log truncated in place and regrown past its old size before the next poll is re-read from the start, with a reset event', () => {
    const f = path.join(tmp, 'metrics.csv');
    fs.writeFileSync(f, 'step,loss\n1,0.9\n2,0.8\n');
    const tail = new LogTail(f, new CsvParser());
    const resets: string[] = [];
    tail.on('reset', (why: string) => resets.push(why));
    tail.poll();
    assert.deepStrictEqual(Array.from(tail.store.get('loss')!.values), [0.9, 0.8]);
    const ino = fs.statSync(f).ino;
    // same inode, rewritten from byte 0 and longer than before: neither a size drop nor a new file
    const fd = fs.openSync(f, 'r+');
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, 'step,loss\n1,0.5\n2,0.4\n3,0.3\n4,0.2\n', 0);
    fs.closeSync(fd);
    assert.strictEqual(fs.statSync(f).ino, ino);
    const u = tail.poll();
    assert.strictEqual(u.reset, true);
    assert.deepStrictEqual(resets, ['rewritten']);
    assert.deepStrictEqual(Array.from(tail.store.get('loss')!.values), [0.5, 0.4, 0.3, 0.2]);
    assert.deepStrictEqual(Array.from(tail.store.get('loss')!.steps), [1, 2, 3, 4]);
    // plain appends are not resets
    fs.appendFileSync(f, '5,0.1\n');
    assert.strictEqual(tail.poll().reset, false);
    assert.deepStrictEqual(resets, ['rewritten']);
    assert.strictEqual(tail.store.get('loss')!.values.length, 5);
  });

  it('outputs: missing parent folders are created, existing files and unwritable paths refused before the work, earlier outputs removed when a later one fails', () => {
    const deep = path.join(tmp, 'out', 'a', 'b', 'r.json');
    prepareOutputs([deep]);
    assert.ok(fs.existsSync(path.dirname(deep)) && !fs.existsSync(deep), 'folder created, no file left behind');
    const existing = path.join(tmp, 'out', 'exists.json');
    fs.writeFileSync(existing, 'mine');
    assert.throws(
      () => prepareOutputs([deep, existing]),
      (e: Error) => isUserInputError(e) && /exists\.json: output file already exists/.test(e.message),
    );
    assert.throws(() => prepareOutputs([deep, deep]), /named twice/);
    const underFile = path.join(existing, 'x.json'); // a path whose "folder" is a file: ENOTDIR/EEXIST
    assert.throws(
      () => prepareOutputs([underFile]),
      (e: Error) => isUserInputError(e) && e.message.includes(underFile),
    );
    writeAllNew(
      [
        { file: deep, text: () => '{}' },
        { file: existing, text: () => 'x' },
      ].slice(0, 1),
    );
    assert.ok(fs.existsSync(deep));
    fs.unlinkSync(deep);
    assert.throws(
      () =>
        writeAllNew([
          { file: deep, text: () => '{}' },
          { file: existing, text: () => 'x' },
        ]),
      /already exists/,
    );
    assert.ok(!fs.existsSync(deep), 'the first output was removed when the second failed');
    assert.strictEqual(fs.readFileSync(existing, 'utf8'), 'mine', 'the user file is untouched');
  });

  it('diagnose --out into a missing folder writes it; an existing --html is refused before the work and nothing is written', function () {
    if (!fs.existsSync(CLI)) this.skip();
    const out = path.join(tmp, 'cli-out', 'x', 'r.json');
    const r = cli('diagnose', path.join(MLP, 'model.json'), '--data', path.join(MLP, 'data.npz'), '--out', out);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(JSON.parse(fs.readFileSync(out, 'utf8')).loss > 0);
    const out2 = path.join(tmp, 'cli-out', 'y.json');
    // --top 100000 would fail after the checkpoint is read: the output check comes first
    const r2 = cli(
      'diagnose',
      path.join(MLP, 'model.json'),
      '--data',
      path.join(MLP, 'data.npz'),
      '--out',
      out2,
      '--html',
      out,
      '--top',
      '100000',
    );
    assert.strictEqual(r2.status, 2, r2.stderr);
    assert.ok(/r\.json: output file already exists/.test(r2.stderr), r2.stderr);
    assert.ok(!fs.existsSync(out2));
  });
});
