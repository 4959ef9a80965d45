#!/usr/bin/env node
/**
 * Writes the manifest fields that come from the format registry (src/core/formats/registry.ts)
 * into package.json: `activationEvents` (workspaceContains for every checkpoint pattern, TensorBoard event files
 * and landscape.json), the explorer menus' `when` clauses, and the defaults of
 * `landscapeLens.watch.checkpointGlobs` / `logGlobs`. `--check`: exit 1 (and list what differs)
 * instead of writing. test/unit/formats-registry.test.ts fails while package.json differs.
 *   node scripts/sync-manifest.js [--check]
 */
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');
const REGISTRY = path.join(ROOT, 'src', 'core', 'formats', 'registry.ts');
const PKG = path.join(ROOT, 'package.json');

/** registry.ts transpiled in memory (it imports only node's path): no build step needed. */
function loadRegistry() {
  const js = ts.transpileModule(fs.readFileSync(REGISTRY, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    fileName: REGISTRY,
  }).outputText;
  const m = new Module(REGISTRY, module);
  m.filename = REGISTRY;
  m.paths = Module._nodeModulePaths(path.dirname(REGISTRY));
  m._compile(js, REGISTRY);
  return m.exports;
}

function main() {
  const check = process.argv.includes('--check');
  const text = fs.readFileSync(PKG, 'utf8');
  const pkg = JSON.parse(text);
  const synced = loadRegistry().syncManifest(pkg);
  const out = JSON.stringify(synced, null, 2) + '\n';
  if (out === text || JSON.stringify(synced) === JSON.stringify(pkg)) {
    console.log('package.json is in step with the format registry');
    return;
  }
  if (check) {
    console.error('package.json differs from the format registry: run node scripts/sync-manifest.js');
    process.exit(1);
  }
  fs.writeFileSync(PKG, out);
  console.log('package.json: activationEvents, explorer menus and watch glob defaults written from the format registry');
}

main();
