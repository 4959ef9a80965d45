/**
 * The format registry (src/core/formats/registry.ts): every entry finds the bundled fixtures of its
 * format and nothing else (the reference is the fixture folders' layout, written out below), the
 * pickers' glob finds every format (.h5, .pt, .pth included), and package.json's activation events,
 * explorer menus and watch glob defaults are the registry's (scripts/sync-manifest.js).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CHECKPOINT_FORMATS,
  LOG_FORMATS,
  checkpointFormatByName,
  checkpointGlob,
  checkpointGlobs,
  detectFormat,
  logGlobs,
  logKindOf,
  looksLikeCheckpoint,
  manifestFromRegistry,
  syncManifest,
  type CheckpointFormat,
  type LogKind,
} from '../../src/core/formats/registry';
import { discoverRuns, isCheckpointOnDisk } from '../../src/core/logs/runs';
import { compileGlob } from '../../src/core/glob';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

/** What each fixture is, from where it lies and how the fixture scripts name it (not from the registry). */
function expectedCheckpoint(rel: string): CheckpointFormat | undefined {
  const [top] = rel.split('/');
  const base = path.basename(rel);
  if (base === 'model.json' && (top === 'tfjs' || top === 'workspace')) return 'tfjs-layers';
  if (top === 'keras' && base.endsWith('.keras')) return 'keras';
  if (top === 'keras' && base.endsWith('.h5')) return 'keras-h5';
  if (base.endsWith('.onnx')) return 'onnx';
  if (base.endsWith('.safetensors')) return 'safetensors';
  if (base.endsWith('.pt')) return 'pytorch';
  return undefined;
}
function expectedLog(rel: string): LogKind | undefined {
  if (/^logs\/(tbx|tf2)_run\//.test(rel)) return 'tfevents';
  if (rel.endsWith('.csv')) return 'csv';
  if (rel.endsWith('.jsonl')) return 'jsonl';
  return undefined;
}

describe('format registry', () => {
  const files = walk(FIXTURES).map(f => ({ f, rel: path.relative(FIXTURES, f).split(path.sep).join('/') }));

  it('each checkpoint entry detects its bundled fixtures and rejects every other fixture', () => {
    const seen = new Set<CheckpointFormat>();
    for (const { f, rel } of files) {
      const want = expectedCheckpoint(rel);
      assert.strictEqual(checkpointFormatByName(f) && isCheckpointOnDisk(f) ? checkpointFormatByName(f)!.id : undefined, want, rel);
      if (want) {
        assert.strictEqual(detectFormat(f), want, rel);
        seen.add(want);
      }
    }
    assert.deepStrictEqual([...seen].sort(), CHECKPOINT_FORMATS.map(x => x.id).sort(), 'every format has a fixture');
  });

  it('each log entry detects its bundled fixtures and rejects every other fixture', () => {
    const seen = new Set<LogKind>();
    for (const { f, rel } of files) {
      const want = expectedLog(rel);
      assert.strictEqual(logKindOf(f), want, rel);
      if (want) seen.add(want);
    }
    assert.deepStrictEqual([...seen].sort(), LOG_FORMATS.map(x => x.id).sort());
  });

  it('names: .hdf5, .pth, .ndjson, upper case; a model*.json only by its content (model.json by name)', () => {
    assert.strictEqual(checkpointFormatByName('a/M.HDF5')?.id, 'keras-h5');
    assert.strictEqual(checkpointFormatByName('a/net.PTH')?.id, 'pytorch');
    assert.strictEqual(logKindOf('x/metrics.ndjson'), 'jsonl');
    for (const n of ['model.bin', 'data.npz', 'group1-shard1of1.bin', 'config.json', 'metrics.csv.bak', 'model.ckpt'])
      assert.ok(!looksLikeCheckpoint(n), n);
    assert.strictEqual(detectFormat('anything.json'), 'tfjs-layers'); // named explicitly, any JSON is read as a TF.js model
    assert.strictEqual(detectFormat('notes.txt'), undefined);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-registry-'));
    const write = (n: string, body: string): string => {
      const p = path.join(tmp, n);
      fs.writeFileSync(p, body);
      return p;
    };
    assert.ok(isCheckpointOnDisk(write('model.json', '{}')));
    assert.ok(!isCheckpointOnDisk(write('model.config.json', '{"hidden": 3}')));
    assert.ok(isCheckpointOnDisk(write('model.special.json', '{"format": "layers-model", "modelTopology": {}}')));
    assert.ok(isCheckpointOnDisk(write('my_model.json', '{"weightsManifest": []}')));
    const pth = write('net.pth', 'x'),
      h5 = write('net.h5', 'x');
    const runs = discoverRuns(tmp);
    assert.deepStrictEqual(runs.flatMap(r => r.checkpoints.map(c => path.basename(c.path))).sort(), [
      'model.json',
      'model.special.json',
      'my_model.json',
      'net.h5',
      'net.pth',
    ]);
    assert.ok(isCheckpointOnDisk(pth) && isCheckpointOnDisk(h5));
  });

  it("the pickers' glob finds every format, .h5, .pt and .pth included", () => {
    const g = compileGlob(checkpointGlob());
    for (const p of [
      'a/b/model.h5',
      'x.pt',
      'runs/r/y.pth',
      'm.hdf5',
      'runs/model.json',
      'model.special.json',
      'm.keras',
      'm.onnx',
      'm.safetensors',
    ])
      assert.ok(g.test(p), p);
    for (const p of ['a/data.npz', 'a/group1-shard1of1.bin', 'a/config.json', 'a/metrics.csv']) assert.ok(!g.test(p), p);
    // the watch globs, one per name, find the same files
    for (const p of ['a/b/model.h5', 'x.pt', 'runs/r/y.pth'])
      assert.ok(
        checkpointGlobs().some(w => compileGlob(w).test(p)),
        p,
      );
    assert.ok(logGlobs().some(w => compileGlob(w).test('r/events.out.tfevents.1.host')));
  });

  it("package.json (activation events, explorer menus, watch glob defaults) is the registry's: run node scripts/sync-manifest.js when this fails", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.deepStrictEqual(
      syncManifest(pkg),
      pkg,
      'package.json differs from src/core/formats/registry.ts: run node scripts/sync-manifest.js',
    );
    const m = manifestFromRegistry();
    for (const ext of ['h5', 'pt', 'pth']) assert.ok(pkg.activationEvents.includes(`workspaceContains:**/*.${ext}`), ext);
    assert.ok(pkg.activationEvents.includes('workspaceContains:**/landscape.json'));
    const when = (cmd: string) =>
      pkg.contributes.menus['explorer/context'].find((e: { command: string }) => e.command === cmd).when as string;
    assert.strictEqual(when('landscapeLens.diagnoseCheckpoint'), m.menus['landscapeLens.diagnoseCheckpoint']);
    // the when clause's regex accepts what the registry accepts (VS Code evaluates it on the file name)
    const re = (w: string) => {
      const [, src, flags] = /=~ \/(.*)\/(\w*)$/.exec(w)!;
      return new RegExp(src, flags);
    };
    for (const n of ['model.json', 'm.H5', 'x.pt', 'x.pth', 'x.keras', 'x.onnx', 'x.safetensors'])
      assert.ok(re(when('landscapeLens.diagnoseCheckpoint')).test(n), n);
    assert.ok(!re(when('landscapeLens.diagnoseCheckpoint')).test('data.npz'));
    assert.ok(!re(when('landscapeLens.perturbWeights')).test('m.keras'), 'Keras has no writer');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'sync-manifest.js'), '--check'], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
  });

  it('the manifest check fails when package.json misses a format', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    pkg.activationEvents = pkg.activationEvents.filter((e: string) => e !== 'workspaceContains:**/*.pth');
    assert.notDeepStrictEqual(syncManifest(pkg), pkg);
    pkg.contributes.configuration.properties['landscapeLens.watch.checkpointGlobs'].default.pop();
    assert.ok(syncManifest(pkg).contributes.configuration.properties['landscapeLens.watch.checkpointGlobs'].default.includes('**/*.pth'));
  });
});
