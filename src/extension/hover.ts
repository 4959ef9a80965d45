/**
 * Hover summaries on checkpoint paths in source code: when the string literal under the
 * cursor resolves (relative to the file, then to each workspace folder) to a checkpoint,
 * show the cached diagnose result (loss, gradient norm, when and on what data), or a link
 * that computes it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { looksLikeCheckpoint } from '../core/formats/detect';
import type { ResultsCache } from './cache';
import { fmtNum } from '../cli/format';

export const HOVER_LANGUAGES = ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact', 'json', 'jsonc', 'yaml', 'toml', 'shellscript'];

/** The string literal (quoted with ' " or `) that contains `col` on this line, if any. */
export function stringLiteralAt(line: string, col: number): { text: string; start: number; end: number } | undefined {
  const re = /(["'`])((?:\\.|(?!\1).)*)\1/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    const start = m.index, end = m.index + m[0].length;
    if (col >= start && col <= end) return { text: m[2], start: start + 1, end: end - 1 };
  }
  return undefined;
}

export function resolveCheckpointPath(literal: string, docPath: string, roots: string[]): string | undefined {
  let p = literal.replace(/^file:\/\//, '');
  if (!p || p.length > 1024) return undefined;
  const candidates = path.isAbsolute(p) ? [p] : [path.resolve(path.dirname(docPath), p), ...roots.map(r => path.resolve(r, p))];
  for (const c of candidates) {
    try {
      const st = fs.statSync(c);
      if (st.isFile() && looksLikeCheckpoint(c)) return c;
      if (st.isDirectory() && fs.existsSync(path.join(c, 'model.json'))) return path.join(c, 'model.json');
    } catch { /* not there */ }
  }
  return undefined;
}

export class CheckpointHoverProvider implements vscode.HoverProvider {
  constructor(private readonly cache: ResultsCache) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const line = doc.lineAt(pos.line).text;
    const lit = stringLiteralAt(line, pos.character);
    if (!lit) return undefined;
    const roots = (vscode.workspace.workspaceFolders ?? []).map(f => f.uri.fsPath);
    const ckpt = resolveCheckpointPath(lit.text, doc.uri.fsPath, roots);
    if (!ckpt) return undefined;
    const range = new vscode.Range(pos.line, lit.start, pos.line, lit.end);
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: ['landscapeLens.diagnoseCheckpoint', 'landscapeLens.showResult'] };
    const rel = vscode.workspace.asRelativePath(ckpt);
    const args = encodeURIComponent(JSON.stringify([vscode.Uri.file(ckpt)]));
    const entry = this.cache.latestFor(ckpt);
    md.appendMarkdown(`**Landscape Lens** — \`${rel}\`\n\n`);
    if (entry) {
      const r = entry.result;
      md.appendMarkdown(`| | |\n|---|---|\n`);
      md.appendMarkdown(`| loss (${r.lossFunction.kind}) | ${fmtNum(r.loss)} |\n`);
      md.appendMarkdown(`| ‖∇L‖ | ${fmtNum(r.gradNorm)} |\n`);
      md.appendMarkdown(`| parameters | ${r.params.toLocaleString('en-US')} |\n`);
      md.appendMarkdown(`| data | ${path.basename(r.data.file)} (${r.samples} samples, seed ${r.data.seed}) |\n`);
      md.appendMarkdown(`| computed | ${new Date(r.computedAt).toLocaleString()} on ${r.backend} |\n\n`);
      md.appendMarkdown(`[Open result](command:landscapeLens.showResult?${encodeURIComponent(JSON.stringify([entry.key]))}) · [Diagnose again](command:landscapeLens.diagnoseCheckpoint?${args})`);
    } else {
      md.appendMarkdown(`Not diagnosed yet. [Diagnose now](command:landscapeLens.diagnoseCheckpoint?${args})`);
    }
    return new vscode.Hover(md, range);
  }
}
