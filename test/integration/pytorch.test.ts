/**
 * Integration: *Set Up PyTorch Export* in the real extension host — the helper is added beside the
 * training script (byte for byte the shipped one), its calls are inserted at the cursor, running it
 * again changes nothing, and a different landscape_lens.py already there is never overwritten.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXT_ID, suiteFolder } from './util';

describe('Set Up PyTorch Export', function () {
  this.timeout(120000);
  let dir: string;
  let script: vscode.Uri;
  let shipped: string;

  before(async () => {
    const ext = vscode.extensions.getExtension(EXT_ID)!;
    await ext.activate();
    shipped = fs.readFileSync(path.join(ext.extensionPath, 'media', 'pytorch', 'landscape_lens.py'), 'utf8');
    dir = await suiteFolder('pytorch');
    script = vscode.Uri.file(path.join(dir, 'train.py'));
    fs.writeFileSync(script.fsPath, 'import torch\n\n');
  });

  it('adds landscape_lens.py beside the script and inserts the calls at the cursor', async () => {
    const editor = await vscode.window.showTextDocument(script);
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    const r = await vscode.commands.executeCommand<{ helper: string; written: boolean; inserted: boolean; reason?: string }>(
      'landscapeLens.setupPytorchExport',
      script,
    );
    assert.ok(r, 'the command returned');
    assert.strictEqual(r.helper, path.join(dir, 'landscape_lens.py'));
    assert.deepStrictEqual([r.written, r.inserted, r.reason], [true, true, undefined]);
    assert.strictEqual(fs.readFileSync(r.helper, 'utf8'), shipped);
    const text = vscode.window.activeTextEditor!.document.getText();
    assert.ok(text.startsWith('import torch\n'), 'the existing code is kept');
    for (const s of [
      'from landscape_lens import LandscapeRun',
      'run = LandscapeRun("runs/my-run", model, example_input=x_batch[:1])',
      'run.save_data(x_train, y_train)',
      'run.checkpoint(step',
    ]) {
      assert.ok(text.includes(s), `inserted: ${s}\n--- document:\n${text}`);
    }
  });

  it('run again: the same helper is reused; a different one is never overwritten', async () => {
    const again = await vscode.commands.executeCommand<{ written: boolean; reason?: string }>(
      'landscapeLens.setupPytorchExport',
      vscode.Uri.file(dir),
    );
    assert.deepStrictEqual([again.written, again.reason], [false, undefined]);
    const mine = '# my own landscape_lens.py\n';
    fs.writeFileSync(path.join(dir, 'landscape_lens.py'), mine);
    const other = await vscode.commands.executeCommand<{ written: boolean; reason?: string }>(
      'landscapeLens.setupPytorchExport',
      vscode.Uri.file(dir),
    );
    assert.strictEqual(other.written, false);
    assert.match(other.reason ?? '', /already exists .* not changed/);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'landscape_lens.py'), 'utf8'), mine);
  });
});
