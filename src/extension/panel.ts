/**
 * The result panel: a webview that draws a diagnose result with Chart.js (webview/main.ts,
 * bundled to dist/webview.js). Strict CSP with a per-load nonce; only local resources through
 * asWebviewUri; colours from VS Code's theme CSS variables.
 */
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { DiagnoseResult } from '../core/diagnose';

export class ResultPanel {
  static readonly viewType = 'landscapeLens.result';
  static current: ResultPanel | undefined;
  private ready = false;
  private pendingResult: DiagnoseResult | undefined;

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri) {
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')] };
    panel.webview.html = this.html();
    panel.onDidDispose(() => { if (ResultPanel.current === this) ResultPanel.current = undefined; });
    panel.webview.onDidReceiveMessage((m: { type: string }) => {
      if (m.type === 'ready') { this.ready = true; if (this.pendingResult) this.post(this.pendingResult); }
    });
  }

  static show(extensionUri: vscode.Uri, result: DiagnoseResult): ResultPanel {
    if (!ResultPanel.current) {
      const panel = vscode.window.createWebviewPanel(ResultPanel.viewType, 'Landscape Lens', vscode.ViewColumn.Beside, { enableScripts: true, retainContextWhenHidden: true });
      ResultPanel.current = new ResultPanel(panel, extensionUri);
    }
    const p = ResultPanel.current;
    p.panel.title = `Landscape: ${result.checkpoint.split(/[\\/]/).slice(-2).join('/')}`;
    p.pendingResult = result;
    if (p.ready) p.post(result);
    p.panel.reveal(undefined, true);
    return p;
  }

  private post(result: DiagnoseResult): void { void this.panel.webview.postMessage({ type: 'result', result }); }

  private html(): string {
    const w = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css'));
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${w.cspSource} data:; style-src ${w.cspSource}; font-src ${w.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${css}" rel="stylesheet"><title>Landscape Lens</title></head>
<body><main id="app"><p class="muted">Waiting for a result…</p></main>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
  }
}
