import { describe, expect, it } from 'vitest';
import { backoffDelayMs, decideRetry, defaultRetryPolicy, serverDelayMs, type AttemptOutcome } from '../../src/api/retry-policy.js';

const policy = defaultRetryPolicy;
const status = (s: number, extra: Partial<Extract<AttemptOutcome, { kind: 'status' }>> = {}): AttemptOutcome => ({
  kind: 'status',
  status: s,
  serverCodes: [],
  shouldRetry: null,
  serverDelayMs: null,
  ...extra,
});

describe('backoffDelayMs', () => {
  it('doubles from the base, caps at the max, and jitters down by up to 25 %', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelayMs(policy, n, 0))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffDelayMs(policy, 2, 1)).toBe(1500);
    expect(backoffDelayMs(policy, 2, 0.5)).toBe(1750);
  });
});

describe('serverDelayMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('prefers retry-after-ms over retry-after', () => {
    expect(serverDelayMs({ retryAfterMs: '250', retryAfter: '7' }, now)).toBe(250);
  });
  it('reads retry-after as seconds or as an HTTP date', () => {
    expect(serverDelayMs({ retryAfterMs: undefined, retryAfter: '7' }, now)).toBe(7000);
    expect(serverDelayMs({ retryAfterMs: undefined, retryAfter: 'Thu, 01 Jan 2026 00:00:30 GMT' }, now)).toBe(30_000);
    expect(serverDelayMs({ retryAfterMs: undefined, retryAfter: 'Wed, 31 Dec 2025 23:00:00 GMT' }, now)).toBe(0);
  });
  it('ignores garbage and absence', () => {
    expect(serverDelayMs({ retryAfterMs: 'soon', retryAfter: undefined }, now)).toBeNull();
    expect(serverDelayMs({ retryAfterMs: '-5', retryAfter: 'later' }, now)).toBeNull();
    expect(serverDelayMs({ retryAfterMs: undefined, retryAfter: undefined }, now)).toBeNull();
  });
});

describe('decideRetry', () => {
  const ctx = (idempotent: boolean, retriesSoFar = 0) => ({ idempotent, retriesSoFar, random: () => 0 });
  const retries = (o: AttemptOutcome, idempotent: boolean) => decideRetry(policy, o, ctx(idempotent)).retry;

  it.each([
    ['not-sent', { kind: 'not-sent' } as const, true, true],
    ['connection lost', { kind: 'connection-lost' } as const, true, false],
    ['timeout', { kind: 'timeout' } as const, true, false],
    ['truncated', { kind: 'truncated' } as const, true, false],
    ['500', status(500), true, false],
    ['503', status(503), true, false],
    ['408', status(408), true, false],
    ['409', status(409), true, false],
    ['429', status(429), true, true],
    ['429 insufficient_quota', status(429, { serverCodes: ['insufficient_quota'] }), false, false],
    ['400', status(400), false, false],
    ['401', status(401), false, false],
    ['404', status(404), false, false],
    ['422', status(422), false, false],
    ['400 with x-should-retry: true', status(400, { shouldRetry: true }), true, false],
    ['503 with x-should-retry: false', status(503, { shouldRetry: false }), false, false],
    ['429 with x-should-retry: false', status(429, { shouldRetry: false }), false, false],
    ['insufficient_quota with x-should-retry: true', status(429, { serverCodes: ['insufficient_quota'], shouldRetry: true }), false, false],
    ['unknown error', { kind: 'other' } as const, false, false],
  ])('%s: idempotent %s, create %s', (_name, outcome, idempotent, create) => {
    expect(retries(outcome, true)).toBe(idempotent);
    expect(retries(outcome, false)).toBe(create);
  });

  it('uses the server delay, capped, over the computed backoff', () => {
    expect(decideRetry(policy, status(429, { serverDelayMs: 3000 }), ctx(true))).toEqual({ retry: true, delayMs: 3000 });
    expect(decideRetry(policy, status(503, { serverDelayMs: 600_000 }), ctx(true))).toEqual({ retry: true, delayMs: 60_000 });
    expect(decideRetry(policy, status(503), ctx(true, 1))).toEqual({ retry: true, delayMs: 1000 });
  });

  it('stops after maxRetries', () => {
    expect(decideRetry(policy, status(503), ctx(true, policy.maxRetries))).toEqual({ retry: false });
    expect(decideRetry({ ...policy, maxRetries: 0 }, { kind: 'not-sent' }, ctx(false))).toEqual({ retry: false });
  });

  it('reads which statuses to retry from the policy', () => {
    const strict = { ...policy, retryStatuses: [429], retryServerErrors: false };
    expect(decideRetry(strict, status(503), ctx(true)).retry).toBe(false);
    expect(decideRetry(strict, status(409), ctx(true)).retry).toBe(false);
    expect(decideRetry(strict, status(429), ctx(true)).retry).toBe(true);
  });
});
