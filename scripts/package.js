#!/usr/bin/env node
// `npm run package`: production build, then `vsce package` offline into
// artifacts/landscape-lens-<version>.vsix. Everything the extension runs is bundled by webpack
// (dist/), so the VSIX carries no node_modules (--no-dependencies); @tensorflow/tfjs-node, the one
// external besides `vscode`, is optional (src/core/backend.ts falls back to wasm, then cpu).
// What goes in is listed in .vscodeignore (an allowlist).
//   --no-build   package the current dist/ as it is (the e2e harness, after `npm run build`)
// Also usable as a module: vsixPath(), ensureVsix() (rebuilds the VSIX when missing or older than
// what goes into it).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const pkg = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function vsixPath() {
  const p = pkg();
  return path.join(ROOT, 'artifacts', `${p.name}-${p.version}.vsix`);
}

function run(cmd, args) {
  console.log(`[package] $ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** Newest modification time among the files that go into the VSIX (dist/, media/, manifest, docs). */
function newestInput() {
  let newest = 0;
  const visit = p => {
    if (!fs.existsSync(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['dist', 'media', 'package.json', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE']) visit(path.join(ROOT, p));
  return newest;
}

function packageVsix({ build = true } = {}) {
  if (build) run('npm', ['run', 'build']);
  for (const f of ['extension.js', 'worker.js', 'webview.js', 'cli.js', 'tfjs-backend-wasm-simd.wasm']) {
    if (!fs.existsSync(path.join(ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run npm run build first`);
  }
  const out = vsixPath();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  // vsce's own bin; --no-dependencies: no `npm list`, no node_modules in the package; nothing here
  // touches the network (publishing is a separate, manual step)
  // platform-specific: dist/node_modules/onnxruntime-node carries this platform's native library only
  const target = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
  run(process.execPath, [
    require.resolve('@vscode/vsce/vsce'),
    'package',
    '--no-dependencies',
    '--no-update-package-json',
    '--target',
    target,
    '--out',
    out,
  ]);
  const size = fs.statSync(out).size;
  console.log(`[package] ${path.relative(ROOT, out)}: ${(size / 1024).toFixed(0)} KiB`);
  return out;
}

/** The VSIX, packaged from the current dist/ (no webpack build) when missing or stale. */
function ensureVsix() {
  const out = vsixPath();
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= newestInput()) {
    console.log(`[package] reusing ${path.relative(ROOT, out)} (newer than dist/ and the manifest)`);
    return out;
  }
  return packageVsix({ build: false });
}

module.exports = { vsixPath, ensureVsix, packageVsix };

if (require.main === module) {
  try {
    packageVsix({ build: !process.argv.includes('--no-build') });
  } catch (e) {
    console.error(`[package] failed: ${e.message}`);
    process.exit(1);
  }
}
