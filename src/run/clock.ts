import { abortableSleep } from '../api/index.js';

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
  // Rejects with the caller's reason (e.g. an InterruptedError); every job's poll waits on the
  // run's one signal, so the wait shares that signal's one listener (api/abort-link.ts).
  sleep: (ms, signal) => abortableSleep(Math.max(0, ms), signal),
};
