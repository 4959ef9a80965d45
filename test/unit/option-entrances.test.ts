/**
 * The two entrances of the diagnostics' options — the CLI's flags (src/cli/flags.ts) and the extension's settings
 * (src/extension/settingsOptions.ts) — apply the registry's option specs through one function, applyOptionSpecs
 * (src/core/diagnostics/registry.ts), so the same values give the same DiagnoseOptions. Over every option spec: the
 * flag as commander parses it (the CLI's own option, optionFromSpec) and the value as a settings file holds it
 * (number, boolean, array of strings, string) give equal options; for the specs with a setting, through the settings
 * reader; unset values (absent, null, '', an empty list, and a count of 0 where 0 is not a count) leave the target.
 */
import * as assert from 'assert';
import { Command } from 'commander';
import { applyOptionSpecs, diagnosticOptions, type OptionSpec } from '../../src/core/diagnostics/registry';
import { flagReader, optionFromSpec, type DiagnoseArgs } from '../../src/cli/flags';
import { settingsReader } from '../../src/extension/settingsOptions';
import type { DiagnoseOptions } from '../../src/core/diagnostics/options';

/** The CLI's options for argv (only the registry's flags, as `landscape diagnose` declares them). */
function cli(argv: string[]): Partial<DiagnoseOptions> {
  const cmd = new Command()
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeErr: () => undefined });
  for (const spec of diagnosticOptions()) cmd.addOption(optionFromSpec(spec));
  cmd.parse(argv, { from: 'user' });
  return applyOptionSpecs({}, flagReader(cmd.opts<DiagnoseArgs>()));
}
/** The settings' options when `landscapeLens.<setting>` holds `values[setting]` (a full diagnosis). */
function settings(values: Record<string, unknown>, mode: 'quick' | 'full' = 'full'): Partial<DiagnoseOptions> {
  return applyOptionSpecs(
    {},
    settingsReader(k => values[k], mode),
  );
}
/** A value of each kind: [as typed on the command line, as a settings file holds it]. */
function sample(spec: OptionSpec): [string | undefined, unknown] {
  switch (spec.kind) {
    case 'switch':
      return [undefined, true];
    case 'int':
      return ['3', 3];
    case 'fraction':
      return ['0.25', 0.25];
    case 'list':
      return ['1d, eig', ['1d', 'eig']];
    case 'path':
      return ['b/model.json', 'b/model.json'];
  }
}
const argv = (spec: OptionSpec, text: string | undefined): string[] => [spec.flag.split(' ')[0], ...(text === undefined ? [] : [text])];

describe('option specs: one application at both entrances (CLI flags, extension settings)', () => {
  it('every spec: the flag and the same value as a setting give the same DiagnoseOptions', () => {
    const specs = diagnosticOptions();
    assert.ok(specs.length >= 15, `${specs.length} specs`);
    for (const spec of specs) {
      const [text, value] = sample(spec);
      const fromCli = cli(argv(spec, text));
      const fromValue = applyOptionSpecs({}, s => (s.key === spec.key ? value : undefined));
      assert.deepStrictEqual(fromCli, { [spec.key]: value }, `${spec.flag}: CLI`);
      assert.deepStrictEqual(fromValue, fromCli, `${spec.flag}: the value as a settings file holds it`);
      if (spec.setting) assert.deepStrictEqual(settings({ [spec.setting]: value }), fromCli, `${spec.flag}: setting ${spec.setting}`);
    }
  });

  it('unset is one thing at both entrances: absent, null, empty; a setting of 0 where 0 is not a count (the CLI refuses that 0)', () => {
    assert.deepStrictEqual(cli([]), {});
    assert.deepStrictEqual(settings({}), {});
    for (const spec of diagnosticOptions()) {
      for (const raw of [undefined, null, '', []])
        assert.deepStrictEqual(
          applyOptionSpecs({}, s => (s.key === spec.key ? raw : undefined)),
          {},
          `${spec.flag}: ${JSON.stringify(raw)}`,
        );
      if (spec.kind !== 'int') continue;
      const isCount = spec.key === 'top' || spec.key === 'bottom';
      // the settings' 0 is "the default"; on the command line a 0 that is not a count is refused, naming the flag
      if (isCount) assert.deepStrictEqual(cli(argv(spec, '0')), { [spec.key]: 0 }, `${spec.flag} 0`);
      else assert.throws(() => cli(argv(spec, '0')), new RegExp(`${spec.flag.split(' ')[0]} must be an integer from 1`), `${spec.flag} 0`);
      if (spec.setting) assert.deepStrictEqual(settings({ [spec.setting]: 0 }), isCount ? { [spec.key]: 0 } : {}, `${spec.setting} = 0`);
    }
    // a switch set to false in the settings turns the diagnostic off (the CLI's switches only turn on)
    for (const spec of diagnosticOptions().filter(s => s.kind === 'switch' && s.setting))
      assert.deepStrictEqual(settings({ [spec.setting!]: false }), { [spec.key]: false }, spec.setting);
  });

  it('a quick diagnosis reads only the Lanczos budget from the settings; unset values keep the target', () => {
    const all = Object.fromEntries(diagnosticOptions().flatMap(s => (s.setting ? [[s.setting, sample(s)[1]]] : [])));
    const quick = settings(all, 'quick');
    const lanczos = diagnosticOptions().find(s => s.setting === 'budget.lanczosSteps')!;
    assert.deepStrictEqual(quick, { [lanczos.key]: 3 });
    const target: Partial<DiagnoseOptions> = { top: 7, trace: true };
    applyOptionSpecs(target, () => undefined);
    assert.deepStrictEqual(target, { top: 7, trace: true });
  });
});
