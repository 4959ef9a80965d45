/**
 * *Landscape: Set Up PyTorch Export*: adds the export helper (media/pytorch/landscape_lens.py)
 * beside the training script and inserts its three calls at the cursor, so a PyTorch run writes
 * what Landscape Lens reads — the architecture once as ONNX, a seeded data sample, a state dict per
 * checkpoint and a metrics log — into one run folder the extension watches. Never overwrites a file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { command } from './context';

export const HELPER_FILE = 'landscape_lens.py';

export interface SetupResult {
  helper: string;
  written: boolean;
  inserted: boolean;
  reason?: string;
}

/** The usage snippet inserted at the cursor (tab stops: run name, model, example batch, data). */
export const USAGE_SNIPPET = [
  'from landscape_lens import LandscapeRun',
  '',
  '# Landscape Lens: the architecture (once), a data sample and a checkpoint every few hundred steps',
  'run = LandscapeRun("runs/${1:my-run}", ${2:model}, example_input=${3:x_batch}[:1])',
  'run.save_data(${4:x_train}, ${5:y_train})',
  '# in the training loop:',
  '#     if step % 500 == 0:',
  '#         run.checkpoint(step, loss=loss.item(), lr=optimizer.param_groups[0]["lr"])',
  '$0',
].join('\n');

function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.file(arg);
  const ed = vscode.window.activeTextEditor;
  return ed && ed.document.uri.scheme === 'file' ? ed.document.uri : undefined;
}

export async function setupPytorchExport(context: vscode.ExtensionContext, arg?: unknown): Promise<SetupResult | undefined> {
  let script = targetUri(arg);
  if (!script) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Set Up PyTorch Export: your training script',
      canSelectMany: false,
      filters: { Python: ['py'] },
    });
    script = picked?.[0];
    if (!script) return undefined;
  }
  const dir = fs.existsSync(script.fsPath) && fs.statSync(script.fsPath).isDirectory() ? script.fsPath : path.dirname(script.fsPath);
  const helper = path.join(dir, HELPER_FILE);
  const source = fs.readFileSync(context.asAbsolutePath(path.join('media', 'pytorch', HELPER_FILE)), 'utf8');
  let written = false,
    reason: string | undefined;
  if (!fs.existsSync(helper)) {
    fs.writeFileSync(helper, source, { flag: 'wx' });
    written = true;
  } else if (fs.readFileSync(helper, 'utf8') !== source) {
    reason = `${HELPER_FILE} already exists beside ${path.basename(script.fsPath)} and differs from this version; it was not changed`;
  }
  let inserted = false;
  if (script.fsPath.endsWith('.py')) {
    const editor = await vscode.window.showTextDocument(script, { preview: false });
    inserted = await editor.insertSnippet(new vscode.SnippetString(USAGE_SNIPPET), editor.selection.active);
  }
  const rel = vscode.workspace.asRelativePath(helper);
  const msg =
    reason ??
    `${written ? 'Added' : 'Using'} ${rel}. Run your script: each run folder gets model.onnx, data.npz and model.step_N.pt, ` +
      'and appears in the Runs view.';
  void (reason
    ? vscode.window.showWarningMessage(msg)
    : vscode.window.showInformationMessage(msg, 'Open Helper').then(a => {
        if (a) void vscode.window.showTextDocument(vscode.Uri.file(helper));
      }));
  return { helper, written, inserted, ...(reason ? { reason } : {}) };
}

export default command<[arg: unknown]>('landscapeLens.setupPytorchExport', (ctx, arg) => setupPytorchExport(ctx.context, arg));
