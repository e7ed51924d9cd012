import { onAbort } from './abort-link.js';
import { ApiError, NetworkError, ProviderError, TimeoutError, TruncatedBodyError } from './errors.js';
import { decideRetry, type AttemptOutcome, type RetryPolicy } from './retry-policy.js';

/** The loop that re-sends a request per a `RetryPolicy`, sleeping between attempts. */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Reported before each retry's wait, for logs and metrics. Holds no headers and no secrets. */
export interface RetryInfo {
  readonly method: string;
  readonly path: string;
  /** 1 for the first retry. */
  readonly retry: number;
  readonly delayMs: number;
  /** The failure being retried, as its message says it. */
  readonly reason: string;
  /** The status of the failed attempt, when there was one. */
  readonly status: number | null;
}

export interface RetryLoop {
  readonly policy: RetryPolicy;
  readonly idempotent: boolean;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly signal: AbortSignal;
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
}

/** Runs `attempt` until it succeeds or the policy says stop; the last failure is thrown. */
export async function withRetries<T>(loop: RetryLoop, attempt: () => Promise<T>): Promise<T> {
  for (let retriesSoFar = 0; ; retriesSoFar++) {
    loop.signal.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (loop.signal.aborted) throw error;
      const decision = decideRetry(loop.policy, outcomeOf(error), {
        idempotent: loop.idempotent,
        retriesSoFar,
        random: loop.random,
      });
      if (!decision.retry) throw error;
      loop.onRetry?.(retryInfo(error as ProviderError, retriesSoFar + 1, decision.delayMs));
      await loop.sleep(decision.delayMs, loop.signal);
    }
  }
}

/** Only errors the client itself classified are candidates for a retry; anything else is a bug or unknown. */
export function outcomeOf(error: unknown): AttemptOutcome {
  if (error instanceof NetworkError) return { kind: error.beforeSend ? 'not-sent' : 'connection-lost' };
  if (error instanceof TimeoutError) return { kind: 'timeout' };
  if (error instanceof TruncatedBodyError) return { kind: 'truncated' };
  if (error instanceof ApiError) {
    return {
      kind: 'status',
      status: error.status,
      serverCodes: [error.serverCode, error.type].filter((c): c is string => c !== null),
      shouldRetry: error.shouldRetry,
      serverDelayMs: error.retryAfterMs,
    };
  }
  return { kind: 'other' };
}

function retryInfo(error: ProviderError, retry: number, delayMs: number): RetryInfo {
  return {
    method: error.method,
    path: error.path,
    retry,
    delayMs,
    reason: error.message,
    status: error instanceof ApiError ? error.status : null,
  };
}

/** A `setTimeout` that an abort cuts short, rejecting with the signal's reason. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const unlink =
      signal === undefined
        ? () => undefined
        : onAbort(signal, () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
    const timer = setTimeout(() => {
      unlink();
      resolve();
    }, ms);
  });
