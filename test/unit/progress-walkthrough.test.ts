/**
 * Issue 24's small ones: the status-bar progress is a monotone fraction of the whole job (a full diagnosis's
 * slices restarted their sub-runs at the share's start: 0.648 → 0.54 → 0.528), and the walkthrough's
 * demo step completes when the demo exists (a context key the command sets), not when the Runs view opens.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { monotoneFraction, monotoneProgress } from '../../src/core/progressMonotone';
import { diagnose } from '../../src/core/diagnose';
import { preset } from '../../src/core/diagnostics/registry';
import { initBackend } from '../../src/core/backend';

const ROOT = path.resolve(__dirname, '../../..');

describe('progress: a monotone fraction of the whole job', () => {
  it('holds a lower fraction at the last one, clamps to [0, 1], keeps the fraction of a message without one', () => {
    const seen: (number | undefined)[] = [];
    const p = monotoneProgress<{ fraction?: number; message?: string }>(q => seen.push(q.fraction));
    for (const f of [undefined, 0.1, 0.65, 0.58, 0.54, undefined, 0.7, 1.4, -1]) p({ fraction: f });
    assert.deepStrictEqual(seen, [undefined, 0.1, 0.65, 0.65, 0.65, 0.65, 0.7, 1, 1]);
    assert.deepStrictEqual(monotoneFraction<{ fraction?: number; message?: string }>(0.5, { fraction: 0.4, message: 'm' }), {
      fraction: 0.5,
      message: 'm',
    });
    assert.deepStrictEqual(monotoneFraction<{ fraction?: number; message?: string }>(undefined, { message: 'm' }), { message: 'm' });
  });

  it('a full diagnosis (slices 1-D, 2-D and along eigenvectors) reports fractions that never go down', async () => {
    await initBackend('cpu');
    const fr: number[] = [];
    await diagnose(
      { checkpoint: path.join(ROOT, 'examples/mlp/model.json'), data: path.join(ROOT, 'examples/mlp/data.npz'), ...preset('full') },
      undefined,
      p => {
        if (p.fraction !== undefined) fr.push(p.fraction);
      },
    );
    assert.ok(fr.length > 20, `${fr.length} progress reports`);
    for (let i = 1; i < fr.length; i++) assert.ok(fr[i] >= fr[i - 1], `report ${i}: ${fr[i - 1]} → ${fr[i]}`);
  });
});

describe('walkthrough: the demo step completes when the demo is created', () => {
  it('completionEvents is the context key Create Demo Workspace sets (and a demo window sets on import), not onView', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const step = pkg.contributes.walkthroughs[0].steps.find((s: { id: string }) => s.id === 'openDemo');
    assert.deepStrictEqual(step.completionEvents, ['onContext:landscapeLens.demoCreated']);
    const demo = fs.readFileSync(path.join(ROOT, 'src/extension/demo.ts'), 'utf8');
    assert.match(demo, /DEMO_CREATED = 'landscapeLens\.demoCreated'/);
    // set after the demo was built and diagnosed (after the withProgress block), before the folder opens
    const set = demo.indexOf("executeCommand('setContext', DEMO_CREATED, true)");
    assert.ok(set > demo.indexOf('writeSeed(dir, entries)') && set < demo.indexOf("'vscode.openFolder'"));
  });
});
