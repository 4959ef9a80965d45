/**
 * Training-log readers on real-writer fixtures (tensorboardX, TF2-format tensor scalars framed by
 * tensorboardX, Keras CSVLogger and Lightning metrics.csv layouts, JSONL), incremental parsing
 * split at every byte boundary, tailing while another process appends, truncation, corrupt CRCs,
 * fuzzing, runs and checkpoint-to-step matching, downsampling, and `landscape logs --follow`.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { crc32c, maskedCrc32c } from '../../src/core/logs/crc32c';
import { CsvParser } from '../../src/core/logs/csv';
import { JsonlParser } from '../../src/core/logs/jsonl';
import { TfEventsParser } from '../../src/core/logs/tfevents';
import { LogParser, SeriesStore } from '../../src/core/logs/series';
import { LogTail } from '../../src/core/logs/tail';
import { discoverRuns, refreshRun, stepFromPath, matchByTime } from '../../src/core/logs/runs';
import { downsampleMinMax } from '../../src/core/logs/downsample';

const ROOT = path.resolve(__dirname, '../../..');
const FX = path.join(ROOT, 'test/fixtures/logs');
const expected = JSON.parse(fs.readFileSync(path.join(FX, 'expected.json'), 'utf8')) as Record<
  string,
  Record<string, [number, number, number | null][]>
>;
const eventFile = (run: string) =>
  path.join(
    FX,
    run,
    fs.readdirSync(path.join(FX, run)).find(f => f.startsWith('events.out.tfevents.'))!,
  );
const FILES: Record<string, [string, () => LogParser]> = {
  tbx_run: [eventFile('tbx_run'), () => new TfEventsParser()],
  tf2_run: [eventFile('tf2_run'), () => new TfEventsParser()],
  keras: [path.join(FX, 'keras/training.csv'), () => new CsvParser()],
  lightning: [path.join(FX, 'lightning/metrics.csv'), () => new CsvParser()],
  jsonl: [path.join(FX, 'jsonl/log.jsonl'), () => new JsonlParser()],
};

function parseAll(parser: LogParser, chunks: Uint8Array[]): SeriesStore {
  const store = new SeriesStore();
  for (const c of chunks) parser.push(c, store.sink);
  return store;
}

function checkAgainst(store: SeriesStore, exp: Record<string, [number, number, number | null][]>, tol: number): void {
  assert.deepStrictEqual(store.tags().sort(), Object.keys(exp).sort());
  for (const [tag, pts] of Object.entries(exp)) {
    const s = store.get(tag)!;
    assert.strictEqual(s.values.length, pts.length, `${tag}: ${s.values.length} points, expected ${pts.length}`);
    pts.forEach(([step, value, wall], i) => {
      assert.strictEqual(s.steps[i], step, `${tag}[${i}] step`);
      assert.ok(Math.abs(s.values[i] - value) <= tol * Math.max(1, Math.abs(value)), `${tag}[${i}] value ${s.values[i]} vs ${value}`);
      if (wall === null) assert.ok(Number.isNaN(s.wallTimes[i]));
      else assert.ok(Math.abs(s.wallTimes[i] - wall) < 1e-6, `${tag}[${i}] wall ${s.wallTimes[i]} vs ${wall}`);
    });
  }
}

describe('CRC-32C', () => {
  it('matches the RFC 3720 test vectors and the standard check value', () => {
    assert.strictEqual(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
    assert.strictEqual(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.strictEqual(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.strictEqual(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.strictEqual(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
    // masked form as TFRecord uses it: ((c >>> 15) | (c << 17)) + 0xa282ead8
    const c = 0xe3069283;
    assert.strictEqual(maskedCrc32c(new TextEncoder().encode('123456789')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });
});

describe('log readers on real-writer fixtures', () => {
  for (const [name, [file, make]] of Object.entries(FILES)) {
    it(`${name}: every scalar series, steps and wall times; non-scalars skipped`, () => {
      const p = make();
      const store = parseAll(p, [fs.readFileSync(file)]);
      checkAgainst(store, expected[name], name.endsWith('_run') ? 0 : 1e-12);
      assert.strictEqual(p.stats.skipped, 0);
    });
  }

  it('incremental parsing gives the same series when the bytes are split at every boundary', () => {
    for (const [name, [file, make]] of Object.entries(FILES)) {
      const bytes = new Uint8Array(fs.readFileSync(file));
      const whole = parseAll(make(), [bytes]);
      for (let k = 0; k <= bytes.length; k++) {
        const split = parseAll(make(), [bytes.subarray(0, k), bytes.subarray(k)]);
        assert.deepStrictEqual(split.all(), whole.all(), `${name} split at byte ${k}`);
      }
      // and byte by byte
      const single = parseAll(
        make(),
        Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)),
      );
      assert.deepStrictEqual(single.all(), whole.all(), `${name} byte by byte`);
    }
  });
});

describe('corrupt TensorBoard records', () => {
  const bytes = new Uint8Array(fs.readFileSync(FILES.tbx_run[0]));
  // record boundaries
  const starts: number[] = [];
  for (let p = 0; p < bytes.length;) {
    starts.push(p);
    const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(p, true);
    p += 16 + len;
  }

  it('a bad data CRC skips that record only, with a warning', () => {
    const bad = bytes.slice();
    const r = starts[5];
    bad[r + 14] ^= 0x40; // inside the data of record 5
    const p = new TfEventsParser();
    const store = parseAll(p, [bad]);
    const good = parseAll(new TfEventsParser(), [bytes]);
    assert.strictEqual(p.corrupt, 1);
    assert.match(p.stats.warnings[0], new RegExp(`bad data CRC in the record at byte ${r}`));
    const lost = good.all().reduce((a, s) => a + s.values.length, 0) - store.all().reduce((a, s) => a + s.values.length, 0);
    assert.ok(lost <= 2 && lost >= 1, `lost ${lost} points`);
  });

  it('a bad length CRC resynchronises on the next record', () => {
    const bad = bytes.slice();
    bad[starts[7] + 9] ^= 0x01;
    const p = new TfEventsParser();
    const store = parseAll(p, [bad]);
    assert.strictEqual(p.corrupt, 1);
    assert.ok(store.get('train/loss')!.values.length >= expected.tbx_run['train/loss'].length - 2);
    assert.strictEqual(store.get('train/loss')!.steps.at(-1), 290);
  });
});

describe('fuzzing the readers (10,000+ cases: no crash, no hang)', function () {
  this.timeout(120000);
  const seeds = Object.values(FILES).map(([f, make]) => [new Uint8Array(fs.readFileSync(f)), make] as const);
  it('mutated fixtures and random bytes', () => {
    let cases = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), { maxLength: 8 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 64 }),
        (which, edits, cut, junk) => {
          cases++;
          const [src, make] = seeds[which];
          let b = Array.from(src);
          for (const [pos, val, op] of edits) {
            const i = pos % (b.length + 1);
            if (op === 0) b[i % b.length] = val;
            else if (op === 1) b.splice(i, 1);
            else if (op === 2) b.splice(i, 0, val);
            else b = b.slice(0, i);
          }
          const bytes = Uint8Array.from([...b, ...junk]);
          const k = bytes.length ? cut % bytes.length : 0;
          const p = make();
          parseAll(p, [bytes.subarray(0, k), bytes.subarray(k)]); // a hang is caught by the test's timeout, never by a clock
          return true;
        },
      ),
      { numRuns: 10500, seed: 42 },
    );
    assert.ok(cases >= 10000, `${cases} cases`);
  });
});

describe('tailing a growing log', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-tail-'));

  it('another process appends lines and records in random pieces: nothing missed or duplicated', async () => {
    for (const [name, [file, make]] of Object.entries(FILES)) {
      const target = path.join(tmp, `${name}-${path.basename(file)}`);
      fs.writeFileSync(target, '');
      const tail = new LogTail(target, make());
      const writer = spawn(process.execPath, [
        '-e',
        `
        const fs = require('fs'); const src = fs.readFileSync(${JSON.stringify(file)});
        let p = 0; let seed = 7; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        (function step() {
          if (p >= src.length) return;
          const n = 1 + Math.floor(rnd() * 97);
          fs.appendFileSync(${JSON.stringify(target)}, src.subarray(p, p + n)); p += n;
          setTimeout(step, rnd() < 0.2 ? 2 : 0);
        })();`,
      ]);
      const done = new Promise<void>(r => writer.on('exit', () => r()));
      let finished = false;
      void done.then(() => {
        finished = true;
      });
      while (!finished) {
        tail.poll();
        await new Promise(r => setTimeout(r, 3));
      }
      tail.poll();
      checkAgainst(tail.store, expected[name], name.endsWith('_run') ? 0 : 1e-12);
    }
  });

  it('truncation and replacement restart from zero', () => {
    const f = path.join(tmp, 'trunc.csv');
    fs.writeFileSync(f, 'step,loss\n1,0.5\n2,0.4\n3,0.3\n');
    const tail = new LogTail(f, new CsvParser());
    tail.poll();
    assert.strictEqual(tail.store.get('loss')!.values.length, 3);
    fs.writeFileSync(f, 'step,loss\n1,9\n'); // truncated and rewritten (shorter)
    const u = tail.poll();
    assert.ok(u.reset);
    assert.deepStrictEqual(Array.from(tail.store.get('loss')!.values), [9]);
    // replaced by a new file (new inode) of greater length
    const g = path.join(tmp, 'trunc2.csv');
    fs.writeFileSync(g, 'step,acc\n1,0.1\n2,0.2\n3,0.3\n4,0.4\n');
    fs.renameSync(g, f);
    assert.ok(tail.poll().reset);
    assert.deepStrictEqual(tail.store.tags(), ['acc']);
    assert.strictEqual(tail.store.get('acc')!.values.length, 4);
  });
});

describe('runs and checkpoint steps', () => {
  it('reads step numbers from checkpoint names', () => {
    const cases: [string, number, string][] = [
      ['ckpt/epoch_12/model.json', 12, 'epoch'],
      ['model-epoch=12.keras', 12, 'epoch'],
      ['step-3000.onnx', 3000, 'step'],
      ['ckpt-5/model.json', 5, 'index'],
      ['checkpoint_0003.safetensors', 3, 'index'],
      ['weights.17.h5', 17, 'number'],
      ['global_step_400/model.json', 400, 'step'],
    ];
    for (const [p, step, by] of cases) assert.deepStrictEqual(stepFromPath(p), { step, by }, p);
    assert.strictEqual(stepFromPath('model.json'), undefined);
  });

  it('groups logs and checkpoints into runs and matches checkpoints by name or by time', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-runs-'));
    const run = path.join(tmp, 'exp1');
    fs.mkdirSync(path.join(run, 'ckpt', 'epoch_3'), { recursive: true });
    fs.writeFileSync(
      path.join(run, 'log.jsonl'),
      [1, 2, 3, 4].map(s => JSON.stringify({ step: s * 100, time: 1000 + s, loss: 1 / s })).join('\n') + '\n',
    );
    fs.writeFileSync(path.join(run, 'ckpt', 'epoch_3', 'model.json'), '{}');
    fs.writeFileSync(path.join(run, 'final.keras'), '');
    fs.utimesSync(path.join(run, 'final.keras'), 1002.5, 1002.5); // written between the 2nd and 3rd log points
    fs.mkdirSync(path.join(tmp, 'tb'), { recursive: true });
    fs.copyFileSync(FILES.tbx_run[0], path.join(tmp, 'tb', path.basename(FILES.tbx_run[0])));
    const runs = discoverRuns(tmp);
    assert.deepStrictEqual(
      runs.map(r => r.name),
      ['exp1', 'tb'],
    );
    for (const r of runs) refreshRun(r);
    const e = runs[0];
    const byName = Object.fromEntries(
      e.checkpoints.map(c => [path.basename(c.path) === 'model.json' ? 'epoch_3' : path.basename(c.path), c]),
    );
    assert.strictEqual(byName.epoch_3.step, 3);
    assert.strictEqual(byName.epoch_3.by, 'epoch');
    assert.strictEqual(byName['final.keras'].step, 200);
    assert.strictEqual(byName['final.keras'].by, 'mtime');
    assert.strictEqual(runs[1].logs[0].tail.store.get('train/loss')!.values.length, 30);
    assert.strictEqual(matchByTime([], 5), undefined);
  });

  it('checkpoints written beside a TF.js model (model.<tag>.json) join its run; other model.*.json files do not', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-runs-'));
    const d = path.join(tmp, 'run', 'step_600');
    fs.mkdirSync(d, { recursive: true });
    const tfjs = JSON.stringify({ format: 'layers-model', generatedBy: 'x', modelTopology: {}, weightsManifest: [] });
    fs.writeFileSync(path.join(d, 'model.json'), tfjs);
    fs.writeFileSync(path.join(d, 'model.special.json'), tfjs);
    fs.writeFileSync(path.join(d, 'model.perturbed.2.json'), JSON.stringify({ modelTopology: {}, format: 'layers-model' }));
    fs.writeFileSync(path.join(d, 'model.config.json'), JSON.stringify({ hidden: 32, lr: 0.1 }));
    const runs = discoverRuns(tmp);
    assert.strictEqual(runs.length, 1);
    assert.strictEqual(runs[0].dir, path.join(tmp, 'run'), 'the run is the folder above the checkpoint folders');
    assert.deepStrictEqual(runs[0].checkpoints.map(c => path.basename(c.path)).sort(), [
      'model.json',
      'model.perturbed.2.json',
      'model.special.json',
    ]);
    assert.ok(runs[0].checkpoints.every(c => c.step === 600));
  });

  it("checkpoints in the run's derived/ folder join the run, take their source's step and are linked to it", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-runs-'));
    const run = path.join(tmp, 'run');
    const tfjs = JSON.stringify({ format: 'layers-model', generatedBy: 'x', modelTopology: {}, weightsManifest: [] });
    for (const d of [
      'step_600',
      'step_4000',
      'derived/step_4000.special',
      'derived/step_4000.special.trained',
      'derived/step_600.perturbed.2',
      'derived/notes',
    ]) {
      fs.mkdirSync(path.join(run, d), { recursive: true });
      fs.writeFileSync(path.join(run, d, 'model.json'), tfjs);
    }
    fs.writeFileSync(path.join(run, 'ckpt_7.onnx'), 'x');
    fs.writeFileSync(path.join(run, 'derived', 'ckpt_7.perturbed.onnx'), 'x');
    const runs = discoverRuns(tmp);
    assert.deepStrictEqual(
      runs.map(r => r.dir),
      [run],
      'one run: derived/ is not a run of its own',
    );
    const by = (rel: string) => runs[0].checkpoints.find(c => c.path === path.join(run, rel))!;
    assert.deepStrictEqual(by('derived/step_4000.special/model.json').derived, {
      tags: [{ tag: 'special', n: 1 }],
      from: path.join(run, 'step_4000', 'model.json'),
    });
    assert.deepStrictEqual(by('derived/step_4000.special.trained/model.json').derived, {
      tags: [
        { tag: 'special', n: 1 },
        { tag: 'trained', n: 1 },
      ],
      from: path.join(run, 'step_4000', 'model.json'),
    });
    assert.deepStrictEqual(by('derived/step_600.perturbed.2/model.json').derived, {
      tags: [{ tag: 'perturbed', n: 2 }],
      from: path.join(run, 'step_600', 'model.json'),
    });
    assert.deepStrictEqual(by('derived/ckpt_7.perturbed.onnx').derived, {
      tags: [{ tag: 'perturbed', n: 1 }],
      from: path.join(run, 'ckpt_7.onnx'),
    });
    assert.strictEqual(by('derived/notes/model.json').derived, undefined, 'a folder without surgery tags is an ordinary checkpoint');
    assert.strictEqual(by('derived/step_4000.special.trained/model.json').step, 4000);
    assert.strictEqual(by('derived/step_600.perturbed.2/model.json').step, 600);
    assert.strictEqual(by('derived/ckpt_7.perturbed.onnx').step, 7);
    assert.strictEqual(by('step_4000/model.json').derived, undefined);
  });
});

describe('downsampling for charts', () => {
  it('keeps every spike and at most 4 points per bucket', () => {
    const n = 100000;
    const steps = Float64Array.from({ length: n }, (_, i) => i);
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000));
    values[31337] = 50;
    values[77777] = -50;
    const d = downsampleMinMax(steps, values, 2000);
    assert.ok(d.values.length <= 2000);
    assert.ok(d.values.includes(50) && d.values.includes(-50));
    assert.ok(
      d.steps.every((s, i) => i === 0 || s > d.steps[i - 1]),
      'in step order',
    );
  });
});

describe('landscape logs (CLI bundle)', function () {
  this.timeout(60000);
  const CLI = path.join(ROOT, 'dist', 'cli.js');

  it('--json prints the runs and series; --tag filters', () => {
    const r = spawnSync(process.execPath, [CLI, 'logs', FX, '--json', '--tag', 'loss'], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const names = j.runs.map((x: { name: string }) => x.name).sort();
    assert.deepStrictEqual(names, ['jsonl', 'keras', 'lightning', 'tbx_run', 'tf2_run']);
    const tags = j.runs.flatMap((x: { series: { tag: string }[] }) => x.series.map(s => s.tag)).sort();
    assert.deepStrictEqual(tags, ['loss', 'loss', 'train/loss', 'val/loss'].sort());
    const bad = spawnSync(process.execPath, [CLI, 'logs', path.join(FX, 'nope')], { encoding: 'utf8' });
    assert.strictEqual(bad.status, 2);
    assert.match(bad.stderr, /nope.*no such file or folder/);
  });

  it('--follow prints each point another process appends exactly once, in order', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-follow-'));
    const f = path.join(tmp, 'metrics.csv');
    fs.writeFileSync(f, 'step,loss\n0,1\n');
    // --for is only a safety net: the test stops the CLI once it has printed the sentinel point
    const cli = spawn(process.execPath, [CLI, 'logs', f, '--follow', '--json', '--interval', '20', '--for', '300000']);
    const exited = new Promise(r => cli.on('exit', r));
    let out = '';
    const waiters: { test: () => boolean; resolve: () => void }[] = [];
    const whenOut = (test: () => boolean) =>
      new Promise<void>(resolve => {
        if (test()) resolve();
        else waiters.push({ test, resolve });
      });
    cli.stdout.on('data', d => {
      out += d;
      for (const w of waiters.splice(0)) {
        if (w.test()) w.resolve();
        else waiters.push(w);
      }
    });
    cli.on('exit', () => {
      for (const w of waiters.splice(0)) w.resolve();
    });
    try {
      await whenOut(() => out.includes('\n')); // the first snapshot: the CLI is following now
      const N = 400;
      const writer = spawn(process.execPath, [
        '-e',
        `
        const fs = require('fs'); let s = 1; const lines = [];
        for (let i = 1; i <= ${N}; i++) lines.push(i + ',' + (1 / (i + 1)) + '\\n');
        const text = lines.join(''); let p = 0;
        (function go() { if (p >= text.length) return; const n = 1 + ((p * 7919) % 53); fs.appendFileSync(${JSON.stringify(f)}, text.slice(p, p + n)); p += n; setTimeout(go, 1); })();`,
      ]);
      await new Promise(r => writer.on('exit', r));
      // a sentinel point after all of them: once it is printed, everything before it has been read
      fs.appendFileSync(f, `${N + 1},0\n`);
      const printedSentinel = () =>
        out
          .split('\n')
          .slice(1, -1)
          .some(l => (JSON.parse(l) as { step?: number }).step === N + 1);
      await whenOut(printedSentinel);
      assert.strictEqual(
        cli.exitCode,
        null,
        `the CLI was still following when the sentinel was written (exit ${cli.exitCode}); output:\n${out.slice(-500)}`,
      );
      const lines = out.trim().split('\n');
      const first = JSON.parse(lines[0]);
      assert.strictEqual(first.runs[0].series[0].values.length, 1);
      const pts = lines
        .slice(1)
        .map(l => JSON.parse(l))
        .filter(p => p.step <= N);
      assert.deepStrictEqual(
        pts.map(p => p.step),
        Array.from({ length: N }, (_, i) => i + 1),
      );
      pts.forEach(p => assert.ok(Math.abs(p.value - 1 / (p.step + 1)) < 1e-15));
    } finally {
      cli.kill();
      await exited;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
