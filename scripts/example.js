#!/usr/bin/env node
// The README's run command: sets up what is missing, builds, and diagnoses the bundled example
// (examples/mlp: a 64-64-32-10 ReLU MLP trained by TF.js on 1,000 seeded samples), printing the
// result and writing it as JSON to a new file under artifacts/.
'use strict';
const fs = require('fs');
const path = require('path');
const { execSync, spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
require('./ensure-deps.js');
execSync('npx webpack --mode production', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
fs.mkdirSync(path.join(root, 'artifacts'), { recursive: true });
const out = path.join(root, 'artifacts', `example-result-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const args = [
  path.join(root, 'dist/cli.js'),
  'diagnose',
  path.join(root, 'examples/mlp/model.json'),
  '--data',
  path.join(root, 'examples/mlp/data.npz'),
  '--out',
  out,
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (r.status === 0) console.log(`\nresult written to ${path.relative(root, out)}`);
process.exit(r.status ?? 1);
