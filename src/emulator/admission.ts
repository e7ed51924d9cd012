import { ApiError } from './errors.js';
import type { JobRecord } from './job.js';
import { isInFlight, plannedEndMs } from './lifecycle.js';

/**
 * The in-flight limit: jobs queued or in progress count, and a create beyond the limit gets
 * 429 with `retry-after` set to when the soonest job should finish (so a client that honours
 * it rarely hits the wall twice).
 */
export function checkInFlight(jobs: readonly JobRecord[], nowMs: number, limit: number): void {
  const inFlight = jobs.filter((job) => isInFlight(job, nowMs));
  if (inFlight.length < limit) return;
  const finishing = inFlight.filter((job) => job.fate !== 'stuck').map((job) => plannedEndMs(job) - nowMs);
  const waitMs = Math.max(1000, finishing.length > 0 ? Math.min(...finishing) : 10_000);
  throw rateLimited(
    `Too many concurrent video generation jobs: at most ${limit} may be queued or in progress at once. Please try again in ${Math.ceil(waitMs / 1000)} seconds.`,
    waitMs,
  );
}

/** A 429 in OpenAI's shape; `waitMs` null sends no retry headers (a 429 that "requires user action"). */
export function rateLimited(message: string, waitMs: number | null): ApiError {
  const headers: Record<string, string> =
    waitMs === null ? {} : { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))), 'retry-after-ms': String(Math.round(waitMs)) };
  return new ApiError(429, message, 'requests', null, 'rate_limit_exceeded', headers);
}

export const MODERATION_BLOCKED_MESSAGE =
  'Your request was rejected by our moderation system. Your prompt may contain content that is not allowed by our safety system.';

export function moderationBlocked(): ApiError {
  return new ApiError(400, MODERATION_BLOCKED_MESSAGE, 'invalid_request_error', null, 'moderation_blocked');
}
