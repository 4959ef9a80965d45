/** Child process of the logs benchmark: generate a file, or parse one and report time and peak RSS. */
import * as fs from 'fs';
import { LogTail } from '../src/core/logs/tail';
import { parserFor, LogKind } from '../src/core/logs/runs';
import { encodeScalarEvent, encodeFileVersion } from '../src/core/logs/tfeventsWrite';

const [cmd, file, kind, mb] = process.argv.slice(2);
if (cmd === 'generate') {
  const target = Number(mb) * 2 ** 20;
  const fd = fs.openSync(file, 'w');
  let size = 0,
    step = 0;
  const parts: (string | Uint8Array)[] = [];
  if (kind === 'csv') {
    const h = 'step,loss,accuracy,lr,wall_time\n';
    fs.writeSync(fd, h);
    size += h.length;
  } else {
    const b = encodeFileVersion(1.7e9);
    fs.writeSync(fd, b);
    size += b.length;
  }
  while (size < target) {
    for (let i = 0; i < 2000; i++, step++) {
      const loss = 2 * Math.exp(-step / 1e6) + 0.01 * Math.sin(step),
        acc = 1 - Math.exp(-step / 5e5),
        lr = 1e-3 * 0.999 ** (step / 1000);
      if (kind === 'csv') parts.push(`${step},${loss},${acc},${lr},${1.7e9 + step * 0.01}\n`);
      else parts.push(encodeScalarEvent(step, 1.7e9 + step * 0.01, { 'train/loss': loss, 'train/accuracy': acc, 'train/lr': lr }));
    }
    const chunk = kind === 'csv' ? Buffer.from((parts as string[]).join('')) : Buffer.concat(parts as Uint8Array[]);
    parts.length = 0;
    fs.writeSync(fd, chunk);
    size += chunk.length;
  }
  fs.closeSync(fd);
  process.stdout.write(JSON.stringify({ bytes: size, steps: step }));
} else {
  const t0 = performance.now();
  const tail = new LogTail(file, parserFor(kind as LogKind));
  tail.poll();
  const ms = performance.now() - t0;
  const points = tail.parser.stats.points;
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, points, bytes: fs.statSync(file).size }));
}
