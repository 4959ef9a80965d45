/**
 * *Landscape: Set Up PyTorch Export*: adds the export helper (media/pytorch/landscape_lens.py) beside the
 * training script and edits the script so it runs as is: the script is read with Python's own `ast`
 * (media/pytorch/find_training.py through the user's interpreter), the import goes with the leading
 * imports, the set-up right after the model exists and the per-step call after the optimizer step
 * (src/extension/pytorchSetup.ts). The edit is shown as a diff before anything is written; a name that
 * could not be found is a placeholder that stops the script, and the notification names its line.
 * Never overwrites a helper file it did not write.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { command } from './context';
import { analyzeScript, planSetup, SetupPlan } from '../pytorchSetup';
import { writeOutput } from '../../core/output';
import { readRegularText } from '../../core/safeFs';

export const HELPER_FILE = 'landscape_lens.py';
const PREVIEW_SCHEME = 'landscape-setup';

export interface SetupResult {
  helper: string;
  written: boolean;
  inserted: boolean;
  reason?: string;
  /** the script's edit: what was found, placeholders to fill (lines in the edited script) */
  notes?: string[];
  placeholders?: { line: number; what: string }[];
  runDir?: string;
}

/** Options for callers (tests, the walkthrough): `apply: true` writes without the diff preview's question. */
export interface SetupOptions {
  apply?: boolean;
}

const previews = new Map<string, string>();
let providerRegistered = false;

function registerPreview(context: vscode.ExtensionContext): void {
  if (providerRegistered) return;
  providerRegistered = true;
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, {
      provideTextDocumentContent: uri => previews.get(uri.path) ?? '',
    }),
  );
}

function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.file(arg);
  const ed = vscode.window.activeTextEditor;
  return ed && ed.document.uri.scheme === 'file' && ed.document.languageId === 'python' ? ed.document.uri : undefined;
}

/** The user's interpreter: the Python extension's setting when set, else python3 on PATH. */
export function pythonInterpreter(scope?: vscode.Uri): string {
  const configured = vscode.workspace.getConfiguration('python', scope).get<string>('defaultInterpreterPath');
  if (configured && configured !== 'python' && configured.trim())
    return configured.replace('${workspaceFolder}', vscode.workspace.getWorkspaceFolder(scope!)?.uri.fsPath ?? '');
  return process.platform === 'win32' ? 'python' : 'python3';
}

export async function setupPytorchExport(
  context: vscode.ExtensionContext,
  arg?: unknown,
  opts: SetupOptions = {},
): Promise<SetupResult | undefined> {
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
  const isDir = fs.existsSync(script.fsPath) && fs.statSync(script.fsPath).isDirectory();
  const dir = isDir ? script.fsPath : path.dirname(script.fsPath);
  const helper = path.join(dir, HELPER_FILE);
  // eslint-disable-next-line no-restricted-properties -- a file bundled with the extension, not a user file
  const source = fs.readFileSync(context.asAbsolutePath(path.join('media', 'pytorch', HELPER_FILE)), 'utf8');
  let written = false,
    reason: string | undefined;
  if (!fs.existsSync(helper)) {
    writeOutput(helper, source); // never replaces: refused if taken meanwhile
    written = true;
  } else if (readRegularText(helper, { what: HELPER_FILE, maxBytes: 16 * 2 ** 20 }) !== source) {
    reason = `${HELPER_FILE} already exists beside ${path.basename(script.fsPath)} and differs from this version; it was not changed`;
  }
  const result: SetupResult = { helper, written, inserted: false, ...(reason ? { reason } : {}) };
  const rel = vscode.workspace.asRelativePath(helper);
  if (isDir || !script.fsPath.endsWith('.py')) {
    void vscode.window.showInformationMessage(
      `${written ? 'Added' : 'Using'} ${rel}. Run Set Up PyTorch Export on your training script to add its calls.`,
    );
    return result;
  }

  // read the script as Python reads it, and plan the edit
  const doc = await vscode.workspace.openTextDocument(script);
  const name = path.basename(script.fsPath);
  let plan: SetupPlan;
  try {
    const python = pythonInterpreter(script);
    const tmpScript = doc.isDirty ? path.join(context.globalStorageUri.fsPath, 'setup-' + name) : script.fsPath;
    if (doc.isDirty) {
      fs.mkdirSync(path.dirname(tmpScript), { recursive: true });
      // eslint-disable-next-line no-restricted-properties -- the extension's own storage folder, not a user file
      fs.writeFileSync(tmpScript, doc.getText());
    }
    const analysis = await analyzeScript(python, context.asAbsolutePath(path.join('media', 'pytorch', 'find_training.py')), tmpScript);
    if (analysis.syntaxError) {
      void vscode.window.showErrorMessage(`${name} does not parse as Python (${analysis.syntaxError}); it was not changed.`);
      return { ...result, reason: `syntax error: ${analysis.syntaxError}` };
    }
    if (analysis.alreadySetUp) {
      void vscode.window.showInformationMessage(`${name} already imports landscape_lens; it was not changed.`);
      return { ...result, reason: result.reason ?? 'already set up' };
    }
    plan = planSetup(doc.getText(), analysis, name);
  } catch (e) {
    void vscode.window.showErrorMessage(`Set Up PyTorch Export: ${(e as Error).message}`);
    return { ...result, reason: (e as Error).message };
  }

  if (!opts.apply) {
    registerPreview(context);
    const key = `/${name}`;
    previews.set(key, plan.text);
    const preview = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: key, query: String(Date.now()) });
    await vscode.commands.executeCommand('vscode.diff', script, preview, `${name} ↔ with Landscape Lens export (preview)`, {
      preview: true,
    });
    const fills = plan.placeholders.map(p => `line ${p.line}: ${p.what}`);
    const answer = await vscode.window.showInformationMessage(
      `Apply these changes to ${name}?`,
      {
        modal: true,
        detail:
          `Found: ${plan.notes.join('; ')}.` +
          (fills.length ? `\nStill to fill in after applying (the script stops there until you do): ${fills.join('; ')}.` : '') +
          `\nEach run writes ${plan.runDir}/ beside the script: the architecture, a data sample, ` +
          `a checkpoint every ${plan.every} steps and the metrics.`,
      },
      'Apply',
    );
    if (answer !== 'Apply') return { ...result, reason: result.reason ?? 'not applied' };
  }

  const edit = new vscode.WorkspaceEdit();
  edit.replace(script, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), plan.text);
  const inserted = await vscode.workspace.applyEdit(edit);
  if (inserted) await doc.save();
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  const first = plan.placeholders[0];
  if (first) {
    const pos = new vscode.Position(first.line - 1, 0);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
  }
  const fills = plan.placeholders.map(p => `${p.what} on line ${p.line}`).join(', ');
  const msg = first
    ? `${name}: fill in ${fills}, then run it; it writes ${plan.runDir}/, which appears in the Runs view.`
    : `${name} is set up: run it as usual; it writes ${plan.runDir}/ ` +
      `(architecture, data sample, checkpoints every ${plan.every} steps), which appears in the Runs view.`;
  void (first ? vscode.window.showWarningMessage(msg) : vscode.window.showInformationMessage(msg));
  return { ...result, inserted, notes: plan.notes, placeholders: plan.placeholders, runDir: plan.runDir };
}

export default command<[arg: unknown, opts: SetupOptions]>('landscapeLens.setupPytorchExport', (ctx, arg, opts) =>
  setupPytorchExport(ctx.context, arg, opts ?? {}),
);
