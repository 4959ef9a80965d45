/** *Landscape: Show Log*: the Landscape Lens output channel. */
import { command } from './context';

export default command<[]>('landscapeLens.showLog', ctx => ctx.log.show(true));
