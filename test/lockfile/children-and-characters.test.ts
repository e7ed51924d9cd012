import { describe, expect, it } from 'vitest';
import { LockfileError } from '../../src/errors.js';
import { changedFields, fingerprintOf, type JobRequest } from '../../src/lockfile/fingerprint.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/parse-lockfile.js';

/**
 * The lockfile's records of edits, extensions, continuations and characters: written in a fixed
 * order and read back as written, refused where a tampered value could steer a request, and
 * counted in the fingerprint (a new parent video, frame or character id renders the job again;
 * requests without them keep the fingerprints they had).
 */

const SHA = 'a'.repeat(64);
const base: JobRequest = { provider: 'emulator', model: 'sora-2', size: '1280x720', seconds: '4', prompt: 'Mossy sits by the window.' };
const continuation: JobRequest = {
  ...base,
  parent: { kind: 'continue', job: 'enter', video_id: 'video_1', frame: { path: 'renders/s/frames/sit.last.png', sha256: SHA } },
  characters: [{ name: 'Mossy', id: 'char_0123' }],
};
const extension: JobRequest = { ...base, parent: { kind: 'extend', job: 'sit', video_id: 'video_2', total_seconds: '8' } };

function lockWith(request: JobRequest): Lockfile {
  return {
    lockfileVersion: 1,
    name: 's',
    characters: [{ name: 'Mossy', clip_sha256: SHA, provider: 'emulator', id: 'char_0123', created_at: 1_700_000_000 }],
    jobs: {
      sit: {
        fingerprint: fingerprintOf(request),
        request,
        video_id: 'video_3',
        remixed_from: null,
        status: 'completed',
        created_at: 1,
        expires_at: null,
        cost_usd: 0.4,
        error: null,
        outputs: {},
      },
    },
  };
}

describe('lockfile records of children and characters', () => {
  it('round-trips, characters before jobs, keys in a fixed order', () => {
    for (const request of [continuation, extension]) {
      const text = serializeLockfile(lockWith(request));
      expect(parseLockfile(text, 'l')).toEqual(lockWith(request));
      expect(serializeLockfile(parseLockfile(text, 'l'))).toBe(text);
      expect(text.indexOf('"characters"')).toBeLessThan(text.indexOf('"jobs"'));
    }
    expect(serializeLockfile({ lockfileVersion: 1, name: 's', jobs: {} })).not.toContain('characters');
  });

  it('refuses a character id of another form, and a parent of an unknown kind, saying where', () => {
    const text = serializeLockfile(lockWith(continuation));
    const badId = text.replace('"id": "char_0123",\n', '"id": "../../videos",\n');
    expect(badId).not.toBe(text);
    expect(() => parseLockfile(badId, 'l')).toThrow(LockfileError);
    expect(() => parseLockfile(badId, 'l')).toThrow(/^l:\d+:\d+ characters\[0\]\.id/);
    const badKind = text.replace('"kind": "continue"', '"kind": "splice"');
    expect(() => parseLockfile(badKind, 'l')).toThrow(/request\.parent\.kind/);
  });

  it('counts the parent video, the frame and the character ids in the fingerprint', () => {
    const fp = fingerprintOf(continuation);
    const otherVideo = { ...continuation, parent: { ...continuation.parent!, video_id: 'video_9' } };
    const otherFrame = { ...continuation, parent: { ...continuation.parent!, frame: { path: 'renders/s/frames/sit.last.png', sha256: 'b'.repeat(64) } } };
    const otherCharacter = { ...continuation, characters: [{ name: 'Mossy', id: 'char_4567' }] };
    const renamedFrame = { ...continuation, parent: { ...continuation.parent!, frame: { path: 'elsewhere.png', sha256: SHA } } };
    expect(fingerprintOf(otherVideo)).not.toBe(fp);
    expect(fingerprintOf(otherFrame)).not.toBe(fp);
    expect(fingerprintOf(otherCharacter)).not.toBe(fp);
    // The frame counts by its bytes, not where it lies.
    expect(fingerprintOf(renamedFrame)).toBe(fp);
    expect(changedFields(continuation, otherVideo)).toEqual(['parent video']);
    expect(changedFields(continuation, otherFrame)).toEqual(['parent frame']);
    expect(changedFields(continuation, otherCharacter)).toEqual(['characters']);
    expect(changedFields(continuation, extension)).toEqual(['parent kind', 'characters']);
    // A request of none of them keeps the fingerprint it always had.
    expect(fingerprintOf(base)).toBe(fingerprintOf({ ...base }));
    expect(fingerprintOf({ ...base, parent: undefined } as unknown as JobRequest)).toBe(fingerprintOf(base));
  });
});
