#!/usr/bin/env node
// Provisions what the integration and end-to-end tests need, idempotently:
//  - Debian packages: chromium (driven by playwright-core), fonts, ripgrep and the headers that
//    code-server's native modules build against; PyTorch and ONNX for Python (the unit tests run the
//    PyTorch export helper and compare with PyTorch's float64 numbers; the benchmark compares speeds
//    with PyTorch on OpenBLAS). Installed with apt when run as root; otherwise
//    we stop and print the exact command.
//  - code-server 4.100.3 (VS Code 1.100, runs on Node 20) into .vscode-test/code-server-4.100.3,
//    with its native modules rebuilt for this Node and Debian's ripgrep; a marker file is written
//    only when everything succeeded (like @vscode/test-electron's .vscode-test/).
'use strict';
const fs = require('fs');
const path = require('path');
const { execSync, spawnSync } = require('child_process');

const VERSION = '4.100.3';
const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(ROOT, '.vscode-test', `code-server-${VERSION}`);
const MARKER = path.join(DIR, '.provisioned');
const CHROMIUM = '/usr/lib/chromium/chromium';
const APT = [
  'chromium',
  'fonts-liberation',
  'libkrb5-dev',
  'libx11-dev',
  'libxkbfile-dev',
  'libsecret-1-dev',
  'pkg-config',
  'ripgrep',
  'python3-torch',
  'python3-onnx',
  'libopenblas0-pthread',
];

function log(msg) {
  console.log(`[provision] ${msg}`);
}

function run(cmd, cwd, extraEnv = {}) {
  log(`${path.relative(ROOT, cwd) || '.'}$ ${cmd}`);
  execSync(cmd, {
    cwd,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      npm_config_nodedir: '/usr',
      npm_config_yes: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      ...extraEnv,
    },
  });
}

function missingDebianPackages() {
  const missing = APT.filter(
    p => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true,
  );
  if (!fs.existsSync(CHROMIUM) && !missing.includes('chromium')) missing.push('chromium');
  if (spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).status !== 0 && !missing.includes('ripgrep')) missing.push('ripgrep');
  return missing;
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    log(`installing Debian packages: ${missing.join(' ')}`);
    execSync(`apt-get update && apt-get install -y --no-install-recommends ${APT.join(' ')}`, {
      stdio: 'inherit',
      shell: '/bin/bash',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const still = missingDebianPackages();
    if (still.length) throw new Error(`still missing after apt-get install: ${still.join(' ')}`);
    return;
  }
  console.error(
    `[provision] missing Debian packages: ${missing.join(' ')}\nRun this once, then run the tests again:\n\n  sudo apt-get update && sudo apt-get install -y ${APT.join(' ')}\n`,
  );
  process.exit(1);
}

function nodeHeadersPresent() {
  return fs.existsSync('/usr/include/node/node.h');
}

function ensureCodeServer() {
  const entry = path.join(DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (fs.existsSync(MARKER) && fs.existsSync(entry)) return path.join(DIR, 'node_modules', 'code-server');
  const t0 = Date.now();
  if (!nodeHeadersPresent()) log('warning: /usr/include/node not found; native rebuilds may try to download headers');
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  fs.writeFileSync(path.join(DIR, 'package.json'), JSON.stringify({ name: 'landscape-lens-test-vscode', private: true, version: '0.0.0' }));
  fs.writeFileSync(path.join(DIR, '.npmrc'), 'audit=false\nfund=false\n');
  run(`npm install --ignore-scripts --no-save code-server@${VERSION}`, DIR);
  const cs = path.join(DIR, 'node_modules', 'code-server');
  const vs = path.join(cs, 'lib', 'vscode');
  run('npm install --omit=dev --ignore-scripts', vs);
  const rg = execSync('command -v rg', { encoding: 'utf8', shell: '/bin/bash' }).trim();
  const rgDir = path.join(vs, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgDir, { recursive: true });
  fs.copyFileSync(rg, path.join(rgDir, 'rg'));
  fs.chmodSync(path.join(rgDir, 'rg'), 0o755);
  run('npm rebuild @parcel/watcher @vscode/deviceid @vscode/spdlog kerberos native-watchdog node-pty', vs);
  const asar = path.join(vs, 'node_modules.asar');
  fs.rmSync(asar, { force: true, recursive: true });
  fs.symlinkSync('node_modules', asar);
  run('npm install --omit=dev', path.join(vs, 'extensions'));
  run('npm rebuild argon2', DIR); // hoisted into the install root
  if (!fs.existsSync(entry)) throw new Error(`code-server entry not found after install: ${entry}`);
  // the native modules the server and extension host load at start-up must have been built
  for (const rel of [
    'lib/vscode/node_modules/node-pty/build/Release/pty.node',
    'lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node',
    'lib/vscode/node_modules/@vscode/ripgrep/bin/rg',
  ]) {
    if (!fs.existsSync(path.join(cs, rel))) throw new Error(`missing after install: ${rel}`);
  }
  if (!fs.existsSync(path.join(DIR, 'node_modules', 'argon2', 'lib', 'binding'))) throw new Error('argon2 was not built');
  fs.writeFileSync(MARKER, JSON.stringify({ version: VERSION, node: process.version, at: new Date().toISOString() }));
  log(`code-server ${VERSION} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return cs;
}

/** Returns { codeServer, chromium } paths, provisioning what is missing. */
function provision() {
  ensureDebianPackages();
  const codeServer = ensureCodeServer();
  return { codeServer, chromium: CHROMIUM };
}

module.exports = { provision, ensureDebianPackages, VERSION, DIR };

if (require.main === module) {
  try {
    if (process.argv.includes('--debian-only')) {
      ensureDebianPackages();
      log('Debian packages present');
      process.exit(0);
    }
    const p = provision();
    log(`code-server: ${p.codeServer}`);
    log(`chromium: ${p.chromium}`);
  } catch (e) {
    console.error(`[provision] failed: ${e.message}`);
    process.exit(1);
  }
}
