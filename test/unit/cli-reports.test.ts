/**
 * The CLI's compare, slice and report commands (dist/cli.js) and the demo: JSON against
 * independent runs of `diagnose`, HTML reports read back (self-contained: inline script, no
 * network references, the data in them), never overwriting, exit code 2 when a checkpoint cannot
 * be read, and the demo workspace telling its three stories (large batch sharper, a saddle, the
 * special neurons' |a| rising and falling).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FX = path.join(ROOT, 'test/fixtures/workspace/runs/mlp-run');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240000, maxBuffer: 1 << 28 });
}
function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-cli-'));
}
const close = (a: number, b: number, rel = 1e-5) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

/** An HTML report is self-contained: inline scripts and styles only, nothing fetched. */
function assertSelfContained(html: string): void {
  assert.ok(html.startsWith('<!DOCTYPE html>'), 'an HTML document');
  assert.ok(!/<script[^>]+src=/i.test(html), 'no external scripts');
  assert.ok(!/<link[^>]+href=/i.test(html), 'no external stylesheets');
  assert.ok(!/(src|href)=["']?(https?:)?\/\//i.test(html), 'no network references');
  // the dashboard (dist/webview.js, Chart.js inside) inlined and fed the report's data
  const bundle = fs.readFileSync(path.join(ROOT, 'dist', 'webview.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
  assert.ok(html.includes(`<script>${bundle}</script>`), 'the webview bundle inlined');
  assert.ok(/<script type="application\/json" id="landscape-report">\{"title"/.test(html), 'the report data');
}

/** The results in a report's data (the init messages of its runs), by their checkpoint. */
function reportResults(html: string): Map<string, unknown> {
  const m = /<script type="application\/json" id="landscape-report">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the report data');
  const data = JSON.parse(m[1]) as { runs: { type: string; checkpoints: { path: string; result: unknown }[] }[] };
  assert.ok(data.runs.every(r => r.type === 'init'));
  return new Map(
    data.runs.flatMap(r =>
      r.checkpoints.flatMap(c => (c.result ? [[(c.result as { checkpoint: string }).checkpoint, c.result] as [string, unknown]] : [])),
    ),
  );
}

describe('landscape compare / slice / report (dist/cli.js)', function () {
  this.timeout(300000);
  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  });
  const a = path.join(FX, 'step_400', 'model.json'),
    b = path.join(FX, 'step_600', 'model.json'),
    data = path.join(FX, 'data.npz');

  it('compare --json: both diagnoses equal independent diagnose runs; the interpolation ends at L(A) and L(B); --html read back', () => {
    const dir = tmp();
    const html = path.join(dir, 'cmp.html');
    const r = cli('compare', a, b, '--data', data, '--json', '--html', html);
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const la = JSON.parse(cli('diagnose', a, '--data', data, '--json').stdout).loss,
      lb = JSON.parse(cli('diagnose', b, '--data', data, '--json').stdout).loss;
    assert.ok(close(j.a.loss, la) && close(j.b.loss, lb), `${j.a.loss} ${la} ${j.b.loss} ${lb}`);
    const s = j.interpolation;
    assert.ok(s && s.kind === 'interp', JSON.stringify(Object.keys(j)));
    const t0 = s.t.indexOf(0),
      t1 = s.t.indexOf(1);
    assert.ok(t0 >= 0 && t1 >= 0, `t grid ${s.t}`);
    assert.ok(close(s.loss[t0], la, 1e-4) && close(s.loss[t1], lb, 1e-4), `interp ends ${s.loss[t0]} ${s.loss[t1]} vs ${la} ${lb}`);
    assert.ok(j.a.hessian.top[0].value > 0 && Number.isFinite(j.a.hessian.bottom[0].value));
    const page = fs.readFileSync(html, 'utf8');
    assertSelfContained(page);
    assert.ok(page.includes(j.a.checkpoint.replace(/\\/g, '\\\\')) || page.includes('step_400'), 'names A');
    assert.ok(page.includes(String(j.a.hessian.top[0].value).slice(0, 6)), 'the data (λ_max of A) is in the page');
    const inPage = reportResults(page);
    assert.deepStrictEqual(inPage.get(j.a.checkpoint), j.a, 'the dashboard gets A as --json printed it');
    assert.deepStrictEqual(inPage.get(j.b.checkpoint), j.b, 'and B');
    // never overwrite
    const before = fs.readFileSync(html);
    const again = cli('compare', a, b, '--data', data, '--html', html);
    assert.strictEqual(again.status, 2, again.stderr);
    assert.match(again.stderr, /already exists/);
    assert.ok(fs.readFileSync(html).equals(before), 'the existing report is unchanged');
  });

  it("slice --kind 1d,eig --json: every slice passes through the checkpoint's loss at t = 0; the eig slice curves like its eigenvalue", () => {
    const r = cli('slice', b, '--data', data, '--kind', '1d,eig', '--json');
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.slices.length >= 3, JSON.stringify(j.slices.map((s: { kind: string }) => s.kind)));
    const lmax = Math.max(...(j.slices as { eigenvalue?: number }[]).map(s => s.eigenvalue ?? 0));
    for (const s of j.slices as { kind: string; t: number[]; loss: number[]; eigenvalue?: number }[]) {
      const i0 = s.t.findIndex(t => Math.abs(t) < 1e-12);
      assert.ok(i0 >= 0 && close(s.loss[i0], j.loss, 1e-4), `${s.kind}: L(0) ${s.loss[i0]} vs ${j.loss}`);
      if (s.kind === 'eig') {
        // second difference at s = 0 along a unit eigenvector ≈ its eigenvalue (the curvature of L along v)
        const h = s.t[i0 + 1] - s.t[i0];
        const curv = (s.loss[i0 + 1] - 2 * s.loss[i0] + s.loss[i0 - 1]) / (h * h);
        assert.ok(
          s.eigenvalue !== undefined && Math.abs(curv - s.eigenvalue) <= 0.1 * Math.abs(s.eigenvalue) + 0.01 * lmax,
          `${s.kind}: L'' ${curv} vs λ ${s.eigenvalue}`,
        );
      }
    }
    const human = cli('slice', b, '--data', data, '--kind', '1d');
    assert.strictEqual(human.status, 0, human.stderr);
    assert.match(human.stdout, /[▁▂▃▄▅▆▇█]{10,}/, 'a sparkline');
  });

  it('report <folder>: every checkpoint in the summary, the HTML read back, a second report gets a new name; exit 2 with the reason for a broken checkpoint', () => {
    const dir = tmp();
    fs.cpSync(FX, path.join(dir, 'mlp-run'), { recursive: true });
    const r = cli('report', dir, '--level', 'quick', '--json');
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.strictEqual(path.dirname(j.report), path.resolve(dir));
    assert.strictEqual(j.results.length, 3);
    assert.deepStrictEqual(
      j.summary.map((s: { step?: number }) => s.step),
      [200, 400, 600],
    );
    const direct = JSON.parse(cli('diagnose', path.join(dir, 'mlp-run', 'step_600', 'model.json'), '--data', data, '--json').stdout);
    assert.ok(close(j.results[2].loss, direct.loss), `${j.results[2].loss} vs ${direct.loss}`);
    const page = fs.readFileSync(j.report, 'utf8');
    assertSelfContained(page);
    const inPage = reportResults(page);
    for (const res of j.results as { checkpoint: string }[])
      assert.deepStrictEqual(inPage.get(res.checkpoint), res, `the result of ${res.checkpoint} as --json printed it`);
    for (const s of ['step_200', 'step_400', 'step_600', 'mlp-run']) assert.ok(page.includes(s), s);
    assert.ok(page.includes('"loss"') || page.includes('loss'), 'training curves from metrics.csv');
    // a second run: a new file beside the first, the first unchanged
    const first = fs.readFileSync(j.report);
    const r2 = cli('report', dir, '--level', 'quick', '--json');
    assert.strictEqual(r2.status, 0, r2.stderr);
    const j2 = JSON.parse(r2.stdout);
    assert.notStrictEqual(j2.report, j.report);
    assert.ok(fs.readFileSync(j.report).equals(first));
    // a broken checkpoint: the others are still reported, exit code 2, the reason in the report
    fs.mkdirSync(path.join(dir, 'mlp-run', 'step_800'));
    fs.writeFileSync(path.join(dir, 'mlp-run', 'step_800', 'model.json'), '{"format": "layers-model", "modelTopology": ');
    const r3 = cli('report', dir, '--level', 'quick', '--html', path.join(dir, 'broken.html'));
    assert.strictEqual(r3.status, 2, r3.stderr);
    assert.match(r3.stderr, /1 of 4 checkpoint/);
    const page3 = fs.readFileSync(path.join(dir, 'broken.html'), 'utf8');
    assert.ok(page3.includes('step_800') && /JSON|json/.test(page3), 'the failing checkpoint and why');
  });
});

describe('the demo workspace (examples/demo/build.ts + landscape report)', function () {
  this.timeout(600000);

  it('tells its three stories: large batch sharper; a saddle; special neurons remove the bad minimum and |a| rises then falls', async () => {
    const { buildDemo } = await import('../../examples/demo/build');
    const dir = path.join(tmp(), 'demo');
    await buildDemo({ dir });
    for (const f of [
      'data.npz',
      'landscape.json',
      'train.py',
      'README.md',
      'runs/small-batch/metrics.csv',
      'runs/large-batch/metrics.jsonl',
      'runs/special-neurons/metrics.csv',
    ])
      assert.ok(fs.existsSync(path.join(dir, f)), f);
    assert.ok(
      fs.readdirSync(path.join(dir, 'runs/saddle')).some(f => f.startsWith('events.out.tfevents.')),
      'a TensorBoard log',
    );
    const r = cli('report', dir, '--json', '--html', path.join(dir, 'report.html'));
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      results: {
        checkpoint: string;
        loss: number;
        gradNorm: number;
        hessian: { top: { value: number }[]; bottom: { value: number }[] };
        sharpness?: { keskar: { subspace: number | null; value: number }[] };
        verdict: { kind: string };
        specialNeurons?: { maxAbsA: number };
      }[];
    };
    const run = (name: string) => j.results.filter(x => x.checkpoint.includes(`${path.sep}${name}${path.sep}`));
    const last = (name: string) => run(name)[run(name).length - 1];
    const sharp = (x: (typeof j.results)[0]) => x.sharpness!.keskar.find(k => k.subspace === null)!.value;
    const sb = last('small-batch'),
      lb = last('large-batch');
    assert.ok(
      lb.hessian.top[0].value > 1.2 * sb.hessian.top[0].value,
      `λ_max large ${lb.hessian.top[0].value} vs small ${sb.hessian.top[0].value}`,
    );
    assert.ok(sharp(lb) > 1.2 * sharp(sb), `ε-sharpness large ${sharp(lb)} vs small ${sharp(sb)}`);
    assert.ok(Math.abs(lb.loss - sb.loss) < 0.5 * Math.max(lb.loss, sb.loss), 'similar training loss');
    const sd = last('saddle');
    assert.ok(sd.gradNorm < 0.01 && sd.hessian.bottom[0].value < -0.01, `saddle: ‖g‖ ${sd.gradNorm}, λ_min ${sd.hessian.bottom[0].value}`);
    assert.strictEqual(sd.verdict.kind, 'saddle');
    const sn = run('special-neurons');
    assert.strictEqual(sn[0].verdict.kind, 'saddle', 'the stuck network with special neurons added is not a minimum of the augmented loss');
    const as = sn.map(x => x.specialNeurons!.maxAbsA);
    const peak = Math.max(...as);
    assert.strictEqual(as[0], 0, 'a = 0 at insertion');
    assert.ok(peak > 0.1 && as[as.length - 1] < 0.6 * peak, `max|a|: ${as.map(v => v.toFixed(3)).join(' ')}`);
    assertSelfContained(fs.readFileSync(path.join(dir, 'report.html'), 'utf8'));
  });
});
