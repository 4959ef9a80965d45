/** *Landscape: Create Demo Workspace*: see `../demo.ts` (its seeded results are imported once written). */
import { createDemoWorkspace, type CreateDemoArgs } from '../demo';
import { command } from './context';

export default command<[args: CreateDemoArgs]>('landscapeLens.createDemoWorkspace', (ctx, args) =>
  createDemoWorkspace(ctx.service, args && typeof args === 'object' ? args : {}, dir => ctx.importSeeds(dir)),
);
