/**
 * The import graph of src/ and webview/ (every relative import, export-from, dynamic import() and
 * import('…') type, read with the TypeScript parser) has no upward import and no cycle:
 *
 *  - layers, bottom up: 0 the formatter (src/shared/format.ts: imports nothing); 1 the core
 *    (src/core/**, and src/shared/result.ts, the result contract the core fills: types only);
 *    2 the pure views over results (src/shared/*: headline, resultView, protocol; the HTML report
 *    src/core/report/*); 3 the entrances (src/cli, src/extension, src/worker, webview/). A file
 *    imports only from its own layer or below, type imports included; the entrances do not import
 *    each other (the extension reads the worker's protocol, nothing else); only src/extension
 *    imports `vscode`.
 *  - no cycle: the strongly connected components of the graph are single files, with one named
 *    exception — the registry pattern inside the core's diagnostics (each descriptor names the
 *    registry's `Diagnostic` type and the result type it writes, the registry lists the
 *    descriptors): those components may hold type-only edges within the core layer, never a value
 *    edge (no import-order hazard), and never reach another layer; and the objective's
 *    contract with its helpers (src/core/objective.ts ↔ objectiveParts.ts, a type-only edge back).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../../..');

type Kind = 'value' | 'type';
interface Edge {
  to: string;
  kind: Kind;
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(path.join(ROOT, dir));
  return out;
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c)) return c;
  return undefined;
}

/** Every import of a file: relative ones resolved to files (value or type-only), and the bare module names. */
function importsOf(file: string): { edges: Edge[]; modules: string[] } {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [],
    modules: string[] = [];
  const add = (spec: string, kind: Kind) => {
    const to = resolve(file, spec);
    if (to) edges.push({ to, kind });
    else if (!spec.startsWith('.')) modules.push(spec);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const typeOnly =
        !!c &&
        (c.isTypeOnly ||
          (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.every(e => e.isTypeOnly)));
      add(n.moduleSpecifier.text, typeOnly ? 'type' : 'value');
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const typeOnly =
        n.isTypeOnly || (!!n.exportClause && ts.isNamedExports(n.exportClause) && n.exportClause.elements.every(e => e.isTypeOnly));
      add(n.moduleSpecifier.text, typeOnly ? 'type' : 'value');
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      add(n.argument.literal.text, 'type');
    } else if (
      ts.isCallExpression(n) &&
      (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require')) &&
      n.arguments[0] &&
      ts.isStringLiteral(n.arguments[0])
    ) {
      add(n.arguments[0].text, 'value');
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { edges, modules };
}

const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');

function layerOf(f: string): number {
  const r = rel(f);
  if (r === 'src/shared/format.ts') return 0;
  if (r === 'src/shared/result.ts') return 1;
  if (r.startsWith('src/core/report/')) return 2;
  if (r.startsWith('src/core/')) return 1;
  if (r.startsWith('src/shared/')) return 2;
  return 3;
}
/** The entrance (layer 3) a file belongs to. */
function entranceOf(f: string): string {
  return rel(f)
    .split('/')
    .slice(0, rel(f).startsWith('src/') ? 2 : 1)
    .join('/');
}

/** Tarjan's strongly connected components over the given edges. */
function components(nodes: string[], next: (v: string) => string[]): string[][] {
  let index = 0;
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    on = new Set<string>(),
    stack: string[] = [],
    out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next(v)) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      out.push(c);
    }
  };
  for (const v of nodes) if (!idx.has(v)) strong(v);
  return out;
}

describe('import graph: layers and cycles', () => {
  const all = [...files('src'), ...files('webview')];
  const graph = new Map(all.map(f => [f, importsOf(f)]));

  it('reads a real graph (the parser finds value, type and dynamic imports)', () => {
    const diagnose = graph.get(path.join(ROOT, 'src/core/diagnose.ts'))!;
    assert.ok(diagnose.edges.some(e => rel(e.to) === 'src/core/problem.ts' && e.kind === 'value'));
    assert.ok(diagnose.edges.some(e => rel(e.to) === 'src/core/diagnostics/options.ts' && e.kind === 'type'));
    assert.ok(
      diagnose.edges.some(e => rel(e.to) === 'src/core/diagnostics/verdict.ts' && e.kind === 'value'),
      'dynamic import()',
    );
    const result = graph.get(path.join(ROOT, 'src/shared/result.ts'))!;
    assert.ok(
      result.edges.some(e => rel(e.to) === 'src/core/diagnostics/pgb.ts' && e.kind === 'type'),
      "import('…') types",
    );
    assert.ok(all.length > 100, `${all.length} files`);
  });

  it('has no upward import (type imports included)', () => {
    const up: string[] = [];
    for (const [f, { edges }] of graph)
      for (const e of edges)
        if (layerOf(e.to) > layerOf(f)) up.push(`${rel(f)} (layer ${layerOf(f)}) → ${rel(e.to)} (layer ${layerOf(e.to)})`);
    assert.deepStrictEqual(up, []);
  });

  it('the formatter imports nothing; the result contract imports types only', () => {
    assert.deepStrictEqual(graph.get(path.join(ROOT, 'src/shared/format.ts'))!.edges, []);
    const values = graph.get(path.join(ROOT, 'src/shared/result.ts'))!.edges.filter(e => e.kind === 'value');
    assert.deepStrictEqual(
      values.map(e => rel(e.to)),
      [],
    );
  });

  it('the entrances do not import each other (the extension reads the worker protocol), and only the extension imports vscode', () => {
    const bad: string[] = [];
    for (const [f, { edges, modules }] of graph) {
      if (modules.includes('vscode') && !rel(f).startsWith('src/extension/')) bad.push(`${rel(f)} imports vscode`);
      if (layerOf(f) !== 3) continue;
      for (const e of edges) {
        if (layerOf(e.to) !== 3 || entranceOf(e.to) === entranceOf(f)) continue;
        if (entranceOf(f) === 'src/extension' && rel(e.to) === 'src/worker/protocol.ts') continue;
        bad.push(`${rel(f)} → ${rel(e.to)}`);
      }
    }
    assert.deepStrictEqual(bad, []);
  });

  it('has no cycle of value imports', () => {
    const cycles = components(all, v =>
      graph
        .get(v)!
        .edges.filter(e => e.kind === 'value')
        .map(e => e.to),
    ).filter(c => c.length > 1);
    assert.deepStrictEqual(
      cycles.map(c => c.map(rel).sort()),
      [],
    );
  });

  it('has no cycle across layers or directories; type-only cycles only in the core diagnostics registry pattern', () => {
    const cycles = components(all, v => graph.get(v)!.edges.map(e => e.to)).filter(c => c.length > 1);
    for (const c of cycles) {
      const names = c.map(rel).sort();
      const layers = new Set(c.map(layerOf));
      assert.deepStrictEqual([...layers], [1], `a cycle across layers: ${names.join(', ')}`);
      const dirs = new Set(names.map(n => path.posix.dirname(n)));
      const allowed =
        [...dirs].every(d => d === 'src/core/diagnostics') || names.join() === 'src/core/objective.ts,src/core/objectiveParts.ts';
      const inDiagnostics = names.filter(n => !n.startsWith('src/core/diagnostics/'));
      assert.ok(
        allowed || (inDiagnostics.length === 1 && inDiagnostics[0] === 'src/shared/result.ts'),
        `a cycle outside the registry pattern: ${names.join(', ')}`,
      );
    }
  });
});
