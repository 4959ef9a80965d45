/**
 * Output files of `diagnose`, `compare`, `slice` and `report` (`--out`, `--html`), through the one
 * output writer (src/core/output.ts): checked before the computation (an existing file is refused,
 * missing parent folders are created, and the folder is probed by creating and removing a file, so a
 * read-only folder or a path that cannot be written is exit 2 naming the path before any work), then
 * written as new files only, through a temporary name in the same folder; when a later output of
 * the same command fails, the earlier ones are removed.
 */
import * as path from 'path';
import { UserInputError } from '../core/errors';
import { probeOutput, writeOutput, writeOutputs } from '../core/output';

/** Refuse (UserInputError) outputs that exist, repeat, or cannot be created; create missing parent folders. */
export function prepareOutputs(files: (string | undefined)[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (f === undefined) continue;
    const abs = path.resolve(f);
    if (seen.has(abs)) throw new UserInputError('the same output file is named twice', { file: f });
    seen.add(abs);
    probeOutput(f);
  }
}

/** Write a new output file through the one output writer (src/core/output.ts); never overwrite an existing one. */
export function writeNew(file: string, text: string): void {
  writeOutput(file, text);
}

/** Write several new files in order; if one fails, the ones this call wrote are removed. */
export function writeAllNew(outputs: { file: string | undefined; text: () => string }[]): void {
  writeOutputs(outputs.map(o => ({ file: o.file, data: o.text })));
}
