/**
 * The flags the compute commands share, declared once: where the data comes from (read by `dataSettings`,
 * cli/data.ts) and which engine computes (checked once beside BACKENDS, src/core/limits.ts). Used by
 * `diagnose`/`compare`/`slice`/`report` (main.ts) and `special-neurons`/`perturb` (surgery.ts).
 */
import type { Command } from 'commander';
import { backendArg, BACKEND_HELP, intArg } from './args';

/**
 * landscape.json, its search root, the loss and which samples: everything of `DataArgs` but `--data` and `--seed`,
 * whose help differs per command.
 */
export function addDataFlags(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'landscape.json to read (default: the nearest one above the checkpoint)')
    .option(
      '--root <folder>',
      'search landscape.json and data.npz from the checkpoint up to this folder, never above (default: the current directory)',
    )
    .option('--loss <kind>', "mse | ce | bce (default: from the model's last activation and the targets)")
    .option('--samples <n>', 'seeded random subset of n samples', intArg('--samples'))
    .option('--x-key <key>', 'npz key of the inputs (default x)')
    .option('--y-key <key>', 'npz key of the targets (default y)');
}

/** The compute engine: `--backend`, `--ep`, `--threads` (`EngineArgs`). */
export function addEngineFlags(cmd: Command): Command {
  return cmd
    .option(
      '--backend <name>',
      `${BACKEND_HELP} (auto: the native ONNX Runtime engine when the model compiles, else TF.js)`,
      backendArg,
      'auto',
    )
    .option(
      '--ep <provider>',
      'ONNX Runtime execution provider: auto | cpu | webgpu | cuda (auto: a GPU provider when a GPU is present, else cpu)',
      'auto',
    )
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: 1 for small models, else every core)', intArg('--threads'));
}

/** The one memory budget (`--max-resident-mb`, src/core/budget.ts). */
export function addMemoryFlag(cmd: Command): Command {
  return cmd.option(
    '--max-resident-mb <n>',
    'memory budget: what the input expands to is charged to it before allocating; larger stored .npz inputs are streamed',
    intArg('--max-resident-mb'),
    1024,
  );
}
