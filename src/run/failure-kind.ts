import { ApiError, AuthError, NotFoundError, RateLimitError } from '../api/index.js';

/**
 * Whether a refused create is the server's verdict on the request itself, so that the same
 * request would be refused again: a 4xx other than the statuses worth another try (408, 409,
 * 429), a missing or refused key (401, 403: the run stops on those anyway) and a 404 (the video
 * to remix is gone: its parent renders anew, which changes the request). Network failures,
 * timeouts, 5xx and unknown outcomes are mishaps, worth another try; so is any refusal the
 * server marks `x-should-retry: true`.
 *
 * A job that fails after the server accepted it is judged by its code instead (see
 * `isDeterministicFailure` in lockfile.ts: `moderation_blocked` is a verdict, `internal_error` is not).
 */
export function isVerdictOnRequest(error: unknown): boolean {
  if (!(error instanceof ApiError) || error instanceof RateLimitError || error instanceof AuthError || error instanceof NotFoundError) return false;
  if (error.shouldRetry === true) return false;
  return error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 409;
}
