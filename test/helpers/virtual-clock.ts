import type { Clock } from '../../src/run/clock.js';

/**
 * A clock for tests and benchmarks: time moves only when every task is waiting. With
 * `autoAdvance` (the default) it jumps to the next timer as soon as the process has nothing
 * else to do, so a schedule of hours runs in milliseconds and the same inputs always give
 * the same interleaving.
 */
export interface VirtualClock extends Clock {
  /** `signal` is optional so the clock also fits the API client's `Sleep`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Timers not yet fired. */
  readonly pending: number;
  /** Manual mode: moves time forward by `ms`, firing due timers in order; resolves once their continuations have run. */
  advanceBy(ms: number): Promise<void>;
}

export interface VirtualClockOptions {
  /** Start time in ms. Default 0. */
  readonly start?: number;
  /** Jump to the next timer whenever everything is waiting. Default true. */
  readonly autoAdvance?: boolean;
}

interface Timer {
  readonly due: number;
  /** Creation order: timers due at the same instant fire in the order they were set. */
  readonly seq: number;
  readonly fire: () => void;
}

export function createVirtualClock(options: VirtualClockOptions = {}): VirtualClock {
  let now = options.start ?? 0;
  let seq = 0;
  const autoAdvance = options.autoAdvance ?? true;
  const timers = new Set<Timer>();
  let idleCheck: NodeJS.Immediate | null = null;

  const next = (): Timer | undefined => {
    let best: Timer | undefined;
    for (const timer of timers) if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.seq < best.seq)) best = timer;
    return best;
  };

  // setImmediate runs only after the microtask queue is empty: when it fires, every promise
  // chain in the process is parked on a timer (or on IO, which tests of pure code have none
  // of). One timer per turn, like Node, so each continuation settles before the next fires.
  const scheduleIdleCheck = (): void => {
    if (!autoAdvance || idleCheck !== null || timers.size === 0) return;
    idleCheck = setImmediate(() => {
      idleCheck = null;
      const timer = next();
      if (timer === undefined) return;
      now = Math.max(now, timer.due);
      timer.fire();
      scheduleIdleCheck();
    });
  };

  return {
    now: () => now,
    get pending() {
      return timers.size;
    },
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = (): void => {
          timers.delete(timer);
          reject(signal!.reason);
        };
        const timer: Timer = {
          due: now + Math.max(0, ms),
          seq: seq++,
          fire: () => {
            timers.delete(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        timers.add(timer);
        signal?.addEventListener('abort', onAbort, { once: true });
        scheduleIdleCheck();
      });
    },
    async advanceBy(ms) {
      const until = now + ms;
      for (let timer = next(); timer !== undefined && timer.due <= until; timer = next()) {
        now = Math.max(now, timer.due);
        timer.fire();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      now = until;
    },
  };
}
