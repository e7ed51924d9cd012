import { setTimeout as sleep } from 'node:timers/promises';

/** What a probe returns while the moment has not come. */
type NotYet = false | null | undefined | 0 | '';

/**
 * Calls `probe` every `everyMs` until it returns something truthy, and returns that. Throws
 * after `timeoutMs`, naming `what` (a function is called then) and the last value the probe saw: a moment a test waits for
 * that never comes fails the test, instead of letting it go on to test nothing.
 *
 * For waits on real processes and servers only; a test of timing itself runs a virtual clock.
 */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 15_000,
  everyMs = 5,
): Promise<Exclude<Awaited<T>, NotYet>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<Awaited<T>, NotYet>;
    if (Date.now() > deadline) {
      const last = typeof value === 'boolean' ? '' : `; last: ${JSON.stringify(value)?.slice(0, 500)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${last}`);
    }
    await sleep(everyMs);
  }
}
