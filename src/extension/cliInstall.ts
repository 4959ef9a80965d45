/**
 * The `landscape` command for users of the installed extension (as VS Code's "Install 'code' command in
 * PATH"): a small launcher that runs the extension's own dist/cli.js with the editor's Node runtime
 * (ELECTRON_RUN_AS_NODE=1 makes VS Code's Electron binary run as Node; code-server's is Node already).
 * No VS Code here: the unit test writes the launcher and runs it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readRegularText } from '../core/safeFs';

export const LAUNCHER_MARK = 'Landscape Lens CLI launcher';
const HOW = "Landscape: Install 'landscape' Command in PATH";

/** The launcher's file name and text for `platform`. */
export function cliLauncher(execPath: string, cliJs: string, platform: NodeJS.Platform): { name: string; text: string } {
  if (platform === 'win32')
    return {
      name: 'landscape.cmd',
      text: [`@echo off`, `rem ${LAUNCHER_MARK} (${HOW})`, 'set ELECTRON_RUN_AS_NODE=1', `"${execPath}" "${cliJs}" %*`, ''].join('\r\n'),
    };
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return {
    name: 'landscape',
    text: [
      '#!/bin/sh',
      `# ${LAUNCHER_MARK} (${HOW}); run it again after updating the extension`,
      `ELECTRON_RUN_AS_NODE=1 exec ${q(execPath)} ${q(cliJs)} "$@"`,
      '',
    ].join('\n'),
  };
}

/** `file` is a launcher of ours (a FIFO, device or huge file of that name is not: read bounded, regular files only). */
function isOurLauncher(file: string): boolean {
  try {
    return readRegularText(file, { what: 'launcher', maxBytes: 1 << 20 }).includes(LAUNCHER_MARK);
  } catch {
    return false;
  }
}

/**
 * Writes the launcher into `dir` (created when missing). A file of that name that is not a launcher of ours
 * is never overwritten: `{ refused }` says so.
 */
export function installLauncher(
  dir: string,
  execPath: string,
  cliJs: string,
  platform: NodeJS.Platform,
): { file: string; refused?: string } {
  const { name, text } = cliLauncher(execPath, cliJs, platform);
  const file = path.join(dir, name);
  if (fs.existsSync(file) && !isOurLauncher(file))
    return { file, refused: `${file} exists and is not a Landscape Lens launcher; it was not changed` };
  fs.mkdirSync(dir, { recursive: true });
  // eslint-disable-next-line no-restricted-properties -- the extension's own launcher, written only when absent or ours (above)
  fs.writeFileSync(file, text, { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  return { file };
}

/** `dir` is on the PATH `pathVar`. */
export function onPath(dir: string, pathVar: string | undefined, platform: NodeJS.Platform): boolean {
  const sep = platform === 'win32' ? ';' : ':';
  return (pathVar ?? '').split(sep).some(p => p && path.resolve(p) === path.resolve(dir));
}
