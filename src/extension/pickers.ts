/**
 * Finding checkpoints for the pickers, from the format registry (src/core/formats/registry.ts):
 * every format it lists (TF.js *model*.json, .keras, .h5/.hdf5, .onnx, .safetensors, .pt/.pth),
 * and a JSON file only when it looks like a TF.js model (the registry's content check).
 */
import * as vscode from 'vscode';
import { checkpointGlob } from '../core/formats/registry';
import { isCheckpointOnDisk } from '../core/logs/runs';

/** The findFiles pattern of every checkpoint format. */
export const CHECKPOINT_FIND_GLOB = checkpointGlob();

/** Checkpoint files in the workspace (node_modules skipped), at most `max`. */
export async function findCheckpointFiles(max = 500): Promise<vscode.Uri[]> {
  const found = await vscode.workspace.findFiles(CHECKPOINT_FIND_GLOB, '**/node_modules/**', max);
  return found.filter(u => u.scheme !== 'file' || isCheckpointOnDisk(u.fsPath));
}
