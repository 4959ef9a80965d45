/** Moved to src/shared/resultView.ts (pure; the webview and the report read it too); re-exported for the extension's imports. */
export * from '../shared/resultView';
