/** *Landscape: Copy Special Neurons Code* (PyTorch, Keras or TF.js): see `../surgery.ts`. */
import { copySpecialNeuronsCode } from '../surgery';
import { command } from './context';

export default command<[arg: unknown, lang: 'pytorch' | 'keras' | 'tfjs', lambda: number]>(
  'landscapeLens.copySpecialNeuronsCode',
  (ctx, arg, lang, lambda) => copySpecialNeuronsCode(ctx.surgery, arg, lang, lambda).catch(() => undefined),
);
