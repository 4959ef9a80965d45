/**
 * The extension's command table (src/extension/commands/index.ts) against package.json's
 * `contributes.commands`: every declared command is registered, nothing undeclared is, no id twice,
 * and every command file in src/extension/commands/ is in the table. The table is loaded for real
 * with a stand-in for the `vscode` module (the unit tests run without VS Code); registering it
 * records the ids passed to `vscode.commands.registerCommand`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import Module from 'module';

const ROOT = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };

/** Any property, call or `new` of this gives another one: enough for modules that only use `vscode` at module scope. */
function anything(): unknown {
  const target = function () {
    /* stand-in */
  };
  return new Proxy(target, {
    get: (_t, k) => (k === Symbol.toPrimitive ? () => '' : k === 'prototype' ? {} : anything()),
    apply: () => anything(),
    construct: () => anything() as object,
  });
}

/** Load `file` with `vscode` replaced by a stand-in whose `commands.registerCommand` records ids. */
function loadWithFakeVscode<T>(file: string, registered: string[]): T {
  const fake = {
    commands: {
      registerCommand: (id: string) => {
        registered.push(id);
        return {
          dispose() {
            /* nothing */
          },
        };
      },
    },
  };
  const stand = new Proxy(fake as Record<string | symbol, unknown>, { get: (t, k) => (k in t ? t[k] : anything()) });
  const M = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const load = M._load;
  M._load = function (request, parent, isMain) {
    return request === 'vscode' ? stand : load.call(this, request, parent, isMain);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require(file) as T;
  } finally {
    M._load = load;
  }
}

describe('extension commands: the table = package.json contributes.commands', () => {
  const registered: string[] = [];
  const table = loadWithFakeVscode<typeof import('../../src/extension/commands')>(
    path.join(ROOT, 'out/src/extension/commands/index.js'),
    registered,
  );
  const declared = pkg.contributes.commands.map(c => c.command);

  it('every declared command is in the table and every table entry is declared, each once', () => {
    const ids = table.COMMANDS.map(c => c.id);
    assert.ok(ids.length >= 20, `only ${ids.length} commands in the table`);
    assert.deepStrictEqual([...ids].sort(), [...new Set(ids)].sort(), 'an id is in the table twice');
    assert.deepStrictEqual([...ids].sort(), [...declared].sort());
  });

  it('registerCommands registers exactly the declared ids', () => {
    const disposables = table.registerCommands({} as Parameters<typeof table.registerCommands>[0]);
    assert.strictEqual(disposables.length, registered.length);
    assert.deepStrictEqual([...registered].sort(), [...declared].sort());
  });

  it('every command file in src/extension/commands/ is in the table (one command per file)', () => {
    const dir = path.join(ROOT, 'src/extension/commands');
    const helpers = new Set(['index.ts', 'context.ts', 'checkpointPick.ts']);
    const files = fs.readdirSync(dir).filter(f => f.endsWith('.ts') && !helpers.has(f));
    const inTable = new Set(table.COMMANDS.map(c => c.id.replace(/^landscapeLens\./, '') + '.ts'));
    assert.deepStrictEqual(
      files.filter(f => !inTable.has(f)),
      [],
      'command files whose name is not their command id',
    );
    assert.strictEqual(files.length, table.COMMANDS.length);
  });
});
