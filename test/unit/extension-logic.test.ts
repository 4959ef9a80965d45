/**
 * Pure logic behind the editor experience (no VS Code): the job queue (priorities, sharing,
 * cancellation), the watcher debouncer (a burst of 1,000 files → each once), curve smoothing
 * (debiased EMA, moving average, clipping, x modes), checkpoint-path extraction for hovers, the
 * heat-map contours, and the worker client against the real dist/worker.js (cancel ≤ 1 s, a
 * killed worker restarts and the next job runs).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { JobQueue, JobError, Executor } from '../../src/extension/jobQueue';
import { BatchDebouncer, isIgnoredPath, Timers } from '../../src/extension/batch';
import { emaDebiased, movingAverage, smooth, clipRange, xValues, decimate, toCsv } from '../../webview/smooth';
import {
  stringLiteralAt,
  pathCandidateAt,
  pathCandidates,
  literalToPath,
  isLoaderArgument,
  unquotedPaths,
} from '../../src/extension/pathLiterals';
import { contourSegments, heatmapColor } from '../../webview/heatmap';
import { WorkerClient } from '../../src/extension/workerClient';

const ROOT = path.resolve(__dirname, '../../..');

/** An executor whose jobs finish when the test says so. */
function fakeExec() {
  const started: { req: string; resolve(v: string): void; reject(e: Error): void; cancelled: boolean }[] = [];
  const exec: Executor<string, string> = req => {
    let resolve!: (v: string) => void, reject!: (e: Error) => void;
    const promise = new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const s = { req, resolve, reject, cancelled: false };
    started.push(s);
    return {
      promise,
      cancel: () => {
        s.cancelled = true;
        reject(new JobError('cancelled', false, true));
      },
    };
  };
  return { exec, started };
}
const tick = () => new Promise(r => setImmediate(r));

describe('job queue', () => {
  it('runs one job at a time, highest priority first, ties in arrival order', async () => {
    const { exec, started } = fakeExec();
    const q = new JobQueue(exec);
    const a = q.enqueue('a', { key: 'a', priority: 1 });
    q.enqueue('b', { key: 'b', priority: 1 });
    q.enqueue('c', { key: 'c', priority: 5 });
    q.enqueue('d', { key: 'd', priority: 1 });
    assert.deepStrictEqual(
      started.map(s => s.req),
      ['a'],
    );
    assert.deepStrictEqual(
      q.queued.map(j => j.key),
      ['c', 'b', 'd'],
    );
    started[0].resolve('A');
    assert.strictEqual(await a.promise, 'A');
    await tick();
    assert.deepStrictEqual(
      started.map(s => s.req),
      ['a', 'c'],
    );
    started[1].resolve('C');
    await tick();
    await tick();
    started[2].resolve('B');
    await tick();
    await tick();
    started[3].resolve('D');
    await tick();
    await tick();
    assert.deepStrictEqual(
      started.map(s => s.req),
      ['a', 'c', 'b', 'd'],
    );
    assert.strictEqual(q.size, 0);
    assert.strictEqual(q.stats.completed, 4);
  });

  it('raise: the queued jobs of the checkpoint the user looks at go first; running and higher ones are untouched', async () => {
    const { exec, started } = fakeExec();
    const q = new JobQueue(exec);
    q.enqueue('run', { key: 'run', priority: 10 });
    for (const k of ['a', 'b', 'c', 'd']) q.enqueue(k, { key: k, priority: 10 });
    q.enqueue('e', { key: 'e', priority: 95 });
    assert.strictEqual(
      q.raise(r => r === 'c' || r === 'run' || r === 'e', 90),
      1,
      'only c: run is running, e is higher already',
    );
    assert.deepStrictEqual(
      q.queued.map(j => j.key),
      ['e', 'c', 'a', 'b', 'd'],
    );
    assert.strictEqual(
      q.raise(r => r === 'zzz', 90),
      0,
    );
    started[0].resolve('x');
    await tick();
    await tick();
    assert.deepStrictEqual(
      started.map(s => s.req),
      ['run', 'e'],
    );
  });

  it('shares a job with the same key (queued or running) and raises its priority', async () => {
    const { exec, started } = fakeExec();
    const q = new JobQueue(exec);
    q.enqueue('x', { key: 'x' });
    const lo = q.enqueue('y', { key: 'y', priority: 1 });
    q.enqueue('z', { key: 'z', priority: 2 });
    const again = q.enqueue('y', { key: 'y', priority: 9 });
    const running = q.enqueue('x', { key: 'x' });
    assert.ok(again.shared && running.shared);
    assert.strictEqual(again.promise, lo.promise);
    assert.deepStrictEqual(
      q.queued.map(j => [j.key, j.priority]),
      [
        ['y', 9],
        ['z', 2],
      ],
    );
    assert.strictEqual(started.length, 1);
    assert.strictEqual(q.stats.enqueued, 3);
  });

  it('cancels queued jobs at once and the running one through the executor; the next job then runs', async () => {
    const { exec, started } = fakeExec();
    const q = new JobQueue(exec);
    const a = q.enqueue('a', { key: 'a' });
    const b = q.enqueue('b', { key: 'b' });
    const c = q.enqueue('c', { key: 'c' });
    b.cancel();
    await assert.rejects(b.promise, (e: JobError) => e.cancelled);
    a.cancel();
    await assert.rejects(a.promise, (e: JobError) => e.cancelled);
    assert.ok(started[0].cancelled);
    await tick();
    assert.deepStrictEqual(
      started.map(s => s.req),
      ['a', 'c'],
    );
    started[1].resolve('C');
    assert.strictEqual(await c.promise, 'C');
    assert.strictEqual(q.stats.cancelled, 2);
  });

  it('a failing job does not stop the queue; progress reaches every sharer', async () => {
    const seen: number[] = [];
    let n = 0;
    const q = new JobQueue<string, string>((req, hooks) => {
      hooks.onProgress({ stage: 's', fraction: 0.5 });
      return {
        promise: n++ === 0 ? Promise.reject(new JobError('boom', false, false)) : Promise.resolve(req.toUpperCase()),
        cancel: () => undefined,
      };
    });
    const a = q.enqueue('a', { key: 'a', onProgress: p => seen.push(p.fraction!) });
    const b = q.enqueue('b', { key: 'b', onProgress: p => seen.push(p.fraction! + 1) });
    await assert.rejects(a.promise, /boom/);
    assert.strictEqual(await b.promise, 'B');
    assert.deepStrictEqual(seen, [0.5, 1.5]);
  });

  it('property: every enqueued key runs exactly once, in non-increasing priority among those waiting together', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 40 }),
        async jobs => {
          const ran: string[] = [];
          const q = new JobQueue<string, string>(req => {
            ran.push(req);
            return { promise: Promise.resolve(req), cancel: () => undefined };
          });
          const ps = jobs.map(([k, p]) => q.enqueue(`k${k}`, { key: `k${k}`, priority: p }).promise);
          await Promise.all(ps);
          const keys = new Set(jobs.map(([k]) => `k${k}`));
          assert.strictEqual(ran.length, keys.size);
          assert.deepStrictEqual(new Set(ran), keys);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('watcher debouncer', () => {
  function fakeTimers() {
    let now = 0;
    let seq = 0;
    const timers = new Map<number, { at: number; f: () => void }>();
    const t: Timers & { advance(ms: number): void } = {
      set: (f, ms) => {
        const id = ++seq;
        timers.set(id, { at: now + ms, f });
        return id;
      },
      clear: h => {
        timers.delete(h as number);
      },
      now: () => now,
      advance(ms) {
        const end = now + ms;
        for (;;) {
          const due = [...timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
          if (!due) break;
          now = due[1].at;
          timers.delete(due[0]);
          due[1].f();
        }
        now = end;
      },
    };
    return t;
  }

  it('a burst of 1,000 new files (create + change events each) flushes each path once', () => {
    const t = fakeTimers();
    const flushed: string[][] = [];
    const d = new BatchDebouncer<string>(
      500,
      items => flushed.push(items),
      x => x,
      60000,
      t,
    );
    for (let i = 0; i < 1000; i++) {
      d.add(`/ws/run/ckpt_${i}/model.json`);
      t.advance(1);
      d.add(`/ws/run/ckpt_${i}/model.json`);
    }
    assert.strictEqual(flushed.length, 0, 'nothing flushed while events keep coming');
    t.advance(500);
    assert.strictEqual(flushed.length, 1);
    assert.strictEqual(flushed[0].length, 1000);
    assert.strictEqual(new Set(flushed[0]).size, 1000);
    t.advance(10000);
    assert.strictEqual(flushed.length, 1);
  });

  it('flushes at the latest maxWait after the first event under a steady trickle', () => {
    const t = fakeTimers();
    const flushed: string[][] = [];
    const d = new BatchDebouncer<string>(
      100,
      items => flushed.push(items),
      x => x,
      1000,
      t,
    );
    for (let i = 0; i < 30; i++) {
      d.add(`f${i}`);
      t.advance(50);
    }
    assert.ok(flushed.length >= 1, 'flushed under a trickle');
    assert.ok(flushed[0].length <= 21, `first batch ${flushed[0].length}`);
    t.advance(200);
    assert.strictEqual(flushed.flat().length, 30);
  });

  it('ignores dependency, VCS and output folders', () => {
    assert.ok(isIgnoredPath('node_modules/pkg/model.json'));
    assert.ok(isIgnoredPath('a/.git/objects/model.json'));
    assert.ok(isIgnoredPath('x\\.landscape-cache\\model.json'));
    assert.ok(isIgnoredPath('build/out/model.json', ['out']));
    assert.ok(!isIgnoredPath('runs/a/model.json'));
    assert.ok(!isIgnoredPath('node_modules.json'));
  });
});

describe('curve smoothing', () => {
  it('debiased EMA: constant series stay constant from the first point; w = 0 is the identity', () => {
    assert.deepStrictEqual(
      emaDebiased([3, 3, 3, 3], 0.9).map(v => +v.toFixed(12)),
      [3, 3, 3, 3],
    );
    assert.deepStrictEqual(emaDebiased([1, 2, 3], 0), [1, 2, 3]);
    const e = emaDebiased([0, 10], 0.5); // (0.5·0 + 0.5·10)/(1 − 0.25) after debiasing
    assert.ok(Math.abs(e[1] - (0.25 * 0 + 0.5 * 10) / 0.75) < 1e-12, String(e[1]));
  });
  it('EMA skips NaN without poisoning later points', () => {
    const e = emaDebiased([1, NaN, 1], 0.5);
    assert.ok(Number.isNaN(e[1]) && Math.abs(e[2] - 1) < 1e-12);
  });
  it('moving average is centred and matches a direct sum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        (v, w) => {
          const m = movingAverage(v, w);
          const h = Math.floor((w - 1) / 2),
            h2 = w - 1 - h;
          for (let i = 0; i < v.length; i++) {
            const win = v.slice(Math.max(0, i - h), Math.min(v.length, i + h2 + 1));
            const ref = win.reduce((a, b) => a + b, 0) / win.length;
            if (Math.abs(m[i] - ref) > 1e-9 * (1 + Math.abs(ref))) return false;
          }
          return true;
        },
      ),
    );
  });
  it('smoothing does not depend on downsampling: it runs on the full series, decimation keeps extremes', () => {
    const v = Array.from({ length: 10000 }, (_, i) => Math.sin(i / 300) + (i === 5000 ? 50 : 0));
    const s = smooth(v, 'ema', 0.6);
    const d = decimate(
      v.map((_, i) => i),
      s,
      400,
    );
    assert.ok(d.y.length <= 400);
    assert.strictEqual(Math.max(...d.y), Math.max(...s), 'the spike survives decimation');
    assert.deepStrictEqual(smooth(v, 'none', 0.5), v);
  });
  it('clips outliers to the central quantiles', () => {
    const v = [...Array.from({ length: 200 }, (_, i) => i / 200), 1e6];
    const r = clipRange(v)!;
    assert.ok(r.hi < 10 && r.lo < 0.01, JSON.stringify(r));
  });
  it('x modes: step, relative seconds, wall milliseconds', () => {
    assert.deepStrictEqual(xValues([1, 2], [100, 130], 'step'), [1, 2]);
    assert.deepStrictEqual(xValues([1, 2], [100, 130], 'relative'), [0, 30]);
    assert.deepStrictEqual(xValues([1, 2], [100, NaN], 'wall').map(String), ['100000', 'NaN']);
  });
  it('CSV export quotes fields', () => {
    assert.strictEqual(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 1],
          [null, NaN],
        ],
      ),
      'a,b\n"x,y",1\n,\n',
    );
  });
});

describe('checkpoint paths in source lines', () => {
  it('finds quoted literals in Python, TS/JS, JSON and TOML and the one under the cursor', () => {
    const py = 'model = torch.load("runs/a/model.pt")  # "comment"';
    const lit = stringLiteralAt(py, py.indexOf('runs') + 2)!;
    assert.strictEqual(lit.text, 'runs/a/model.pt');
    assert.strictEqual(py.slice(lit.start, lit.end), 'runs/a/model.pt');
    assert.ok(isLoaderArgument(py, lit));
    assert.strictEqual(stringLiteralAt(py, 2), undefined);
    assert.strictEqual(stringLiteralAt("const m = await tf.loadLayersModel('file://out/model.json');", 40)!.text, 'file://out/model.json');
    assert.strictEqual(stringLiteralAt('  "checkpoint": "ckpt/model.json",', 20)!.text, 'ckpt/model.json');
    assert.strictEqual(stringLiteralAt("path = 'ck/m.safetensors'", 12)!.text, 'ck/m.safetensors');
    assert.strictEqual(stringLiteralAt('x = keras.models.load_model(`a/b.keras`)', 32)!.text, 'a/b.keras');
    assert.ok(isLoaderArgument("m = keras.models.load_model('a.keras')", stringLiteralAt("m = keras.models.load_model('a.keras')", 30)!));
  });
  it('handles escaped quotes and several literals on a line', () => {
    const line = String.raw`f("a\"b", 'c/model.json')`;
    const all = pathCandidates(line, 'python');
    assert.deepStrictEqual(
      all.map(l => l.text),
      [String.raw`a\"b`, 'c/model.json'],
    );
  });
  it('unquoted paths in YAML, TOML and shell (not in Python), comments ignored', () => {
    assert.strictEqual(pathCandidateAt('resume_from: runs/a/model.json  # best', 16, 'yaml')!.text, 'runs/a/model.json');
    assert.strictEqual(pathCandidateAt('landscape diagnose runs/a/model.json --top 5', 25, 'shellscript')!.text, 'runs/a/model.json');
    assert.strictEqual(pathCandidateAt('x = runs/a/model.json', 8, 'python'), undefined);
    assert.deepStrictEqual(unquotedPaths('# see runs/a/model.json', 'yaml'), []);
    assert.deepStrictEqual(unquotedPaths('epochs: 10', 'yaml'), []);
  });
  it('file:// URLs become paths', () => {
    assert.strictEqual(literalToPath('file://runs/a%20b/model.json'), 'runs/a b/model.json');
    assert.strictEqual(literalToPath('file:///abs/model.json'), '/abs/model.json');
    assert.strictEqual(literalToPath(' ckpt.pt '), 'ckpt.pt');
  });
});

describe('2-D slice heat map', () => {
  it('contours of a paraboloid at level r² are segments near the circle of radius r', () => {
    const g = Array.from({ length: 41 }, (_, i) => -1 + i / 20);
    const grid = g.map(b => g.map(a => a * a + b * b));
    const segs = contourSegments(grid, 0.25);
    assert.ok(segs.length > 20);
    for (const [x1, y1] of segs) {
      const a = -1 + x1 / 20,
        b = -1 + y1 / 20;
      assert.ok(Math.abs(Math.hypot(a, b) - 0.5) < 0.02, `point (${a}, ${b})`);
    }
    assert.deepStrictEqual(contourSegments(grid, 100), []);
  });
  it('colour map is ordered and clamped', () => {
    assert.strictEqual(heatmapColor(-1), heatmapColor(0));
    assert.strictEqual(heatmapColor(2), 'rgb(253,231,37)');
    assert.notStrictEqual(heatmapColor(0.3), heatmapColor(0.7));
  });
});

describe('worker client (dist/worker.js)', function () {
  this.timeout(60000);
  const dist = path.join(ROOT, 'dist');
  let client: WorkerClient;
  before(function () {
    if (!fs.existsSync(path.join(dist, 'worker.js'))) this.skip();
    client = new WorkerClient(
      dist,
      () => 512,
      () => undefined,
    );
  });
  after(() => client?.dispose());

  it('streams progress and partials and returns the result', async () => {
    const progress: number[] = [],
      partials: unknown[] = [];
    const r = await client.run(
      { kind: 'ping', ms: 50, steps: 5 },
      p => progress.push(p.fraction!),
      p => partials.push(p.value),
    ).promise;
    assert.ok(r.pid > 0);
    assert.strictEqual(progress.length, 5);
    assert.strictEqual(partials.length, 5);
  });

  /** A progress listener and a promise for the first progress of `stage` (an event, not a sleep). */
  function stageWatch(stage: string): { onProgress(p: { stage: string }): void; reached: Promise<void> } {
    let hit!: () => void;
    const reached = new Promise<void>(r => {
      hit = r;
    });
    return {
      onProgress: p => {
        if (p.stage === stage) hit();
      },
      reached,
    };
  }

  it('a job that does not stop cooperatively is ended by terminating the worker after the grace period (the 1 s bound)', async () => {
    assert.ok(client.cancelGraceMs < 1000, `grace period ${client.cancelGraceMs} ms`);
    const w = stageWatch('started');
    const job = client.run({ kind: 'ping', ms: 30000, steps: 3, announce: true }, w.onProgress); // 10 s slices: no cooperative stop
    await w.reached; // running in the worker
    const forced = client.forcedCancels;
    const t0 = Date.now();
    job.cancel();
    await assert.rejects(job.promise, (e: JobError) => e.cancelled);
    assert.strictEqual(client.forcedCancels, forced + 1, 'the client terminated the worker (its grace timer), not the job ending');
    console.log(`      [timing] forced cancel settled in ${Date.now() - t0} ms`);
  });

  it('a job waiting in cancellable steps stops cooperatively, without terminating the worker', async () => {
    const grace = client.cancelGraceMs;
    client.cancelGraceMs = 60000; // what is tested is the path taken, not how fast a busy machine takes it
    try {
      const w = stageWatch('held');
      const barrier = path.join(os.tmpdir(), `landscape-barrier-${process.pid}-never`);
      const job = client.run({ kind: 'ping', hold: barrier }, w.onProgress);
      await w.reached;
      const forced = client.forcedCancels;
      job.cancel();
      await assert.rejects(job.promise, (e: JobError) => e.cancelled);
      assert.strictEqual(client.forcedCancels, forced, 'stopped cooperatively');
    } finally {
      client.cancelGraceMs = grace;
    }
  });

  it('a held ping job finishes only after the test releases its barrier', async () => {
    const barrier = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-barrier-')), 'release');
    const w = stageWatch('held');
    let settled = false;
    const job = client.run({ kind: 'ping', hold: barrier }, w.onProgress);
    void job.promise.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await w.reached;
    await new Promise(r => setImmediate(r));
    assert.strictEqual(settled, false, 'not finished while held');
    fs.writeFileSync(barrier, '');
    const r = await job.promise;
    assert.ok(r.pid > 0);
  });

  it('a long diagnosis (synchronous TF.js stretches) stops cooperatively through the cancel slot', async () => {
    const run = path.join(ROOT, 'test/fixtures/workspace/runs/mlp-run');
    const partials: unknown[] = [];
    // a 259-parameter model's density is exact now (n HVPs, quick): the long stage is the PGB residual at many perturbations
    const w = stageWatch('pgb');
    const grace = client.cancelGraceMs;
    client.cancelGraceMs = 60000; // a terminate would be a failure here, however slow the machine
    try {
      const job = client.run(
        {
          kind: 'diagnose',
          options: {
            checkpoint: path.join(run, 'step_600/model.json'),
            data: path.join(run, 'data.npz'),
            top: 10,
            tol: 1e-14,
            maxIter: 200,
            pgb: true,
            pgbPerturbations: 100000,
          },
        },
        w.onProgress,
        p => partials.push(p),
      );
      await w.reached;
      const forced = client.forcedCancels;
      const t0 = Date.now();
      job.cancel();
      await assert.rejects(job.promise, (e: JobError) => e.cancelled);
      assert.strictEqual(client.forcedCancels, forced, 'stopped without terminating the worker');
      console.log(`      [timing] cooperative cancel of a diagnosis settled in ${Date.now() - t0} ms`);
    } finally {
      client.cancelGraceMs = grace;
    }
    assert.ok(partials.length >= 1, 'Lanczos partials streamed');
  });

  it('the cost estimate job (the cost dialog): pass times measured on the checkpoint, the plan of a full diagnosis', async () => {
    const run = path.join(ROOT, 'test/fixtures/workspace/runs/mlp-run');
    const r = await client.run({
      kind: 'estimate',
      options: { checkpoint: path.join(run, 'step_600/model.json'), data: path.join(run, 'data.npz'), top: 5, bottom: 1, trace: true },
    }).promise;
    for (const [k, v] of Object.entries(r.passes)) assert.ok(Number.isFinite(v) && v >= 0, `${k} = ${v}`);
    assert.ok(r.estimate.seconds! > 0 && r.estimate.secondsMax! >= r.estimate.seconds!, JSON.stringify(r.estimate));
    assert.ok(r.estimate.hvps.total > 0 && r.estimate.memoryBytes > 0);
    assert.match(r.text, /^estimated cost: about .*HVPs.*, about .* of memory \(pass times measured on this checkpoint\)$/);
  });

  it('a killed worker fails its job with a message; the next job runs in a fresh worker', async () => {
    const first = await client.run({ kind: 'ping' }).promise;
    const w = stageWatch('held');
    const job = client.run({ kind: 'ping', hold: path.join(os.tmpdir(), `landscape-barrier-${process.pid}-never`) }, w.onProgress);
    await w.reached; // the job is running and cannot finish before the kill
    const restarts = client.restarts;
    await client.kill();
    await assert.rejects(job.promise, /diagnostics worker exited/);
    assert.strictEqual(client.restarts, restarts + 1);
    const next = await client.run({ kind: 'ping' }).promise;
    assert.strictEqual(next.pid, first.pid, 'worker threads share the process id');
  });
});
