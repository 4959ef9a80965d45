#!/usr/bin/env node
/**
 * `landscape` — the Landscape Lens engine from the command line, for scripts and CI.
 * Exit codes: 0 success, 2 bad input (one-line error naming the file and what is wrong),
 * 1 internal error.
 */
import { Command, InvalidArgumentError } from 'commander';
import { guardStream, termLine, termText } from '../shared/terminal';
import { budgetFromMb, setProcessBudget } from '../core/budget';
import { isUserInputError, UserInputError } from '../core/errors';
import * as path from 'path';
import { renderDiagnose, fmtNum } from './format';
import { progressBar } from './progress';
import { registerSurgery } from './surgery';
import { dataSettings } from './data';
import { intArg } from './args';
import { addDataFlags, addEngineFlags, addMemoryFlag } from './commonFlags';
import { prepareOutputs, writeAllNew } from './output';
import { flagReader, optionFromSpec, type DiagnoseArgs, type InspectArgs, type LogsArgs, type ReportArgs } from './flags';
import { applyOptionSpecs, diagnosticOptions, preset, PRESET_NAMES, PRESETS, type PresetName } from '../core/diagnostics/registry';

// the version of the package (webpack inlines package.json into the bundle)
// eslint-disable-next-line @typescript-eslint/no-var-requires -- a JSON file read for its version field, not a module
const VERSION: string = (require('../../package.json') as { version: string }).version;

const PRESET_HELP = PRESET_NAMES.map(n => `${n} (${Object.keys(PRESETS[n]).join(', ')})`).join(' | ');

const isPreset = (v: string): v is PresetName => PRESET_NAMES.some(n => n === v);

function presetArg(v: string): PresetName {
  if (!isPreset(v)) throw new InvalidArgumentError(`unknown level '${v}' (allowed: ${PRESET_NAMES.join(', ')})`);
  return v;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('landscape')
    .description('Loss-landscape diagnostics for neural-network checkpoints')
    .version(VERSION)
    // a bad value is one line (and a pointer to --help), never the whole help; extra arguments are an error
    .showHelpAfterError(false)
    .allowExcessArguments(false)
    .exitOverride()
    // one resource budget for the command (src/core/budget.ts): --max-resident-mb where the command has it, else 1 GiB
    .hook('preAction', (_p, action) => setProcessBudget(budgetFromMb(action.opts<{ maxResidentMb?: number }>().maxResidentMb)));

  addDiagnoseFlags(
    program
      .command('diagnose')
      .description('loss, gradient norm, Hessian spectrum, sharpness, PGB residual, slices and a verdict for one checkpoint')
      .argument('<checkpoint>', 'model checkpoint (TF.js model.json)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  landscape diagnose examples/mlp/model.json --data examples/mlp/data.npz
  landscape diagnose ckpt/model.json --data data.npz --loss ce --samples 500 --seed 1 --json
  landscape diagnose ckpt/model.json --data data.npz --top 5 --bottom 1 --trace --density --json
  landscape diagnose ckpt/model.json --all --html report.html`,
    )
    .option('--html <file>', 'also write a self-contained HTML report (new file)')
    .option('--estimate', 'print the estimated time and memory of this diagnosis (pass times measured on the checkpoint) and stop')
    .action(async (checkpoint: string, o: DiagnoseArgs) => {
      const { diagnose } = await import('../core/diagnose');
      const outFile = o.out === undefined ? undefined : String(o.out),
        htmlFile = o.html === undefined ? undefined : String(o.html);
      prepareOutputs([outFile, htmlFile]); // before the work: refused outputs cost nothing
      const bar = progressBar(!o.json && Boolean(process.stderr.isTTY));
      // no --level: the editor's quick diagnosis (λ_max and the λ_min estimate: a verdict, provisional until λ_min is computed)
      const level: DiagnoseArgs = o.level || o.all ? o : { ...o, level: 'quick' };
      if (o.estimate) {
        // the cost only (pass times measured on the checkpoint), nothing diagnosed
        const { estimateDiagnosis } = await import('../core/estimateProbe');
        const e = await estimateDiagnosis(await diagnoseOptions(checkpoint, level));
        process.stdout.write(o.json ? JSON.stringify({ estimate: e.estimate, passes: e.passes }, null, 2) + '\n' : e.text + '\n');
        return;
      }
      const r = await diagnose(await diagnoseOptions(checkpoint, level), undefined, p => bar.update(p)).finally(() => bar.done());
      const json = JSON.stringify(r, null, 2);
      const { renderReport } = await import('../core/report/html');
      writeAllNew([
        { file: outFile, text: () => json + '\n' },
        {
          file: htmlFile,
          text: () =>
            renderReport({
              title: `Landscape Lens — ${path.basename(path.dirname(r.checkpoint))}/${path.basename(r.checkpoint)}`,
              runs: [
                {
                  name: path.basename(path.dirname(r.checkpoint)),
                  dir: path.dirname(r.checkpoint),
                  series: [],
                  checkpoints: [{ path: r.checkpoint, label: path.basename(r.checkpoint), result: r }],
                },
              ],
            }),
        },
      ]);
      process.stdout.write(o.json ? json + '\n' : renderDiagnose(r));
    });

  addDiagnoseFlags(
    program
      .command('compare')
      .description('diagnose two checkpoints on the same data and the loss along the line between them (barrier)')
      .argument('<a>', 'first checkpoint')
      .argument('<b>', 'second checkpoint (same architecture)'),
  )
    .option('--html <file>', 'also write a self-contained HTML report (new file)')
    .addHelpText(
      'after',
      `
Examples:
  landscape compare runs/sgd-b8/epoch_50/model.json runs/sgd-b256/epoch_50/model.json
  landscape compare a/model.json b/model.json --sharpness --json`,
    )
    .action(async (a: string, b: string, o: DiagnoseArgs) => {
      const { compareCommand } = await import('./commands');
      await compareCommand(a, b, o, await diagnoseOptions(a, o), await diagnoseOptions(b, o));
    });

  addDiagnoseFlags(
    program
      .command('slice')
      .description('landscape slices of a checkpoint: 1d, 2d (filter-normalised), eig (Hessian eigenvectors), interp (to --with)')
      .argument('<checkpoint>', 'model checkpoint')
      .option('--kind <kinds>', 'comma-separated: 1d, 2d, eig, interp', '1d'),
  )
    .option('--html <file>', 'also write a self-contained HTML report (new file)')
    .addHelpText(
      'after',
      `
Examples:
  landscape slice ckpt/model.json --kind 1d,2d --json
  landscape slice ckpt/model.json --kind interp --with ckpt2/model.json --html slice.html`,
    )
    .action(async (checkpoint: string, o: DiagnoseArgs) => {
      const { sliceCommand } = await import('./commands');
      await sliceCommand(o, await diagnoseOptions(checkpoint, { ...o, slice: o.kind }));
    });

  addEngineFlags(
    program
      .command('report')
      .description('diagnose every checkpoint under a folder and write a self-contained HTML report (what a CI job runs)')
      .argument('<folder>', 'a folder with runs: checkpoints and training logs')
      .option('--html <file>', 'HTML report to write (new file; default <folder>/landscape-report.html, or -2, -3, … if taken)')
      .option('--level <preset>', `which diagnostics: ${PRESET_HELP}`, presetArg, 'standard')
      .option('--config <file>', 'landscape.json to read (default: the nearest one above each checkpoint)')
      .option(
        '--root <folder>',
        'search landscape.json and data.npz up to this folder, never above (default: the current directory, or <folder> outside it)',
      )
      .option('--data <file>', 'dataset for every checkpoint (default: landscape.json or data.npz beside each checkpoint)')
      .option('--samples <n>', 'seeded random subset of n samples', intArg('--samples'))
      .option('--seed <s>', 'random seed (default 0)', intArg('--seed')),
  )
    .option('--json', 'print one JSON object (summary rows and full results) instead of the table')
    .addHelpText(
      'after',
      `
Examples:
  landscape report runs/
  landscape report examples/demo-workspace --level full --html /tmp/report.html
Exit codes: 0 every checkpoint diagnosed; 2 some could not be (bad input; the report says which and why).`,
    )
    .action(async (folder: string, o: ReportArgs) => {
      const { reportCommand } = await import('./commands');
      const cwd = process.cwd(),
        rel = path.relative(cwd, path.resolve(folder));
      const root = o.root ?? (rel.startsWith('..') || path.isAbsolute(rel) ? folder : cwd);
      return reportCommand(folder, o, (checkpoint: string, extra: DiagnoseArgs) => diagnoseOptions(checkpoint, { ...o, root, ...extra }));
    });

  program
    .command('inspect')
    .description('what a checkpoint holds, without data: format, layers/ops, parameter count, per-tensor statistics')
    .argument('<checkpoint>', 'model.json, .keras, .h5, .onnx, .safetensors, .pt/.pth')
    .option('--json', 'print one JSON object')
    .option('--weights', 'add weight spectra (spectral norm, stable rank, power-law α) per weight matrix')
    .option('--max-resident-mb <n>', 'memory budget for what the input expands to (default 1024)', intArg('--max-resident-mb'))
    .action(async (checkpoint: string, o: InspectArgs) => {
      const { inspectFile } = await import('../core/inspect');
      const r = inspectFile(checkpoint) as ReturnType<typeof inspectFile> & { weights?: unknown };
      if (o.weights) {
        const W = await import('../core/diagnostics/weights');
        const { detectFormat, readCheckpoint, readWeightsOnly } = await import('../core/formats');
        const f = detectFormat(checkpoint);
        const spectra =
          f === 'safetensors' || f === 'pytorch'
            ? await W.tensorSpectra(readWeightsOnly(checkpoint))
            : await W.weightSpectra(readCheckpoint(checkpoint));
        r.weights = { layers: spectra.map(({ eigenvalues: _e, ...w }) => w) };
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const lines = [`${r.file}`, `  format      ${r.format}`, `  parameters  ${r.params.toLocaleString('en-US')}`];
      for (const l of r.layers ?? [])
        lines.push(
          `  layer ${l.name.padEnd(28)} ${l.kind.padEnd(22)} ${l.activation ?? ''} ${l.params ? `${l.params} params` : ''}`.trimEnd(),
        );
      lines.push('  tensors:');
      const f = (x: number | null) => fmtNum(x, 4);
      for (const t of r.tensors)
        lines.push(
          `    ${t.name.padEnd(32)} ${t.shape.join('×').padEnd(12)} ${t.dtype.padEnd(8)} ` +
            `min ${f(t.min)} max ${f(t.max)} mean ${f(t.mean)} std ${f(t.std)} ‖·‖ ${f(t.l2)}` +
            `${t.nan || t.inf ? ` NaN ${t.nan} Inf ${t.inf}` : ''}${t.trainable ? '' : ' (constant)'}`,
        );
      for (const w of (
        r.weights as
          { layers: { name: string; shape: number[]; spectralNorm: number; stableRank: number; alpha: number | null }[] } | undefined
      )?.layers ?? [])
        lines.push(
          `  spectrum ${w.name.padEnd(30)} ${w.shape.join('×').padEnd(9)} ‖W‖₂ ${fmtNum(w.spectralNorm, 4)}  ` +
            `stable rank ${fmtNum(w.stableRank, 3)}  α ${fmtNum(w.alpha, 3)}`,
        );
      for (const n of r.notices) lines.push(`  note: ${n}`);
      process.stdout.write(lines.join('\n') + '\n');
    });

  program
    .command('logs')
    .description('training runs in a file or folder: CSV, JSONL and TensorBoard logs, checkpoints matched to steps')
    .argument('<path>', 'a log file or a folder to search for runs')
    .option('--tag <tag>', 'only series with this tag (or ending in /tag)')
    .option('--json', 'print one JSON object (with --follow: then one JSON object per new point)')
    .option('--follow', 'keep printing new points as the logs grow (Ctrl-C to stop)')
    .option('--interval <ms>', 'polling interval with --follow', intArg('--interval'), 250)
    .option('--for <ms>', 'with --follow: stop after this many milliseconds', intArg('--for'))
    .option('--max-resident-mb <n>', 'memory budget for what the input expands to (default 1024)', intArg('--max-resident-mb'))
    .addHelpText(
      'after',
      `
Examples:
  landscape logs runs/ --json
  landscape logs runs/exp1/metrics.csv --tag val_loss
  landscape logs runs/ --follow --json`,
    )
    .action(async (target: string, o: LogsArgs) => {
      const { logsCommand } = await import('./logs');
      await logsCommand(target, {
        tag: o.tag,
        json: Boolean(o.json),
        follow: Boolean(o.follow),
        interval: o.interval,
        for: o.for,
      });
    });

  registerSurgery(program);
  return program;
}

/** The flags diagnose, compare and slice share (data, loss, budgets, which diagnostics). */
function addDiagnoseFlags(cmd: Command): Command {
  cmd
    .option(
      '--data <file>',
      'dataset (.npz with inputs and targets); default: landscape.json, else data/dataset/train/val/test.npz beside the checkpoint',
    )
    .option('--seed <s>', 'random seed (default 0)', intArg('--seed'))
    .option('--target <column>', 'CSV datasets: the target column (default y/target/label/class, else the last)');
  addDataFlags(cmd);
  addMemoryFlag(addEngineFlags(cmd)).option(
    '--chunk-size <n>',
    'samples per chunk: bounds memory (activations of one chunk; default 1024)',
    intArg('--chunk-size'),
  );
  // the diagnostics' own options, from their registry descriptors (one default and help each)
  for (const spec of diagnosticOptions()) cmd.addOption(optionFromSpec(spec));
  return cmd
    .option(
      '--thresholds <list>',
      'verdict thresholds, e.g. gradStep=0.01,negativeCurvature=1e-3,nearZero=1e-3,flatMass=0.5,pgbRelative=0.05',
    )
    .option('--level <preset>', `which diagnostics: ${PRESET_HELP}`, presetArg)
    .option('--all', 'everything: the same as --level full (+ --slice interp with --with)')
    .option('--json', 'print one JSON object')
    .option('--out <file>', 'also write the JSON result to a new file');
}

/**
 * Diagnose options from flags, landscape.json and defaults: a preset (`--level`, `--all`) first, then the
 * diagnostics' flags (explicit flags win over the preset); data settings: flags over landscape.json over
 * defaults. The diagnostics apply their own defaults (src/core/diagnostics/registry.ts).
 */
async function diagnoseOptions(checkpoint: string, o: DiagnoseArgs): Promise<import('../core/diagnose').DiagnoseOptions> {
  const d = await dataSettings(checkpoint, o, true);
  const level = o.all ? 'full' : o.level;
  const opts: import('../core/diagnose').DiagnoseOptions = {
    ...(level ? preset(level) : {}),
    checkpoint,
    data: d.data!,
    loss: d.loss,
    samples: d.samples,
    seed: d.seed,
    xKey: d.xKey ?? 'x',
    yKey: d.yKey ?? 'y',
    backend: d.backend ?? 'auto',
    ep: d.ep,
    threads: d.threads,
    inputScale: d.inputScale,
    inputShift: d.inputShift,
    target: o.target,
    dataHow: d.how,
    thresholds: o.thresholds ? parseThresholds(String(o.thresholds)) : undefined,
    chunkSize: d.chunkSize,
    maxResidentMb: o.maxResidentMb, // commander gives its default
  };
  applyOptionSpecs(opts, flagReader(o));
  if (level === 'full' && o.with && !o.slice) opts.slices = [...(opts.slices ?? []), 'interp'];
  return opts;
}

function parseThresholds(spec: string): Record<string, number> {
  const known = ['gradStep', 'pgbRelative', 'negativeCurvature', 'nearZero', 'flatMass'];
  const out: Record<string, number> = {};
  for (const part of spec
    .split(',')
    .map(p => p.trim())
    .filter(Boolean)) {
    const [k, v] = part.split('=');
    const x = Number(v);
    if (!known.includes(k) || !Number.isFinite(x) || x < 0) {
      throw new UserInputError(`--thresholds: '${part}' is not key=value with key one of ${known.join(', ')} and a non-negative number`, {
        where: '--thresholds',
      });
    }
    out[k] = x;
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  // every byte the CLI prints goes through the terminal escaper (src/shared/terminal.ts)
  guardStream(process.stdout);
  guardStream(process.stderr);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code && err.code.startsWith('commander.')) return 2; // commander already printed the message
    if (isUserInputError(e)) {
      process.stderr.write(`landscape: error: ${termLine(err.message)}\n`);
      return 2;
    }
    process.stderr.write(`landscape: internal error: ${termText(err.stack ?? err.message)}\n`);
    return 1;
  }
}
