/**
 * What *Landscape: Write HTML Report* writes (no VS Code here): the runs with their logged series and the
 * results the editor already has, rendered by the same report as `landscape report` (src/core/report/html.ts),
 * into a new file — `landscape-report.html`, or `-2`, `-3`, … when taken; nothing is ever overwritten.
 */
import * as path from 'path';
import type { DiagnoseResult } from '../core/diagnose';
import { refreshRun, type Run } from '../core/logs/runs';
import { freeName, writeOutput } from '../core/output';
import { renderReport, reportSeries, type ReportInput, type ReportRun } from '../core/report/html';

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
    const series = reportSeries(run);
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
  // a new file, written through a temporary name and renamed whole (never a partial report under the name)
  return writeOutput(freeName(path.join(dir, 'landscape-report.html')), renderReport(input));
}
