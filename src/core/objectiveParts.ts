/**
 * What every Objective implementation shares (TF.js in objective.ts, ONNX Runtime in
 * native/ortObjective.ts), with no compute dependency: the declared quadratic penalties
 * (λ/2)‖θ_P‖² of GraphModel.penalty (Kawaguchi & Kaelbling 2020's special neurons) added exactly in
 * float64 — L += (λ/2)‖θ_P‖², ∇L += λθ_P, Hv += λv_P — and the split of a batch [start, end) over
 * the data chunks.
 */
import type { GraphModel } from './model/graph';
import type { Objective } from './objective';

export interface PenaltyRange {
  offset: number;
  size: number;
  lambda: number;
}

/** The θ index ranges of the model's declared penalties with their weight λ (λ > 0 only). */
export function penaltyRanges(model: GraphModel): PenaltyRange[] {
  const out: PenaltyRange[] = [];
  for (const pen of model.penalty ?? []) {
    const p = model.params.find(q => q.name === pen.param);
    if (!p) throw new Error(`internal: penalty on unknown parameter '${pen.param}'`);
    if (pen.lambda > 0) out.push({ offset: p.offset, size: p.size, lambda: pen.lambda });
  }
  return out;
}
/** Σ (λ/2)‖θ_P‖² (float64). */
export function penaltyValue(ranges: PenaltyRange[], theta: Float32Array): number {
  let s = 0;
  for (const p of ranges) {
    let q = 0;
    for (let i = p.offset; i < p.offset + p.size; i++) q += theta[i] * theta[i];
    s += 0.5 * p.lambda * q;
  }
  return s;
}
/** out += λ·x on the penalised ranges (x = θ for the gradient, x = v for H·v). */
export function addPenaltyTerm(ranges: PenaltyRange[], x: Float32Array, out: Float64Array): void {
  for (const p of ranges) for (let i = p.offset; i < p.offset + p.size; i++) out[i] += p.lambda * x[i];
}

/** The parts of the chunks that fall in [start, end): (chunk, local start, local end). */
export function batchPieces<C extends { start: number; end: number }>(
  chunks: C[],
  numSamples: number,
  batch?: { start: number; end: number },
): { c: C; s: number; e: number }[] {
  const b0 = batch?.start ?? 0,
    b1 = Math.min(batch?.end ?? numSamples, numSamples);
  if (!(b0 >= 0 && b0 < b1)) throw new RangeError(`empty or invalid batch [${b0}, ${b1}) of ${numSamples} samples`);
  const out: { c: C; s: number; e: number }[] = [];
  for (const c of chunks) {
    const s = Math.max(b0, c.start),
      e = Math.min(b1, c.end);
    if (s < e) out.push({ c, s: s - c.start, e: e - c.start });
  }
  return out;
}

/** The chunks' results, in order, as one array (the parts themselves when there is one). */
export function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The number of rows of a row-major block of length-n vectors (a RangeError when it is not a whole number). */
export function blockRows(block: Float32Array, n: number, what: string): number {
  const b = n > 0 ? block.length / n : 0;
  if (!Number.isInteger(b)) throw new RangeError(`${what}: ${block.length} values is not a whole number of vectors of length ${n}`);
  return b;
}
/** hvpBlock by one product per row: what an implementation without a block graph does. */
export async function loopHvpBlock(o: Objective, theta: Float32Array, V: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
  const n = o.numParams,
    b = blockRows(V, n, 'hvpBlock');
  const out = new Float32Array(b * n);
  for (let j = 0; j < b; j++) out.set(await o.hvp(theta, V.subarray(j * n, (j + 1) * n), signal), j * n);
  return out;
}
/** lossBlock by one loss per row. */
export async function loopLossBlock(o: Objective, thetas: Float32Array, signal?: AbortSignal): Promise<Float64Array> {
  const n = o.numParams,
    b = blockRows(thetas, n, 'lossBlock');
  const out = new Float64Array(b);
  for (let j = 0; j < b; j++) out[j] = await o.loss(thetas.subarray(j * n, (j + 1) * n), signal);
  return out;
}
/** gradientBlock by one gradient per row. */
export async function loopGradientBlock(
  o: Objective,
  thetas: Float32Array,
  signal?: AbortSignal,
): Promise<{ loss: Float64Array; gradient: Float32Array }> {
  const n = o.numParams,
    b = blockRows(thetas, n, 'gradientBlock');
  const loss = new Float64Array(b),
    gradient = new Float32Array(b * n);
  for (let j = 0; j < b; j++) {
    const r = await o.valueAndGradient(thetas.subarray(j * n, (j + 1) * n), signal);
    loss[j] = r.loss;
    gradient.set(r.gradient, j * n);
  }
  return { loss, gradient };
}
