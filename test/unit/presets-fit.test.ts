/**
 * Presets fit the model (issue 26): `--all` / `--level full` (and every other preset) run on models of
 * 2, 5 and 50 parameters — a preset's counts clamp to what the model has, with a notice — while an
 * explicit option asking for more than exists stays a UserInputError naming the file.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { diagnose, DiagnoseOptions } from '../../src/core/diagnose';
import { preset, PRESET_NAMES } from '../../src/core/diagnostics/registry';
import { isUserInputError } from '../../src/core/errors';
import { tinyDense } from './reference/tinyDense';

describe('presets fit the model', function () {
  this.timeout(600000);
  const models = [
    { widths: [1, 1] }, // 2 parameters
    { widths: [4, 1] }, // 5
    { widths: [3, 5, 5] }, // 50
  ].map(m => tinyDense(m.widths));
  after(() => models.forEach(m => fs.rmSync(m.dir, { recursive: true, force: true })));

  it('has the parameter counts it says', () =>
    assert.deepStrictEqual(
      models.map(m => m.params),
      [2, 5, 50],
    ));

  for (const [i, n] of [2, 5, 50].entries())
    it(`runs every preset (full = --all) on a ${n}-parameter model; clamped counts say so`, async () => {
      const m = models[i];
      for (const name of PRESET_NAMES) {
        const o: DiagnoseOptions = { ...preset(name), checkpoint: m.model, data: m.data, seed: 1 };
        const r = await diagnose(o);
        assert.ok(Number.isFinite(r.loss), `${name}: loss`);
        const wanted = (o.top ?? 0) + (o.bottom ?? 0);
        if (name !== 'quick') assert.ok(r.hessian?.top.length, `${name}: top eigenvalues`);
        if ((o.top ?? 0) > n) {
          assert.strictEqual(r.hessian!.top.length, n, `${name}: top clamped to ${n}`);
          assert.ok(
            r.notices.some(s => /preset/.test(s) && /--top/.test(s)),
            `${name}: a notice says so: ${r.notices.join(' | ')}`,
          );
        }
        assert.ok(wanted >= 0);
      }
    });

  it('an explicit --top beyond the parameter count stays an error naming the file', async () => {
    const m = models[0];
    await assert.rejects(
      diagnose({ checkpoint: m.model, data: m.data, top: 5 }),
      (e: Error) => isUserInputError(e) && /--top/.test(e.message) && e.message.includes(m.model),
    );
    await assert.rejects(
      diagnose({ ...preset('full'), checkpoint: m.model, data: m.data, top: 3, preset: undefined }),
      (e: Error) => isUserInputError(e) && /--top/.test(e.message),
    );
  });
});
