import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVideosClient, defaultRetryPolicy, ResponseFormatError } from '../../src/api/index.js';
import { UsageError } from '../../src/errors.js';
import { serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { emulatorProfile, litellmProfile, vllmOmniProfile } from '../../src/providers/builtin.js';
import { isVideoId } from '../../src/providers/video-id.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { sendJson, startServer, wireVideo, type TestServer } from '../api/server.js';
import { completedLockfile, writeFakeOutputs } from '../helpers/campaign-lock.js';
import { runCli } from '../helpers/cli.js';
import { brokenPromises, examplesProject, FUZZ_SEED } from './helpers.js';

/**
 * Video ids come from servers and lockfiles, and go back into URL paths and the lockfile: each
 * protocol's form is checked where an id is read (a `../../x` id, one with a NUL or a slash
 * where the protocol has none, an empty one), and a retrieve answered with another video's id
 * is an error, never that video's state recorded for this one.
 */

const HOSTILE_IDS = [
  '../../etc/passwd',
  '..',
  '.',
  '',
  'video_',
  'video_../x',
  'video_a/b',
  'video_a b',
  'video_a\u0000b',
  'video_a%2F..',
  `video_${'a'.repeat(300)}`,
  'VIDEO_abc',
  'file-123',
  'video_é',
];

describe('ids a server answers', () => {
  let server: TestServer;
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  beforeAll(async () => {
    server = await startServer((_req, res) => sendJson(res, answer.status, answer.body));
  });
  afterAll(() => server.close());
  const client = () => createVideosClient({ profile: emulatorProfile, baseUrl: server.baseUrl, apiKey: null, retry: { ...defaultRetryPolicy, maxRetries: 0 } });

  it('create, retrieve, list, remix: an id (or remixed_from, or a list cursor) not of the form is a malformed answer', async () => {
    const c = client();
    for (const id of HOSTILE_IDS) {
      answer = { status: 200, body: wireVideo({ id }) };
      await expect(c.retrieve('video_abc123'), id).rejects.toBeInstanceOf(ResponseFormatError);
      answer = { status: 200, body: { object: 'list', data: [wireVideo({ id })], has_more: false } };
      await expect(c.list(), id).rejects.toBeInstanceOf(ResponseFormatError);
      answer = { status: 200, body: { object: 'list', data: [wireVideo()], last_id: id, has_more: true } };
      await expect(c.list(), id).rejects.toBeInstanceOf(ResponseFormatError);
      answer = { status: 200, body: wireVideo({ id: 'video_new', remixed_from_video_id: id }) };
      await expect(c.retrieve('video_new'), id).rejects.toBeInstanceOf(ResponseFormatError);
    }
    await c.close();
  });

  it("a retrieve answered with another video's id, a remix answered about another source or with the source itself, a delete answered about another video: errors", async () => {
    const c = client();
    answer = { status: 200, body: wireVideo({ id: 'video_other' }) };
    const wrong = await c.retrieve('video_abc123').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ResponseFormatError);
    expect((wrong as Error).message).toContain('answered with video video_other, asked for video_abc123');
    answer = { status: 200, body: wireVideo({ id: 'video_new', remixed_from_video_id: 'video_elsewhere' }) };
    await expect(c.remix('video_abc123', 'p')).rejects.toThrow(/answered with a remix of video_elsewhere, asked to remix video_abc123/);
    answer = { status: 200, body: wireVideo({ id: 'video_abc123' }) };
    await expect(c.remix('video_abc123', 'p')).rejects.toThrow(/the id of the video to remix/);
    answer = { status: 200, body: { id: 'video_other', object: 'video.deleted', deleted: true } };
    await expect(c.delete('video_abc123')).rejects.toThrow(/answered about video video_other, asked to delete video_abc123/);
    await c.close();
  });

  it('an id not of the form never reaches a URL path: refused before anything is sent', async () => {
    const c = client();
    const before = server.seen.length;
    for (const id of HOSTILE_IDS) {
      for (const call of [() => c.retrieve(id), () => c.delete(id), () => c.remix(id, 'p'), () => c.download(id, 'video', '/nonexistent/x.mp4')]) {
        await expect(call(), id).rejects.toBeInstanceOf(UsageError);
      }
    }
    expect(server.seen.length - before).toBe(0);
    await c.close();
  });

  it("each protocol's own form: LiteLLM's base64 ids (with / + =), vLLM-Omni's video_gen_ ids", () => {
    expect(isVideoId('video-base64', 'video_bGl0ZWxsbTpj/dXN0b20+=')).toBe(true);
    expect(isVideoId('video', 'video_bGl0ZWxsbTpj/dXN0b20+=')).toBe(false);
    expect(isVideoId('video', 'video_gen_0123456789abcdef0123456789abcdef')).toBe(true);
    expect(litellmProfile.videoIdForm).toBe('video-base64');
    expect(vllmOmniProfile.videoIdForm ?? 'video').toBe('video');
    for (const id of HOSTILE_IDS.filter((id) => id !== 'video_a/b' && !id.startsWith('video_aaa'))) expect(isVideoId('video-base64', id), id).toBe(false);
    for (const id of ['..', '.', '', '../x', 'a/b', 'a b']) expect(isVideoId('opaque', id), id).toBe(false);
    expect(isVideoId('opaque', '3f2a8c1e-9b7d-4e2f-8a6c-1d2e3f4a5b6c')).toBe(true);
  });
});

describe('ids a lockfile records', () => {
  let project: Awaited<ReturnType<typeof examplesProject>>;
  let lock: Lockfile;
  beforeAll(async () => {
    project = await examplesProject();
    const { loaded } = await loadStoryboard('quickstart.yaml', { cwd: project.dir });
    lock = completedLockfile(loaded!, Date.UTC(2026, 10, 22) / 1000);
    await writeFakeOutputs(project.dir, lock);
  });
  afterAll(() => project?.cleanup());

  it('video_id, remixed_from and the request parent: one not of the form is refused at its line and column', async () => {
    const hero = 'hero[product=mug]';
    const dusk = 'hero-dusk[product=mug]';
    const cases: [string, (id: string) => Lockfile][] = [
      ['video_id', (id) => ({ ...lock, jobs: { ...lock.jobs, [hero]: { ...lock.jobs[hero]!, video_id: id } } })],
      ['remixed_from', (id) => ({ ...lock, jobs: { ...lock.jobs, [dusk]: { ...lock.jobs[dusk]!, remixed_from: id } } })],
      [
        'request.remix_of.video_id',
        (id) => ({
          ...lock,
          jobs: { ...lock.jobs, [dusk]: { ...lock.jobs[dusk]!, request: { ...lock.jobs[dusk]!.request, remix_of: { job: hero, video_id: id } } } },
        }),
      ],
    ];
    for (const [field, edit] of cases) {
      for (const id of ['../../etc/passwd', '..', 'video_a/b', 'video_a\nb']) {
        await writeFile(path.join(project.dir, 'quickstart.lock.json'), serializeLockfile(edit(id)));
        for (const argv of [
          ['plan', 'quickstart.yaml'],
          ['status', 'quickstart.yaml', '--offline'],
        ]) {
          const run = await runCli(argv, { cwd: project.dir, env: { NO_COLOR: '1' } });
          expect(brokenPromises(run, [2]), `${field} ${JSON.stringify(id)}: ${run.stderr}`).toEqual([]);
          expect(run.stderr).toMatch(
            new RegExp(
              `^error: quickstart\\.lock\\.json:\\d+:\\d+ jobs\\["hero(-dusk)?\\[product=mug\\]"\\]\\.${field.replace(/\./g, '\\.')}: .* is not a video id of provider "emulator"`,
              'm',
            ),
          );
        }
      }
    }
  });
});

describe('fuzzing server answers through the CLI', () => {
  let project: Awaited<ReturnType<typeof examplesProject>>;
  let server: TestServer;
  let answer: (url: string) => { status: number; body: unknown } = () => ({ status: 404, body: {} });
  beforeAll(async () => {
    project = await examplesProject();
    const { loaded } = await loadStoryboard('quickstart.yaml', { cwd: project.dir });
    const lock = completedLockfile(loaded!, Date.UTC(2026, 10, 22) / 1000);
    await writeFakeOutputs(project.dir, lock);
    await writeFile(path.join(project.dir, 'quickstart.lock.json'), serializeLockfile(lock));
    server = await startServer((req, res) => {
      const { status, body } = answer(req.url ?? '/');
      sendJson(res, status, body);
    });
  });
  afterAll(async () => {
    await server?.close();
    await project?.cleanup();
  });

  const idArb = fc.oneof(fc.constantFrom(...HOSTILE_IDS), fc.string({ maxLength: 20 }), fc.stringMatching(/^video_[a-f0-9]{8,48}$/));
  const videoArb = (id: fc.Arbitrary<unknown>) =>
    fc.record(
      {
        id,
        object: fc.constantFrom('video', 'list', undefined, 7),
        status: fc.constantFrom('queued', 'in_progress', 'completed', 'failed', 'processing', 'cancelled', '', 5, null),
        created_at: fc.oneof(fc.integer(), fc.constant('yesterday'), fc.constant(null)),
        expires_at: fc.oneof(fc.integer(), fc.constant(1e308), fc.constant(null)),
        remixed_from_video_id: fc.oneof(idArb, fc.constant(null)),
        error: fc.oneof(fc.constant(null), fc.record({ code: fc.oneof(fc.string(), fc.integer()), message: fc.string() }), fc.string()),
        prompt: fc.oneof(fc.string(), fc.constant(null)),
      },
      { requiredKeys: [] },
    );
  const statusArb = fc.constantFrom(200, 200, 200, 404, 400, 403);

  it('status against 300 seeded hostile retrieve answers: a documented exit code, no stack trace, never another id taken for the asked one', async () => {
    const codes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(statusArb, fc.oneof(videoArb(idArb), videoArb(fc.constant('ASKED')), fc.jsonValue())), { minLength: 1, maxLength: 4 }),
        async (answers) => {
          let n = 0;
          // Whether a 2xx answer named another video than the one asked: its state must never be taken for the asked one's.
          let answeredAnother = false;
          answer = (url) => {
            const [status, body] = answers[n++ % answers.length]!;
            const asked = decodeURIComponent(url.split('/').at(-1)!);
            // ASKED: the id the client asked for, so that well-formed answers get through too.
            const sent = typeof body === 'object' && body !== null && (body as { id?: unknown }).id === 'ASKED' ? { ...body, id: asked } : body;
            const id = (sent as { id?: unknown } | null)?.id;
            if (status === 200 && typeof id === 'string' && id !== asked) answeredAnother = true;
            return { status, body: sent };
          };
          const run = await runCli(['status', 'quickstart.yaml', '--base-url', server.baseUrl, '--json'], { cwd: project.dir, env: { NO_COLOR: '1' } });
          codes.add(run.code);
          expect(brokenPromises(run, [0, 1, 5]), run.stderr).toEqual([]);
          if (answeredAnother) expect(run.code, "an answer about another video ends the check (5), never becomes this one's state").toBe(5);
        },
      ),
      { numRuns: 300, seed: FUZZ_SEED },
    );
    // Well-formed answers got through (0 or 1) as well as refused ones (5).
    expect(codes.has(5) && (codes.has(0) || codes.has(1))).toBe(true);
  }, 120_000);

  it('gc --dry-run against 300 seeded hostile list pages: a documented exit code, no stack trace, only well-formed ids listed', async () => {
    const gcCodes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            statusArb,
            fc.oneof(
              fc.record(
                {
                  object: fc.constant('list'),
                  data: fc.array(videoArb(idArb), { maxLength: 4 }),
                  has_more: fc.oneof(fc.boolean(), fc.constant('yes')),
                  last_id: fc.oneof(idArb, fc.constant(null)),
                },
                { requiredKeys: ['data'] },
              ),
              fc.jsonValue(),
            ),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        async (pages) => {
          let n = 0;
          answer = () => {
            const [status, body] = pages[Math.min(n++, pages.length - 1)]!;
            return { status, body };
          };
          const run = await runCli(['gc', 'quickstart.yaml', '--base-url', server.baseUrl, '--dry-run', '--json'], {
            cwd: project.dir,
            env: { NO_COLOR: '1' },
          });
          gcCodes.add(run.code);
          expect(brokenPromises(run, [0, 1, 5]), run.stderr).toEqual([]);
          for (const event of run.events().filter((e) => e['event'] === 'gc.video'))
            expect(isVideoId('video', String(event['id'])), String(event['id'])).toBe(true);
        },
      ),
      { numRuns: 300, seed: FUZZ_SEED },
    );
    expect([...gcCodes].sort()).toEqual([0, 5]);
  }, 120_000);
});
