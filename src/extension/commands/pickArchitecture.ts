/**
 * *Landscape: Pick the Architecture…* for a weights-only checkpoint (.pt state dict, .safetensors) that has
 * none beside it: the chosen ONNX export is copied beside the checkpoint as model.onnx (the architecture
 * every weights-only checkpoint of the folder pairs with, formats/index.ts siblingArchitecture) and the
 * checkpoint is diagnosed again. Never overwrites: an existing model.onnx is left as it is.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { command } from './context';
import { writeOutput } from '../../core/output';
import { readRegularFile } from '../../core/safeFs';

export default command<[arg: unknown, picked: unknown]>('landscapeLens.pickArchitecture', async (ctx, arg, picked) => {
  const ckpt = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : undefined;
  if (!ckpt) return undefined;
  let arch = picked instanceof vscode.Uri ? picked : typeof picked === 'string' ? vscode.Uri.file(picked) : undefined;
  if (!arch) {
    const chosen = await vscode.window.showOpenDialog({
      title: `The architecture of ${path.basename(ckpt.fsPath)} (the model's ONNX export)`,
      defaultUri: vscode.Uri.file(path.dirname(ckpt.fsPath)),
      canSelectMany: false,
      filters: { ONNX: ['onnx'] },
    });
    arch = chosen?.[0];
    if (!arch) return undefined;
  }
  const target = path.join(path.dirname(ckpt.fsPath), 'model.onnx');
  if (path.resolve(arch.fsPath) !== path.resolve(target)) {
    if (fs.existsSync(target)) {
      void vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(target)} already exists; it was not replaced.`);
      return undefined;
    }
    writeOutput(target, readRegularFile(arch.fsPath, { what: 'architecture (ONNX)' })); // never replaces: refused if taken meanwhile
  }
  ctx.service.clearFailure(ckpt.fsPath);
  return ctx.service.diagnose(ckpt, { mode: 'quick' });
});
