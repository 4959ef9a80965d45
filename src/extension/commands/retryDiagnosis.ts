/** *Landscape: Retry Diagnosis*: the failed diagnosis again, in the mode that failed (else quick). */
import { PRIORITY } from '../jobQueue';
import { pickCheckpoint, uriOf } from './checkpointPick';
import { command } from './context';

export default command<[arg: unknown]>('landscapeLens.retryDiagnosis', async (ctx, arg) => {
  const svc = ctx.service;
  const uri = uriOf(arg) ?? (await pickCheckpoint(ctx, 'Landscape: Retry Diagnosis: checkpoint'));
  if (!uri) return undefined;
  const mode = svc.failureFor(uri.fsPath)?.mode ?? 'quick';
  try {
    return await svc.diagnose(uri, { mode, progress: 'notification', priority: PRIORITY.user, force: true, reason: 'retry' });
  } catch {
    return undefined;
  }
});
