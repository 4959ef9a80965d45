/**
 * *Write HTML Report* and *Install 'landscape' Command in PATH* without VS Code: the report of a run copied
 * from the fixture workspace holds each checkpoint's result (computed here by the core's diagnose, as the
 * editor's cache would hold it), says why one has none, and never overwrites (landscape-report-2.html); the
 * launcher runs the repository's dist/cli.js with this Node (`landscape --version` = package.json's version)
 * and is never written over a `landscape` that is not its own.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { discoverRuns } from '../../src/core/logs/runs';
import { diagnose } from '../../src/core/diagnose';
import { preset } from '../../src/core/diagnostics/registry';
import { reportInput, writeReport, type Outcome } from '../../src/extension/reportWriter';
import { cliLauncher, installLauncher, LAUNCHER_MARK, onPath } from '../../src/extension/cliInstall';

const ROOT = path.resolve(__dirname, '../../..');

describe('Write HTML Report (editor results) and the CLI launcher', function () {
  this.timeout(300000);
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-report-cmd-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the report holds every checkpoint with its result or its reason, and never overwrites', async () => {
    const dir = path.join(tmp, 'mlp-run');
    fs.cpSync(path.join(ROOT, 'test/fixtures/workspace/runs/mlp-run'), dir, { recursive: true });
    const [run] = discoverRuns(dir);
    assert.strictEqual(run.checkpoints.length, 3);
    const outcomes = new Map<string, Outcome>();
    const last = run.checkpoints[2].path;
    const r = await diagnose({ ...preset('quick'), checkpoint: last, data: path.join(dir, 'data.npz'), seed: 0 });
    outcomes.set(last, { result: r });
    outcomes.set(run.checkpoints[0].path, { error: 'the reason it failed' });
    const input = reportInput([run], c => outcomes.get(c), 'Landscape Lens report — mlp-run');
    assert.deepStrictEqual(
      input.runs[0].checkpoints.map(c => [c.step, c.result ? 'result' : c.error]),
      [
        [200, 'the reason it failed'],
        [400, 'not diagnosed'],
        [600, 'result'],
      ],
    );
    assert.ok(
      input.runs[0].series.some(s => s.tag === 'loss' && s.steps.length > 0),
      'the run log is in the report',
    );
    const first = writeReport(dir, input);
    assert.strictEqual(first, path.join(dir, 'landscape-report.html'));
    const page = fs.readFileSync(first, 'utf8');
    for (const s of ['mlp-run', 'step_600', 'the reason it failed']) assert.ok(page.includes(s), s);
    const second = writeReport(dir, input);
    assert.strictEqual(second, path.join(dir, 'landscape-report-2.html'));
    assert.strictEqual(fs.readFileSync(first, 'utf8'), page, 'the first report is unchanged');
  });

  it("the launcher runs the extension's dist/cli.js; another 'landscape' is never overwritten", function () {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    if (!fs.existsSync(cli)) throw new Error('dist/cli.js missing: npx webpack --mode production --config-name engine');
    const bin = path.join(tmp, 'bin with space');
    const r = installLauncher(bin, process.execPath, cli, 'linux');
    assert.strictEqual(r.refused, undefined);
    const out = spawnSync(r.file, ['--version'], { encoding: 'utf8' });
    assert.strictEqual(out.status, 0, out.stderr);
    assert.strictEqual(out.stdout.trim(), JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    assert.strictEqual(installLauncher(bin, process.execPath, cli, 'linux').refused, undefined, 'its own launcher is updated');
    const other = path.join(tmp, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'landscape'), '#!/bin/sh\necho mine\n');
    assert.match(installLauncher(other, process.execPath, cli, 'linux').refused ?? '', /not a Landscape Lens launcher/);
    assert.strictEqual(fs.readFileSync(path.join(other, 'landscape'), 'utf8'), '#!/bin/sh\necho mine\n');
    const win = cliLauncher('C:\\\\Code\\\\Code.exe', 'C:\\\\ext\\\\dist\\\\cli.js', 'win32');
    assert.strictEqual(win.name, 'landscape.cmd');
    assert.ok(win.text.includes(LAUNCHER_MARK) && win.text.includes('ELECTRON_RUN_AS_NODE=1'));
    assert.ok(onPath('/a/b', '/x:/a/b/', 'linux'));
    assert.ok(!onPath('/a/b', '/x:/a', 'linux'));
  });
});
