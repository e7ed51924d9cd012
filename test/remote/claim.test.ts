import { describe, expect, it } from 'vitest';
import {
  CLAIM_CLOCK_SKEW_MS,
  CLAIM_LEASE_MS,
  CLAIM_RENEW_MS,
  decideOnClaim,
  newClaimRecord,
  parseClaim,
  serializeClaim,
  type ClaimIdentity,
  type ClaimRecord,
} from '../../src/remote/index.js';

/** The pure part of claims: the record, its parsing (untrusted input) and the decision on meeting one. */

const FP = `sha256:${'ab'.repeat(32)}`;
const ME: ClaimIdentity = { owner: '1'.repeat(32), host: 'laptop', pid: 100 };
const THEM: ClaimIdentity = { owner: '2'.repeat(32), host: 'ci-runner', pid: 200 };
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

function theirs(overrides: Partial<ClaimRecord> = {}): ClaimRecord {
  return { ...newClaimRecord(FP, THEM, T0), ...overrides };
}

describe('decideOnClaim', () => {
  const cases: [string, Parameters<typeof decideOnClaim>[0], ReturnType<typeof decideOnClaim>][] = [
    ['no claim: create it', { claim: null, me: ME, nowMs: T0, firstSeenMs: T0 }, { action: 'create' }],
    ['my own claim', { claim: { record: newClaimRecord(FP, ME, T0), version: '1' }, me: ME, nowMs: T0, firstSeenMs: T0 }, { action: 'own' }],
    [
      'a claim with a video: adopt it, however old',
      {
        claim: { record: theirs({ video_id: 'video_123', server: 'http://gpu-2:8091/v1' }), version: '3' },
        me: ME,
        nowMs: T0 + 30 * 86_400_000,
        firstSeenMs: T0,
      },
      { action: 'adopt', videoId: 'video_123', server: 'http://gpu-2:8091/v1', holder: { host: 'ci-runner', pid: 200, since: new Date(T0).toISOString() } },
    ],
    [
      'a claim whose video is gone: take it over, no reconcile (nothing to find)',
      { claim: { record: theirs({ video_id: 'video_123' }), version: '3' }, me: ME, nowMs: T0, firstSeenMs: T0, videoGone: true },
      { action: 'take-over', reason: 'video-gone', reconcile: false, since: null },
    ],
    [
      'a live claim without a video: wait until the next renewal',
      { claim: { record: theirs(), version: '1' }, me: ME, nowMs: T0 + 5_000, firstSeenMs: T0 + 5_000 },
      { action: 'wait', retryAfterMs: CLAIM_RENEW_MS, holder: { host: 'ci-runner', pid: 200, since: new Date(T0).toISOString() } },
    ],
    [
      'watched unchanged for almost a lease: wait for the rest of it',
      { claim: { record: theirs(), version: '1' }, me: ME, nowMs: T0 + CLAIM_LEASE_MS - 10_000, firstSeenMs: T0 },
      { action: 'wait', retryAfterMs: 10_000, holder: { host: 'ci-runner', pid: 200, since: new Date(T0).toISOString() } },
    ],
    [
      'watched unchanged for a whole lease: take over after the reconcile search',
      { claim: { record: theirs(), version: '1' }, me: ME, nowMs: T0 + CLAIM_LEASE_MS, firstSeenMs: T0 },
      { action: 'take-over', reason: 'lapsed', reconcile: true, since: new Date(T0).toISOString() },
    ],
    [
      'renewed long ago by the owner’s clock (beyond lease + skew): lapsed without watching',
      {
        claim: { record: theirs(), version: '1' },
        me: ME,
        nowMs: T0 + CLAIM_LEASE_MS + CLAIM_CLOCK_SKEW_MS,
        firstSeenMs: T0 + CLAIM_LEASE_MS + CLAIM_CLOCK_SKEW_MS,
      },
      { action: 'take-over', reason: 'lapsed', reconcile: true, since: new Date(T0).toISOString() },
    ],
    [
      'an owner whose clock runs an hour behind is not taken over on sight',
      { claim: { record: theirs(), version: '1' }, me: ME, nowMs: T0 + CLAIM_CLOCK_SKEW_MS, firstSeenMs: T0 + CLAIM_CLOCK_SKEW_MS },
      { action: 'wait', retryAfterMs: CLAIM_RENEW_MS, holder: { host: 'ci-runner', pid: 200, since: new Date(T0).toISOString() } },
    ],
    [
      'a released claim: take it at once',
      { claim: { record: theirs({ released: true }), version: '2' }, me: ME, nowMs: T0, firstSeenMs: T0 },
      { action: 'take-over', reason: 'released', reconcile: false, since: null },
    ],
    [
      'an unreadable claim: wait, never adopt',
      { claim: { record: null, version: '1' }, me: ME, nowMs: T0, firstSeenMs: T0 },
      { action: 'wait', retryAfterMs: CLAIM_RENEW_MS, holder: null },
    ],
    [
      'an unreadable claim watched for a lease: take over, reconcile over any time',
      { claim: { record: null, version: '1' }, me: ME, nowMs: T0 + CLAIM_LEASE_MS, firstSeenMs: T0 },
      { action: 'take-over', reason: 'unreadable', reconcile: true, since: null },
    ],
  ];
  it.each(cases)('%s', (_name, meeting, expected) => {
    expect(decideOnClaim(meeting)).toEqual(expected);
  });
});

describe('parseClaim', () => {
  const good = theirs({ video_id: 'video_abc', server: 'https://gpu.example/v1' });

  it('reads back what serializeClaim wrote', () => {
    expect(parseClaim(serializeClaim(good), FP)).toEqual(good);
    expect(serializeClaim(good)).toBe(`${JSON.stringify(good)}\n`);
  });

  const broken: [string, string][] = [
    ['not JSON', '{"claim_version":1,'],
    ['an array', '[]'],
    ['another fingerprint', serializeClaim({ ...good, fingerprint: `sha256:${'cd'.repeat(32)}` })],
    ['a newer format', serializeClaim({ ...good, claim_version: 2 as 1 })],
    ['an owner that is no token', serializeClaim({ ...good, owner: 'me' })],
    ['a video id with spaces', serializeClaim({ ...good, video_id: 'video 1' })],
    ['a server with credentials', serializeClaim({ ...good, server: 'https://user:pw@gpu.example/v1' })],
    ['a server that is not http', serializeClaim({ ...good, server: 'file:///etc/passwd' })],
    ['a time that is no time', serializeClaim({ ...good, renewed_at: 'yesterday' })],
    ['a huge document', `${serializeClaim(good).slice(0, -2)},"pad":"${'x'.repeat(20_000)}"}`],
    ['a prototype trick', '{"__proto__":{"released":true}}'],
  ];
  it.each(broken)('treats %s as unreadable', (_name, text) => {
    expect(parseClaim(text, FP)).toBeNull();
  });
});
