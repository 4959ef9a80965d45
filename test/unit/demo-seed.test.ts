/**
 * The demo folder rules (never overwrite a user's folder; rebuild only an earlier demo and only what
 * the builder wrote) and the seeded results: the paths travel relative to the folder, an entry is
 * imported only for unchanged checkpoint files, under the key a quick diagnosis with the current
 * settings looks up (checked against ResultsCache.key computed independently) or, when the settings
 * differ, under its own settings' key.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkDemoFolder, clearDemoFolder, demoTargetIn, DEMO_MARKER } from '../../src/core/demo/folder';
import {
  importSeed,
  writeSeed,
  toSeedEntry,
  fromSeedEntry,
  sameOptions,
  SEED_FILE,
  SEED_IMPORTED,
  SeedEntry,
} from '../../src/extension/seed';
import { ResultsCache } from '../../src/extension/cache';
import type { DiagnoseOptions, DiagnoseResult } from '../../src/core/diagnose';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-demo-unit-'));

describe('demo folder: never a user folder', () => {
  it('missing, empty (editor files ignored), an earlier demo, and refusals', () => {
    const d = tmp();
    assert.strictEqual(checkDemoFolder(path.join(d, 'new')).kind, 'missing');
    assert.strictEqual(checkDemoFolder(d).kind, 'empty');
    fs.mkdirSync(path.join(d, '.vscode'));
    assert.strictEqual(checkDemoFolder(d).kind, 'empty');
    fs.writeFileSync(path.join(d, 'notes.txt'), 'mine');
    const r = checkDemoFolder(d);
    assert.strictEqual(r.kind, 'refused');
    fs.writeFileSync(path.join(d, DEMO_MARKER), 'x');
    assert.strictEqual(checkDemoFolder(d).kind, 'refused', 'an earlier demo with a file the builder did not write');
    fs.rmSync(path.join(d, 'notes.txt'));
    fs.mkdirSync(path.join(d, 'runs', 'a'), { recursive: true });
    fs.writeFileSync(path.join(d, 'data.npz'), 'x');
    assert.strictEqual(checkDemoFolder(d).kind, 'demo');
    clearDemoFolder(d);
    assert.deepStrictEqual(fs.readdirSync(d), ['.vscode'], "only the builder's entries are removed");
    const f = path.join(d, 'file');
    fs.writeFileSync(f, 'x');
    assert.strictEqual(checkDemoFolder(f).kind, 'refused');
    fs.rmSync(d, { recursive: true, force: true });
  });

  it('a non-empty chosen folder gets a new demo folder inside it', () => {
    const d = tmp();
    assert.strictEqual(demoTargetIn(d), d, 'empty: the folder itself');
    fs.writeFileSync(path.join(d, 'mine.txt'), 'x');
    assert.strictEqual(demoTargetIn(d), path.join(d, 'landscape-lens-demo'));
    fs.mkdirSync(path.join(d, 'landscape-lens-demo'));
    fs.writeFileSync(path.join(d, 'landscape-lens-demo', 'other.txt'), 'x');
    assert.strictEqual(demoTargetIn(d), path.join(d, 'landscape-lens-demo-2'), 'a used name is skipped');
    fs.rmSync(d, { recursive: true, force: true });
  });
});

describe('demo seed: results travel in the folder', () => {
  function setup() {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, DEMO_MARKER), 'demo');
    const ckpt = path.join(dir, 'runs', 'r', 'step_1', 'model.json');
    fs.mkdirSync(path.dirname(ckpt), { recursive: true });
    fs.writeFileSync(ckpt, JSON.stringify({ format: 'layers-model' }));
    const data = path.join(dir, 'data.npz');
    fs.writeFileSync(data, 'npz');
    const options: DiagnoseOptions = { checkpoint: ckpt, data, seed: 0, top: 1, dataHow: 'landscape.json checkpoints[1]' };
    const result = {
      checkpoint: ckpt,
      loss: 0.5,
      verdict: { kind: 'minimum' },
      computedAt: '2026-01-01T00:00:00.000Z',
      data: { file: data, xKey: 'x', yKey: 'y', total: 1, samples: 1, seed: 0 },
    } as unknown as DiagnoseResult;
    const entry: SeedEntry = {
      checkpoint: ckpt,
      checkpointFingerprint: ResultsCache.key(ckpt, data, options).checkpointFingerprint,
      options,
      result,
    };
    return { dir, ckpt, data, options, entry, cache: new ResultsCache(path.join(tmp(), 'results')) };
  }

  it('stores paths relative to the folder and restores them in a moved folder', () => {
    const { dir, entry } = setup();
    const rel = toSeedEntry(dir, entry);
    assert.strictEqual(rel.checkpoint, 'runs/r/step_1/model.json');
    assert.strictEqual(rel.options.data, 'data.npz');
    assert.strictEqual(rel.result.data.file, 'data.npz');
    const moved = fromSeedEntry('/elsewhere/demo', rel);
    assert.strictEqual(moved.checkpoint, path.resolve('/elsewhere/demo/runs/r/step_1/model.json'));
    assert.strictEqual(moved.result.checkpoint, moved.checkpoint);
    assert.ok(sameOptions({ ...entry.options, dataHow: 'other words' }, entry.options));
    assert.ok(!sameOptions({ ...entry.options, top: 2 }, entry.options));
  });

  it('imports under the key of the current quick settings, then marks the file imported', () => {
    const { dir, ckpt, data, options, entry, cache } = setup();
    writeSeed(dir, [entry]);
    const now = { ...options, dataHow: 'found by the new window' };
    const r = importSeed(dir, cache, () => now);
    assert.deepStrictEqual([r.imported, r.current, r.skipped], [1, 1, []]);
    const { key } = ResultsCache.key(ckpt, data, now);
    assert.strictEqual(cache.get(key)?.result.loss, 0.5, 'a quick diagnosis with these settings is a cache hit');
    assert.strictEqual(cache.latestFor(ckpt)?.result.checkpoint, ckpt, 'shown as current for the checkpoint');
    assert.ok(!fs.existsSync(path.join(dir, SEED_FILE)) && fs.existsSync(path.join(dir, SEED_IMPORTED)));
    assert.strictEqual(importSeed(dir, cache, () => now).imported, 0, 'imported once');
  });

  it('other settings: stored under its own key; changed files and folders without the marker: nothing', () => {
    const a = setup();
    writeSeed(a.dir, [a.entry]);
    const r = importSeed(a.dir, a.cache, () => ({ ...a.options, top: 3 }));
    assert.deepStrictEqual([r.imported, r.current], [1, 0]);
    assert.ok(a.cache.get(ResultsCache.key(a.ckpt, a.data, a.options).key), 'under the key of the settings it was computed with');
    assert.ok(!a.cache.get(ResultsCache.key(a.ckpt, a.data, { ...a.options, top: 3 }).key), 'never under other settings');

    const b = setup();
    writeSeed(b.dir, [b.entry]);
    fs.writeFileSync(b.ckpt, JSON.stringify({ format: 'layers-model', changed: true }));
    const rb = importSeed(b.dir, b.cache, () => b.options);
    assert.strictEqual(rb.imported, 0);
    assert.match(rb.skipped.join(), /changed since it was diagnosed/);
    assert.strictEqual(b.cache.size, 0);

    const c = setup();
    writeSeed(c.dir, [c.entry]);
    fs.rmSync(path.join(c.dir, DEMO_MARKER));
    assert.strictEqual(importSeed(c.dir, c.cache, () => c.options).file, undefined);
    assert.strictEqual(c.cache.size, 0);
  });
});
