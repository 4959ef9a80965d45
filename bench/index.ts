/** `npm run bench`: every benchmark of the product, each printing its own table. */
import * as fs from 'fs';
import * as path from 'path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  // `scale` (an 11 M-parameter CNN) and `zooCnn` (full-size torchvision ResNet-18 / MobileNetV2, top-5 included) take
  // minutes: they run only when named, e.g. npm run bench -- zooCnn (as does `diagcost`, issue 26's per-diagnostic split and estimates)
  const suites: [string, string, string][] = [
    ['native', './native', 'run'],
    ['curvature', './curvature', 'run'],
    ['logs', './logs', 'run'],
    ['checkpoints', './native', 'runCheckpoints'],
    ['blocks', './blocks', 'run'],
    ['diagcost', './diagCost', 'run'],
    ['tinycnn', './tinyCnn', 'run'],
    ['scale', './native', 'runScale'],
    ['krylov', './krylov', 'run'],
    ['zooseq', './zooSeq', 'run'],
    ['zooCnn', './zooCnn', 'run'],
  ];
  for (const [name, mod, fn] of suites) {
    if (only.length ? !only.includes(name) : ['scale', 'zooCnn', 'diagcost', 'tinycnn'].includes(name)) continue;
    if (!fs.existsSync(path.join(__dirname, mod + '.js'))) {
      console.log(`(benchmark ${name}: not built)`);
      continue;
    }
    const m = (await import(mod)) as Record<string, () => Promise<void>>;
    await m[fn]();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
