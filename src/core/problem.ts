/**
 * One problem set-up for every compute job (diagnose — and through it slices, compare and the
 * worker's diagnose jobs — and the surgery jobs): read the checkpoint, load the data, transform the
 * inputs (x·inputScale + inputShift, streamed sources included), resolve the loss, and build the
 * objective on the engine the options ask for. The engine options (backend, execution provider,
 * threads, chunk size) are checked once, beside BACKENDS (limits.ts: checkEngineOptions), before
 * anything is read.
 */
import { readCheckpoint } from './formats';
import { loadDataset, type Dataset } from './data/dataset';
import { resolveLoss, type LossSpec } from './loss';
import { makeObjective, type Engine, type EngineOptions } from './engine';
import { checkEngineOptions } from './limits';
import { throwIfAborted, UserInputError } from './errors';
import type { GraphModel } from './model/graph';

/** Where the data comes from and how it is read (the fields shared by DiagnoseOptions and the surgery jobs). */
export interface DataFields {
  data?: string;
  loss?: string;
  xKey?: string;
  yKey?: string;
  /** CSV datasets: the target column. */
  target?: string;
  samples?: number;
  seed?: number;
  /** Inputs are transformed as x·inputScale + inputShift after loading (landscape.json). */
  inputScale?: number;
  inputShift?: number;
  /** Inputs larger than this many MB (as float32) are streamed from the file (default 1024). */
  maxResidentMb?: number;
}

/** A problem: the checkpoint, its data fields and the engine options. */
export interface ProblemOptions extends DataFields {
  checkpoint: string;
  engine: EngineOptions;
}

export interface Problem {
  model: GraphModel;
  data: Dataset;
  spec: LossSpec;
  engine: Engine;
  /** Whether the inputs were transformed (inputScale ≠ 1 or inputShift ≠ 0). */
  transformed: boolean;
  /** Dispose of the objective and close the data source. */
  close(): void;
}

/** Steps of the set-up a caller can act between (progress, checks against the model before the data is loaded). */
export interface ProblemHooks {
  /** The model to use instead of reading `checkpoint` (a checkpoint written by an earlier step of the job). */
  model?: GraphModel;
  /** After the model is read, before any data is loaded (sizes against the parameter count). */
  afterModel?(model: GraphModel): void;
  /** Before the engine starts. */
  beforeEngine?(): void;
}

/** The engine options of a flat option bag (DiagnoseOptions, the surgery jobs' options). */
export function engineOptions(o: EngineOptions & { checkpoint?: string }): EngineOptions {
  return { backend: o.backend, ep: o.ep, threads: o.threads, chunkSize: o.chunkSize, file: o.checkpoint };
}

/** The dataset of a problem, with its inputs transformed (a streamed source is transformed as it is read). */
export function openData(checkpoint: string, o: DataFields): { data: Dataset; transformed: boolean } {
  if (!o.data)
    throw new UserInputError('no dataset: pass --data (or add a landscape.json / data.npz beside the checkpoint)', { file: checkpoint });
  const data = loadDataset(o.data, {
    xKey: o.xKey,
    yKey: o.yKey,
    target: o.target,
    samples: o.samples,
    seed: o.seed ?? 0,
    maxResidentBytes: o.maxResidentMb !== undefined ? o.maxResidentMb * 2 ** 20 : undefined,
  });
  const a = o.inputScale ?? 1,
    b = o.inputShift ?? 0;
  const transformed = a !== 1 || b !== 0;
  if (transformed) {
    if (data.source) {
      const src = data.source;
      const read = src.read;
      data.source = { ...src, read: (s: number, e: number) => read(s, e).map(v => v * a + b) };
    } else for (let i = 0; i < data.x.length; i++) data.x[i] = data.x[i] * a + b;
  }
  return { data, transformed };
}

/** Open a problem: model, data (transformed), loss and engine. The caller closes it. */
export async function openProblem(o: ProblemOptions, signal?: AbortSignal, hooks: ProblemHooks = {}): Promise<Problem> {
  const engineOpts = { ...o.engine, file: o.engine.file ?? o.checkpoint };
  checkEngineOptions(engineOpts);
  throwIfAborted(signal);
  const model = hooks.model ?? readCheckpoint(o.checkpoint);
  hooks.afterModel?.(model);
  const { data, transformed } = openData(o.checkpoint, o);
  let engine: Engine;
  let spec: LossSpec;
  try {
    spec = resolveLoss(model, data, o.loss);
    hooks.beforeEngine?.();
    engine = await makeObjective(model, data, spec, engineOpts);
  } catch (e) {
    data.close?.();
    throw e;
  }
  return {
    model,
    data,
    spec,
    engine,
    transformed,
    close: () => {
      engine.obj.dispose();
      data.close?.();
    },
  };
}
