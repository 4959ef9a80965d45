/**
 * `landscape compare`, `landscape slice` and `landscape report`: thin compositions of the core
 * (diagnose, slices, runs discovery, the HTML report). Outputs are always new files.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnoseOptions, DiagnoseResult } from '../core/diagnose';
import { lambdaMax, lambdaMin, sharpnessOf, verdictOf } from '../shared/headline';
import { fmtNum, table } from './format';
import { progressBar } from './progress';
import { prepareOutputs, writeAllNew, writeNew } from './output';
import { freeName } from '../core/output';
export { freeName };

type Opts = Record<string, unknown>;

export async function compareCommand(a: string, b: string, o: Opts, oa: DiagnoseOptions, ob: DiagnoseOptions): Promise<void> {
  const { diagnose } = await import('../core/diagnose');
  const bar = progressBar(!o.json && Boolean(process.stderr.isTTY));
  // the same data for both (that of the first checkpoint unless --data says otherwise)
  const optsA: DiagnoseOptions = {
    ...oa,
    top: oa.top ?? 1,
    bottom: oa.bottom ?? 1,
    slices: [...(oa.slices ?? []).filter(s => s !== 'interp'), 'interp'],
    withCheckpoint: b,
  };
  const optsB: DiagnoseOptions = {
    ...ob,
    data: oa.data,
    dataHow: oa.dataHow,
    top: ob.top ?? 1,
    bottom: ob.bottom ?? 1,
    slices: (ob.slices ?? []).filter(s => s !== 'interp'),
  };
  const outFile = o.out === undefined ? undefined : String(o.out),
    htmlFile = o.html === undefined ? undefined : String(o.html);
  prepareOutputs([outFile, htmlFile]);
  try {
    bar.prefix('checkpoint 1/2');
    const ra = await diagnose(optsA, undefined, p => bar.update(p));
    bar.prefix('checkpoint 2/2');
    const rb = await diagnose(optsB, undefined, p => bar.update(p));
    const interp = ra.slices?.find(s => s.kind === 'interp');
    const out = { a: ra, b: rb, interpolation: interp ?? null };
    const { renderReport } = await import('../core/report/html');
    writeAllNew([
      { file: outFile, text: () => JSON.stringify(out, null, 2) + '\n' },
      {
        file: htmlFile,
        text: () =>
          renderReport({
            title: 'Landscape Lens — compare',
            subtitle: `${ra.checkpoint} vs ${rb.checkpoint}.`,
            runs: [
              {
                name: 'compare',
                dir: path.dirname(ra.checkpoint),
                series: [],
                checkpoints: [
                  { path: ra.checkpoint, label: `A: ${a}`, result: ra },
                  { path: rb.checkpoint, label: `B: ${b}`, result: rb },
                ],
              },
            ],
          }),
      },
    ]);
    if (o.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    const rows = compareRows(ra, rb);
    if (interp) rows.push(['barrier on the line A→B', `${fmtNum(interp.barrier)} at t = ${fmtNum(interp.barrierAt, 3)}`]);
    process.stdout.write(`Landscape Lens — compare\n  A = ${ra.checkpoint}\n  B = ${rb.checkpoint}\n${table(rows)}\n`);
  } finally {
    bar.done();
  }
}

/** The rows of `landscape compare`'s table: A | B, the headline numbers from their one home (src/shared/headline.ts). */
export function compareRows(ra: DiagnoseResult, rb: DiagnoseResult): [string, string][] {
  const row = (k: string, f: (r: DiagnoseResult) => number | string | undefined): [string, string] => [
    k,
    `${fmtS(f(ra))}  |  ${fmtS(f(rb))}`,
  ];
  return [
    ['', 'A  |  B'],
    row('loss', r => r.loss),
    row('gradient norm', r => r.gradNorm),
    row('λ_max', r => lambdaMax(r)),
    row('λ_min', r => lambdaMin(r)),
    row('ε-sharpness', r => sharpnessOf(r)),
    row('PGB r/L', r => r.pgb?.relative),
    row('verdict', r => verdictOf(r)?.kind),
  ];
}

function fmtS(x: number | string | undefined): string {
  return typeof x === 'number' ? fmtNum(x, 5) : (x ?? '—');
}

export async function sliceCommand(o: Opts, opts: DiagnoseOptions): Promise<void> {
  const { diagnose } = await import('../core/diagnose');
  const outFile = o.out === undefined ? undefined : String(o.out),
    htmlFile = o.html === undefined ? undefined : String(o.html);
  prepareOutputs([outFile, htmlFile]);
  const bar = progressBar(!o.json && Boolean(process.stderr.isTTY));
  const r = await diagnose(opts, undefined, p => bar.update(p)).finally(() => bar.done());
  const { renderReport } = await import('../core/report/html');
  writeAllNew([
    { file: outFile, text: () => JSON.stringify(r, null, 2) + '\n' },
    {
      file: htmlFile,
      text: () =>
        renderReport({
          title: `Landscape Lens — slices of ${path.basename(r.checkpoint)}`,
          runs: [
            {
              name: path.basename(path.dirname(r.checkpoint)),
              dir: path.dirname(r.checkpoint),
              series: [],
              checkpoints: [{ path: r.checkpoint, label: path.basename(r.checkpoint), result: r }],
            },
          ],
        }),
    },
  ]);
  if (o.json) {
    process.stdout.write(
      JSON.stringify({ checkpoint: r.checkpoint, loss: r.loss, backend: r.backend, slices: r.slices ?? [] }, null, 2) + '\n',
    );
    return;
  }
  const lines = [`Landscape Lens — slices of ${r.checkpoint} (loss ${fmtNum(r.loss)})`];
  for (const s of (r.slices ?? []) as {
    kind: string;
    label?: string;
    t?: number[];
    loss: number[] | number[][];
    barrier?: number;
    eigenvalue?: number;
  }[]) {
    if (s.kind === '2d') {
      const flat = (s.loss as number[][]).flat();
      lines.push(
        `  2d      ${Math.sqrt(flat.length)}×${Math.sqrt(flat.length)} grid, ` +
          `loss from ${fmtNum(Math.min(...flat))} to ${fmtNum(Math.max(...flat))}`,
      );
      continue;
    }
    const l = s.loss as number[];
    lines.push(
      `  ${s.kind.padEnd(6)}  ${sparkline(l)}  min ${fmtNum(Math.min(...l))} max ${fmtNum(Math.max(...l))}` +
        `${s.barrier !== undefined ? `  barrier ${fmtNum(s.barrier)}` : ''}` +
        `${s.eigenvalue !== undefined ? `  λ ${fmtNum(s.eigenvalue)}` : ''}  (${s.label ?? s.kind})`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** A one-line sketch of a curve with block characters (log-scaled). */
export function sparkline(v: number[], width = 40): string {
  const bars = '▁▂▃▄▅▆▇█';
  const n = Math.min(width, v.length);
  const pick = Array.from({ length: n }, (_, i) => v[Math.round((i * (v.length - 1)) / Math.max(1, n - 1))]);
  const lo = Math.min(...pick),
    hi = Math.max(...pick);
  const f = (x: number) => Math.log(x - lo + 1e-12 * (hi - lo + 1));
  return pick.map(x => bars[Math.min(7, Math.max(0, Math.round(((f(x) - f(lo)) / (f(hi) - f(lo) || 1)) * 7)))]).join('');
}

export async function reportCommand(
  folder: string,
  o: Opts,
  optionsFor: (checkpoint: string, extra: Opts) => Promise<DiagnoseOptions>,
): Promise<void> {
  const { UserInputError, isUserInputError } = await import('../core/errors');
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new UserInputError('not a folder', { file: folder });
  const { preset, PRESET_NAMES } = await import('../core/diagnostics/registry');
  const levelName = String(o.level ?? 'standard');
  if (!(PRESET_NAMES as string[]).includes(levelName))
    throw new UserInputError(`unknown level '${levelName}' (expected ${PRESET_NAMES.join(', ')})`, { where: '--level' });
  const level = preset(levelName as import('../core/diagnostics/registry').PresetName);
  const { discoverRuns, refreshRun } = await import('../core/logs/runs');
  const { diagnose } = await import('../core/diagnose');
  const { renderReport, summaryRows, summaryText, reportSeries } = await import('../core/report/html');
  const html = o.html ? String(o.html) : freeName(path.join(folder, 'landscape-report.html'));
  prepareOutputs([html]);
  const runs = discoverRuns(folder).filter(r => r.checkpoints.length || r.logs.length);
  const total = runs.reduce((a, r) => a + r.checkpoints.length, 0);
  if (total === 0) throw new UserInputError('no checkpoints found (model.json, .keras, .h5, .onnx, .safetensors, .pt)', { file: folder });
  const bar = progressBar(!o.json && Boolean(process.stderr.isTTY));
  const reportRuns: import('../core/report/html').ReportRun[] = [];
  let done = 0,
    failed = 0;
  const results: DiagnoseResult[] = [];
  try {
    for (const run of runs) {
      refreshRun(run);
      const series = reportSeries(run);
      const cps = [...run.checkpoints].sort((a, b) => (a.step ?? a.mtimeMs) - (b.step ?? b.mtimeMs) || a.path.localeCompare(b.path));
      const rc: import('../core/report/html').ReportCheckpoint[] = [];
      for (const c of cps) {
        const label = path.relative(run.dir, c.path) || path.basename(c.path);
        bar.prefix(`checkpoint ${done + 1}/${total} ${label}`);
        try {
          const opts = { ...(await optionsFor(c.path, {})), ...level };
          const r = await diagnose(opts, undefined, p => bar.update({ ...p, fraction: (done + (p.fraction ?? 0)) / total }));
          results.push(r);
          rc.push({ path: c.path, label, step: c.step, result: r });
        } catch (e) {
          if (!isUserInputError(e)) throw e;
          failed++;
          rc.push({ path: c.path, label, step: c.step, error: (e as Error).message });
        }
        done++;
      }
      reportRuns.push({ name: run.name, dir: run.dir, series, checkpoints: rc });
    }
  } finally {
    bar.done();
  }
  const input = {
    title: `Landscape Lens report — ${path.basename(path.resolve(folder))}`,
    subtitle: `${total} checkpoint(s) in ${reportRuns.length} run(s) under ${path.resolve(folder)}; level ${levelName}.`,
    runs: reportRuns,
  };
  writeNew(html, renderReport(input));
  const rows = summaryRows(input);
  if (o.json) process.stdout.write(JSON.stringify({ report: path.resolve(html), summary: rows, results }, null, 2) + '\n');
  else process.stdout.write(`${summaryText(rows)}\n\nreport written to ${html}\n`);
  if (failed) {
    process.stderr.write(`landscape: ${failed} of ${total} checkpoint(s) could not be diagnosed (see the report)\n`);
    process.exitCode = 2;
  }
}
