import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createVideosClient } from '../../src/api/index.js';
import { emulatorProfile } from '../../src/providers/builtin.js';
import { claimName } from '../../src/remote/blob-key.js';
import { newClaimRecord, parseClaim, serializeClaim } from '../../src/remote/claim.js';
import { openRemoteStore } from '../../src/remote/open-remote.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../remote/helpers.js';
import { readLock, renderWith, startRenderEmulator } from './helpers.js';

/**
 * A run meeting claims another machine left on the remote (SPEC §8), in-process against the
 * emulator: a claim with a video is adopted (nothing created, nothing paid); a claim whose owner
 * is gone without recording a video is taken over, and the reconcile search finds the job the
 * owner made before anything is created; a released claim is taken at once.
 */

const FILE = 'one.yaml';
const STORYBOARD = `version: 1
name: one
provider: emulator
defaults: { model: sora-2, size: 1280x720, seconds: 4 }
shots:
  - id: hero
    prompt: A mug on a sunlit counter.
`;
const OTHER = { owner: 'cd'.repeat(16), host: 'other-machine', pid: 4242 };

async function setUp(onTestFinished: TestContext['onTestFinished']) {
  const emu = await startRenderEmulator();
  onTestFinished(() => emu.close());
  const { dir, cleanup } = await tempDir('shotlist-claims-project-');
  onTestFinished(cleanup);
  await mkdir(path.join(dir, '.git'));
  await writeFile(path.join(dir, FILE), STORYBOARD);
  const remote = path.join(dir, '.remote');
  const store = await openRemoteStore({ kind: 'directory', path: remote });
  const planned = await runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir });
  const fingerprint = String(planned.events().find((e) => e.event === 'plan.job')!['fingerprint']);
  const client = createVideosClient({ profile: emulatorProfile, baseUrl: emu.url, apiKey: null });
  /** A job made on the server as the other machine's create made it. */
  const createElsewhere = () => client.create({ prompt: 'A mug on a sunlit counter.', model: 'sora-2', size: '1280x720', seconds: '4' });
  const claims = await store.claims();
  return { emu, dir, remote, fingerprint, claims, createElsewhere };
}

describe('claims met by render', () => {
  it("adopts the video of another machine's claim: nothing created, nothing spent, the file downloaded", async ({ onTestFinished }) => {
    const { emu, dir, remote, fingerprint, claims, createElsewhere } = await setUp(onTestFinished);
    const video = await createElsewhere();
    const record = { ...newClaimRecord(fingerprint, OTHER, Date.now()), video_id: video.id };
    expect((await claims.create(claimName(fingerprint), serializeClaim(record))).created).toBe(true);
    const before = emu.stats().createsAccepted;
    const run = await renderWith(emu, dir, FILE, ['--remote', remote]);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(before);
    expect(run.events().find((e) => e.event === 'run.summary')).toMatchObject({ completed: 1, spent_usd: 0 });
    const lock = await readLock(dir, FILE);
    expect(lock.jobs['hero']).toMatchObject({ video_id: video.id, status: 'completed', cost_usd: 0.4 });
    expect(lock.jobs['hero']!.outputs.video).toBeDefined();
  }, 60_000);

  it('takes over a claim whose owner is gone without a video id, and adopts the job the owner made (found by the reconcile search)', async ({
    onTestFinished,
  }) => {
    const { emu, dir, remote, fingerprint, claims, createElsewhere } = await setUp(onTestFinished);
    const made = await createElsewhere();
    // Renewed last two hours ago by its owner's clock: lapsed, whatever this reader has watched.
    const stale = newClaimRecord(fingerprint, OTHER, Date.now() - 2 * 3600_000);
    expect((await claims.create(claimName(fingerprint), serializeClaim(stale))).created).toBe(true);
    const before = emu.stats().createsAccepted;
    const run = await renderWith(emu, dir, FILE, ['--remote', remote]);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(before);
    expect((await readLock(dir, FILE)).jobs['hero']!.video_id).toBe(made.id);
    // The claim is this run's now, and records the video.
    const claim = parseClaim((await claims.read(claimName(fingerprint)))!.text, fingerprint)!;
    expect(claim).toMatchObject({ video_id: made.id, released: false });
    expect(claim.owner).not.toBe(OTHER.owner);
  }, 60_000);

  it('a released claim is taken at once and the request created once; a later run meets its own video', async ({ onTestFinished }) => {
    const { emu, dir, remote, fingerprint, claims } = await setUp(onTestFinished);
    const released = { ...newClaimRecord(fingerprint, OTHER, Date.now()), released: true };
    expect((await claims.create(claimName(fingerprint), serializeClaim(released))).created).toBe(true);
    const run = await renderWith(emu, dir, FILE, ['--remote', remote]);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(1);
    const lock = await readLock(dir, FILE);
    expect(parseClaim((await claims.read(claimName(fingerprint)))!.text, fingerprint)).toMatchObject({
      video_id: lock.jobs['hero']!.video_id,
      released: false,
    });
    // --replace renders again: the claim names the very video being replaced, so it is taken over, not adopted.
    const again = await renderWith(emu, dir, FILE, ['--remote', remote, '--replace', 'hero']);
    expect(again.code, again.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(2);
    expect((await readLock(dir, FILE)).jobs['hero']!.video_id).not.toBe(lock.jobs['hero']!.video_id);
  }, 60_000);

  it('a lapsed claim left without a video on a provider that cannot be searched: not created again (named as unknown) until --retry-ambiguous', async ({
    onTestFinished,
  }) => {
    // Veo through the Gemini API lists nothing: the job the owner may have made cannot be looked for.
    const emu = await startRenderEmulator({ flavor: 'gemini', apiKey: GEMINI_KEY, createsPerMinute: null });
    onTestFinished(() => emu.close());
    const { dir, cleanup } = await tempDir('shotlist-claims-veo-');
    onTestFinished(cleanup);
    await mkdir(path.join(dir, '.git'));
    await writeFile(path.join(dir, FILE), VEO_STORYBOARD);
    const remote = path.join(dir, '.remote');
    const claims = await (await openRemoteStore({ kind: 'directory', path: remote })).claims();
    const env = { GEMINI_API_KEY: GEMINI_KEY };
    const planned = await runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir, env });
    const fingerprint = String(planned.events().find((e) => e.event === 'plan.job')!['fingerprint']);
    expect((await claims.create(claimName(fingerprint), serializeClaim(newClaimRecord(fingerprint, OTHER, Date.now() - 2 * 3600_000)))).created).toBe(true);

    const render = (extra: readonly string[] = []) =>
      runCli(['render', FILE, '--base-url', emu.url, '--json', '--remote', remote, ...extra], { cwd: dir, env, now: () => Date.now() });
    // Run after run: the claim is left lapsing as found, never released for the next run to create at once.
    for (let run = 0; run < 2; run++) {
      const blocked = await render();
      expect(blocked.code, blocked.stderr).toBe(1);
      expect(String(blocked.events().find((e) => e.event === 'job.result')!['reason'])).toMatch(
        /^outcome_unknown: .*cannot be searched for it.*--retry-ambiguous/,
      );
      expect(emu.stats().createsAccepted).toBe(0);
      expect(parseClaim((await claims.read(claimName(fingerprint)))!.text, fingerprint)).toMatchObject({ video_id: null, released: false });
    }

    const retried = await render(['--retry-ambiguous']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(1);
    const videoId = (await readLock(dir, FILE)).jobs['hero']!.video_id;
    expect(parseClaim((await claims.read(claimName(fingerprint)))!.text, fingerprint)).toMatchObject({ video_id: videoId, released: false });
  }, 60_000);
});

const GEMINI_KEY = 'gemini-test-key-0123456789';
const VEO_STORYBOARD = `version: 1
name: one
provider: { profile: veo, min_poll_ms: 50 }
defaults: { model: veo-3.1-fast-generate-preview, size: 1280x720, seconds: 4 }
shots:
  - id: hero
    prompt: A mug on a sunlit counter.
`;
