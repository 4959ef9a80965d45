/**
 * Output files of `diagnose`, `compare`, `slice` and `report` (`--out`, `--html`): checked before
 * the computation (an existing file is refused, missing parent folders are created, and the
 * folder is probed by creating and removing the file itself, so a read-only folder or a full path
 * that cannot be written is exit 2 naming the path before any work), then written as new files
 * only, through a temporary name in the same folder (src/core/output.ts); when a later output of
 * the same command fails, the earlier ones are removed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from '../core/errors';
import { writeOutput, writeOutputs } from '../core/output';

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
const EXISTS = 'output file already exists; choose a new name (Landscape Lens never overwrites files)';

/** Refuse (UserInputError) outputs that exist, repeat, or cannot be created; create missing parent folders. */
export function prepareOutputs(files: (string | undefined)[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (f === undefined) continue;
    const abs = path.resolve(f);
    if (seen.has(abs)) throw new UserInputError('the same output file is named twice', { file: f });
    seen.add(abs);
    if (fs.existsSync(f) || isLink(f)) throw new UserInputError(EXISTS, { file: f });
    const dir = path.dirname(abs);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new UserInputError(`cannot create the output's folder ${dir}: ${code(e)}`, { file: f });
    }
    let fd: number;
    try {
      fd = fs.openSync(f, 'wx');
    } catch (e) {
      if (code(e) === 'EEXIST') throw new UserInputError(EXISTS, { file: f });
      throw new UserInputError(`cannot write the output file: ${code(e)}`, { file: f });
    }
    fs.closeSync(fd);
    fs.unlinkSync(f);
  }
}

function isLink(f: string): boolean {
  try {
    fs.lstatSync(f);
    return true;
  } catch {
    return false;
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
