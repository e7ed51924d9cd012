import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthError,
  classifyError,
  CreateOutcomeUnknownError,
  isServerUnusable,
  isTransient,
  isVerdictOnRequest,
  ListingTooLongError,
  mayHaveCreated,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ResponseFormatError,
  TimeoutError,
  TruncatedBodyError,
  UnsupportedFeatureError,
  type ErrorKind,
} from '../../src/api/index.js';

const call = { method: 'POST', path: '/v1/videos' };
const details = (status: number, extra: { code?: string; shouldRetry?: boolean } = {}) => ({
  status,
  body: { message: 'm', type: null, param: null, code: extra.code ?? null },
  requestId: null,
  retryAfterMs: null,
  shouldRetry: extra.shouldRetry ?? null,
});
const summary = { kind: 'create' as const, prompt: 'p', model: null, size: null, seconds: null, remixOf: null, inputReference: null };

/** [what, error, kind, may have created (on a create), stops the run, passes on a poll, verdict on the request] */
const rows: ReadonlyArray<readonly [string, unknown, ErrorKind, boolean, boolean, boolean, boolean]> = [
  ['connection refused', new NetworkError(call, 'refused', true), 'not-sent', false, true, false, false],
  ['connection lost', new NetworkError(call, 'reset', false), 'lost', true, false, true, false],
  ['timeout', new TimeoutError(call, 1000), 'lost', true, false, true, false],
  ['truncated body', new TruncatedBodyError(call, 10, 5), 'truncated', false, false, true, false],
  ['malformed 2xx', new ResponseFormatError(call, 200, 'not JSON'), 'bad-response', true, false, false, false],
  ['endless listing', new ListingTooLongError(call, '2000 pages'), 'bad-response', true, false, false, false],
  ['401', new AuthError(call, details(401)), 'auth', false, true, false, false],
  ['403', new AuthError(call, details(403)), 'auth', false, true, false, false],
  ['404', new NotFoundError(call, details(404)), 'gone', false, false, false, false],
  ['429', new RateLimitError(call, details(429), false), 'rate-limited', false, false, true, false],
  ['429 insufficient_quota', new RateLimitError(call, details(429, { code: 'insufficient_quota' }), true), 'quota', false, true, false, false],
  ['409', new ApiError(call, details(409)), 'conflict', false, false, true, false],
  ['408', new ApiError(call, details(408)), 'server-error', true, false, true, false],
  ['500', new ApiError(call, details(500)), 'server-error', true, false, true, false],
  ['503', new ApiError(call, details(503)), 'server-error', true, false, true, false],
  ['400 moderation', new ApiError(call, details(400, { code: 'moderation_blocked' })), 'refused', false, false, false, true],
  ['422', new ApiError(call, details(422)), 'refused', false, false, false, true],
  ['400 marked x-should-retry', new ApiError(call, details(400, { shouldRetry: true })), 'refused', false, false, false, false],
  ['302 not followed', new ApiError(call, details(302)), 'unknown', false, false, false, false],
  ['create outcome unknown', new CreateOutcomeUnknownError(call, summary, new Date(0), new TimeoutError(call, 1)), 'maybe-created', false, false, false, false],
  ['capability missing', new UnsupportedFeatureError('p', 'remix', 'features.remix: false'), 'unsupported', false, false, false, false],
  ['a bug', new TypeError('x is undefined'), 'unknown', false, false, false, false],
  ['an abort reason', new DOMException('aborted', 'AbortError'), 'unknown', false, false, false, false],
];

describe('classifyError', () => {
  it.each(rows)('%s', (_what, error, kind, created, unusable, transient, verdict) => {
    expect(classifyError(error)).toBe(kind);
    expect({ created: mayHaveCreated(error), unusable: isServerUnusable(error), transient: isTransient(error), verdict: isVerdictOnRequest(error) }).toEqual({
      created,
      unusable,
      transient,
      verdict,
    });
  });
});
