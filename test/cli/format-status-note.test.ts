import { describe, expect, it } from 'vitest';
import { describeStatusNote } from '../../src/cli/format-status.js';
import type { StatusNote, StatusNoteCode } from '../../src/status/status-note.js';

/**
 * The words of every status note, as `status` shows them. Keyed by code, so a new code does not
 * compile until its sentence is written here.
 */
const TABLE: { readonly [C in StatusNoteCode]: readonly (readonly [Extract<StatusNote, { code: C }>, string])[] } = {
  orphan: [[{ code: 'orphan' }, 'no longer in the storyboard; a full render drops it from the lockfile']],
  'not-rendered': [
    [{ code: 'not-rendered', blocked: null }, 'not rendered yet'],
    [{ code: 'not-rendered', blocked: { code: 'parent-blocked', parent: 'p' } }, 'not rendered yet: parent p is blocked'],
  ],
  failed: [
    [{ code: 'failed', message: 'blocked by moderation' }, 'failed: blocked by moderation'],
    [{ code: 'failed', message: null }, 'failed'],
  ],
  'in-flight': [[{ code: 'in-flight', lock: 'in_progress' }, 'in flight (in_progress)']],
  'file-missing': [[{ code: 'file-missing' }, 'file missing']],
  'file-altered': [[{ code: 'file-altered' }, 'file altered on disk (sha256 differs from the lockfile)']],
  plan: [[{ code: 'plan', reason: { code: 'request-changed', changed: ['prompt'] } }, 'prompt changed']],
  renamed: [[{ code: 'renamed', from: 'a' }, 'recorded as a, renamed since (same request)']],
  'render-will': [
    [{ code: 'render-will', action: 'render' }, 'render will render it again'],
    [{ code: 'render-will', action: 'download' }, 'render will download it'],
    [{ code: 'render-will', action: 'resume' }, 'render will resume it'],
    [{ code: 'render-will', action: 'move' }, 'render will move it to this id and rename its files (nothing is sent)'],
    [{ code: 'render-will', action: 'failed' }, 'render will not send it again until its request changes (--retry-failed sends it)'],
  ],
  'thumbnail-missing': [[{ code: 'thumbnail-missing' }, 'thumbnail missing']],
  'thumbnail-altered': [[{ code: 'thumbnail-altered' }, 'thumbnail altered on disk']],
  'remote-missing': [[{ code: 'remote-missing', output: 'thumbnail' }, 'thumbnail not on the remote (shotlist push uploads it)']],
  'held-by': [[{ code: 'held-by', server: 'east' }, 'on east']],
  'video-expired': [
    [{ code: 'video-expired', checked: true, secondsAgo: 10_800 }, 'video expired on the server 3 h ago'],
    [{ code: 'video-expired', checked: false, secondsAgo: null }, 'video expired per the lockfile'],
  ],
  'video-expiring': [[{ code: 'video-expiring', checked: false, inSeconds: 3000 }, 'video expires per the lockfile in 50 min']],
  'video-gone': [[{ code: 'video-gone' }, 'video gone from the server (404)']],
  'video-failed': [[{ code: 'video-failed', checked: true }, 'video failed on the server']],
  'video-rendering': [[{ code: 'video-rendering', checked: false }, 'video still rendering per the lockfile']],
  'video-completed': [[{ code: 'video-completed', checked: true }, 'video completed on the server']],
};

describe('status notes in words', () => {
  const rows = Object.values(TABLE).flat();
  it.each(rows.map(([note, words]) => [describeStatusNote(note), words] as const))('%s', (said, words) => {
    expect(said).toBe(words);
  });
});
