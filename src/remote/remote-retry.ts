import { decideRetry, defaultRetryPolicy, type RetryPolicy } from '../api/retry-policy.js';
import { abortableSleep, type Sleep } from '../api/retry.js';
import { RemoteError } from './errors.js';

/**
 * Retries of remote operations by the project's retry policy (`decideRetry`): the same
 * backoff, jitter and limits as the HTTP client, judged on the `outcome` each `RemoteError`
 * carries. Blob and claim operations are idempotent (a blob is named by its content; a claim
 * write that lands twice meets its own version), so network failures and 5xx are retried;
 * anything not classified is not.
 */

export interface RemoteRetry {
  readonly policy: RetryPolicy;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly signal?: AbortSignal | undefined;
  /** Before each retry's wait, for progress and logs. */
  readonly onRetry?: ((info: { readonly retry: number; readonly delayMs: number; readonly error: RemoteError }) => void) | undefined;
}

export const defaultRemoteRetry: RemoteRetry = { policy: defaultRetryPolicy, sleep: abortableSleep, random: Math.random };

export async function withRemoteRetries<T>(retry: RemoteRetry, attempt: () => Promise<T>): Promise<T> {
  for (let retriesSoFar = 0; ; retriesSoFar++) {
    retry.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (retry.signal?.aborted || !(error instanceof RemoteError)) throw error;
      const decision = decideRetry(retry.policy, error.outcome, { idempotent: true, retriesSoFar, random: retry.random });
      if (!decision.retry) throw error;
      retry.onRetry?.({ retry: retriesSoFar + 1, delayMs: decision.delayMs, error });
      await retry.sleep(decision.delayMs, retry.signal);
    }
  }
}
