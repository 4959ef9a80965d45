/**
 * *Landscape: Install 'landscape' Command in PATH*: a launcher for the extension's own command-line tool
 * (dist/cli.js, shipped in the VSIX) in ~/.local/bin (Linux, macOS) or the extension's storage (Windows), run
 * with the editor's Node runtime (src/extension/cliInstall.ts). Says how to put the folder on PATH when it
 * is not. Never overwrites a `landscape` that is not its own launcher.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { command } from './context';
import { installLauncher, onPath } from '../cliInstall';

export default command<[dir: string]>('landscapeLens.installCli', async (ctx, dir) => {
  const cli = ctx.context.asAbsolutePath(path.join('dist', 'cli.js'));
  if (!fs.existsSync(cli)) {
    void vscode.window.showErrorMessage(
      `Landscape Lens: ${cli} is missing from this installation; the command-line tool cannot be linked.`,
    );
    return undefined;
  }
  const target =
    typeof dir === 'string'
      ? dir
      : process.platform === 'win32'
        ? path.join(ctx.context.globalStorageUri.fsPath, 'bin')
        : path.join(os.homedir(), '.local', 'bin');
  const r = installLauncher(target, process.execPath, cli, process.platform);
  if (r.refused) {
    void vscode.window.showWarningMessage(`Landscape Lens: ${r.refused}.`);
    return r;
  }
  const inPath = onPath(target, process.env.PATH, process.platform);
  const how = process.platform === 'win32' ? `add ${target} to your PATH` : `add  export PATH="${target}:$PATH"  to your shell profile`;
  void vscode.window.showInformationMessage(
    `Landscape Lens: 'landscape' installed as ${r.file}.` +
      (inPath ? " Try 'landscape --help' in a new terminal." : ` ${target} is not on your PATH: ${how}.`),
  );
  return { ...r, onPath: inPath };
});
