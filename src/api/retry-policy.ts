import { TRANSIENT_KINDS, type ErrorKind } from './error-kind.js';

/**
 * When to try a request again, and how long to wait first, as data and pure functions. The
 * loop that sleeps and re-sends lives in `retry.ts`. `JobRetryPolicy` is the same for a whole
 * job (a create the client gave up on, a poll that failed through all of the client's retries).
 */

export interface RetryPolicy {
  /** Attempts after the first. Default 4. */
  readonly maxRetries: number;
  /** First backoff delay. Default 500 ms. */
  readonly baseDelayMs: number;
  /** Longest computed backoff delay. Default 8 s. */
  readonly maxDelayMs: number;
  /** Non-5xx statuses worth another try. Default 408, 409, 429. */
  readonly retryStatuses: readonly number[];
  /** Whether every 5xx is worth another try. Default true. */
  readonly retryServerErrors: boolean;
  /** Server error codes (or types) that are never retried, whatever the status. */
  readonly neverRetryCodes: readonly string[];
  /** Cap on a delay the server asks for (`retry-after-ms`, `retry-after`). Default 60 s. */
  readonly maxServerDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  retryStatuses: [408, 409, 429],
  retryServerErrors: true,
  neverRetryCodes: ['insufficient_quota'],
  maxServerDelayMs: 60_000,
};

/**
 * What a job does after the client's own retries are spent. The client retries one request;
 * the runner, with these, decides whether the job tries again, waits, or fails.
 */
export interface JobRetryPolicy {
  /** Creates failing with these kinds are sent again (after the scheduler's next permit). Default `rate-limited`. */
  readonly createRetryKinds: readonly ErrorKind[];
  /** Creates sent at most while they fail with `createRetryKinds`, before the job fails. Default 8. */
  readonly maxCreateTries: number;
  /** Creates whose outcome stayed unknown (and nothing matched on the server) are sent this many times in all. Default 4. */
  readonly maxUnknownCreates: number;
  /** First wait before sending again after an unknown outcome, doubled each time. Default 500 ms. */
  readonly unknownBackoffMs: number;
  /** Polls failing with these kinds are asked again later, until the job's deadline. Default: the transient kinds. */
  readonly pollRetryKinds: readonly ErrorKind[];
  /** Least wait before polling again after a poll failed. Default 1 s. */
  readonly pollAfterFailureMs: number;
  /** Longest wait between polls when the server names none. Default 30 s. */
  readonly maxPollDelayMs: number;
  /** Allowance for the server's clock being behind ours when matching a listed video to an attempt. Default 300 s. */
  readonly clockSkewSeconds: number;
}

export const defaultJobRetryPolicy: JobRetryPolicy = {
  createRetryKinds: ['rate-limited'],
  maxCreateTries: 8,
  maxUnknownCreates: 4,
  unknownBackoffMs: 500,
  pollRetryKinds: TRANSIENT_KINDS,
  pollAfterFailureMs: 1_000,
  maxPollDelayMs: 30_000,
  clockSkewSeconds: 300,
};

/** How one attempt ended, reduced to what the retry decision needs. */
export type AttemptOutcome =
  /** Connection refused, DNS failure, connect timeout: nothing reached the server. */
  | { readonly kind: 'not-sent' }
  /** The connection broke after the request may have been written. */
  | { readonly kind: 'connection-lost' }
  | { readonly kind: 'timeout' }
  /** A body shorter than its `Content-Length`. */
  | { readonly kind: 'truncated' }
  | {
      readonly kind: 'status';
      readonly status: number;
      /** The server's `error.code` and `error.type`, if it sent them. */
      readonly serverCodes: readonly string[];
      /** `x-should-retry`: `true`/`false` when the server says, else `null`. */
      readonly shouldRetry: boolean | null;
      readonly serverDelayMs: number | null;
    }
  /** A malformed body, a bug, anything not understood: never retried. */
  | { readonly kind: 'other' };

export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false };

/**
 * Whether to try again after `retriesSoFar` retries.
 *
 * Idempotent calls (GET, DELETE, downloads) retry network failures, timeouts, truncated bodies
 * and the policy's statuses. Creates and remixes are not idempotent: they retry only what surely
 * created nothing, a connection that never carried the request and a 429 (the server refused
 * the job). Everything else that may have reached the server is left to the caller.
 */
export function decideRetry(
  policy: RetryPolicy,
  outcome: AttemptOutcome,
  ctx: { readonly idempotent: boolean; readonly retriesSoFar: number; readonly random: () => number },
): RetryDecision {
  if (ctx.retriesSoFar >= policy.maxRetries) return { retry: false };
  const eligible = ctx.idempotent ? idempotentMayRetry(policy, outcome) : createMayRetry(policy, outcome);
  if (!eligible) return { retry: false };
  const serverDelay = outcome.kind === 'status' ? outcome.serverDelayMs : null;
  const delayMs = serverDelay === null ? backoffDelayMs(policy, ctx.retriesSoFar, ctx.random()) : Math.min(serverDelay, policy.maxServerDelayMs);
  return { retry: true, delayMs };
}

function idempotentMayRetry(policy: RetryPolicy, outcome: AttemptOutcome): boolean {
  switch (outcome.kind) {
    case 'not-sent':
    case 'connection-lost':
    case 'timeout':
    case 'truncated':
      return true;
    case 'status':
      if (outcome.shouldRetry !== null && !neverRetried(policy, outcome)) return outcome.shouldRetry;
      return statusMayRetry(policy, outcome);
    case 'other':
      return false;
  }
}

function createMayRetry(policy: RetryPolicy, outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'not-sent') return true;
  if (outcome.kind !== 'status' || outcome.status !== 429) return false;
  // `x-should-retry: true` cannot make a create safe to resend; `false` can stop a 429 retry.
  return outcome.shouldRetry !== false && !neverRetried(policy, outcome);
}

function statusMayRetry(policy: RetryPolicy, outcome: Extract<AttemptOutcome, { kind: 'status' }>): boolean {
  if (neverRetried(policy, outcome)) return false;
  return policy.retryStatuses.includes(outcome.status) || (policy.retryServerErrors && outcome.status >= 500);
}

function neverRetried(policy: RetryPolicy, outcome: Extract<AttemptOutcome, { kind: 'status' }>): boolean {
  return outcome.serverCodes.some((c) => policy.neverRetryCodes.includes(c));
}

/** `min(base·2^n, max) × (1 − 0.25·random)`: exponential, capped, with up to 25 % jitter downwards. */
export function backoffDelayMs(policy: RetryPolicy, retriesSoFar: number, random: number): number {
  const exponential = Math.min(policy.baseDelayMs * 2 ** retriesSoFar, policy.maxDelayMs);
  return Math.round(exponential * (1 - 0.25 * random));
}

/**
 * The delay a response asks for: `retry-after-ms` (milliseconds) wins over `retry-after`
 * (seconds, or an HTTP date). `null` when absent or unreadable. Not capped here.
 */
export function serverDelayMs(headers: { readonly retryAfterMs: string | undefined; readonly retryAfter: string | undefined }, nowMs: number): number | null {
  const ms = parseNonNegative(headers.retryAfterMs);
  if (ms !== null) return ms;
  const raw = headers.retryAfter?.trim();
  if (raw === undefined || raw === '') return null;
  const seconds = parseNonNegative(raw);
  if (seconds !== null) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function parseNonNegative(raw: string | undefined): number | null {
  if (raw === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(raw)) return null;
  return Number(raw);
}
