/**
 * Settings → diagnose options. `quick` and `full` are the registry's presets
 * (src/core/diagnostics/registry.ts, the same as the CLI's `--level`); the budget settings
 * (`budget.*`, `full.*`) override the options they name in their registry descriptors. Values from a
 * `landscape.json` apply where the user has not set the setting explicitly.
 */
import * as vscode from 'vscode';
import { cpuCount } from '../core/native/runtime';
import { resolveData, CONVENTIONAL_DATA } from './dataResolver';
import { architectureFor } from '../core/logs/runs';
import type { DiagnoseOptions } from '../core/diagnose';
import { preset, applyOptionSpecs } from '../core/diagnostics/registry';
import { settingsReader, type DiagnoseMode } from './settingsOptions';
import { checkpointGlobs as registryCheckpointGlobs, logGlobs as registryLogGlobs } from '../core/formats/registry';

export type { DiagnoseMode };

export function cfg(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('landscapeLens', scope);
}

export const DEFAULT_CHECKPOINT_GLOBS = registryCheckpointGlobs();
export const DEFAULT_LOG_GLOBS = registryLogGlobs();

export interface ResolvedJob {
  options: DiagnoseOptions;
  dataHow: string;
}

/** Why a checkpoint cannot be diagnosed before it is read: what it lacks, in editor words (no CLI flags). */
export interface MissingInput {
  error: string;
  /** the architecture of a weights-only checkpoint, then the data: the buttons the message gets */
  need: 'architecture' | 'data';
}

const WEIGHTS_ONLY = /\.(pt|pth|safetensors)$/i;

/** The architecture question first: a weights-only checkpoint without an architecture file beside it. */
export function missingArchitecture(file: string): MissingInput | undefined {
  if (!WEIGHTS_ONLY.test(file) || architectureFor(file)) return undefined;
  const kind = /\.safetensors$/i.test(file) ? 'a safetensors file' : 'a PyTorch state dict';
  return {
    need: 'architecture',
    error:
      `${file.split(/[\\/]/).pop()} holds weights only (${kind}) and there is no architecture beside it. ` +
      'Set Up PyTorch Export makes your training script write the architecture (model.onnx) with its checkpoints; ' +
      "or pick the model's ONNX export and it is copied beside the checkpoint as model.onnx.",
  };
}

/**
 * The job for a checkpoint: data and settings are searched from its folder up to its workspace folder (or `folder`,
 * for a checkpoint in a folder not open yet: the demo being built), never above (issue 25).
 */
export function diagnoseOptions(
  uri: vscode.Uri,
  mode: DiagnoseMode,
  extra: Partial<DiagnoseOptions> = {},
  folder?: string,
): ResolvedJob | MissingInput {
  const c = cfg(uri);
  const arch = missingArchitecture(uri.fsPath);
  if (arch) return arch;
  const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? folder;
  const data = resolveData(uri.fsPath, c.get<string>('dataFile') || undefined, root);
  if (!data.file)
    return {
      need: 'data',
      error: /^no dataset found/.test(data.how)
        ? `no dataset found for ${uri.fsPath.split(/[\\/]/).pop()}: choose a data file (kept in the landscapeLens.dataFile ` +
          `setting), or put one of ${CONVENTIONAL_DATA.join(', ')} beside the checkpoint, or a landscape.json above it.`
        : data.how.replace(/,? pass --data,?/, ','),
    };
  const set = <T>(k: string): T | undefined => {
    const i = c.inspect<T>(k);
    return (i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue) as T | undefined;
  };
  const options: DiagnoseOptions = {
    ...preset(mode),
    checkpoint: uri.fsPath,
    data: data.file,
    loss: set<string>('loss') || data.loss || undefined,
    samples: set<number>('samples') || data.samples || undefined,
    seed: set<number>('seed') ?? data.seed ?? 0,
    xKey: set<string>('xKey') ?? data.xKey ?? 'x',
    yKey: set<string>('yKey') ?? data.yKey ?? 'y',
    backend: c.get<'auto'>('backend', 'auto'),
    ep: c.get<'auto'>('executionProvider', 'auto'),
    threads: interactiveThreads(),
    chunkSize: data.chunkSize,
    maxResidentMb: c.get<number>('maxResidentMb', 1024), // the worker's resource budget per job (src/core/budget.ts)
    inputScale: data.inputScale,
    inputShift: data.inputShift,
  };
  // the budget settings (`budget.*`, `full.*`) name the registry options they set; one application with the CLI's flags
  applyOptionSpecs(
    options,
    settingsReader(k => c.get(k), mode),
  );
  Object.assign(options, extra);
  return { options, dataHow: data.how };
}

export function checkpointGlobs(): string[] {
  return cfg().get<string[]>('watch.checkpointGlobs', DEFAULT_CHECKPOINT_GLOBS);
}
export function logGlobs(): string[] {
  return cfg().get<string[]>('watch.logGlobs', DEFAULT_LOG_GLOBS);
}
export function extraIgnored(): string[] {
  return cfg().get<string[]>('watch.ignoreFolders', []);
}
export function autoDiagnoseMode(): 'off' | DiagnoseMode {
  return cfg().get<'off' | DiagnoseMode>('autoDiagnose', 'quick');
}

/**
 * ONNX Runtime threads for diagnoses run from the editor: every core but one — the editor, the
 * extension host and usually the training run share the machine (under load one thread measured
 * faster than two on a 2-core machine). The CLI uses every core (src/core/native/runtime.ts).
 */
export function interactiveThreads(): number {
  return Math.max(1, cpuCount() - 1);
}
