import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the run sees it. Injected so the scheduler and the rate window never read the wall
 * clock themselves: tests drive them with a virtual clock and never sleep for real.
 */
export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number;
  /** Resolves after `ms`; rejects with the abort reason as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The real clock: a monotonic `now` (wall-clock jumps must not open the rate window early). */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => {
    signal.throwIfAborted();
    try {
      // timers/promises clears its timer and listener on abort, so nothing leaks.
      await delay(Math.max(0, ms), undefined, { signal });
    } catch (error) {
      // Reject with the caller's reason (e.g. an InterruptedError), not Node's generic AbortError.
      if (signal.aborted) throw signal.reason;
      throw error;
    }
  },
};
