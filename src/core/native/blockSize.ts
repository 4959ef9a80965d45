/**
 * How many vectors (hvpBlock) or parameter points (lossBlock, gradBlock) one block graph takes: the
 * size that was fastest per vector on the CPU provider (bench/native.ts, "block size" rows), chosen
 * by the work of one single-vector pass, and capped so the block's activations stay within a memory
 * budget. A block graph holds b copies of the tangent (or forward) sweep over one chunk, so its run
 * saves the per-run fixed cost and, for HVPs, the shared primal forward + reverse; past a few copies
 * the passes are bound by arithmetic and a larger block gains nothing but session-creation time.
 * The choice is cached per (kind, model size, chunk shape).
 */
export type BlockKind = 'hvpBlock' | 'lossBlock' | 'gradBlock';

export interface BlockShape {
  numParams: number;
  rows: number;
  outDim: number;
}

/** Bytes of activations one extra block row may hold (float32 tangents of the chunk). */
const ROW_BUDGET = 512 * 2 ** 20;

const chosen = new Map<string, number>();

export function chooseBlockSize(kind: BlockKind, s: BlockShape): number {
  const key = `${kind}|${s.numParams}|${s.rows}|${s.outDim}`;
  let b = chosen.get(key);
  if (b !== undefined) return b;
  // work of one single-vector pass ≈ 2·n·rows multiply-adds (dense-layer estimate, as defaultThreads uses)
  const flops = 2 * s.numParams * s.rows;
  b = flops < 2e7 ? 8 : flops < 2e8 ? 4 : 2;
  // memory: each extra row holds about one chunk of activations (≈ parameters + rows·outputs floats, at least)
  const perRow = 4 * (s.numParams + s.rows * Math.max(1, s.outDim)) * 4;
  b = Math.max(1, Math.min(b, Math.floor(ROW_BUDGET / Math.max(1, perRow))));
  chosen.set(key, b);
  return b;
}
