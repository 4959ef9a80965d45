// Four bundles from one config: extension host (node, `vscode` external), diagnostics worker
// (worker_threads entry), CLI (node), webview app (web). TF.js wasm binaries are copied beside
// the bundles and loaded from there.
'use strict';
const path = require('path');
const webpack = require('webpack');
const CopyPlugin = require('copy-webpack-plugin');

const tsRule = { test: /\.ts$/, exclude: /node_modules/, use: [{ loader: 'ts-loader', options: { transpileOnly: true, compilerOptions: { sourceMap: true } } }] };

// The native engine's runtime: onnxruntime-node (JS + this platform's native library only) and
// onnxruntime-common, copied to dist/node_modules so the bundles resolve them there (a
// platform-specific VSIX: `vsce package --target <platform>-<arch>`).
const ORT_BIN = `bin/napi-v6/${process.platform}/${process.arch}`;
const ORT_FILES = [
  { from: 'node_modules/onnxruntime-node/package.json', to: 'node_modules/onnxruntime-node/package.json' },
  { from: 'node_modules/onnxruntime-node/dist', to: 'node_modules/onnxruntime-node/dist', globOptions: { ignore: ['**/*.map', '**/*.d.ts'] } },
  { from: `node_modules/onnxruntime-node/${ORT_BIN}`, to: `node_modules/onnxruntime-node/${ORT_BIN}` },
  { from: 'node_modules/onnxruntime-common/package.json', to: 'node_modules/onnxruntime-common/package.json' },
  { from: 'node_modules/onnxruntime-common/dist/cjs', to: 'node_modules/onnxruntime-common/dist/cjs', globOptions: { ignore: ['**/*.map', '**/*.d.ts'] } },
];

/** @type {(env: unknown, argv: {mode?: string}) => import('webpack').Configuration[]} */
module.exports = (_env, argv) => {
  const prod = argv.mode !== 'development';
  const common = {
    mode: prod ? 'production' : 'development',
    devtool: prod ? 'nosources-source-map' : 'source-map',
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] }, extensions: ['.ts', '.js'] },
    module: { rules: [tsRule] },
    infrastructureLogging: { level: 'warn' },
    performance: { hints: false },
  };
  const nodeCommon = {
    ...common,
    target: 'node20',
    node: { __dirname: false, __filename: false },
    output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', libraryTarget: 'commonjs2' },
    externals: { vscode: 'commonjs vscode', '@tensorflow/tfjs-node': 'commonjs @tensorflow/tfjs-node', 'onnxruntime-node': 'commonjs onnxruntime-node' },
  };
  return [
    { ...nodeCommon, name: 'extension', entry: { extension: './src/extension/extension.ts' } },
    {
      ...nodeCommon, name: 'engine',
      entry: { worker: './src/worker/worker.ts', cli: './src/cli/bin.ts' },
      plugins: [
        new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true, test: /cli\.js$/ }),
        new CopyPlugin({ patterns: [{ from: 'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm', to: '[name][ext]' }, ...ORT_FILES] }),
      ],
    },
    {
      ...common, name: 'webview', target: 'web',
      entry: { webview: './webview/main.ts' },
      output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js' },
    },
  ];
};
