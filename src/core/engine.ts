/**
 * Engine selection: which Objective implementation computes L, ∇L and Hv.
 *  - `ort`: the native engine (src/core/native): the model compiled to ONNX graphs, run on ONNX Runtime.
 *  - `tensorflow` | `wasm` | `cpu`: TF.js with the exact second-order fixes (src/core/objective.ts).
 *  - `auto` (default): ONNX Runtime when every op of the model compiles and the binding loads, else
 *    TF.js with a notice naming the op and layer that kept the native engine off.
 * TF.js is only started when it is used (no TF.js start-up or self-test on the native path).
 */
import type { GraphModel } from './model/graph';
import type { Dataset } from './data/dataset';
import type { LossSpec } from './loss';
import type { Objective } from './objective';
import { UserInputError } from './errors';
import { fallbackAdvice, ORT_REFUSAL_ADVICE } from './engineAdvice';
import type { BackendPreference } from './backend';
import type { ExecutionProvider } from './native/runtime';

import { checkBackend, EnginePreference } from './limits';
export type { EnginePreference };
export { EXECUTION_PROVIDERS } from './native/runtime';
export type { ExecutionProvider };

export interface EngineObjective extends Objective {
  readonly inputNotice?: string;
  penalty(theta: Float32Array): number;
}

export interface Engine {
  obj: EngineObjective;
  /** Human label for results: `onnxruntime (cpu)`, `wasm (SIMD)`, … (the objective's own label is authoritative after the first call). */
  label(): string;
  engine: 'onnxruntime' | 'tfjs';
  notices: string[];
  /** Time to start the backend (ms): TF.js initialisation, or loading the ONNX Runtime binding. */
  startMs: number;
  /** The same objective on another dataset (e.g. a minibatch) with this engine; sessions are shared. */
  on(data: Dataset): EngineObjective;
}

export interface EngineOptions {
  backend?: EnginePreference;
  ep?: ExecutionProvider;
  chunkSize?: number;
  threads?: number;
  file?: string;
}

/** The engine preference, `auto` when unset; checked against the one list (BACKENDS in limits.ts). */
export function checkEngineChoice(backend: string | undefined, where = '--backend'): EnginePreference {
  return checkBackend(backend ?? 'auto', where);
}

/** The TF.js backend a preference maps to (`auto` and `ort` → TF.js' own auto order). */
export function tfBackendOf(pref: EnginePreference | undefined): BackendPreference {
  return (['tensorflow', 'wasm', 'cpu'] as string[]).includes(pref ?? 'auto') ? (pref as BackendPreference) : 'auto';
}

/** Build the objective on the requested engine (see the header for `auto`). */
export async function makeObjective(model: GraphModel, data: Dataset, spec: LossSpec, o: EngineOptions = {}): Promise<Engine> {
  const pref = checkEngineChoice(o.backend);
  const notices: string[] = [];
  const t0 = performance.now();
  if (pref === 'auto' || pref === 'ort') {
    const { loadOrt, ortLoadError } = await import('./native/runtime');
    const { CompileError } = await import('./native/ir');
    const { firstUnsupported } = await import('./native/compile');
    const missing = firstUnsupported(model);
    const why = !loadOrt()
      ? `onnxruntime-node could not be loaded (${ortLoadError()})`
      : missing
        ? `op '${missing.op}' (layer '${missing.node}') has no native compilation rule`
        : undefined;
    if (!why) {
      const { OrtObjective } = await import('./native/ortObjective');
      try {
        const ortOpts = { chunkSize: o.chunkSize, ep: o.ep, threads: o.threads };
        const obj = new OrtObjective(model, data, spec, ortOpts);
        return {
          obj,
          engine: 'onnxruntime',
          label: () => obj.backend,
          notices: obj.notices,
          startMs: performance.now() - t0,
          on: d => new OrtObjective(model, d, spec, ortOpts),
        };
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
        if (pref === 'ort')
          throw new UserInputError(`the native engine cannot compile this model: ${e.message}; ${ORT_REFUSAL_ADVICE}`, {
            file: o.file,
            where: '--backend ort',
          });
        notices.push(`native engine off: ${e.message}; ${fallbackAdvice(model)}`);
      }
    } else {
      if (pref === 'ort')
        throw new UserInputError(`the native engine cannot run this model: ${why}; ${ORT_REFUSAL_ADVICE}`, {
          file: o.file,
          where: '--backend ort',
        });
      notices.push(`native engine off: ${why}; ${fallbackAdvice(model)}`);
    }
  }
  const { initBackend, backendLabel } = await import('./backend');
  const tfPref = tfBackendOf(pref);
  const info = await initBackend(tfPref);
  for (const s of info.skipped)
    if (s.name !== 'tensorflow' || tfPref === 'tensorflow') notices.push(`backend ${s.name} skipped: ${s.reason}`);
  const { TfObjective } = await import('./objective');
  const startMs = performance.now() - t0;
  const obj = new TfObjective(model, data, spec, { chunkSize: o.chunkSize });
  return {
    obj,
    engine: 'tfjs',
    label: () => backendLabel(info),
    notices,
    startMs,
    on: d => new TfObjective(model, d, spec, { chunkSize: o.chunkSize }),
  };
}
