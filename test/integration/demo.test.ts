/**
 * Integration: *Landscape: Create Demo Workspace* in the real extension host, into a temporary folder
 * given as the argument (not opened): the worker trains the four demo runs there, every checkpoint is
 * diagnosed (quick) and the results are seeded in `.landscape/seed-results.json`; imported into a
 * fresh cache with this window's quick settings they are the results a quick diagnosis would look up,
 * and their losses match a float64 re-evaluation of the checkpoints (test/unit/reference/denseNet64.ts).
 * A non-empty folder that is not a demo is refused and left untouched.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import type { CreateDemoResult } from '../../src/extension/demo';
import { importSeed, SEED_FILE } from '../../src/extension/seed';
import { ResultsCache } from '../../src/extension/cache';
import { diagnoseOptions } from '../../src/extension/settings';
import { readDenseNet, lossAndGrad64 } from '../unit/reference/denseNet64';
import { loadDataset } from '../../src/core/data/dataset';
import { EXT_ID } from './util';

describe('Create Demo Workspace (extension host)', function () {
  this.timeout(900000);
  let base: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<LandscapeApi>(EXT_ID);
    assert.ok(ext);
    await ext.activate();
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-demo-int-'));
  });
  after(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('refuses a non-empty folder that is not a demo and leaves it untouched', async () => {
    const mine = path.join(base, 'mine');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'notes.txt'), 'my notes');
    const r = await vscode.commands.executeCommand<CreateDemoResult | undefined>('landscapeLens.createDemoWorkspace', {
      folder: mine,
      open: false,
    });
    assert.strictEqual(r, undefined);
    assert.deepStrictEqual(fs.readdirSync(mine), ['notes.txt']);
    assert.strictEqual(fs.readFileSync(path.join(mine, 'notes.txt'), 'utf8'), 'my notes');
  });

  it('builds the demo runs in the worker, diagnoses every checkpoint and seeds the results', async () => {
    const dir = path.join(base, 'demo');
    const t0 = Date.now();
    const r = await vscode.commands.executeCommand<CreateDemoResult | undefined>('landscapeLens.createDemoWorkspace', {
      folder: dir,
      open: false,
    });
    console.log(`[timing] demo workspace built and diagnosed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(r, 'the command returned its result');
    assert.strictEqual(r.opened, false);
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, 'runs')).sort(), ['large-batch', 'saddle', 'small-batch', 'special-neurons']);
    const per = (run: string) => r.checkpoints.filter(c => c.includes(`${path.sep}${run}${path.sep}`)).length;
    // checkpoints every 2,000 of 12,000 steps (+ step 0); saddle 0/2000/4000; special neurons 0 and 7 steps of fine-tuning
    assert.deepStrictEqual([per('small-batch'), per('large-batch'), per('saddle'), per('special-neurons')], [7, 7, 3, 8]);
    for (const f of ['data.npz', 'landscape.json', 'train.py', 'README.md', '.landscape-demo'])
      assert.ok(fs.existsSync(path.join(dir, f)), f);
    assert.deepStrictEqual(r.failed, []);
    assert.strictEqual(r.seeded, r.checkpoints.length);
    assert.ok(r.seedFile && fs.existsSync(path.join(dir, SEED_FILE)));

    // what a window opening the folder does on activation, into a fresh cache (the folder is then its workspace folder)
    const cache = new ResultsCache(path.join(base, 'cache'));
    const imp = importSeed(dir, cache, ckpt => {
      const o = diagnoseOptions(vscode.Uri.file(ckpt), 'quick', {}, dir);
      return 'error' in o ? undefined : { ...o.options, dataHow: o.dataHow };
    });
    assert.deepStrictEqual([imp.imported, imp.current, imp.skipped], [r.checkpoints.length, r.checkpoints.length, []]);
    for (const c of r.checkpoints) {
      const e = cache.latestFor(c);
      assert.ok(e, `a current result for ${c}`);
      assert.strictEqual(e.result.checkpoint, c);
      assert.ok(e.result.hessian?.top[0], `λ_max of ${c}`);
      assert.ok(e.result.verdict?.kind, `verdict of ${c}`);
    }
    // the seeded losses against a float64 re-evaluation (the tanh runs on data.npz, MSE)
    const data = loadDataset(path.join(dir, 'data.npz'));
    for (const c of r.checkpoints.filter(x => !x.includes('special-neurons'))) {
      const ref = lossAndGrad64(readDenseNet(c), data.x, data.m, data.y.data, 'mse');
      const got = cache.latestFor(c)!.result.loss;
      assert.ok(Math.abs(got - ref.loss) <= 1e-4 * ref.loss + 1e-7, `${c}: seeded loss ${got} vs float64 ${ref.loss}`);
    }
    // the saddle run ends at a saddle: a negative eigenvalue estimate in the quick mode
    const saddle = cache.latestFor(r.checkpoints.filter(c => c.includes(`${path.sep}saddle${path.sep}`)).pop()!)!.result;
    console.log(`[demo] saddle verdict ${saddle.verdict.kind}, λ_min estimate ${saddle.hessian?.bottomEstimate?.value}`);
  });
});
