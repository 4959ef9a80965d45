/**
 * The one list of the files Landscape Lens reads: checkpoint formats and training-log formats.
 * Everything that asks "is this file a checkpoint / a log?" derives from here — format detection
 * (detect.ts), the runs tree (logs/runs.ts), the watchers' default globs and the pickers of the
 * extension, and the manifest's activation events, menu `when` clauses and setting defaults
 * (scripts/sync-manifest.js writes them; a unit test fails when package.json differs).
 * Pure: names and file heads in, answers out (no I/O, no `vscode`). The readers are bound per id
 * in formats/index.ts (`READERS`) and the log parsers in logs/runs.ts (`PARSERS`), each a Record
 * over the ids below, so a new entry without a reader does not compile.
 */
import * as path from 'path';

export type CheckpointFormat = 'tfjs-layers' | 'keras' | 'keras-h5' | 'onnx' | 'safetensors' | 'pytorch';
export type LogKind = 'csv' | 'jsonl' | 'tfevents';

export interface CheckpointFormatSpec {
  id: CheckpointFormat;
  label: string;
  /**
   * base-name globs (lower case; `*` any characters, `?` one) of the files found in a workspace:
   * watchers, pickers, activation, runs tree, hovers
   */
  names: string[];
  /** file-name endings (lower case, with the dot) that select this reader for a file named explicitly (CLI, commands) */
  extensions: string[];
  /**
   * Content check for a found file whose name is not in `trusted` (other JSON files are called
   * model*.json too): true when the first `bytes` bytes, as UTF-8, look like this format.
   */
  sniff?: { trusted: string[]; bytes: number; test: (head: string) => boolean };
  /** weights only: the architecture comes from a sibling file (formats/index.ts siblingArchitecture) */
  weightsOnly: boolean;
  /** surgery (special neurons, perturb) can write a result for it (formats/writers) */
  surgery: boolean;
}

export interface LogFormatSpec {
  id: LogKind;
  label: string;
  names: string[];
  /**
   * whether a workspace holding such a file activates the extension: only names that are training
   * logs for sure (any data-science folder has CSVs)
   */
  activates: boolean;
}

export const CHECKPOINT_FORMATS: readonly CheckpointFormatSpec[] = [
  {
    id: 'tfjs-layers',
    label: 'TF.js layers model',
    names: ['*model*.json'],
    extensions: ['.json'],
    // a TF.js model.json names its format, topology or weights manifest near the start
    sniff: {
      trusted: ['model.json'],
      bytes: 65536,
      test: head => /"(modelTopology|weightsManifest)"\s*:|"format"\s*:\s*"(layers-model|graph-model)"/.test(head),
    },
    weightsOnly: false,
    surgery: true,
  },
  { id: 'keras', label: 'Keras', names: ['*.keras'], extensions: ['.keras'], weightsOnly: false, surgery: false },
  { id: 'keras-h5', label: 'Keras HDF5', names: ['*.h5', '*.hdf5'], extensions: ['.h5', '.hdf5'], weightsOnly: false, surgery: false },
  { id: 'onnx', label: 'ONNX', names: ['*.onnx'], extensions: ['.onnx'], weightsOnly: false, surgery: true },
  { id: 'safetensors', label: 'safetensors', names: ['*.safetensors'], extensions: ['.safetensors'], weightsOnly: true, surgery: true },
  { id: 'pytorch', label: 'PyTorch state dict', names: ['*.pt', '*.pth'], extensions: ['.pt', '.pth'], weightsOnly: true, surgery: true },
];

export const LOG_FORMATS: readonly LogFormatSpec[] = [
  { id: 'tfevents', label: 'TensorBoard event file', names: ['events.out.tfevents.*'], activates: true },
  { id: 'csv', label: 'CSV', names: ['*.csv'], activates: false },
  { id: 'jsonl', label: 'JSON lines', names: ['*.jsonl', '*.ndjson'], activates: false },
];

/** The workspace configuration file (also config.ts CONFIG_NAME). */
export const CONFIG_FILE = 'landscape.json';

/** Base-name globs as one anchored RegExp source (`*` any characters, `?` one), for RegExp(…, 'i') and `when` clauses. */
export function nameGlobSource(globs: string[]): string {
  return (
    '^(?:' +
    globs
      .map(g =>
        g
          .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.'),
      )
      .join('|') +
    ')$'
  );
}
const nameRe = (names: string[]): RegExp => new RegExp(nameGlobSource(names), 'i');
const CKPT_NAME_RES = new Map(CHECKPOINT_FORMATS.map(f => [f.id, nameRe(f.names)]));
const LOG_NAME_RES = new Map(LOG_FORMATS.map(f => [f.id, nameRe(f.names)]));

export function checkpointSpec(id: CheckpointFormat): CheckpointFormatSpec {
  return CHECKPOINT_FORMATS.find(f => f.id === id)!;
}

/** The reader for a file named explicitly: by its extension (any `.json` is read as a TF.js layers model). */
export function detectFormat(file: string): CheckpointFormat | undefined {
  const base = path.basename(file).toLowerCase();
  return CHECKPOINT_FORMATS.find(f => f.extensions.some(e => base.endsWith(e)))?.id;
}

/** The format of a checkpoint found in a workspace, by its name alone (no content check). */
export function checkpointFormatByName(file: string): CheckpointFormatSpec | undefined {
  const base = path.basename(file);
  return CHECKPOINT_FORMATS.find(f => CKPT_NAME_RES.get(f.id)!.test(base));
}

/** True for files the product treats as checkpoints by name (hovers, the active editor, watchers). */
export function looksLikeCheckpoint(file: string): boolean {
  return checkpointFormatByName(file) !== undefined;
}

/** How many bytes of the file's start `isCheckpointHead` needs (0: the name decides). */
export function sniffBytes(file: string): number {
  const f = checkpointFormatByName(file);
  return f?.sniff && !f.sniff.trusted.includes(path.basename(file).toLowerCase()) ? f.sniff.bytes : 0;
}

/** A found file is a checkpoint: its name matches and, where the name alone is ambiguous, its start (`head`) looks like the format. */
export function isCheckpointHead(file: string, head: string | undefined): boolean {
  const f = checkpointFormatByName(file);
  if (!f) return false;
  if (!sniffBytes(file)) return true;
  return head !== undefined && f.sniff!.test(head);
}

export function logKindOf(file: string): LogKind | undefined {
  const base = path.basename(file);
  return LOG_FORMATS.find(f => LOG_NAME_RES.get(f.id)!.test(base))?.id;
}

const globsOf = (names: string[]): string[] => names.map(n => `**/${n}`);
/** Workspace globs (VS Code syntax) of checkpoints: the default of `landscapeLens.watch.checkpointGlobs`. */
export function checkpointGlobs(): string[] {
  return CHECKPOINT_FORMATS.flatMap(f => globsOf(f.names));
}
/** Workspace globs of training logs: the default of `landscapeLens.watch.logGlobs`. */
export function logGlobs(): string[] {
  return LOG_FORMATS.flatMap(f => globsOf(f.names));
}
/** One glob for every checkpoint (a single `findFiles` pattern). */
export function checkpointGlob(): string {
  return `**/{${CHECKPOINT_FORMATS.flatMap(f => f.names).join(',')}}`;
}

/** A menu `when` clause true for the files of these formats. */
export function whenClause(formats: readonly CheckpointFormatSpec[]): string {
  return `resourceFilename =~ /${nameGlobSource(formats.flatMap(f => f.names))}/i`;
}

/** The manifest fields derived from the registry (scripts/sync-manifest.js writes them; test/unit/formats-registry.test.ts compares). */
export interface ManifestFromRegistry {
  workspaceContains: string[];
  menus: Record<string, string>;
  checkpointGlobs: string[];
  logGlobs: string[];
}
export const MANIFEST_MENU_COMMANDS = {
  'landscapeLens.diagnoseCheckpoint': 'all',
  'landscapeLens.addSpecialNeurons': 'surgery',
  'landscapeLens.perturbWeights': 'surgery',
} as const;

export function manifestFromRegistry(): ManifestFromRegistry {
  const menus: Record<string, string> = {};
  for (const [cmd, which] of Object.entries(MANIFEST_MENU_COMMANDS))
    menus[cmd] = whenClause(which === 'all' ? CHECKPOINT_FORMATS : CHECKPOINT_FORMATS.filter(f => f.surgery));
  return {
    workspaceContains: [
      ...checkpointGlobs(),
      ...LOG_FORMATS.filter(f => f.activates).flatMap(f => globsOf(f.names)),
      `**/${CONFIG_FILE}`,
    ].map(g => `workspaceContains:${g}`),
    menus,
    checkpointGlobs: checkpointGlobs(),
    logGlobs: logGlobs(),
  };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** package.json (parsed) with the registry's fields written in; other fields and entries are kept in place. */
export function syncManifest(pkg: any): any {
  const m = manifestFromRegistry();
  const out = JSON.parse(JSON.stringify(pkg));
  const others = (out.activationEvents ?? []).filter((e: string) => !e.startsWith('workspaceContains:'));
  out.activationEvents = [...m.workspaceContains, ...others];
  const explorer: any[] = out.contributes.menus['explorer/context'] ?? (out.contributes.menus['explorer/context'] = []);
  for (const [cmd, when] of Object.entries(m.menus)) {
    const e = explorer.find(x => x.command === cmd);
    if (e) e.when = when;
    else explorer.push({ command: cmd, when, group: 'navigation' });
  }
  const props = out.contributes.configuration.properties ?? out.contributes.configuration[0]?.properties;
  props['landscapeLens.watch.checkpointGlobs'].default = m.checkpointGlobs;
  props['landscapeLens.watch.logGlobs'].default = m.logGlobs;
  return out;
}
