/**
 * The data a CLI command diagnoses or trains on: the flags first, else the nearest landscape.json
 * entry for the checkpoint, else a conventional dataset beside it (src/core/config.ts), both searched
 * from the checkpoint up to `--root` (default: the current directory) and never above. Shared by
 * `diagnose`/`compare`/`slice`/`report` and `special-neurons`/`perturb`.
 */
import type { DataArgs } from './flags';

export async function dataSettings(checkpoint: string, o: DataArgs, needData: boolean) {
  const { resolveSettings } = await import('../core/config');
  // landscape.json and conventional datasets: searched up to --root (default: the current directory), never above
  const cfg = resolveSettings(checkpoint, {
    config: o.config,
    stop: o.root ?? process.cwd(),
  });
  const data = o.data ?? cfg.dataFile;
  if (needData && !data) {
    const { UserInputError } = await import('../core/errors');
    throw new UserInputError(`no dataset: ${cfg.how}`, { file: checkpoint });
  }
  // the engine flags, checked once beside BACKENDS (src/core/limits.ts), as openProblem checks them
  const { checkEngineChoice } = await import('../core/engine');
  const { checkEngineOptions } = await import('../core/limits');
  const backend = checkEngineChoice(o.backend);
  const ep = o.ep ?? 'auto';
  checkEngineOptions({ backend, ep });
  return {
    data,
    loss: o.loss ?? cfg.loss,
    xKey: o.xKey ?? cfg.xKey,
    yKey: o.yKey ?? cfg.yKey,
    samples: o.samples ?? cfg.samples,
    seed: o.seed ?? cfg.seed ?? 0,
    inputScale: cfg.inputScale,
    inputShift: cfg.inputShift,
    chunkSize: o.chunkSize ?? cfg.chunkSize,
    backend,
    ep: ep as import('../core/engine').ExecutionProvider,
    threads: o.threads,
    how: o.data ? undefined : cfg.how,
  };
}
