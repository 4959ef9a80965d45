/**
 * What every Objective implementation shares (TF.js in objective.ts, ONNX Runtime in
 * native/ortObjective.ts), with no compute dependency: the declared quadratic penalties
 * (λ/2)‖θ_P‖² of GraphModel.penalty (Kawaguchi & Kaelbling 2020's special neurons) added exactly in
 * float64 — L += (λ/2)‖θ_P‖², ∇L += λθ_P, Hv += λv_P — and the split of a batch [start, end) over
 * the data chunks.
 */
import type { GraphModel } from './model/graph';

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
