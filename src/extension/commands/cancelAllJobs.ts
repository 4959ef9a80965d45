/** *Landscape: Cancel All Jobs*. */
import { command } from './context';

export default command<[]>('landscapeLens.cancelAllJobs', ctx => ctx.service.queue.cancelAll());
