import { describe, expect, it } from 'vitest';
import type { CardReason } from '../../src/report/report-data.js';
import { describeCardReason } from '../../src/report/render-report.js';

/** The words of every card reason, as the contact sheet shows them. Keyed by code: a new code does not compile until it has its row. */
const TABLE: { readonly [C in CardReason['code']]: readonly (readonly [Extract<CardReason, { code: C }>, string])[] } = {
  'not-rendered': [[{ code: 'not-rendered' }, 'not rendered yet']],
  failed: [
    [{ code: 'failed', error: { code: 'moderation_blocked', message: 'blocked' } }, 'blocked (moderation_blocked)'],
    [{ code: 'failed', error: null }, 'failed without a reason from the server'],
  ],
  'in-flight': [
    [{ code: 'in-flight', lock: 'creating' }, 'still being created on the server; run render to finish it'],
    [{ code: 'in-flight', lock: 'in_progress' }, 'still in progress on the server; run render to finish it'],
  ],
  'file-missing': [[{ code: 'file-missing', file: 'thumbnail' }, 'thumbnail file missing; render downloads it again while the server keeps the video']],
  run: [[{ code: 'run', message: 'not sent, because a failed' }, 'not sent, because a failed']],
  interrupted: [[{ code: 'interrupted' }, 'not started: the run was interrupted']],
};

describe('card reasons in words', () => {
  it.each(
    Object.values(TABLE)
      .flat()
      .map(([reason, words]) => [describeCardReason(reason), words] as const),
  )('%s', (said, words) => {
    expect(said).toBe(words);
  });
});
