/**
 * The documentation covers the product: every contributed command (with its title) and every
 * setting of package.json appears in README.md's tables, every CLI subcommand and flag registered
 * in src/cli appears in the README, and every top-level field of the `diagnose --json` result
 * (DiagnoseResult in src/shared/result.ts) has a row in the README's JSON table. The lists are
 * derived from the code (package.json, the CLI sources, the result interface) — never hard-coded —
 * so a new command, setting, flag or field fails this test until it is documented. When the CLI
 * bundle is built (dist/cli.js), the derived lists are cross-checked against the running program
 * (`--help`) and a real result's keys. Also: the reference docs exist, are linked from the README,
 * and name every verdict threshold and worker job kind.
 */
import * as assert from 'assert';
import * as ts from 'typescript';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diagnosticOptions, PRESETS, PRESET_NAMES } from '../../src/core/diagnostics/registry';
import type { DiagnoseOptions } from '../../src/core/diagnose';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');

interface Manifest {
  contributes: {
    commands: { command: string; title: string }[];
    configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[];
  };
}

const pkg = JSON.parse(read('package.json')) as Manifest;
const README = read('README.md');
const readmeLines = README.split('\n');

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Table rows of the README (lines starting with '|'). */
const tableRows = readmeLines.filter(l => l.trimStart().startsWith('|'));

/** Configuration keys; `contributes.configuration` may be one object or an array of them. */
function configurationKeys(): string[] {
  const c = pkg.contributes.configuration;
  return (Array.isArray(c) ? c : [c]).flatMap(x => Object.keys(x.properties ?? {}));
}

/** The TypeScript sources of the CLI (src/cli/*.ts). */
function cliSources(): string {
  const dir = path.join(ROOT, 'src', 'cli');
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.ts'))
    .map(f => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

/** Every call `<x>.<method>(<string literal>, …)` in a TypeScript source, read with the TypeScript compiler: the literal's text. */
function callsWithString(src: string, methods: string[]): { method: string; text: string }[] {
  const sf = ts.createSourceFile('src.ts', src, ts.ScriptTarget.Latest, true);
  const out: { method: string; text: string }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && methods.includes(n.expression.name.text)) {
      const a = n.arguments[0];
      if (a && (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a))) out.push({ method: n.expression.name.text, text: a.text });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Subcommands registered with commander: `.command('name …')`. */
export function cliSubcommands(src: string): string[] {
  return [
    ...new Set(
      callsWithString(src, ['command'])
        .map(c => /^[a-z][\w-]*/.exec(c.text)?.[0])
        .filter((x): x is string => Boolean(x)),
    ),
  ];
}

/** Long flags registered with commander: `.option('--flag …')` or `.option('-f, --flag …')`. */
export function cliFlags(src: string): string[] {
  return [
    ...new Set(
      callsWithString(src, ['option', 'requiredOption'])
        .map(c => /^(?:-\w\s*,\s*)?(--[a-z][\w-]*)/.exec(c.text)?.[1])
        .filter((x): x is string => Boolean(x)),
    ),
  ];
}

/** Property names of `export interface <name> { … }` in a TypeScript source, read with the TypeScript compiler. */
export function interfaceFields(src: string, name: string): string[] {
  const sf = ts.createSourceFile('src.ts', src, ts.ScriptTarget.Latest, true);
  const decl = sf.statements.find((st): st is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(st) && st.name.text === name);
  assert.ok(decl, `interface ${name} not found`);
  return decl.members
    .filter(ts.isPropertySignature)
    .map(m => (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(sf)));
}

/** First-cell field names of the README's JSON table ("### JSON output" up to the next heading). */
function readmeJsonFields(): Set<string> {
  const start = readmeLines.findIndex(l => /^#{2,4} .*JSON output/.test(l));
  assert.ok(start >= 0, 'README has no "JSON output" section');
  const names = new Set<string>();
  for (let k = start + 1; k < readmeLines.length && !/^#{1,4} /.test(readmeLines[k]); k++) {
    const m = /^\|\s*`([A-Za-z_$][\w$]*)/.exec(readmeLines[k]);
    if (m) names.add(m[1]); // `layers[]`, `model.layers[]` → layers, model
  }
  return names;
}

describe('documentation covers the product (README.md, docs/)', function () {
  this.timeout(60000);

  it('every contributed command appears in a README table row with its id and title', () => {
    const cmds = pkg.contributes.commands;
    assert.ok(cmds.length > 0, 'package.json contributes no commands');
    const missing = cmds
      .filter(c => !tableRows.some(r => r.includes(`\`${c.command}\``) && r.includes(c.title)))
      .map(c => `${c.command} (${c.title})`);
    assert.deepStrictEqual(missing, [], `commands missing from the README's commands table: ${missing.join(', ')}`);
  });

  it('every contributed setting appears in a README table row', () => {
    const keys = configurationKeys();
    assert.ok(keys.length > 0, 'package.json contributes no settings');
    const missing = keys.filter(k => !tableRows.some(r => new RegExp(`^\\s*\\|\\s*\`${escapeRe(k)}\``).test(r)));
    assert.deepStrictEqual(missing, [], `settings missing from the README's settings table: ${missing.join(', ')}`);
  });

  it('every CLI subcommand registered in src/cli is documented in the README (with an example)', () => {
    const subs = cliSubcommands(cliSources());
    assert.ok(subs.includes('diagnose') && subs.length >= 2, `subcommand parsing found only: ${subs.join(', ')}`);
    const missing = subs.filter(s => !new RegExp(`landscape ${escapeRe(s)}(?![\\w-])`).test(README));
    assert.deepStrictEqual(missing, [], `subcommands missing from the README: ${missing.join(', ')}`);
    // each has its own heading and at least one example line `landscape <sub> …` in a code block
    const noHeading = subs.filter(s => !readmeLines.some(l => /^#{2,4} /.test(l) && l.includes(`\`landscape ${s}\``)));
    assert.deepStrictEqual(noHeading, [], `subcommands without a README heading: ${noHeading.join(', ')}`);
    const blocks = [...README.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map(m => m[1]);
    // an example, not the synopsis: the first argument is not a `<placeholder>` or an `[option]`
    const noExample = subs.filter(s => !blocks.some(b => new RegExp(`^landscape ${escapeRe(s)} (?![<\\[])\\S`, 'm').test(b)));
    assert.deepStrictEqual(noExample, [], `subcommands without an example in a README code block: ${noExample.join(', ')}`);
  });

  it('every CLI flag registered in src/cli or declared by a diagnostic appears in the README', () => {
    const flags = [...cliFlags(cliSources()), ...diagnosticOptions().map(o => o.flag.split(' ')[0])];
    assert.ok(flags.includes('--json') && flags.length > 10, `flag parsing found only: ${flags.join(', ')}`);
    const missing = flags.filter(f => !new RegExp(`${escapeRe(f)}(?![\\w-])`).test(README));
    assert.deepStrictEqual(missing, [], `CLI flags missing from the README: ${missing.join(', ')}`);
  });

  it('the presets are documented as the registry defines them (README level table, --all) and the manifest budgets equal them', () => {
    // a preset as CLI flags, in the registry's option order: `--top 5 --bottom 1 --trace …`
    const flagsOf = (p: Partial<DiagnoseOptions>): string =>
      diagnosticOptions()
        .filter(o => (p as Record<string, unknown>)[o.key] !== undefined)
        .map(o => {
          const v = (p as Record<string, unknown>)[o.key],
            flag = o.flag.split(' ')[0];
          return o.kind === 'switch' ? flag : `${flag} ${Array.isArray(v) ? v.join(',') : String(v)}`;
        })
        .join(' ');
    for (const name of PRESET_NAMES) {
      const row = tableRows.find(r => new RegExp(`^\\s*\\|\\s*\`${name}\``).test(r));
      assert.ok(row, `the README's level table has no row for the preset ${name}`);
      assert.ok(row.includes(`\`${flagsOf(PRESETS[name])}\``), `README row of ${name} does not say \`${flagsOf(PRESETS[name])}\`: ${row}`);
    }
    assert.ok(README.includes(`\`--all\` = \`${flagsOf(PRESETS.full)}\``), `README does not define --all as \`${flagsOf(PRESETS.full)}\``);
    // the extension's full diagnosis: each budget / full.* setting defaults to the full preset's value or the option's default
    const c = pkg.contributes.configuration;
    const props = Object.assign({}, ...(Array.isArray(c) ? c : [c]).map(x => x.properties)) as Record<string, { default?: unknown }>;
    for (const o of diagnosticOptions().filter(x => x.setting)) {
      const d = props[`landscapeLens.${o.setting}`]?.default;
      const want = o.kind === 'switch' ? true : ((PRESETS.full as Partial<DiagnoseOptions>)[o.key] ?? o.default ?? 0);
      assert.strictEqual(d, want, `landscapeLens.${o.setting} defaults to ${String(d)}, the registry says ${String(want)} (${o.key})`);
    }
  });

  it('the README documents the exit codes 0, 1 and 2 and --html reports', () => {
    assert.ok(/Exit codes/.test(README));
    for (const code of ['0', '1', '2']) assert.ok(new RegExp(`\\*\\*${code}\\*\\*`).test(README), `exit code ${code} not documented`);
    assert.ok(/HTML report/.test(README) && /--html/.test(README));
  });

  it('every top-level field of DiagnoseResult has a row in the README JSON table', () => {
    const fields = interfaceFields(read('src/shared/result.ts'), 'DiagnoseResult');
    for (const f of ['version', 'checkpoint', 'loss', 'verdict', 'timings'])
      assert.ok(fields.includes(f), `interface parsing missed '${f}' (found ${fields.join(', ')})`);
    const documented = readmeJsonFields();
    const missing = fields.filter(f => !documented.has(f));
    assert.deepStrictEqual(missing, [], `DiagnoseResult fields missing from the README's JSON table: ${missing.join(', ')}`);
  });

  it('the reference docs exist, are linked from the README, and name every verdict threshold and worker job kind', () => {
    for (const f of ['docs/diagnostics.md', 'docs/architecture.md', 'CONTRIBUTING.md', 'CHANGELOG.md']) {
      assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} missing`);
      assert.ok(README.includes(`](${f})`), `README does not link ${f}`);
    }
    const diagnostics = read('docs/diagnostics.md');
    const thresholds = interfaceFields(read('src/core/diagnostics/verdict.ts'), 'VerdictThresholds');
    assert.ok(thresholds.length >= 5, `threshold parsing found only: ${thresholds.join(', ')}`);
    for (const t of thresholds) {
      assert.ok(diagnostics.includes(`\`${t}\``), `docs/diagnostics.md does not name the verdict threshold ${t}`);
      assert.ok(README.includes(`\`${t}\``), `README does not name the verdict threshold ${t}`);
    }
    const architecture = read('docs/architecture.md');
    const kinds = interfaceFields(read('src/worker/protocol.ts'), 'JobKinds');
    assert.ok(kinds.includes('diagnose'), `job-kind parsing found only: ${kinds.join(', ')}`);
    for (const k of kinds) assert.ok(architecture.includes(`\`${k}\``), `docs/architecture.md does not name the job kind ${k}`);
    assert.ok(
      /^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$/m.test(read('CHANGELOG.md')),
      'CHANGELOG.md has no "## [x.y.z] - YYYY-MM-DD" release heading',
    );
    const version = (JSON.parse(read('package.json')) as { version: string }).version;
    assert.ok(read('CHANGELOG.md').includes(`## [${version}]`), `CHANGELOG.md has no entry for version ${version}`);
  });

  describe('cross-checks against the built CLI (dist/cli.js)', function () {
    before(function () {
      if (!fs.existsSync(CLI)) this.skip();
    });
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000 });

    it('the subcommands parsed from the sources are those of `landscape --help`', () => {
      const r = cli('--help');
      assert.strictEqual(r.status, 0, r.stderr);
      const section = r.stdout.split(/^Commands:\s*$/m)[1] ?? '';
      const listed = [...section.matchAll(/^\s{2}([a-z][\w-]*)/gm)].map(m => m[1]).filter(c => c !== 'help');
      assert.ok(listed.length > 0, r.stdout);
      assert.deepStrictEqual([...listed].sort(), [...cliSubcommands(cliSources())].sort());
    });

    it('a real diagnose result (with special neurons and the optional diagnostics) has only fields of DiagnoseResult', () => {
      const fields = new Set(interfaceFields(read('src/shared/result.ts'), 'DiagnoseResult'));
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-docs-'));
      try {
        const fx = path.join(ROOT, 'test/fixtures/tfjs/mlp-regression');
        for (const f of fs.readdirSync(fx)) fs.copyFileSync(path.join(fx, f), path.join(tmp, f));
        const data = path.join(tmp, 'data.npz');
        const sn = cli('special-neurons', path.join(tmp, 'model.json'), '--json');
        assert.strictEqual(sn.status, 0, sn.stderr);
        const augmented = (JSON.parse(sn.stdout) as { outFile: string }).outFile;
        const runs = [
          [
            path.join(tmp, 'model.json'),
            '--top',
            '1',
            '--bottom',
            '1',
            '--trace',
            '--trace-hvps',
            '12',
            '--density',
            '--density-probes',
            '1',
            '--density-steps',
            '8',
            '--sharpness',
            '--pgb',
            '--pgb-iter',
            '3',
            '--layers',
            '--weights',
            '--slice',
            '1d',
          ],
          [augmented],
        ];
        const seen = new Set<string>();
        for (const args of runs) {
          const r = cli('diagnose', args[0], '--data', data, ...args.slice(1), '--json');
          assert.strictEqual(r.status, 0, r.stderr);
          for (const k of Object.keys(JSON.parse(r.stdout) as object)) seen.add(k);
        }
        const undeclared = [...seen].filter(k => !fields.has(k));
        assert.deepStrictEqual(
          undeclared,
          [],
          `result fields not in DiagnoseResult (so not checked against the README): ${undeclared.join(', ')}`,
        );
        const documented = readmeJsonFields();
        const undocumented = [...seen].filter(k => !documented.has(k));
        assert.deepStrictEqual(undocumented, [], `result fields missing from the README's JSON table: ${undocumented.join(', ')}`);
        assert.ok(seen.has('specialNeurons') && seen.has('pgb') && seen.has('hessian'), [...seen].join(', '));
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  });
});
