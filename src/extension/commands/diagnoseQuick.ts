/** *Landscape: Quick Diagnose*: the quick diagnosis (no cost check), then the dashboard. */
import { command } from './context';
import { diagnoseCommand } from './diagnoseCheckpoint';

export default command<[arg: unknown]>('landscapeLens.diagnoseQuick', (ctx, arg) => diagnoseCommand(ctx, arg, 'quick'));
