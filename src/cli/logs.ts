/**
 * `landscape logs <file-or-folder>`: the runs found (logs, series, checkpoints matched to steps);
 * `--tag` filters series; `--follow` keeps printing each new point as the logs grow (one JSON
 * object per line with --json), never repeating or skipping one: per file and tag the number of
 * points already printed is kept; a truncated/replaced log prints a reset line and starts over.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fmtNum } from './format';
import { UserInputError } from '../core/errors';
import { openRegular } from '../core/safeFs';
import { discoverRuns, refreshRun, runSeries, Run } from '../core/logs/runs';
import { seriesToJson } from '../core/logs/series';

export interface LogsOptions {
  tag?: string;
  json?: boolean;
  follow?: boolean;
  interval?: number;
  for?: number;
}

function matchesTag(tag: string, filter?: string): boolean {
  return !filter || tag === filter || tag.endsWith('/' + filter);
}

export function runsToJson(runs: Run[], tag?: string): unknown {
  return {
    runs: runs.map(r => ({
      dir: r.dir,
      name: r.name,
      logs: r.logs.map(l => ({
        file: l.file,
        kind: l.kind,
        records: l.tail.parser.stats.records,
        points: l.tail.parser.stats.points,
        skipped: l.tail.parser.stats.skipped,
        warnings: l.tail.parser.stats.warnings,
      })),
      series: runSeries(r)
        .filter(s => matchesTag(s.tag, tag))
        .map(s => ({ file: s.file, ...seriesToJson(s) })),
      checkpoints: r.checkpoints.map(c => ({ path: c.path, step: c.step ?? null, matchedBy: c.by ?? null })),
    })),
  };
}

function renderRuns(runs: Run[], tag?: string): string {
  const lines: string[] = [];
  if (runs.length === 0) lines.push('no runs found (no CSV, JSONL or TensorBoard event files, no checkpoints)');
  for (const r of runs) {
    lines.push(`run ${r.name}  (${r.dir})`);
    for (const l of r.logs) {
      const st = l.tail.parser.stats;
      lines.push(
        `  log ${path.basename(l.file)} [${l.kind}]: ${st.points} points in ${st.records} records` +
          `${st.skipped ? `, ${st.skipped} skipped` : ''}`,
      );
      for (const w of st.warnings) lines.push(`    warning: ${w}`);
    }
    for (const s of runSeries(r).filter(x => matchesTag(x.tag, tag))) {
      const n = s.values.length;
      lines.push(
        `  ${s.tag.padEnd(28)} ${String(n).padStart(7)} points  ` +
          `steps ${n ? `${s.steps[0]}…${s.steps[n - 1]}` : '-'}  last ${n ? fmtNum(s.values[n - 1]) : '-'}`,
      );
    }
    for (const c of r.checkpoints)
      lines.push(`  checkpoint ${path.relative(r.dir, c.path)}  step ${c.step ?? '?'}${c.by ? ` (by ${c.by})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

export async function logsCommand(target: string, o: LogsOptions, out: (s: string) => void = s => process.stdout.write(s)): Promise<void> {
  if (!fs.existsSync(target)) throw new UserInputError('no such file or folder', { file: target });
  // a folder, or a regular log file (a FIFO, socket or device is refused by name, never read as 'no runs')
  if (!fs.statSync(target).isDirectory()) fs.closeSync(openRegular(target, 'log file').fd);
  const runs = discoverRuns(target);
  for (const r of runs) refreshRun(r);
  out(o.json ? JSON.stringify(runsToJson(runs, o.tag)) + '\n' : renderRuns(runs, o.tag));
  if (!o.follow) return;
  const printed = new Map<string, number>();
  for (const r of runs) for (const s of runSeries(r)) printed.set(`${s.file}\0${s.tag}`, s.values.length);
  const interval = o.interval ?? 250;
  const until = o.for ? Date.now() + o.for : Infinity;
  let lastDiscover = Date.now();
  let stop = false;
  const onSig = (): void => {
    stop = true;
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    while (!stop && Date.now() < until) {
      await new Promise(r => setTimeout(r, interval));
      if (Date.now() - lastDiscover > 2000) {
        // new log files (a new event file, a new run) join the follow
        lastDiscover = Date.now();
        const known = new Set(runs.flatMap(r => r.logs.map(l => l.file)));
        const fresh = discoverRuns(target);
        for (const fr of fresh) {
          const mine = runs.find(r => r.dir === fr.dir);
          if (!mine) {
            runs.push(fr);
            continue;
          }
          for (const l of fr.logs) if (!known.has(l.file)) mine.logs.push(l);
        }
      }
      for (const r of runs) {
        for (const l of r.logs) {
          const u = l.tail.poll();
          if (u.reset) {
            for (const k of [...printed.keys()]) if (k.startsWith(l.file + '\0')) printed.delete(k);
            out(o.json ? JSON.stringify({ reset: l.file }) + '\n' : `reset ${l.file} (truncated or replaced)\n`);
          }
          if (!u.newPoints && !u.reset) continue;
          for (const s of l.tail.store.all()) {
            if (!matchesTag(s.tag, o.tag)) continue;
            const key = `${l.file}\0${s.tag}`;
            const from = printed.get(key) ?? 0;
            for (let i = from; i < s.values.length; i++) {
              const w = s.wallTimes[i];
              out(
                o.json
                  ? JSON.stringify({
                      file: l.file,
                      tag: s.tag,
                      step: s.steps[i],
                      value: s.values[i],
                      wallTime: Number.isFinite(w) ? w : null,
                    }) + '\n'
                  : `${s.tag}\t${s.steps[i]}\t${s.values[i]}\n`,
              );
            }
            printed.set(key, s.values.length);
          }
        }
      }
    }
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}
