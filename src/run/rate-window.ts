import type { Clock } from './clock.js';

/** One minute: providers state their creation limits per minute (Azure: 2). */
export const MINUTE_MS = 60_000;

/**
 * Grants permits so that no rolling window of `windowMs` holds more than `limit` of them:
 * every half-open interval [t, t + windowMs) contains at most `limit` grant times.
 */
export interface RateWindow {
  /** Waits for a permit. Rejects with the abort reason if `signal` aborts first (no permit is used). */
  acquire(signal: AbortSignal): Promise<void>;
}

export interface RateWindowOptions {
  /** Permits per window; `null` means unlimited. */
  readonly limit: number | null;
  /** Default: one minute. */
  readonly windowMs?: number;
  readonly clock: Clock;
}

/**
 * Each caller reserves its grant time the moment it asks: the earliest time at which the
 * `limit`-th previous grant has left the window. Reservations are made in call order, so they
 * are sorted and permits are granted first come, first served; a cancelled reservation is
 * dropped, which can only make the window emptier than planned, never fuller.
 */
export function createRateWindow(options: RateWindowOptions): RateWindow {
  const { limit, clock } = options;
  const windowMs = options.windowMs ?? MINUTE_MS;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`createsPerMinute must be a positive integer or null, found ${limit}`);
  // Grant times (past and reserved), ascending; anything at or before now - windowMs can no
  // longer constrain a new grant, which is never earlier than now.
  const grants: number[] = [];

  return {
    async acquire(signal) {
      signal.throwIfAborted();
      if (limit === null) return;
      const now = clock.now();
      while (grants.length > 0 && grants[0]! <= now - windowMs) grants.shift();
      const blocking = grants.length >= limit ? grants[grants.length - limit]! + windowMs : now;
      const at = Math.max(now, blocking);
      grants.push(at);
      try {
        // Loop: a real timer may fire a hair early, and the limit is hard.
        for (let left = at - clock.now(); left > 0; left = at - clock.now()) await clock.sleep(left, signal);
      } catch (error) {
        grants.splice(grants.lastIndexOf(at), 1);
        throw error;
      }
    },
  };
}
