/** *Landscape: Add Special Neurons*: see `../surgery.ts`. */
import { addSpecialNeurons, type AddSpecialArgs } from '../surgery';
import { command } from './context';

export default command<[arg: unknown, args: AddSpecialArgs]>('landscapeLens.addSpecialNeurons', (ctx, arg, args) =>
  addSpecialNeurons(ctx.surgery, arg, args).catch(() => undefined),
);
