import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_UNIX_SECONDS, normalizeStatus, parseVideo, parseVideoList, VideoShapeError } from '../../src/api/video.js';
import { parseLockfile } from '../../src/lockfile/parse-lockfile.js';
import { wireVideo } from './server.js';

const aliases = { processing: 'in_progress' } as const;

describe('normalizeStatus', () => {
  it.each([
    ['queued', 'queued'],
    ['in_progress', 'in_progress'],
    ['completed', 'completed'],
    ['failed', 'failed'],
    ['processing', 'in_progress'],
    ['cancelled', 'failed'],
    ['canceled', 'failed'],
    ['expired', 'failed'],
    ['deleted', 'failed'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeStatus(raw, aliases)).toBe(expected);
  });

  it('does not take inherited keys for aliases', () => {
    expect(normalizeStatus('constructor', {})).toBe('failed');
  });
});

describe('parseVideo', () => {
  it('converts the wire object', () => {
    expect(parseVideo(wireVideo({ status: 'processing', extra_key: { any: 1 } }), aliases)).toEqual({
      id: 'video_abc123',
      status: 'in_progress',
      serverStatus: 'processing',
      model: 'sora-2',
      progress: 0,
      createdAt: 1_758_941_485,
      completedAt: null,
      expiresAt: null,
      prompt: 'a mug on a counter',
      size: '1280x720',
      seconds: '8',
      remixedFromVideoId: null,
      error: null,
    });
  });

  it('tolerates missing nullable keys and numeric seconds (vLLM-Omni, SGLang)', () => {
    const v = parseVideo({ id: 'video_gen_1', object: 'video', status: 'failed', seconds: 4, size: null, error: { code: 500, message: 'boom' } }, {});
    expect(v).toMatchObject({ seconds: '4', size: null, prompt: null, createdAt: null, progress: null, error: { code: '500', message: 'boom' } });
  });

  it.each([
    ['not an object', 'hello', /expected a Video object/],
    ['an array', [wireVideo()], /expected a Video object/],
    ['no id', { ...wireVideo(), id: undefined }, /"id" must be a non-empty string/],
    ['no status', { ...wireVideo(), status: undefined }, /"status"/],
    ['another object', wireVideo({ object: 'list' }), /"object": "video"/],
    ['created_at as text', wireVideo({ created_at: 'yesterday' }), /"created_at" must be a number/],
    ['error as text', wireVideo({ error: 'bad' }), /"error" must be/],
  ])('rejects %s', (_name, value, message) => {
    expect(() => parseVideo(value, {})).toThrow(VideoShapeError);
    expect(() => parseVideo(value, {})).toThrow(message);
  });
});

describe('parseVideoList', () => {
  it('reads cursors, and a missing has_more as false', () => {
    const list = parseVideoList({ object: 'list', data: [wireVideo()], first_id: 'video_abc123', last_id: 'video_abc123', has_more: true }, {});
    expect(list).toMatchObject({ firstId: 'video_abc123', lastId: 'video_abc123', hasMore: true });
    expect(parseVideoList({ object: 'list', data: [] }, {})).toEqual({ data: [], firstId: null, lastId: null, hasMore: false });
  });

  it('names the bad item', () => {
    expect(() => parseVideoList({ data: [wireVideo(), { id: 3 }] }, {})).toThrow(/data\[1\]: "id"/);
  });
});

describe("a server's timestamps", () => {
  it('outside what a date (and the lockfile) can hold are unknown; fractions are whole seconds; progress stays within 0–100', () => {
    const video = parseVideo(wireVideo({ created_at: 99_999_999_999_999_999, completed_at: -5, expires_at: 1_758_941_485.9, progress: 1e300 }), aliases);
    expect(video).toMatchObject({ createdAt: null, completedAt: null, expiresAt: 1_758_941_485, progress: 100 });
  });

  it('500 servers sending any finite number: what is kept fits the lockfile schema, which the next run must read', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.integer(),
          fc.constantFrom(0, MAX_UNIX_SECONDS, MAX_UNIX_SECONDS + 1, 99_999_999_999_999_999, -1),
        ),
        (value) => {
          const video = parseVideo(wireVideo({ status: 'completed', created_at: value, expires_at: value }), aliases);
          const entry = {
            fingerprint: `sha256:${'0'.repeat(64)}`,
            request: { provider: 'p', model: null, size: '1280x720', seconds: '8', prompt: 'x' },
            video_id: video.id,
            remixed_from: null,
            status: video.status,
            created_at: video.createdAt,
            expires_at: video.expiresAt,
            cost_usd: null,
            error: null,
            outputs: {},
          };
          expect(() => parseLockfile(JSON.stringify({ lockfileVersion: 1, name: 'x', jobs: { a: entry } }), 'x.lock.json')).not.toThrow();
        },
      ),
      { numRuns: 500, seed: 20_261_122 },
    );
  });
});
