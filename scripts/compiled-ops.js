#!/usr/bin/env node
/**
 * Prints the README's compiled-op block, generated from the native engine's lowering table
 * (src/core/native/lower/opList.ts); with --write, replaces the block in README.md in place.
 * Needs the compiled sources: run `npm run compile-tests` first.
 */
const fs = require('fs');
const path = require('path');
const ROOT = path.resolve(__dirname, '..');
const built = path.join(ROOT, 'out', 'src', 'core', 'native', 'lower', 'opList.js');
if (!fs.existsSync(built)) {
  console.error(`${path.relative(ROOT, built)} not found: run \`npm run compile-tests\` first`);
  process.exit(2);
}
const { compiledOpsMarkdown, withCompiledOps } = require(built);
if (!process.argv.includes('--write')) {
  console.log(compiledOpsMarkdown());
  process.exit(0);
}
const readme = path.join(ROOT, 'README.md');
const next = withCompiledOps(fs.readFileSync(readme, 'utf8'));
if (next === undefined) {
  console.error('README.md has no compiled-ops markers');
  process.exit(2);
}
fs.writeFileSync(readme, next);
console.log('README.md: compiled-op list regenerated');
