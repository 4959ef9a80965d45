/** *Landscape: Perturb Weights*: see `../surgery.ts`. */
import { perturbWeights, type PerturbArgs } from '../surgery';
import { command } from './context';

export default command<[arg: unknown, args: PerturbArgs]>('landscapeLens.perturbWeights', (ctx, arg, args) =>
  perturbWeights(ctx.surgery, arg, args).catch(() => undefined),
);
