/** *Landscape: Open Dashboard* for the argument's run or checkpoint (else the one picked). */
import { DashboardPanel } from '../panel';
import { uriOf } from './checkpointPick';
import { command } from './context';

export default command<[arg: unknown]>('landscapeLens.openDashboard', async (ctx, arg) => {
  try {
    return await DashboardPanel.show(ctx.host, uriOf(arg));
  } catch (e) {
    ctx.log.warn(`dashboard: ${(e as Error).message}`);
    return undefined;
  }
});
