/**
 * Logs benchmark: initial parse of a 100 MB CSV and a 100 MB TensorBoard event file (time and
 * peak RSS, each in a fresh process), the latency from an appended line/record to the updated
 * series (poll on a change notification; debounce excluded), and min/max downsampling.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LogTail } from '../src/core/logs/tail';
import { CsvParser } from '../src/core/logs/csv';
import { TfEventsParser } from '../src/core/logs/tfevents';
import { encodeScalarEvent, encodeFileVersion } from '../src/core/logs/tfeventsWrite';
import { downsampleMinMax } from '../src/core/logs/downsample';

function child(args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'logsWorker.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const median = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];

export async function run(): Promise<void> {
  console.log('\n== Training logs: 100 MB initial parse, append latency, downsampling ==');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-logbench-'));
  const rows: string[][] = [];
  const targets: [string, boolean, string][] = [];
  try {
    for (const kind of ['csv', 'tfevents'] as const) {
      const f = path.join(dir, kind === 'csv' ? 'metrics.csv' : 'events.out.tfevents.bench');
      const g = child(['generate', f, kind, '100']);
      const p = child(['parse', f, kind]);
      rows.push([
        kind,
        `${(g.bytes / 2 ** 20).toFixed(0)} MB`,
        `${(p.ms / 1000).toFixed(2)} s`,
        `${p.maxRssMb.toFixed(0)} MB`,
        `${(p.points / 1e6).toFixed(2)} M points (${(g.bytes / 2 ** 20 / (p.ms / 1000)).toFixed(0)} MB/s)`,
      ]);
      targets.push([`${kind}: 100 MB parsed in ≤ 2 s`, p.ms <= 2000, `${(p.ms / 1000).toFixed(2)} s`]);
      targets.push([`${kind}: peak RSS ≤ 200 MB`, p.maxRssMb <= 200, `${p.maxRssMb.toFixed(0)} MB (process total, Node included)`]);
      fs.rmSync(f);
    }
    // append → updated series, driven by fs.watch like the extension's watcher
    for (const kind of ['csv', 'tfevents'] as const) {
      const f = path.join(dir, kind === 'csv' ? 'live.csv' : 'events.out.tfevents.live');
      fs.writeFileSync(f, kind === 'csv' ? 'step,loss\n' : encodeFileVersion(1.7e9));
      const tail = new LogTail(f, kind === 'csv' ? new CsvParser() : new TfEventsParser());
      tail.poll();
      const lat: number[] = [];
      let pending: { t0: number; resolve: () => void } | undefined;
      const w = fs.watch(f, () => {
        if (pending) {
          const u = tail.poll();
          if (u.newPoints) {
            lat.push(performance.now() - pending.t0);
            const r = pending.resolve;
            pending = undefined;
            r();
          }
        }
      });
      for (let i = 0; i < 50; i++) {
        await new Promise<void>(resolve => {
          pending = { t0: performance.now(), resolve };
          fs.appendFileSync(f, kind === 'csv' ? `${i},${1 / (i + 1)}\n` : encodeScalarEvent(i, 1.7e9 + i, { loss: 1 / (i + 1) }));
          setTimeout(() => {
            if (pending) {
              tail.poll();
              lat.push(performance.now() - pending.t0);
              pending = undefined;
              resolve();
            }
          }, 1000);
        });
        await new Promise(r => setTimeout(r, 5));
      }
      w.close();
      rows.push([
        kind,
        'append → series',
        `${median(lat).toFixed(2)} ms median`,
        '',
        `max ${Math.max(...lat).toFixed(2)} ms over ${lat.length} appends (fs.watch notification + incremental parse)`,
      ]);
      targets.push([`${kind}: appended point in the series ≤ 100 ms`, median(lat) <= 100, `${median(lat).toFixed(2)} ms median`]);
    }
    const n = 3_000_000;
    const steps = Float64Array.from({ length: n }, (_, i) => i),
      values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1e4) + (i % 100000 === 0 ? 5 : 0));
    const t = performance.now();
    const d = downsampleMinMax(steps, values, 4000);
    const ms = performance.now() - t;
    rows.push([
      'downsample',
      '3 M points',
      `${ms.toFixed(0)} ms`,
      '',
      `→ ${d.values.length} points, spikes kept: ${d.values.filter(v => v > 4).length}/30`,
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const w = [0, 1, 2, 3].map(i => Math.max(...rows.map(r => r[i].length), ['log', 'size', 'time', 'peak RSS'][i].length));
  console.log(['log', 'size', 'time', 'peak RSS'].map((h, i) => h.padEnd(w[i])).join('  ') + '  notes');
  for (const r of rows)
    console.log(
      r
        .slice(0, 4)
        .map((c, i) => c.padEnd(w[i]))
        .join('  ') +
        '  ' +
        r[4],
    );
  console.log('\nTargets:');
  for (const [name, ok, detail] of targets) console.log(`  ${ok ? 'MET   ' : 'MISSED'} ${name}: ${detail}`);
}
