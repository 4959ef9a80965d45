/**
 * `npm run demo`: builds examples/demo-workspace/ from scratch, seeded (the builder lives in
 * src/core/demo/build.ts so the extension's worker can build the same demo: *Landscape: Create Demo
 * Workspace*); scripts/demo.js then diagnoses every checkpoint and writes report.html.
 */
import * as path from 'path';
import { buildDemo as build, BuildDemoOptions } from '../../src/core/demo/build';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Builds the demo into `opts.dir` (default examples/demo-workspace). */
export function buildDemo(opts: Partial<BuildDemoOptions> = {}): Promise<string> {
  const dir = path.resolve(opts.dir ?? path.join(ROOT, 'examples', 'demo-workspace'));
  // the repository's JSON schema, relative, when the demo lies inside the repository
  const schema = path.relative(ROOT, dir).startsWith('..') ? undefined : path.relative(dir, path.join(ROOT, 'media', 'landscape.schema.json')).split(path.sep).join('/');
  return build({ by: 'examples/demo/build.ts (npm run demo)', schema, ...opts, dir });
}

if (require.main === module) {
  const t0 = Date.now();
  buildDemo({ log: s => console.log(`  ${s}`) }).then(ws => console.log(`built ${path.relative(process.cwd(), ws)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)).catch(e => { console.error(e); process.exit(1); });
}
