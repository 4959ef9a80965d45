/**
 * Integration (issue 15): the verdict names only what was measured, in the real VS Code. A quick
 * diagnosis (the default for new checkpoints) of an exact saddle — the origin of the two-weight
 * linear chain y = w₂w₁x with MSE, Hessian eigenvalues ±2|E[xy]| — must not show "local minimum"
 * anywhere: the result, the runs tree (description and tooltip), the hover and the CodeLens.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LandscapeApi } from '../../src/extension/extension';
import { encodeNpz } from '../../src/core/data/npyWrite';
import { EXT_ID, hoverText, queueIdle, suiteFolder } from './util';

function dense(name: string, inputShape?: number[]): unknown {
  return {
    class_name: 'Dense',
    config: {
      units: 1,
      activation: 'linear',
      use_bias: false,
      name,
      trainable: true,
      dtype: 'float32',
      ...(inputShape ? { batch_input_shape: [null, ...inputShape] } : {}),
    },
  };
}

describe('Verdicts name only what was measured (quick diagnosis of an exact saddle)', function () {
  this.timeout(180000);
  let api: LandscapeApi;
  let ckpt: string;

  before(async () => {
    api = await vscode.extensions.getExtension<LandscapeApi>(EXT_ID)!.activate();
    const dir = path.join(await suiteFolder('verdict'), 'saddle-chain', 'step_0');
    fs.mkdirSync(dir, { recursive: true });
    ckpt = path.join(dir, 'model.json');
    fs.writeFileSync(
      ckpt,
      JSON.stringify({
        format: 'layers-model',
        generatedBy: 'test',
        convertedBy: null,
        modelTopology: {
          class_name: 'Sequential',
          config: { name: 'chain', layers: [dense('w1', [1]), dense('w2')] },
          keras_version: 'tfjs-layers 4.22.0',
          backend: 'tensor_flow.js',
        },
        weightsManifest: [
          {
            paths: ['weights.bin'],
            weights: [
              { name: 'w1/kernel', shape: [1, 1], dtype: 'float32' },
              { name: 'w2/kernel', shape: [1, 1], dtype: 'float32' },
            ],
          },
        ],
      }),
    );
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(8)); // w₁ = w₂ = 0: the origin
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i + 1));
    fs.writeFileSync(
      path.join(dir, 'data.npz'),
      encodeNpz({ x: { shape: [64, 1], data: x }, y: { shape: [64, 1], data: x.map(v => 0.8 * v) } }),
    );
  });

  after(async () => {
    await queueIdle(api, 'the jobs this suite started');
  });

  it('the quick diagnosis calls it a saddle (λ_min from the same Krylov space), never a local minimum', async () => {
    const r = await api.diagnose(vscode.Uri.file(ckpt), { silent: true, mode: 'quick' });
    assert.ok(r, 'a result');
    assert.strictEqual(r.gradNorm, 0);
    assert.doesNotMatch(r.verdict.kind, /local minimum/);
    assert.strictEqual(r.verdict.kind, 'saddle', JSON.stringify(r.verdict));
  });

  it('the runs tree, the hover and the CodeLens show no "local minimum"', async () => {
    await api.tree.rescan();
    const items = await api.tree.snapshot();
    const mine = items.filter(i => JSON.stringify(i).includes('saddle-chain'));
    assert.ok(mine.length > 0, `the saddle run is in the tree: ${items.map(i => i.label).join(', ')}`);
    for (const i of mine) assert.doesNotMatch(JSON.stringify(i), /local minimum/i);
    const py = path.join(path.dirname(ckpt), 'train.py');
    fs.writeFileSync(py, `MODEL = "${ckpt}"\n`);
    const doc = await vscode.workspace.openTextDocument(py);
    await vscode.window.showTextDocument(doc);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, 12));
    const text = hoverText(hovers);
    assert.match(text, /saddle/i, text);
    assert.doesNotMatch(text, /local minimum/i);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 10);
    const titles = lenses.map(l => l.command?.title ?? '').join('\n');
    assert.doesNotMatch(titles, /local minimum/i);
  });
});
