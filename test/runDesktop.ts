/**
 * `npm run test:desktop`: the same integration suites in desktop VS Code downloaded by
 * @vscode/test-electron (needs internet access to update.code.visualstudio.com; on machines
 * without it use `npm test`, which runs them in code-server).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-ws-'));
  fs.cpSync(path.join(root, 'test/fixtures/workspace'), ws, { recursive: true });
  try {
    // throws when VS Code exits non-zero, i.e. when test/integration/index.ts's run() rejects on failures
    await runTests({
      version: '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out/test/integration/index'),
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
    });
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

main().catch(e => {
  console.error(`desktop integration tests failed: ${(e as Error).message}`);
  process.exit(1);
});
