/**
 * Compiled graphs and ONNX Runtime sessions cached by content, not by object: the key is a hash of
 * the model's structure (ops, attributes, tensor names, parameter shapes and offsets, input shapes,
 * the constants' values) with the loss, the chunk shape, the graph kind and the block size. θ is a
 * graph input, so every checkpoint of one run (same architecture, new θ) reuses the same graphs and
 * sessions: diagnosing 25 checkpoints in the extension's worker or in `landscape report` compiles once.
 *
 * Both caches are bounded: compiled ModelProto buffers LRU by bytes; sessions are reference-counted
 * while objectives use them and, once unused, kept in an idle LRU (by count and by the bytes of their
 * graphs) and released when evicted or on `releaseIdleSessions()` (the worker calls it when idle).
 */
import { createHash } from 'crypto';
import type * as Ort from 'onnxruntime-node';
import type { GraphModel } from '../model/graph';
import type { LossSpec } from '../loss';
import { logitsModel } from '../loss';
import { compileGraph, Compiled, GraphKind } from './compile';
import { createSession, ExecutionProvider, nativeCall } from './runtime';

const structureKeys = new WeakMap<GraphModel, string>();

function jsonSafe(_k: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return [...v.entries()];
  return v;
}

/** A hash of everything in `model` that the compiled graphs depend on (not θ, not names of files). */
export function structureKey(model: GraphModel): string {
  let k = structureKeys.get(model);
  if (k) return k;
  const h = createHash('sha256');
  h.update(
    JSON.stringify(
      {
        inputs: model.inputs,
        outputs: model.outputs,
        params: model.params.map(p => [p.name, p.shape, p.offset, p.size]),
        numParams: model.numParams,
        nodes: model.nodes.map(n => [n.op, n.inputs, n.outputs, n.attrs]),
        outputActivation: model.outputActivation ?? null,
      },
      jsonSafe,
    ),
  );
  for (const [name, c] of [...model.constants].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    h.update(`|${name}|${c.dtype}|${c.shape.join('x')}|`);
    h.update(new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength));
  }
  k = h.digest('hex').slice(0, 32);
  structureKeys.set(model, k);
  return k;
}

export interface CompiledKey {
  model: GraphModel;
  spec: LossSpec;
  rows: number;
  featShape: number[];
  kind: GraphKind;
  block?: number;
}
function keyOf(k: CompiledKey): string {
  const loss = `${k.spec.kind}|${k.spec.foldedActivation ?? ''}`;
  return `${structureKey(k.model)}|${loss}|${k.rows}|${k.featShape.join('x')}|${k.kind}|${k.block ?? 1}`;
}

/** Bounds (bytes of ModelProto buffers; idle sessions). */
export const CACHE_LIMITS = { compiledBytes: 256 * 2 ** 20, idleSessions: 24, idleSessionBytes: 512 * 2 ** 20 };

const compiled = new Map<string, Compiled & { key: string }>(); // insertion order = LRU order
let compiledBytes = 0;
/** Statistics for the bench and tests: graphs compiled and sessions created since the process started. */
export const cacheStats = { compiled: 0, compiledHits: 0, sessions: 0, sessionHits: 0, released: 0, compileMs: 0, sessionMs: 0 };

/** The compiled graph for (model structure, loss, chunk shape, kind, block), compiled once per process while it stays cached. */
export function compiledFor(k: CompiledKey): Compiled & { key: string } {
  const key = keyOf(k);
  const hit = compiled.get(key);
  if (hit) {
    compiled.delete(key);
    compiled.set(key, hit);
    cacheStats.compiledHits++;
    return hit;
  }
  const t0 = performance.now();
  const c = { ...compileGraph(logitsModel(k.model, k.spec), k.spec, k.rows, k.featShape, k.kind, k.block ?? 1), key };
  cacheStats.compileMs += performance.now() - t0;
  cacheStats.compiled++;
  compiled.set(key, c);
  compiledBytes += c.bytes.byteLength;
  for (const [kk, v] of compiled) {
    if (compiledBytes <= CACHE_LIMITS.compiledBytes || compiled.size <= 1) break;
    compiled.delete(kk);
    compiledBytes -= v.bytes.byteLength;
  }
  return c;
}

export interface SessionConfig {
  ep: ExecutionProvider;
  threads: number;
}
type SessionValue = { session: Ort.InferenceSession; ep: string; notice?: string };
interface SessionEntry {
  p: Promise<SessionValue>;
  refs: number;
  bytes: number;
}
const sessions = new Map<string, SessionEntry>();
/** Unused sessions, least recently released first. */
const idle = new Map<string, SessionEntry>();

function sessionKey(c: Compiled & { key: string }, cfg: SessionConfig): string {
  return `${c.key}|${cfg.ep}|${cfg.threads}`;
}

/** A session for `c` (shared while in use, reused from the idle cache when there). Pair with `releaseSession`. */
export function acquireSession(c: Compiled & { key: string }, cfg: SessionConfig): Promise<SessionValue> {
  const k = sessionKey(c, cfg);
  let e = sessions.get(k);
  if (e) cacheStats.sessionHits++;
  else {
    const t0 = performance.now();
    const p = createSession(c.bytes, cfg);
    p.then(() => (cacheStats.sessionMs += performance.now() - t0)).catch(() => sessions.delete(k));
    e = { p, refs: 0, bytes: c.bytes.byteLength };
    sessions.set(k, e);
    cacheStats.sessions++;
  }
  idle.delete(k);
  e.refs++;
  return e.p;
}

export function releaseSession(c: Compiled & { key: string }, cfg: SessionConfig): void {
  const k = sessionKey(c, cfg);
  const e = sessions.get(k);
  if (!e || --e.refs > 0) return;
  idle.set(k, e);
  trimIdle(CACHE_LIMITS.idleSessions, CACHE_LIMITS.idleSessionBytes);
}

function trimIdle(maxCount: number, maxBytes: number): void {
  let bytes = 0;
  for (const e of idle.values()) bytes += e.bytes;
  for (const [k, e] of idle) {
    if (idle.size <= maxCount && bytes <= maxBytes) break;
    idle.delete(k);
    sessions.delete(k);
    bytes -= e.bytes;
    cacheStats.released++;
    e.p.then(({ session }) => nativeCall(() => session.release())).catch(() => undefined);
  }
}

/** Release every session no objective uses now (the worker calls it when it has been idle a while). */
export function releaseIdleSessions(): number {
  const n = idle.size;
  trimIdle(0, 0);
  return n;
}

/** Sessions alive now (in use, idle). */
export function sessionCounts(): { inUse: number; idle: number } {
  return { inUse: sessions.size - idle.size, idle: idle.size };
}

/** Forget the compiled graphs and release idle sessions (tests, the bench's cold rows). */
export function clearNativeCaches(): void {
  compiled.clear();
  compiledBytes = 0;
  releaseIdleSessions();
}
