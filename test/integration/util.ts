/** Helpers shared by the integration suites (they run inside the extension host). */
export const EXT_ID = 'landscape-lens.landscape-lens';

export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

/** Poll `f` every 100 ms until it returns a truthy value (returned), or fail after `ms`. */
export async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 60000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
