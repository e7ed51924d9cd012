import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { makeStill } from '../helpers/ffmpeg.js';
import { readMp4 } from '../emulator/helpers.js';
import { setFaults } from '../emulator/protocol-helpers.js';
import { countRoutes, readLock, routeDelta, sha256, startRenderEmulator, waitForEntry } from './helpers.js';

/**
 * The render suite's core cases on each protocol beyond `/v1/videos` (SPEC §10): a storyboard
 * with `provider: veo`, `fal` or `replicate` renders on the emulator's flavor of that API, with
 * the same guarantees (a second run sends nothing, a failed job is recorded, a 429 waits).
 */

interface Case {
  readonly flavor: 'gemini' | 'fal' | 'replicate';
  readonly profile: string;
  readonly env: string;
  readonly model: string;
  readonly size: string;
  readonly seconds: number;
  /** Routes that create a job. */
  readonly creates: RegExp;
}

const CASES: readonly Case[] = [
  {
    flavor: 'gemini',
    profile: 'veo',
    env: 'GEMINI_API_KEY',
    model: 'veo-3.1-fast-generate-preview',
    size: '1280x720',
    seconds: 4,
    creates: /^POST .*predictLongRunning/,
  },
  {
    flavor: 'fal',
    profile: 'fal',
    env: 'FAL_KEY',
    model: 'fal-ai/kling-video/v2.1/master/text-to-video',
    size: '1920x1080',
    seconds: 5,
    creates: /^POST \/\{model_id\}/,
  },
  {
    flavor: 'replicate',
    profile: 'replicate',
    env: 'REPLICATE_API_TOKEN',
    model: 'google/veo-3.1',
    size: '1280x720',
    seconds: 4,
    creates: /^POST .*predictions$/,
  },
];

const KEY = 'protocol-test-key-0123456789';

function storyboard(c: Case, shots: string): string {
  return `version: 1
name: proto
provider:
  profile: ${c.profile}
  # The emulator at 1000x finishes a job in milliseconds; the real APIs' poll floors (5 s for
  # Veo) would make each test wait seconds for nothing.
  min_poll_ms: 50
defaults:
  model: ${c.model}
  size: ${c.size}
  seconds: ${c.seconds}
shots:
${shots}`;
}

async function project(t: TestContext, c: Case, shots: string, speed = 1000): Promise<{ emu: RunningEmulator; dir: string }> {
  const emu = await startRenderEmulator({ flavor: c.flavor, apiKey: KEY, createsPerMinute: null, speed });
  const dir = await mkdtemp(path.join(os.tmpdir(), `shotlist-${c.flavor}-`));
  t.onTestFinished(() => emu.close());
  t.onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'proto.yaml'), storyboard(c, shots));
  return { emu, dir };
}

function render(c: Case, emu: RunningEmulator, dir: string, extra: readonly string[] = [], signal?: AbortSignal): Promise<CliRun> {
  return runCli(['render', 'proto.yaml', '--base-url', emu.url, '--json', ...extra], {
    cwd: dir,
    env: { [c.env]: KEY },
    now: () => Date.now(),
    ...(signal ? { signal } : {}),
  });
}

describe.each(CASES)('render on the $flavor protocol ($profile)', (c) => {
  it('renders real MP4s, records them, and a second run sends nothing', async (t) => {
    const { emu, dir } = await project(t, c, '  - id: harbor\n    prompt: A harbor at dawn.\n  - id: market\n    prompt: A market at noon.\n');
    const first = await render(c, emu, dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lock = await readLock(dir, 'proto.yaml');
    const entries = Object.values(lock.jobs);
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(entry.status).toBe('completed');
      const video = await readFile(path.join(dir, entry.outputs.video!.path));
      const facts = await readMp4(video);
      expect(`${facts.width}x${facts.height}`).toBe(c.size);
      expect(facts.duration).toBeGreaterThan(c.seconds - 0.5);
    }
    expect(countRoutes(emu.stats().requestsByRoute, c.creates)).toBe(2);

    // `status` asks the server about each recorded video, through the same client.
    const status = await runCli(['status', 'proto.yaml', '--base-url', emu.url, '--json'], { cwd: dir, env: { [c.env]: KEY }, now: () => Date.now() });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    // gc deletes from /v1/videos servers only: these outputs expire on their own, and nothing is sent.
    const gc = await runCli(['gc', 'proto.yaml', '--base-url', emu.url, '--yes'], { cwd: dir, env: { [c.env]: KEY } });
    expect(gc.code).toBe(2);
    expect(gc.stderr).toContain('expire on their own');

    const before = { ...emu.stats().requestsByRoute };
    const second = await render(c, emu, dir);
    expect(second.code).toBe(0);
    expect(routeDelta(before, emu.stats().requestsByRoute)).toEqual({});
  });

  it('--max-cost below the plan refuses before anything reaches the server', async (t) => {
    const { emu, dir } = await project(t, c, '  - id: one\n    prompt: One.\n  - id: two\n    prompt: Two.\n');
    const plan = await runCli(['plan', 'proto.yaml', '--base-url', emu.url, '--json'], { cwd: dir, env: { [c.env]: KEY } });
    const total = plan.events().find((e) => e['event'] === 'plan.total')!;
    expect((total['costs'] as Record<string, number>)['USD']).toBeGreaterThan(0.01);
    const refused = await render(c, emu, dir, ['--max-cost', '0.01']);
    expect(refused.code).toBe(3);
    expect(emu.stats().requestsByRoute).toEqual({});
    expect(refused.stderr).toContain(`above the limit of $0.01`);
  });

  it('rides out 5xx on polls and downloads: retried, every job made once', async (t) => {
    const { emu, dir } = await project(t, c, '  - id: a\n    prompt: First light.\n  - id: b\n    prompt: Last light.\n');
    await setFaults(emu, { seed: 3, serverError: { rate: 0.3, routes: ['retrieve', 'content'], status: 503 } });
    const run = await render(c, emu, dir);
    expect(run.code).toBe(0);
    expect(Object.values((await readLock(dir, 'proto.yaml')).jobs).map((entry) => entry.status)).toEqual(['completed', 'completed']);
    expect(emu.stats().createsAccepted).toBe(2);
  });

  it('records a job the server fails, and honours a 429 before creating', async (t) => {
    const { emu, dir } = await project(t, c, '  - id: ok\n    prompt: A quiet lake.\n  - id: bad\n    prompt: blocked content here\n');
    await setFaults(emu, { moderation: { failPattern: '^blocked' }, rateLimit: { rate: 0.5, retryAfterSeconds: 0 } });
    const run = await render(c, emu, dir);
    expect(run.code).not.toBe(0);
    const lock = await readLock(dir, 'proto.yaml');
    expect(Object.values(lock.jobs).find((e) => e.request.prompt === 'A quiet lake.')?.status).toBe('completed');
    const bad = Object.values(lock.jobs).find((e) => e.request.prompt === 'blocked content here')!;
    expect(bad.status).toBe('failed');
    expect(bad.error?.code).toBe('moderation_blocked');
    // Refused creates were sent again once the 429 had passed, and each job was made once.
    const stats = emu.stats();
    expect(countRoutes(stats.requestsByRoute, c.creates)).toBeGreaterThan(stats.createsAccepted);
    expect(stats.createsAccepted).toBe(2);
  });
});

describe.each(CASES)('exactly once on the $flavor protocol', (c) => {
  it('resumes a job in flight after Ctrl-C by its id, creating nothing again', async (t) => {
    // Slow enough that the job is still running when the run is interrupted.
    const { emu, dir } = await project(t, c, '  - id: tide\n    prompt: A slow tide.\n', 40);
    const controller = new AbortController();
    const first = render(c, emu, dir, [], controller.signal);
    await waitForEntry(dir, 'proto.yaml', (entry) => entry.video_id !== null, 'with a video id');
    controller.abort();
    expect((await first).code).not.toBe(0);
    const entry = Object.values((await readLock(dir, 'proto.yaml')).jobs)[0]!;
    expect(['queued', 'in_progress']).toContain(entry.status);
    const plan = await runCli(['plan', 'proto.yaml', '--base-url', emu.url, '--json'], { cwd: dir, env: { [c.env]: KEY } });
    expect(plan.events().find((e) => e['event'] === 'plan.job')?.['action']).toBe('resume');
    const resumed = await render(c, emu, dir);
    expect(resumed.code).toBe(0);
    const done = Object.values((await readLock(dir, 'proto.yaml')).jobs)[0]!;
    expect([done.status, done.video_id]).toEqual(['completed', entry.video_id]);
    expect(emu.stats().createsAccepted).toBe(1);
  });

  it('never pays twice for a create whose answer was lost', async (t) => {
    const { emu, dir } = await project(t, c, '  - id: lost\n    prompt: A lost answer.\n');
    await setFaults(emu, { dropConnection: { afterCommit: 1 } });
    const first = await render(c, emu, dir);
    expect(emu.stats().createsAccepted).toBe(1);
    await setFaults(emu, {});
    const entry = () => readLock(dir, 'proto.yaml').then((lock) => Object.values(lock.jobs)[0]!);
    if (c.flavor === 'replicate') {
      // Replicate lists predictions: the lost one is found and adopted in the same run.
      expect(first.code).toBe(0);
      expect((await entry()).status).toBe('completed');
      return;
    }
    // Gemini lists no operations, and fal's listing holds only finished requests: recorded as unknown.
    expect(first.code).not.toBe(0);
    expect(first.stdout).toContain('--retry-ambiguous');
    expect((await entry()).status).toBe('creating');
    const plan = await runCli(['plan', 'proto.yaml', '--base-url', emu.url, '--json'], { cwd: dir, env: { [c.env]: KEY } });
    const job = plan.events().find((e) => e['event'] === 'plan.job')!;
    expect([job['action'], job['reason_code']]).toEqual(['blocked', 'ambiguous-create']);
    const again = await render(c, emu, dir);
    expect(again.code).not.toBe(0);
    expect(emu.stats().createsAccepted).toBe(1);
    const retried = await render(c, emu, dir, ['--retry-ambiguous']);
    expect(retried.code).toBe(0);
    expect(emu.stats().createsAccepted).toBe(2);
    expect((await entry()).status).toBe('completed');
  });
});

/** A PNG of noise: it does not compress, so at 1280x720 it is well over Replicate's 256 kB for data: URLs. */
async function noisePng(file: string, size: string): Promise<Buffer> {
  await makeStill(file, `nullsrc=s=${size},geq=random(1)*255:random(2)*255:random(3)*255`);
  return readFile(file);
}

describe.each(CASES)('image-to-video on the $flavor protocol', (c) => {
  it('sends the input_reference the way the protocol takes it and renders the video', async (t) => {
    const { emu, dir } = await project(t, c, `  - id: still\n    prompt: The still comes alive.\n    input_reference: still.png\n`);
    const image = await noisePng(path.join(dir, 'still.png'), c.size);
    const run = await render(c, emu, dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const entry = Object.values((await readLock(dir, 'proto.yaml')).jobs)[0]!;
    expect(entry.status).toBe('completed');
    expect(entry.request.input_reference?.sha256).toBe(sha256(image));
    const facts = await readMp4(await readFile(path.join(dir, entry.outputs.video!.path)));
    expect(facts.duration).toBeGreaterThan(c.seconds - 0.5);
    const routes = emu.stats().requestsByRoute;
    if (c.flavor === 'replicate') {
      // Over 256 kB: uploaded with the Files API, then named by its URL (replicate.md §2).
      expect(image.byteLength).toBeGreaterThan(256 * 1024);
      expect(routes['POST /v1/files']).toBe(1);
      // The file the emulator kept is these very bytes (its id is their sha256), and the prediction names it.
      const file = await fetch(`${emu.url}/files/${sha256(image)}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(file.status).toBe(200);
      expect(((await file.json()) as { size: number }).size).toBe(image.byteLength);
      const prediction = (await (await fetch(`${emu.url}/predictions/${entry.video_id}`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
        input: Record<string, unknown>;
      };
      expect(prediction.input['image']).toBe(`${emu.url}/files/${sha256(image)}`);
    }
  });
});

describe('expiry of result URLs on Replicate', () => {
  it('an output removed an hour after the end is gone: the job is recorded so, and the next run renders it anew', async (t) => {
    const c = CASES.find((each) => each.flavor === 'replicate')!;
    const { emu, dir } = await project(t, c, '  - id: brief\n    prompt: A brief moment.\n');
    expect((await render(c, emu, dir)).code).toBe(0);
    const first = Object.values((await readLock(dir, 'proto.yaml')).jobs)[0]!;
    await rm(path.join(dir, first.outputs.video!.path));
    // An hour passes on the emulator's clock: the prediction's data and output are removed (replicate.md §5).
    emu.advanceClock(3601);
    const late = await render(c, emu, dir);
    expect(late.code).not.toBe(0);
    expect(late.stdout).toContain('no longer has the files');
    const plan = await runCli(['plan', 'proto.yaml', '--base-url', emu.url, '--json'], { cwd: dir, env: { [c.env]: KEY }, now: () => Date.now() });
    expect(plan.events().find((e) => e['event'] === 'plan.job')).toMatchObject({ action: 'render', reason_code: 'take-gone' });
    const anew = await render(c, emu, dir);
    expect(anew.code).toBe(0);
    const again = Object.values((await readLock(dir, 'proto.yaml')).jobs)[0]!;
    expect(again.status).toBe('completed');
    expect(again.video_id).not.toBe(first.video_id);
    expect(emu.stats().createsAccepted).toBe(2);
  });
});
