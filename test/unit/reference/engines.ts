/**
 * The engines every exactness suite runs on: TF.js cpu and wasm (the reference implementation) and
 * the native engine (ONNX Runtime, CPU provider). Same tolerances on all three.
 */
import { initBackend } from '../../../src/core/backend';
import { TfObjective } from '../../../src/core/objective';
import { OrtObjective } from '../../../src/core/native/ortObjective';
import type { GraphModel } from '../../../src/core/model/graph';
import type { Dataset } from '../../../src/core/data/dataset';
import type { LossSpec } from '../../../src/core/loss';

export const ENGINES = ['cpu', 'wasm', 'ort'] as const;
export type EngineName = (typeof ENGINES)[number];

export async function useEngine(e: EngineName): Promise<void> {
  if (e !== 'ort') await initBackend(e);
}

export function objectiveOn(
  e: EngineName,
  model: GraphModel,
  data: Dataset,
  spec: LossSpec,
  opts: { chunkSize?: number } = {},
): TfObjective | OrtObjective {
  return e === 'ort' ? new OrtObjective(model, data, spec, { ...opts, ep: 'cpu' }) : new TfObjective(model, data, spec, opts);
}
