/**
 * Issue 25's hostile corpus (test/fixtures/hostile/make-hostile25.ts) through the built CLI bundle:
 * every case ends with its expected exit code and a one-line message, prints no raw escape sequence,
 * writes nothing outside its folder. The child's timeout (60 s) is only a safety net; peak memory and
 * time per case are measured by `npm run test:hostile` (scripts/test-hostile.js), not asserted here.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkCase, makeHostile25 } from '../fixtures/hostile/make-hostile25';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('hostile corpus of issue 25 through the CLI bundle', function () {
  this.timeout(600000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-hostile25-'));
  const cases = makeHostile25(tmp);
  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  for (const c of cases)
    it(`[class ${c.cls}] ${c.name} → exit ${c.code}`, () => {
      const r = spawnSync(process.execPath, [CLI, ...c.args], {
        encoding: 'utf8',
        timeout: 60000,
        cwd: c.cwd ?? tmp,
        env: { ...process.env, NO_COLOR: '1' },
        maxBuffer: 256 * 2 ** 20,
      });
      const why = checkCase(c, r);
      assert.strictEqual(why, undefined, `${c.args.join(' ')}: ${why}`);
    });
});
