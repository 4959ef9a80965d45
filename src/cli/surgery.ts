/**
 * `landscape special-neurons` and `landscape perturb`: act on a minimum, write a new checkpoint
 * beside the original (never over it), and report what changed. Data and loss come from the flags,
 * else from landscape.json / a conventional dataset, as for `diagnose`.
 */
import { Command } from 'commander';
import { fmtNum, table } from './format';
import { dataSettings } from './data';
import { intArg, posNum } from './args';
import { addDataFlags, addEngineFlags, addMemoryFlag } from './commonFlags';
import type { PerturbArgs, SpecialNeuronsArgs } from './flags';

/** The data, engine and memory flags of `diagnose` (cli/commonFlags.ts), and `--json`. */
const dataOptions = (c: Command): Command => addMemoryFlag(addEngineFlags(addDataFlags(c))).option('--json', 'print one JSON object');

export function registerSurgery(program: Command): void {
  dataOptions(
    program
      .command('special-neurons')
      .description(
        'add Kawaguchi–Kaelbling special neurons a_k·exp(w_kᵀx + b_k) (penalty λ/2·Σa_k²) ' +
          'and write a new checkpoint; optionally fine-tune it',
      )
      .argument('<checkpoint>', 'model.json (TF.js layers), .onnx, or weights with a sibling architecture')
      .option('--lambda <λ>', 'penalty weight λ > 0 (default 0.01)', posNum('--lambda'))
      .option('--out <file>', 'output file (default: <run>/derived/<name>.special…, a new file; never overwritten)')
      .option('--train <N>', 'fine-tune the augmented model for N steps on the data', intArg('--train'))
      .option('--lr <r>', 'learning rate for --train (default 0.01)', posNum('--lr'))
      .option('--optimizer <name>', 'adam | sgd (default adam)')
      .option('--batch-size <n>', 'minibatch size for --train (default: full batch)', intArg('--batch-size'))
      .option('--data <file>', 'dataset for --train (default: landscape.json, else data.npz/… beside the checkpoint)')
      .option('--seed <s>', 'random seed (default 0)', intArg('--seed'))
      .option(
        '--snippet <lang>',
        'print ready code adding the same neurons in pytorch | keras | tfjs (D, K, λ filled in from this model) and write nothing',
      ),
  )
    .addHelpText(
      'after',
      `
The construction (Kawaguchi & Kaelbling, AISTATS 2020): every output unit k gets
f̃_k(x) = f_k(x) + a_k·exp(w_kᵀx + b_k) on the flattened input (before a final softmax/sigmoid), and
the loss gets (λ/2)Σ a_k². At every local minimum of that loss a = 0 and the original parameters are a
global minimum of the original loss. Initialised at a = w = b = 0: the outputs equal the original's.

Examples:
  landscape special-neurons examples/mlp/model.json
  landscape special-neurons net.onnx --lambda 0.1 --out net.sn.onnx --json
  landscape special-neurons examples/mlp/model.json --train 200 --lr 0.01 --data examples/mlp/data.npz --seed 1
  landscape special-neurons examples/mlp/model.json --snippet pytorch > special_neurons.py`,
    )
    .action(async (checkpoint: string, o: SpecialNeuronsArgs) => {
      if (o.snippet !== undefined) {
        const lang = String(o.snippet);
        if (lang !== 'pytorch' && lang !== 'keras' && lang !== 'tfjs') {
          const { UserInputError } = await import('../core/errors');
          throw new UserInputError(`unknown snippet language '${lang}' (expected pytorch, keras or tfjs)`, { where: '--snippet' });
        }
        const { snippetsFor } = await import('../core/surgery/jobs');
        const sn = await snippetsFor(checkpoint, o.lambda, o.backend);
        process.stdout.write(
          o.json
            ? JSON.stringify({ language: lang, code: sn[lang], inputDim: sn.inputDim, units: sn.units, lambda: sn.lambda }, null, 2) + '\n'
            : sn[lang],
        );
        return;
      }
      const { specialNeuronsJob } = await import('../core/surgery/jobs');
      const train = o.train;
      const d = await dataSettings(checkpoint, o, Boolean(train));
      const opt = o.optimizer;
      if (opt !== undefined && opt !== 'adam' && opt !== 'sgd') {
        const { UserInputError } = await import('../core/errors');
        throw new UserInputError(`unknown optimizer '${opt}' (expected adam or sgd)`, { where: '--optimizer' });
      }
      const { outputScope } = await import('../core/output');
      // one scope: an interrupted or failed --train removes the augmented model written before it
      const r = await outputScope(() =>
        specialNeuronsJob(
          {
            checkpoint,
            lambda: o.lambda,
            out: o.out,
            train,
            lr: o.lr,
            optimizer: opt,
            batchSize: o.batchSize,
            ...d,
          },
          undefined,
          o.json || !train
            ? undefined
            : p => {
                // about ten progress lines on stderr
                const m = p.message?.match(/^step (\d+)\//);
                if (p.stage === 'train' && m && /L̃/.test(p.message!) && (Number(m[1]) - 1) % Math.max(1, Math.floor(train / 10)) === 0)
                  process.stderr.write(`  ${p.message}\n`);
              },
        ),
      );
      if (d.how && train) r.notices.push(`dataset: ${d.how}`);
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const rows: [string, string][] = [['input', r.checkpoint]];
      if (r.added) {
        rows.push(
          ['wrote', `${r.outFile} (${r.added.format}: ${r.added.reason})`],
          [
            'special neurons',
            `${r.added.units} (one per output unit) over ${r.added.inputDim} inputs, ` +
              `+${r.added.addedParams} parameters, λ = ${r.added.lambda}`,
          ],
          ['check', `max |f̃ − f| = ${fmtNum(r.added.check.maxAbsDiff, 3)} on ${r.added.check.inputs} random inputs (a = w = b = 0)`],
        );
      }
      const t = r.training;
      if (t) {
        const first = t.curve[0],
          last = t.curve[t.curve.length - 1];
        rows.push(
          ['trained', `${t.steps} steps, ${t.optimizer}, lr ${t.lr}, batch ${t.batchSize}, seed ${t.seed}`],
          ['objective L̃', `${fmtNum(first.objective, 5)} → ${fmtNum(last.objective, 5)}`],
          ['original loss L(θ)', `${fmtNum(first.originalLoss, 5)} → ${fmtNum(last.originalLoss, 5)}`],
          ['penalty', `${fmtNum(first.penalty, 3)} → ${fmtNum(last.penalty, 3)}`],
          ['max |a_k|', `peak ${fmtNum(t.peakMaxAbsA, 3)}, final ${fmtNum(t.finalMaxAbsA, 3)}`],
          ...(t.report
            ? [['output share', `${fmtNum(t.report.outputShare * 100, 3)} % of |f̃| from the special neurons`] as [string, string]]
            : []),
          ['wrote', `${t.outFile} (${t.format})`],
        );
      }
      process.stdout.write(table(rows) + '\n' + r.notices.map(n => `  note: ${n}\n`).join(''));
    });

  dataOptions(
    program
      .command('perturb')
      .description(
        'perturb the weights (Gaussian, relative, filter-normalised, Hessian eigenvector), ' +
          'report the loss change, optionally retrain; writes a new checkpoint',
      )
      .argument('<checkpoint>', 'model.json (TF.js layers), .onnx, .safetensors (with its architecture), .pt with a sibling architecture')
      .option('--data <file>', 'dataset (.npz); default: landscape.json, else data.npz/… beside the checkpoint')
      .option('--mode <mode>', 'gaussian | relative | filter | eigen', 'gaussian')
      .option('--sigma <s>', 'gaussian: σ (absolute); relative: σ·|θ_i| (default 0.01)', posNum('--sigma'))
      .option(
        '--step <t>',
        'filter: scale t of the filter-normalised direction (default 0.1); eigen: step t along the unit eigenvector (default 0.01·‖θ‖)',
        posNum('--step'),
      )
      .option('--direction <d>', 'eigen: top | bottom | k (k-th largest eigenvalue) (default bottom)')
      .option('--seed <s>', 'random seed (default 0)', intArg('--seed'))
      .option(
        '--retrain <N>',
        'N gradient-descent steps from the perturbed point; reports the final loss and the distance back',
        intArg('--retrain'),
      )
      .option('--lr <r>', 'retraining learning rate (default 1/λ_max at the perturbed point)', posNum('--lr'))
      .option('--out <file>', 'output file (default: <run>/derived/<name>.perturbed…, a new file; never overwritten)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  landscape perturb examples/mlp/model.json --data examples/mlp/data.npz --mode gaussian --sigma 0.01
  landscape perturb net.onnx --data data.npz --mode eigen --direction bottom --step 0.1 --retrain 50 --json
  landscape perturb examples/mlp/model.json --mode filter --step 0.2 --seed 3`,
    )
    .action(async (checkpoint: string, o: PerturbArgs) => {
      const { perturbJob } = await import('../core/surgery/jobs');
      const { UserInputError } = await import('../core/errors');
      const mode = String(o.mode);
      if (!['gaussian', 'relative', 'filter', 'eigen'].includes(mode))
        throw new UserInputError(`unknown mode '${mode}' (expected gaussian, relative, filter or eigen)`, { where: '--mode' });
      if ((mode === 'gaussian' || mode === 'relative') && o.step !== undefined)
        throw new UserInputError(`--step is for modes filter and eigen; mode ${mode} takes --sigma`, { where: '--step' });
      if ((mode === 'filter' || mode === 'eigen') && o.sigma !== undefined)
        throw new UserInputError(`--sigma is for modes gaussian and relative; mode ${mode} takes --step`, { where: '--sigma' });
      let direction: 'top' | 'bottom' | number | undefined;
      if (o.direction !== undefined) {
        const s = String(o.direction);
        if (mode !== 'eigen') throw new UserInputError('--direction is for --mode eigen', { where: '--direction' });
        direction = s === 'top' || s === 'bottom' ? s : Number(s);
        if (typeof direction === 'number' && !(Number.isInteger(direction) && direction >= 1))
          throw new UserInputError(`--direction must be top, bottom or an integer k ≥ 1, got '${s}'`, { where: '--direction' });
      }
      const d = await dataSettings(checkpoint, o, true);
      const { outputScope } = await import('../core/output');
      const r = await outputScope(() =>
        perturbJob({
          checkpoint,
          mode: mode as 'gaussian',
          sigma: o.sigma,
          step: o.step,
          direction,
          retrain: o.retrain,
          lr: o.lr,
          out: o.out,
          ...d,
        }),
      );
      if (d.how) r.notices.push(`dataset: ${d.how}`);
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const rows: [string, string][] = [
        ['input', r.checkpoint],
        [
          'perturbation',
          `${r.mode} ${Object.entries(r.parameters)
            .map(([k, v]) => `${k} ${typeof v === 'number' ? fmtNum(v, 4) : v}`)
            .join(', ')}, seed ${r.seed}`,
        ],
        ...(r.eigen
          ? [
              [
                'eigenvector',
                `${r.eigen.index}: λ = ${fmtNum(r.eigen.value, 5)} (residual ${fmtNum(r.eigen.residual, 2)}), ` +
                  `∇L·v = ${fmtNum(r.eigen.directionalDerivative, 3)}`,
              ] as [string, string],
            ]
          : []),
        [
          'loss',
          `${fmtNum(r.lossBefore)} → ${fmtNum(r.lossAfter)} ` +
            `(${r.lossAfter >= r.lossBefore ? '+' : ''}${fmtNum(r.lossAfter - r.lossBefore, 3)}) [${r.lossFunction.kind}]`,
        ],
        ['‖δ‖ / ‖θ‖', `${fmtNum(r.relativeNorm, 4)} (‖δ‖ = ${fmtNum(r.deltaNorm, 4)})`],
      ];
      if (r.retrain)
        rows.push(
          ['retrained', `${r.retrain.steps} GD steps, lr ${fmtNum(r.retrain.lr, 4)} (${r.retrain.lrHow})`],
          ['final loss', fmtNum(r.retrain.finalLoss)],
          ['distance back', `‖θ_N − θ‖/‖θ‖ = ${fmtNum(r.retrain.distanceBack, 4)} (perturbed: ${fmtNum(r.retrain.distanceStart, 4)})`],
          ['barrier', `${fmtNum(r.retrain.barrier, 3)} (max over the segment θ → θ_N of L minus the straight line, 11 points)`],
          ['found', r.retrain.basin.conclusion],
          ['basin test', r.retrain.basin.test],
        );
      rows.push(['wrote', `${r.outFile} (${r.format}: ${r.formatReason})`]);
      if (r.retrainedFile) rows.push(['wrote', `${r.retrainedFile} (retrained)`]);
      process.stdout.write(table(rows) + '\n' + r.notices.map(n => `  note: ${n}\n`).join(''));
    });
}
