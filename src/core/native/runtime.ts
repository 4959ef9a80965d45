/**
 * ONNX Runtime for the native engine: loaded lazily (never at extension activation), sessions made
 * from in-memory ModelProto buffers with graph optimisation on and an execution provider chosen by
 * the caller: `cpu`, `webgpu` (bundled with onnxruntime-node) or `cuda` (when its libraries were
 * installed), each falling back to the CPU with a notice when it cannot start.
 */
import * as fs from 'fs';
import * as os from 'os';
import type * as Ort from 'onnxruntime-node';

export type ExecutionProvider = 'auto' | 'cpu' | 'webgpu' | 'cuda';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['auto', 'cpu', 'webgpu', 'cuda'];

declare const __non_webpack_require__: NodeRequire | undefined;
const nodeRequire: NodeRequire = typeof __non_webpack_require__ === 'function' ? __non_webpack_require__ : require;

let ort: typeof Ort | undefined;
let loadError: string | undefined;

/** onnxruntime-node, or undefined with the reason in `ortLoadError()`. */
export function loadOrt(): typeof Ort | undefined {
  if (ort || loadError) return ort;
  try {
    ort = nodeRequire('onnxruntime-node') as typeof Ort;
  } catch (e) {
    loadError = (e as Error).message.split('\n')[0];
  }
  return ort;
}
export function ortLoadError(): string | undefined {
  loadOrt();
  return loadError;
}
export function ortVersion(): string | undefined {
  return loadOrt()?.env.versions?.common;
}

/**
 * The gate around every native ONNX Runtime call. A worker thread must not be terminated while a
 * native call runs (onnxruntime-node aborts the whole process: the extension host with it), so the
 * diagnostics worker installs a gate on shared memory: `enter` counts the call in (and refuses to
 * start one once the client has asked the worker to stop), `exit` counts it out, and the client
 * terminates a worker only while the count is zero. Without a gate (CLI) both are no-ops.
 */
export interface NativeGate {
  enter(): void;
  exit(): void;
}
let gate: NativeGate | undefined;
export function setNativeGate(g: NativeGate | undefined): void {
  gate = g;
}
export async function nativeCall<T>(f: () => Promise<T>): Promise<T> {
  gate?.enter();
  try {
    return await f();
  } finally {
    gate?.exit();
  }
}

/** The cores this process may use. */
export function cpuCount(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export interface SessionConfig {
  ep: ExecutionProvider;
  threads?: number;
}

/**
 * Session options for measurements (bench/tinyCnn.ts): `profilePrefix` turns on ONNX Runtime's
 * per-op profiler for sessions created from now on (each writes `<prefix>_<time>.json` when
 * `session.endProfiling()` is called); `optLevel` overrides the graph optimisation level.
 */
export const SESSION_TUNING: { profilePrefix?: string; optLevel?: 'disabled' | 'basic' | 'extended' | 'all' } = {};

/**
 * Intra-op threads: 1 for small graphs (a thread hand-off costs more than it saves), else every core
 * (npm run bench on an idle 2-core machine: 5.4 ms per HVP of the reference MLP with 2 threads, 8.6 ms
 * with 1). The extension asks for every core but one instead (src/extension/settings.ts): there the
 * editor and usually the training run share the machine, and under load one thread measured faster
 * than two (9.3 vs 16.7 ms).
 */
export function defaultThreads(flopsPerCall: number): number {
  return flopsPerCall < 2e6 ? 1 : cpuCount();
}

const failed = new Map<string, string>();
/** A GPU device node exists (NVIDIA or a DRM render node): only then does `auto` try GPU providers. */
function gpuPresent(): boolean {
  try {
    return (
      fs.existsSync('/dev/nvidia0') || fs.existsSync('/dev/dri/renderD128') || process.platform === 'win32' || process.platform === 'darwin'
    );
  } catch {
    return false;
  }
}

/** Create a session; a GPU provider that fails falls back to the CPU (reported in `ep`). */
export async function createSession(
  bytes: Uint8Array,
  cfg: SessionConfig,
): Promise<{ session: Ort.InferenceSession; ep: string; notice?: string }> {
  const o = loadOrt();
  if (!o) throw new Error(`onnxruntime-node is not available: ${loadError}`);
  const base: Ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: SESSION_TUNING.optLevel ?? 'all',
    intraOpNumThreads: cfg.threads ?? 0,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    logSeverityLevel: 3,
    ...(SESSION_TUNING.profilePrefix ? { enableProfiling: true, profileFilePrefix: SESSION_TUNING.profilePrefix } : {}),
  };
  const want: string[] = cfg.ep === 'auto' ? (gpuPresent() ? ['cuda', 'webgpu'] : []) : cfg.ep === 'cpu' ? [] : [cfg.ep];
  const failures: string[] = [];
  for (const ep of want) {
    if (failed.has(ep)) {
      failures.push(`${ep}: ${failed.get(ep)}`);
      continue;
    }
    try {
      const session = await nativeCall(() => o.InferenceSession.create(bytes, { ...base, executionProviders: [ep, 'cpu'] }));
      return { session, ep };
    } catch (e) {
      const why = (e as Error).message.split('\n')[0];
      failed.set(ep, why);
      failures.push(`${ep}: ${why}`);
    }
  }
  const session = await nativeCall(() => o.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] }));
  const notice =
    cfg.ep !== 'cpu' && cfg.ep !== 'auto'
      ? `execution provider ${cfg.ep} could not start (${failures.join('; ')}); ran on the CPU`
      : undefined;
  return { session, ep: 'cpu', notice };
}
