/**
 * What *Landscape: Write HTML Report* writes (no VS Code here): the runs with their logged series and the
 * results the editor already has, rendered by the same report as `landscape report` (src/core/report/html.ts),
 * into a new file — `landscape-report.html`, or `-2`, `-3`, … when taken; nothing is ever overwritten.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnoseResult } from '../core/diagnose';
import { downsampleMinMax } from '../core/logs/downsample';
import { refreshRun, runSeries, type Run } from '../core/logs/runs';
import { renderReport, type ReportInput, type ReportRun } from '../core/report/html';

/** `file`, or the first of `name-2.ext`, `name-3.ext`, … that does not exist. */
export function freeReportName(file: string): string {
  if (!fs.existsSync(file)) return file;
  const ext = path.extname(file);
  for (let i = 2; ; i++) {
    const f = `${file.slice(0, -ext.length)}-${i}${ext}`;
    if (!fs.existsSync(f)) return f;
  }
}

export type Outcome = { result: DiagnoseResult } | { error: string };

/** The report input for `runs`, each checkpoint's result (or why there is none) from `outcome`. */
export function reportInput(runs: Run[], outcome: (checkpoint: string) => Outcome | undefined, title: string): ReportInput {
  const out: ReportRun[] = [];
  let n = 0;
  for (const run of runs) {
    try {
      refreshRun(run);
    } catch {
      /* an unreadable log: the run without series */
    }
    const series = runSeries(run).map(s => {
      const d = downsampleMinMax(s.steps, s.values, 2000);
      return {
        tag: s.tag,
        file: path.relative(run.dir, s.file),
        steps: d.steps,
        values: d.values.map(v => (Number.isFinite(v) ? v : null)),
      };
    });
    const checkpoints = run.checkpoints.map(c => {
      const o = outcome(c.path);
      n++;
      const label = path.relative(run.dir, c.path) || path.basename(c.path);
      return { path: c.path, label, step: c.step, ...(o && 'result' in o ? { result: o.result } : { error: o?.error ?? 'not diagnosed' }) };
    });
    out.push({ name: run.name, dir: run.dir, series, checkpoints });
  }
  return { title, subtitle: `${n} checkpoint(s) in ${out.length} run(s), with the results shown in the editor.`, runs: out };
}

/** Renders and writes the report into `dir` (a new file); returns its path. */
export function writeReport(dir: string, input: ReportInput): string {
  const file = freeReportName(path.join(dir, 'landscape-report.html'));
  fs.writeFileSync(file, renderReport(input), { flag: 'wx' });
  return file;
}
