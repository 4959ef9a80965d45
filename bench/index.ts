/** `npm run bench`: every benchmark of the product, each printing its own table. */
import * as fs from 'fs';
import * as path from 'path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const suites: [string, string][] = [['curvature', './curvature'], ['logs', './logs']];
  for (const [name, mod] of suites) {
    if (only.length && !only.includes(name)) continue;
    if (!fs.existsSync(path.join(__dirname, mod + '.js'))) { console.log(`(benchmark ${name}: not built)`); continue; }
    const m = await import(mod) as { run(): Promise<void> };
    await m.run();
  }
}

main().catch(e => { console.error(e); process.exit(1); });
