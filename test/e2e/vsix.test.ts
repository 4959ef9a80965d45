/**
 * The packaged VSIX that the other end-to-end tests install (artifacts/landscape-lens-<version>.vsix,
 * built by scripts/package.js): lean (bundles, wasm, media and docs only: no sources, tests,
 * fixtures, source maps or node_modules) and complete (everything the manifest and the runtime
 * reference is inside).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { unzipSync } from 'fflate';

const ROOT = path.resolve(__dirname, '../../..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { ensureVsix } = require(path.join(ROOT, 'scripts/package.js')) as { ensureVsix(): string };

interface Manifest {
  main: string;
  icon: string;
  version: string;
  contributes: {
    walkthroughs: { steps: { media: { markdown?: string; image?: string } }[] }[];
    viewsContainers: { activitybar: { icon: string }[] };
    jsonValidation: { url: string }[];
  };
}

describe('e2e: the packaged VSIX', function () {
  this.timeout(300000);
  let files: Map<string, number>;
  let size: number;
  let manifest: Manifest;

  before(() => {
    const vsix = ensureVsix();
    const buf = fs.readFileSync(vsix);
    size = buf.length;
    const entries = unzipSync(new Uint8Array(buf));
    files = new Map(Object.entries(entries).map(([n, d]) => [n, d.length]));
    manifest = JSON.parse(Buffer.from(entries['extension/package.json']).toString('utf8')) as Manifest;
  });

  it("holds no sources, tests, fixtures, examples, source maps or node_modules (but the native engine's runtime), ships the CLI, and stays small", () => {
    const names = [...files.keys()];
    const ort = (n: string) => /^extension\/dist\/node_modules\/onnxruntime-(node|common)\//.test(n);
    const bad = names.filter(
      n =>
        !ort(n) &&
        /\.map$|\.ts$|(^|\/)(src|test|webview|examples|scratch|scripts|bench|node_modules|\.vscode-test|out|artifacts)\//.test(
          n.replace(/^extension\//, ''),
        ),
    );
    assert.deepStrictEqual(bad, [], `files that must not ship: ${bad.join(', ')}`);
    // platform-specific: the native library of this platform only
    const bins = names.filter(n => n.includes('/bin/napi-v6/'));
    const here = `/bin/napi-v6/${process.platform}/${process.arch}/`;
    assert.ok(bins.length > 0 && bins.every(n => n.includes(here)), `native binaries: ${bins.join(', ')}`);
    assert.ok(
      bins.some(n => n.endsWith('onnxruntime_binding.node')),
      'the ONNX Runtime binding is shipped',
    );
    // the never-used threaded wasm stays out; the command-line tool ships (Install 'landscape' Command in PATH links it)
    assert.ok(!files.has('extension/dist/tfjs-backend-wasm-threaded-simd.wasm'), 'the threaded wasm is not shipped');
    assert.ok(files.has('extension/dist/cli.js'), 'the landscape CLI is shipped');
    // 2 MiB of our own plus ONNX Runtime's native library for one platform (~18 MiB compressed)
    assert.ok(size < 24 * 1024 * 1024, `VSIX is ${(size / 1024).toFixed(0)} KiB (budget 24 MiB)`);
    assert.ok(names.filter(n => !ort(n)).length <= 40, `${names.length} files in the VSIX: ${names.join(', ')}`);
  });

  it('holds the bundles, the wasm binaries and every file the manifest names', () => {
    const need = [
      manifest.main.replace(/^\.\//, ''),
      'dist/worker.js',
      'dist/webview.js',
      'dist/tfjs-backend-wasm-simd.wasm',
      'dist/tfjs-backend-wasm.wasm',
      manifest.icon,
      'media/panel.css',
      'LICENSE.txt',
      'readme.md',
      ...manifest.contributes.viewsContainers.activitybar.map(a => a.icon),
      ...manifest.contributes.jsonValidation.map(j => j.url.replace(/^\.\//, '')),
      ...manifest.contributes.walkthroughs.flatMap(w => w.steps.map(s => s.media.markdown ?? s.media.image ?? '')),
    ];
    for (const n of need) {
      assert.ok(n, 'a walkthrough step has media');
      assert.ok((files.get(`extension/${n}`) ?? 0) > 0, `extension/${n} is in the VSIX and not empty`);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
    assert.strictEqual(manifest.version, pkg.version, 'the VSIX was packaged from the current package.json');
  });
});
