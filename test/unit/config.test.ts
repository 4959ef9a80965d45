/**
 * landscape.json: globs, validation with field-level errors, precedence (flags > config >
 * conventional names), input scaling, the contributed JSON schema in step with the reader, and
 * the CLI diagnosing without --data.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { globToRegExp, loadConfig, matchCheckpoint, resolveSettings, LANDSCAPE_SCHEMA, type CheckpointConfig } from '../../src/core/config';
import { loadDataset } from '../../src/core/data/dataset';
import { encodeNpz } from '../../src/core/data/npyWrite';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('landscape.json', function () {
  this.timeout(60000);
  it('globs: **, *, ?, {a,b}', () => {
    assert.ok(globToRegExp('runs/**/model.json').test('runs/a/b/model.json'));
    assert.ok(globToRegExp('runs/**/model.json').test('runs/model.json'));
    assert.ok(!globToRegExp('runs/*/model.json').test('runs/a/b/model.json'));
    assert.ok(globToRegExp('ckpt-??.{onnx,keras}').test('ckpt-12.keras'));
    assert.ok(!globToRegExp('ckpt-??.{onnx,keras}').test('ckpt-123.onnx'));
    assert.ok(globToRegExp('*.onnx').test('m.onnx') && !globToRegExp('*.onnx').test('a/m.onnx'));
  });

  it('validation names the entry and field', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-cfg-'));
    const f = path.join(tmp, 'landscape.json');
    fs.writeFileSync(f, JSON.stringify({ checkpoints: [{ glob: '*.onnx', samples: -3 }] }));
    assert.throws(
      () => loadConfig(f),
      (e: Error & { where?: string }) =>
        /'samples' must be a non-negative integer, got -3/.test(e.message) && e.where === 'checkpoints[0].samples',
    );
    fs.writeFileSync(f, JSON.stringify({ checkpoints: [{ glob: '*.onnx', lossFn: 'ce' }] }));
    assert.throws(() => loadConfig(f), /unknown field 'lossFn'/);
    fs.writeFileSync(f, '{"checkpoints": [');
    assert.throws(() => loadConfig(f), /cannot read landscape\.json/);
  });

  it('validation (ajv on media/landscape.schema.json): each message names the file, the key path and what is wrong', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-cfg-'));
    const f = path.join(tmp, 'landscape.json');
    const refused = (json: unknown, message: RegExp, where: string): void => {
      fs.writeFileSync(f, JSON.stringify(json));
      assert.throws(
        () => loadConfig(f),
        (e: Error & { where?: string; file?: string }) => {
          assert.match(e.message, message);
          assert.strictEqual(e.where, where);
          assert.strictEqual(e.file, f);
          assert.ok(e.message.startsWith(`${f} (${where}): `), e.message);
          return true;
        },
      );
    };
    refused({}, /expected \{"checkpoints": \[/, 'field checkpoints');
    refused({ checkpoints: {} }, /expected \{"checkpoints": \[/, 'field checkpoints');
    refused([], /expected \{"checkpoints": \[/, 'field checkpoints');
    refused({ checkpoints: [{ glob: '*.onnx' }, 3] }, /: expected an object$/, 'checkpoints[1]');
    refused({ checkpoints: [{ data: 'd.npz' }] }, /missing 'glob'/, 'checkpoints[0]');
    refused({ checkpoints: [{ glob: '' }] }, /'glob' must be a non-empty string, got ""/, 'checkpoints[0].glob');
    refused(
      { checkpoints: [{ glob: '*.onnx', lossFn: 'ce' }] },
      /unknown field 'lossFn' \(expected glob, data, xKey, yKey, loss, samples, seed, chunkSize, inputScale, inputShift\)/,
      'checkpoints[0].lossFn',
    );
    refused({ checkpoints: [], extra: 1 }, /unknown field 'extra'/, 'field extra');
    refused({ checkpoints: [{ glob: '*.onnx', loss: 'hinge' }] }, /'loss' must be mse, ce or bce, got 'hinge'/, 'checkpoints[0].loss');
    refused({ checkpoints: [{ glob: '*.onnx', data: 3 }] }, /'data' must be a string, got 3/, 'checkpoints[0].data');
    refused({ checkpoints: [{ glob: '*.onnx', seed: 1.5 }] }, /'seed' must be a non-negative integer, got 1.5/, 'checkpoints[0].seed');
    refused({ checkpoints: [{ glob: '*.onnx', chunkSize: 0 }] }, /'chunkSize' must be an integer ≥ 1, got 0/, 'checkpoints[0].chunkSize');
    refused({ checkpoints: [{ glob: '*.onnx', inputScale: 'x' }] }, /'inputScale' must be a number, got "x"/, 'checkpoints[0].inputScale');
    refused(
      {
        checkpoints: [
          { glob: '**', data: 'a.npz' },
          { glob: '*.onnx', samples: '5' },
        ],
      },
      /'samples' must be a non-negative integer, got "5"/,
      'checkpoints[1].samples',
    );
    fs.writeFileSync(f, JSON.stringify({ $schema: './s.json', checkpoints: [] }));
    assert.deepStrictEqual(loadConfig(f).checkpoints, []);
  });

  it('the TypeScript type CheckpointConfig and the schema agree (every key, its type, the losses)', () => {
    const full = {
      glob: 'runs/**/model.json',
      data: 'd.npz',
      xKey: 'x',
      yKey: 'y',
      loss: 'ce',
      samples: 10,
      seed: 1,
      chunkSize: 64,
      inputScale: 0.5,
      inputShift: -1,
    } satisfies Required<CheckpointConfig>;
    const props = LANDSCAPE_SCHEMA.properties.checkpoints.items.properties as Record<string, { type?: string; enum?: string[] }>;
    assert.deepStrictEqual(Object.keys(full).sort(), Object.keys(props).sort());
    const LOSSES = ['mse', 'ce', 'bce'] as const;
    const _sameLosses: [NonNullable<CheckpointConfig['loss']>, (typeof LOSSES)[number]] = [
      '' as (typeof LOSSES)[number],
      '' as NonNullable<CheckpointConfig['loss']>,
    ];
    void _sameLosses;
    assert.deepStrictEqual(props.loss.enum, [...LOSSES]);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-cfg-'));
    const f = path.join(tmp, 'landscape.json');
    fs.writeFileSync(f, JSON.stringify({ checkpoints: [full] }));
    assert.deepStrictEqual(loadConfig(f).checkpoints, [full]);
    // each key's TypeScript type is the schema's: a value of the other kind is refused
    for (const [k, v] of Object.entries(full)) {
      fs.writeFileSync(f, JSON.stringify({ checkpoints: [{ ...full, [k]: typeof v === 'string' ? 1 : 'one' }] }));
      assert.throws(
        () => loadConfig(f),
        (e: Error & { where?: string }) => e.where === `checkpoints[0].${k}`,
        k,
      );
      assert.strictEqual(props[k].type ?? 'string', typeof v === 'string' ? 'string' : props[k].type === 'integer' ? 'integer' : 'number');
    }
  });

  it('first matching entry wins; otherwise a conventional dataset; the schema matches the reader', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-cfg-'));
    fs.mkdirSync(path.join(tmp, 'runs', 'a'), { recursive: true });
    fs.writeFileSync(
      path.join(tmp, 'landscape.json'),
      JSON.stringify({
        checkpoints: [
          { glob: 'runs/**/*.onnx', data: 'd/val.npz', loss: 'ce', samples: 10, inputScale: 0.5 },
          { glob: '**', data: 'other.npz' },
        ],
      }),
    );
    fs.writeFileSync(path.join(tmp, 'runs', 'a', 'data.npz'), '');
    const r = resolveSettings(path.join(tmp, 'runs', 'a', 'm.onnx'), { stop: tmp });
    assert.strictEqual(r.dataFile, path.join(tmp, 'd', 'val.npz'));
    assert.strictEqual(r.loss, 'ce');
    assert.strictEqual(r.samples, 10);
    assert.strictEqual(r.inputScale, 0.5);
    assert.match(r.how, /landscape\.json checkpoints\[0\]/);
    assert.strictEqual(matchCheckpoint(loadConfig(path.join(tmp, 'landscape.json')), path.join(tmp, 'x.keras'))!.index, 1);
    fs.rmSync(path.join(tmp, 'landscape.json'));
    const c = resolveSettings(path.join(tmp, 'runs', 'a', 'm.onnx'), { stop: tmp });
    assert.strictEqual(c.dataFile, path.join(tmp, 'runs', 'a', 'data.npz'));
    assert.match(c.how, /found data\.npz next to the checkpoint/);
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'media', 'landscape.schema.json'), 'utf8'));
    assert.deepStrictEqual(Object.keys(schema.properties.checkpoints.items.properties).sort(), [
      'chunkSize',
      'data',
      'glob',
      'inputScale',
      'inputShift',
      'loss',
      'samples',
      'seed',
      'xKey',
      'yKey',
    ]);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.deepStrictEqual(pkg.contributes.jsonValidation, [{ fileMatch: 'landscape.json', url: './media/landscape.schema.json' }]);
  });

  it('the CLI diagnoses without --data from landscape.json, applying its input scaling', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-cfgcli-'));
    const src = path.join(ROOT, 'test/fixtures/onnx/mlp');
    fs.mkdirSync(path.join(tmp, 'm'));
    fs.copyFileSync(path.join(src, 'model.onnx'), path.join(tmp, 'm', 'model.onnx'));
    const d = loadDataset(path.join(src, 'data.npz'));
    // raw inputs ×4 on disk, scaled back by the config: same loss as the original
    fs.writeFileSync(
      path.join(tmp, 'raw.npz'),
      encodeNpz({ inputs: { shape: d.xShape, data: d.x.map(v => v * 4) }, labels: { shape: [d.m], data: d.y.data as Int32Array } }),
    );
    fs.writeFileSync(
      path.join(tmp, 'landscape.json'),
      JSON.stringify({ checkpoints: [{ glob: 'm/*.onnx', data: 'raw.npz', xKey: 'inputs', yKey: 'labels', inputScale: 0.25 }] }),
    );
    const r = spawnSync(process.execPath, [CLI, 'diagnose', path.join(tmp, 'm', 'model.onnx'), '--json', '--root', tmp], {
      encoding: 'utf8',
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const producer = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/onnx/producer.json'), 'utf8')).mlp.loss64;
    assert.ok(Math.abs(j.loss - producer) / producer < 1e-5, `${j.loss} vs ${producer}`);
    assert.ok(j.notices.some((n: string) => /dataset: landscape\.json checkpoints\[0\]/.test(n)));
    const none = spawnSync(process.execPath, [CLI, 'diagnose', path.join(ROOT, 'test/fixtures/onnx/evil.pt')], { encoding: 'utf8' });
    assert.strictEqual(none.status, 2);
  });
});
