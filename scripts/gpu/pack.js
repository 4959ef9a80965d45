#!/usr/bin/env node
// `node scripts/gpu/pack.js` (issue 26, GPU readiness): packs, into the ignored folder gpu-pack/, everything a
// lent GPU machine needs to run scripts/gpu/run.sh there — it has no Node.js, reaches no registry and takes a
// working tree of at most 64 MiB:
//   node.xz                 this machine's `node` binary, xz-compressed
//   ort/napi-vN/*.xz        onnxruntime-node's native library files (node_modules/onnxruntime-node/bin/napi-v*/linux/x64/*),
//                           xz-compressed; its bundled WebGPU provider (Dawn, linked in) is the GPU path that fits —
//                           the CUDA provider's libraries are hundreds of MB and cannot travel
//   debs/*.deb              `apt-get download` here: libvulkan1 (the Vulkan loader Dawn dlopens as libvulkan.so.1:
//                           `ldd` shows no other dependency beyond glibc and libstdc++), and libstdc++6 + libgcc-s1,
//                           used there only when the machine lacks them
//   dist.tar.xz             the built engine bundle (dist/cli.js, dist/worker.js, the wasm files, onnxruntime's JS)
//                           plus dist/gpu-engine.js (scripts/gpu/engine.ts, bundled here with the engine's loaders)
//   manifest.json           what is in it: sizes, SHA-256, versions
// Prints the total and refuses (exit 1, gpu-pack/ left as it was) when it is over 60 MiB or when it and the
// tracked files together would pass the 64 MiB the machine takes. Compressed files are reused from the previous
// pack when their source did not change (size and mtime), so a second run costs only the engine bundle.
//
//   node scripts/gpu/pack.js [--out DIR] [--limit-mib N ≤ 60]     then, on the GPU machine: bash scripts/gpu/run.sh
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const MIB = 2 ** 20;
let LIMIT = 60 * MIB;
const TREE_LIMIT = 64 * MIB;
const DEBS = ['libvulkan1', 'libstdc++6', 'libgcc-s1'];

function fail(msg) {
  console.error(`gpu pack: ${msg}`);
  process.exit(1);
}
const sha256 = f => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const stamp = f => {
  const st = fs.statSync(f);
  return `${st.size}:${Math.round(st.mtimeMs)}`;
};
const mib = b => (b / MIB).toFixed(1);

/** xz -9 of `src` into `dst`, or the previous pack's copy when `src` is unchanged. */
function xzFile(src, dst, prev, prevDir, rel) {
  const s = stamp(src);
  const old = prev.files?.[rel];
  if (old && old.source === s && fs.existsSync(path.join(prevDir, rel)) && sha256(path.join(prevDir, rel)) === old.sha256) {
    fs.copyFileSync(path.join(prevDir, rel), dst);
    return { source: s, reused: true };
  }
  const t = Date.now();
  const out = fs.openSync(dst, 'w');
  const r = spawnSync('xz', ['-9', '-T2', '-c', src], { stdio: ['ignore', out, 'pipe'] });
  fs.closeSync(out);
  if (r.error || r.status !== 0) fail(`xz ${src} failed: ${r.error ? r.error.message : r.stderr}`);
  console.log(
    `  xz ${src.startsWith(ROOT + path.sep) ? path.relative(ROOT, src) : src}: ${mib(fs.statSync(src).size)} → ${mib(fs.statSync(dst).size)} MiB (${((Date.now() - t) / 1000).toFixed(0)} s)`,
  );
  return { source: s, reused: false };
}

/** dist/gpu-engine.js: scripts/gpu/engine.ts bundled with the engine config's loaders (webpack's Node API). */
function bundleEngine(outDir) {
  const webpack = require(path.join(ROOT, 'node_modules', 'webpack'));
  const engine = require(path.join(ROOT, 'webpack.config.js'))(undefined, { mode: 'production' }).find(c => c.name === 'engine');
  const config = {
    ...engine,
    name: 'gpu-engine',
    context: ROOT,
    devtool: false,
    entry: { 'gpu-engine': './scripts/gpu/engine.ts' },
    output: { path: outDir, filename: '[name].js', libraryTarget: 'commonjs2' },
    plugins: [],
  };
  return new Promise((resolve, reject) =>
    webpack(config, (err, stats) => {
      if (err) return reject(err);
      if (stats.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true }).slice(0, 4000)));
      resolve();
    }),
  );
}

/** Tracked files' total size: they travel beside the pack. */
function trackedBytes() {
  const r = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * MIB });
  if (r.status !== 0) return 0;
  let n = 0;
  for (const f of r.stdout.split('\0').filter(Boolean))
    try {
      n += fs.statSync(path.join(ROOT, f)).size;
    } catch {
      /* deleted in the work tree */
    }
  return n;
}

async function main() {
  const argv = process.argv.slice(2);
  let outDir = path.join(ROOT, 'gpu-pack');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) outDir = path.resolve(argv[++i]);
    else if (argv[i] === '--limit-mib' && argv[i + 1]) {
      const n = Number(argv[++i]);
      if (!(n > 0 && n <= 60)) fail(`--limit-mib must be a number above 0 and at most 60, not '${argv[i]}'`);
      LIMIT = n * MIB; // only lower: to check the refusal
    } else fail(`unknown option '${argv[i]}' (--out DIR, --limit-mib N)`);
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') fail(`packs linux-x64 binaries; this is ${process.platform}-${process.arch}`);
  const dist = path.join(ROOT, 'dist');
  for (const f of ['cli.js', 'worker.js', 'node_modules/onnxruntime-node/package.json'])
    if (!fs.existsSync(path.join(dist, f)))
      fail(`dist/${f} is missing: build first (npm run build, or npx webpack --mode production --config-name engine)`);
  const ortBins = fs
    .readdirSync(path.join(ROOT, 'node_modules/onnxruntime-node/bin'))
    .filter(d => /^napi-v\d+$/.test(d))
    .map(d => path.join('node_modules/onnxruntime-node/bin', d, 'linux/x64'))
    .filter(d => fs.existsSync(path.join(ROOT, d)));
  if (!ortBins.length) fail('node_modules/onnxruntime-node/bin/napi-v*/linux/x64 is missing');
  for (const tool of ['xz', 'tar', 'apt-get'])
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) fail(`${tool} is needed here`);

  const prevDir = outDir;
  let prev = {};
  try {
    prev = JSON.parse(fs.readFileSync(path.join(prevDir, 'manifest.json'), 'utf8'));
  } catch {
    /* first pack */
  }
  const work = `${outDir}.new-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'ort'), { recursive: true });
  fs.mkdirSync(path.join(work, 'debs'));
  const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

  const files = {};
  console.log(`packing for a GPU machine into ${path.relative(ROOT, outDir) || outDir}/`);
  // 1. node
  files['node.xz'] = xzFile(process.execPath, path.join(work, 'node.xz'), prev, prevDir, 'node.xz');
  // 2. onnxruntime-node's native files
  for (const bin of ortBins) {
    const napi = bin.split('/')[3];
    fs.mkdirSync(path.join(work, 'ort', napi), { recursive: true });
    for (const f of fs.readdirSync(path.join(ROOT, bin))) {
      const rel = `ort/${napi}/${f}.xz`;
      files[rel] = xzFile(path.join(ROOT, bin, f), path.join(work, rel), prev, prevDir, rel);
    }
  }
  // 3. the Vulkan loader (and the C++ runtime, used there only when missing)
  const debDir = path.join(work, 'debs');
  const got = spawnSync('apt-get', ['download', ...DEBS], { cwd: debDir, encoding: 'utf8' });
  if (got.status !== 0) {
    const old = fs.existsSync(path.join(prevDir, 'debs')) ? fs.readdirSync(path.join(prevDir, 'debs')).filter(f => f.endsWith('.deb')) : [];
    if (DEBS.some(p => !old.some(f => f.startsWith(`${p}_`))))
      fail(`apt-get download ${DEBS.join(' ')} failed: ${(got.stderr || '').trim().split('\n').pop()}`);
    for (const f of old) fs.copyFileSync(path.join(prevDir, 'debs', f), path.join(debDir, f));
    console.log("  apt-get download failed: the previous pack's .deb files are used");
  }
  for (const f of fs.readdirSync(debDir)) files[`debs/${f}`] = {};
  // 4. the engine bundle
  const stage = path.join(work, '.stage');
  const stageDist = path.join(stage, 'dist');
  const skip = rel =>
    rel.endsWith('.map') || rel === 'extension.js' || rel.startsWith('webview.') || rel.startsWith('node_modules/onnxruntime-node/bin/');
  const copyTree = (from, to, base = '') => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const rel = base ? `${base}/${e.name}` : e.name;
      if (skip(rel)) continue;
      if (e.isDirectory()) {
        fs.mkdirSync(path.join(to, e.name), { recursive: true });
        copyTree(path.join(from, e.name), path.join(to, e.name), rel);
      } else if (e.isFile()) fs.copyFileSync(path.join(from, e.name), path.join(to, e.name));
    }
  };
  fs.mkdirSync(stageDist, { recursive: true });
  copyTree(dist, stageDist);
  const t = Date.now();
  await bundleEngine(stageDist);
  console.log(`  bundled scripts/gpu/engine.ts → dist/gpu-engine.js (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  const tarOut = fs.openSync(path.join(work, 'dist.tar.xz'), 'w');
  const tar = spawnSync('tar', ['-C', stage, '--owner=0', '--group=0', '-cf', '-', 'dist'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 512 * MIB,
  });
  if (tar.status !== 0) fail(`tar failed: ${tar.stderr}`);
  const xz = spawnSync('xz', ['-9', '-T2', '-c'], { input: tar.stdout, stdio: ['pipe', tarOut, 'pipe'], maxBuffer: 512 * MIB });
  fs.closeSync(tarOut);
  if (xz.status !== 0) fail(`xz of dist failed: ${xz.stderr}`);
  fs.rmSync(stage, { recursive: true, force: true });
  files['dist.tar.xz'] = {};

  // 5. the manifest and the size check
  let total = 0;
  for (const rel of Object.keys(files)) {
    const f = path.join(work, rel);
    const size = fs.statSync(f).size;
    total += size;
    files[rel] = { size, sha256: sha256(f), ...(files[rel].source ? { source: files[rel].source } : {}) };
  }
  const ort = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version;
  const manifest = {
    created: new Date().toISOString(),
    node: process.version,
    onnxruntimeNode: ort,
    napi: ortBins.map(b => b.split('/')[3]),
    debs: fs.readdirSync(debDir),
    files,
    total,
  };
  fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  total += fs.statSync(path.join(work, 'manifest.json')).size;
  const tracked = trackedBytes();
  console.log('');
  for (const [rel, f] of Object.entries(files)) console.log(`  ${rel.padEnd(44)} ${mib(f.size).padStart(6)} MiB`);
  console.log(
    `  ${'total'.padEnd(44)} ${mib(total).padStart(6)} MiB  (limit ${mib(LIMIT)} MiB; with the ${mib(tracked)} MiB of tracked files: ${mib(total + tracked)} of ${mib(TREE_LIMIT)} MiB)`,
  );
  if (total > LIMIT) fail(`the pack is ${mib(total)} MiB, over the limit of ${mib(LIMIT)} MiB; refused (gpu-pack/ left as it was)`);
  if (total + tracked > TREE_LIMIT)
    fail(`the pack and the tracked files are ${mib(total + tracked)} MiB, over the ${mib(TREE_LIMIT)} MiB a GPU machine takes; refused`);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(work, outDir);
  console.log(`\nready: ${path.relative(ROOT, outDir)}/ — on the GPU machine (carry gpu-pack): bash scripts/gpu/run.sh`);
}

main().catch(e => fail(e && e.stack ? e.stack : String(e)));
