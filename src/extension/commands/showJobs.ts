/** *Landscape: Show Jobs* (status bar): the queued and running jobs. */
import { command } from './context';

export default command<[]>('landscapeLens.showJobs', ctx => ctx.statusBar.showJobs());
