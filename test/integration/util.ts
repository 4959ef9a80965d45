/** Helpers shared by the integration suites (they run inside the extension host). */
import { scaled, timeFactor } from '../harness/speed';

export const EXT_ID = 'landscape-lens.landscape-lens';

export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

/**
 * Poll `f` every 100 ms until it returns a truthy value (returned), or fail after `ms` × the
 * machine-speed factor (test/harness/speed.ts; LANDSCAPE_TIME_FACTOR from the harness).
 */
export async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 60000): Promise<T> {
  const end = Date.now() + scaled(ms);
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${scaled(ms)} ms, time factor ${timeFactor()})`);
    await sleep(100);
  }
}
