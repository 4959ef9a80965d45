/**
 * Compute backend selection for TF.js: @tensorflow/tfjs-node when it can be loaded (it is
 * optional: it needs a libtensorflow download at install time), else @tensorflow/tfjs-backend-wasm
 * (SIMD; its .wasm binaries ship beside the bundles), else the pure-JS cpu backend.
 * After the backend is chosen, the exact second-order gradient fixes are installed and
 * self-tested (src/core/autodiff); a failing self-test refuses to compute.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { registerStockGradients } from './tfGradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ensureExactAutodiff } from './hvpSelfTest';

import { checkBackend, BackendPreference } from './limits';
export type { BackendPreference } from './limits';

export interface BackendInfo {
  name: string;
  simd?: boolean;
  tfjsVersion: string;
  /** Backends tried before this one, and why they were not used. */
  skipped: { name: string; reason: string }[];
}

declare const __non_webpack_require__: NodeRequire | undefined;
const nodeRequire: NodeRequire = typeof __non_webpack_require__ === 'function' ? __non_webpack_require__ : require;

let current: BackendInfo | undefined;

export function wasmDir(): string {
  const candidates = [__dirname, path.join(__dirname, 'wasm')];
  try {
    candidates.push(path.join(path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    /* not installed beside us */
  }
  for (const c of candidates) if (fs.existsSync(path.join(c, 'tfjs-backend-wasm-simd.wasm'))) return c;
  throw new Error(`TF.js wasm binaries not found (looked in ${candidates.join(', ')})`);
}

export async function initBackend(pref: BackendPreference = 'auto'): Promise<BackendInfo> {
  checkBackend(pref, 'backend');
  if (current && (pref === 'auto' || pref === current.name)) return current;
  const skipped: BackendInfo['skipped'] = [];
  // production mode: no "install tfjs-node" banner on stderr (we name the backend in every result)
  tf.env().set('PROD', true);
  const order: BackendPreference[] = pref === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [pref];
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        try {
          nodeRequire('@tensorflow/tfjs-node');
        } catch (e) {
          throw new Error('@tensorflow/tfjs-node is not installed');
        }
        if (!tf.findBackend('tensorflow'))
          throw new Error('@tensorflow/tfjs-node loaded but registered its backend with another copy of tfjs-core');
      }
      if (name === 'wasm') setWasmPaths(wasmDir() + path.sep);
      registerStockGradients();
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
      await tf.ready();
      await ensureExactAutodiff();
      current = {
        name,
        simd: name === 'wasm' ? Boolean(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) : undefined,
        tfjsVersion: tf.version_core,
        skipped,
      };
      return current;
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message });
      if (pref !== 'auto') throw new Error(`backend '${name}' is not available: ${(e as Error).message}`);
    }
  }
  throw new Error(`no TF.js backend could be initialised: ${skipped.map(s => `${s.name}: ${s.reason}`).join('; ')}`);
}

export function backendLabel(b: BackendInfo): string {
  return b.name === 'wasm' ? `wasm${b.simd ? ' (SIMD)' : ''}` : b.name;
}
