/** *Landscape: Refresh Runs*: rescan the workspace for runs. */
import { command } from './context';

export default command<[]>('landscapeLens.refreshRuns', ctx => ctx.tree.rescan());
