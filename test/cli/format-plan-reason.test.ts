import { describe, expect, it } from 'vitest';
import { describePlanReason } from '../../src/cli/format-plan-reason.js';
import type { PlanReason, PlanReasonCode } from '../../src/plan/plan-reason.js';

/**
 * The words of every plan reason, as `plan` shows them. Keyed by code, so a new code does not
 * compile until its sentence is written here.
 */
const TABLE: { readonly [C in PlanReasonCode]: readonly (readonly [Extract<PlanReason, { code: C }>, string])[] } = {
  new: [[{ code: 'new' }, 'new job']],
  replace: [[{ code: 'replace' }, 'forced by --replace']],
  'remixed-video-gone': [
    [{ code: 'remixed-video-gone', remix: 'b', gone: { code: 'expired' } }, 'its video expired on the server and b remixes it'],
    [
      { code: 'remixed-video-gone', remix: 'b', gone: { code: 'dropped', server: 'east' } },
      "its video is on east, no longer among the provider's servers, and b remixes it",
    ],
  ],
  'on-remote': [
    [{ code: 'on-remote', file: 'missing' }, 'file missing; the remote holds it'],
    [{ code: 'on-remote', file: 'altered' }, 'file altered on disk; the remote holds it'],
  ],
  'parent-renders': [[{ code: 'parent-renders' }, 'parent renders again']],
  'request-changed': [
    [{ code: 'request-changed', changed: ['prompt', 'seconds'] }, 'prompt, seconds changed'],
    [{ code: 'request-changed', changed: [] }, 'request changed'],
  ],
  'in-flight-dropped': [[{ code: 'in-flight-dropped', server: 'east' }, "in flight on east, no longer among the provider's servers"]],
  'last-attempt-failed': [[{ code: 'last-attempt-failed', error: 'internal_error' }, 'the last attempt failed (internal_error)']],
  'retry-failed': [[{ code: 'retry-failed', error: 'moderation_blocked' }, 'the last attempt failed (moderation_blocked); sent again by --retry-failed']],
  'refresh-always': [[{ code: 'refresh-always' }, 'refresh: always']],
  'refresh-due': [[{ code: 'refresh-due', every: 'daily', ageSeconds: 90_000 }, 'refresh due (daily; the take is 25 h old)']],
  'take-gone': [
    [{ code: 'take-gone', file: 'missing', gone: { code: 'expired', secondsAgo: 115_200 } }, 'file missing and the video expired on the server 32 h ago'],
    [
      { code: 'take-gone', file: 'altered', gone: { code: 'expired', secondsAgo: -30 } },
      'file altered on disk and the video expires on the server within minutes',
    ],
    [
      { code: 'take-gone', file: 'missing', gone: { code: 'dropped', server: 'east' } },
      "file missing and the video is on east, no longer among the provider's servers",
    ],
  ],
  'in-flight': [[{ code: 'in-flight', videoId: 'video_1' }, 'in flight as video_1; resumed, never created again']],
  'maybe-created': [[{ code: 'maybe-created' }, 'a create may have reached the server; looked for before any new create']],
  'retry-ambiguous': [
    [
      { code: 'retry-ambiguous' },
      'a create may have reached the server, which cannot be searched for it; created again by --retry-ambiguous (it may be paid twice)',
    ],
  ],
  'ambiguous-create': [
    [{ code: 'ambiguous-create' }, 'a create may have reached the server, which cannot be searched for it; not sent again without --retry-ambiguous'],
  ],
  'failed-for-good': [
    [
      { code: 'failed-for-good', error: { code: 'moderation_blocked', message: 'blocked' } },
      'moderation_blocked: blocked; not sent again until the request changes, or with --retry-failed',
    ],
    [{ code: 'failed-for-good', error: null }, 'failed; not sent again until the request changes, or with --retry-failed'],
  ],
  'up-to-date': [[{ code: 'up-to-date' }, 'up to date']],
  'file-missing': [[{ code: 'file-missing' }, 'file missing']],
  'file-altered': [[{ code: 'file-altered' }, 'file altered on disk']],
  moved: [
    [{ code: 'moved', from: 'a', then: null }, 'moved from a'],
    [{ code: 'moved', from: 'a', then: { code: 'file-altered' } }, 'moved from a; file altered on disk'],
    [{ code: 'moved', from: 'a', then: { code: 'in-flight', videoId: 'video_1' } }, 'moved from a; in flight as video_1, resumed'],
    [{ code: 'moved', from: 'a', then: { code: 'maybe-created' } }, 'moved from a; a create may have reached the server, looked for first'],
    [
      { code: 'moved', from: 'a', then: { code: 'failed-for-good', error: null } },
      'moved from a; failed; not sent again until the request changes, or with --retry-failed',
    ],
  ],
  frozen: [
    [{ code: 'frozen', file: 'intact', changed: [] }, 'frozen'],
    [{ code: 'frozen', file: 'intact', changed: ['prompt'] }, 'frozen (kept although prompt changed)'],
    [{ code: 'frozen', file: 'missing', changed: [] }, 'frozen; file missing'],
  ],
  'frozen-take-gone': [
    [
      { code: 'frozen-take-gone', file: 'missing', gone: { code: 'expired' }, changed: [] },
      'frozen, but the take is gone: file missing and the video expired on the server',
    ],
  ],
  'parent-not-selected': [
    [{ code: 'parent-not-selected', parent: 'p', why: { code: 'no-video' } }, 'parent p is not selected by --only and has no video yet'],
    [
      { code: 'parent-not-selected', parent: 'p', why: { code: 'video-gone', gone: { code: 'expired' } } },
      'parent p is not selected by --only and its video expired on the server; select it too to render it again',
    ],
    [
      { code: 'parent-not-selected', parent: 'p', why: { code: 'in-flight' } },
      'parent p is not selected by --only and is still in flight; render it (or select it too) first',
    ],
    [
      { code: 'parent-not-selected', parent: 'p', why: { code: 'renders', reason: { code: 'request-changed', changed: ['prompt'] } } },
      'parent p is not selected by --only and must render again first (prompt changed)',
    ],
    [
      { code: 'parent-not-selected', parent: 'p', why: { code: 'failed', error: 'invalid_value' } },
      'parent p is not selected by --only and failed (invalid_value)',
    ],
    [
      { code: 'parent-not-selected', parent: 'p', why: { code: 'blocked', reason: { code: 'parent-blocked', parent: 'q' } } },
      'parent p is not selected by --only and is blocked (parent q is blocked)',
    ],
  ],
  'parent-blocked': [[{ code: 'parent-blocked', parent: 'p' }, 'parent p is blocked']],
  'parent-failed': [[{ code: 'parent-failed', parent: 'p', error: 'invalid_value' }, 'parent p failed (invalid_value) and is not sent again']],
};

describe('plan reasons in words', () => {
  const rows = Object.values(TABLE).flat();
  it.each(rows.map(([reason, words]) => [describePlanReason(reason), words] as const))('%s', (said, words) => {
    expect(said).toBe(words);
  });
});
