import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVideosClient } from '../../src/api/index.js';
import { openEmbeddedEmulator } from '../../src/embedded/embedded-emulator.js';
import type { EmulatorStats } from '../../src/emulator/index.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { emulatorProfile } from '../../src/providers/builtin.js';
import { REPO, runCli } from '../helpers/cli.js';
import { routeDelta } from '../render/helpers.js';
import { boardDir, lockPathOf, QUICKSTART, SCRATCH, Shotlist, userEnv } from './harness.js';

/**
 * The embedded emulator across real processes: `bin/shotlist.js` children that start it on
 * their project's `.shotlist/emulator` (no `--base-url`), and this process, which joins it as
 * `status` does or renders in-process. One emulator per project, whoever started it, however it
 * ended: a render in progress serves the project's status and gc; a SIGKILLed owner's record is
 * taken over; processes racing to start it end with one owner.
 */

const live = () => Date.now();

interface Owner {
  readonly pid: number;
  readonly url: string | null;
  readonly speed: number;
}

function ownerFileOf(dir: string): string {
  return path.join(dir, '.shotlist', 'emulator', 'owner.json');
}

async function ownerOf(dir: string): Promise<Owner | null> {
  try {
    return JSON.parse(await readFile(ownerFileOf(dir), 'utf8')) as Owner;
  } catch {
    return null;
  }
}

/** The render has recorded itself as the owner, serving, and has jobs in flight on it. */
async function servingWithJobsInFlight(child: Shotlist, dir: string): Promise<Owner> {
  let owner: Owner | null = null;
  const ready = await child.until(async () => {
    owner = await ownerOf(dir);
    return owner?.pid === child.pid && owner.url !== null && child.states('queued').length > 0;
  });
  expect(ready, child.stderr).toBe(true);
  return owner!;
}

async function statsOf(url: string): Promise<EmulatorStats> {
  return (await (await fetch(`${url.replace(/\/v1$/, '')}/_emulator/stats`)).json()) as EmulatorStats;
}

async function readLock(dir: string): Promise<Lockfile> {
  return JSON.parse(await readFile(lockPathOf(dir, QUICKSTART), 'utf8')) as Lockfile;
}

/** Every job the emulator's state holds, as persisted. */
async function persistedJobs(dir: string): Promise<{ id: string; seq: number }[]> {
  const jobsDir = path.join(dir, '.shotlist', 'emulator', 'jobs');
  const names = (await readdir(jobsDir)).filter((name) => name.endsWith('.json'));
  return Promise.all(names.map(async (name) => (JSON.parse(await readFile(path.join(jobsDir, name), 'utf8')) as { job: { id: string; seq: number } }).job));
}

function renderChild(dir: string, extra: readonly string[] = []): Shotlist {
  // Slow enough that a render lasts several seconds: the other process surely comes while it runs.
  return new Shotlist(['render', QUICKSTART.file, '--json', '--emulator-speed', '5', ...extra], dir);
}

describe.concurrent('one embedded emulator per project, across processes', () => {
  it('a render in progress serves the status and gc of its project: they use its emulator, start none, and leave its record alone', async ({
    onTestFinished,
  }) => {
    const { dir, cleanup } = await boardDir(QUICKSTART);
    onTestFinished(cleanup);
    const render = renderChild(dir);
    onTestFinished(() => render.kill('SIGKILL'));
    const owner = await servingWithJobsInFlight(render, dir);
    const record = await readFile(ownerFileOf(dir), 'utf8');

    const before = await statsOf(owner.url!);
    const status = await runCli(['status', QUICKSTART.file, '--json'], { cwd: dir, now: live });
    expect(status.code, status.stderr).toBe(1); // jobs in flight, remixes not rendered yet
    // What the render's emulator says of the videos it is making (a second emulator would have had to load them).
    const servers = status
      .events()
      .filter((event) => event['event'] === 'status.job' && event['server'] !== 'none')
      .map((event) => event['server']);
    expect(servers.length).toBeGreaterThan(0);
    for (const server of servers) expect(['in_flight', 'completed']).toContain(server);
    const afterStatus = await statsOf(owner.url!);
    // Status's challenge to the render's emulator, proved before anything else is asked.
    expect(routeDelta(before.requestsByRoute, afterStatus.requestsByRoute)['GET /_emulator/identity']).toBe(1);

    const gc = await runCli(['gc', QUICKSTART.file, '--dry-run', '--json'], { cwd: dir, now: live });
    expect(gc.code, gc.stderr).toBe(0);
    const afterGc = await statsOf(owner.url!);
    const gcDelta = routeDelta(afterStatus.requestsByRoute, afterGc.requestsByRoute);
    expect([gcDelta['GET /_emulator/identity'], gcDelta['GET /v1/videos']], 'the challenge, then the listing').toEqual([1, 1]);
    expect(await readFile(ownerFileOf(dir), 'utf8')).toBe(record);

    expect(await render.exited, render.stderr).toEqual({ code: 0, signal: null });
    expect(await persistedJobs(dir)).toHaveLength(QUICKSTART.jobs.length);
    await expect(access(ownerFileOf(dir)), 'the render removed its record on the way out').rejects.toThrow();
  }, 90_000);

  it('a render SIGKILLed mid-run leaves its record behind: the next render takes the emulator over and completes, carrying its jobs on by id', async ({
    onTestFinished,
  }) => {
    const { dir, cleanup } = await boardDir(QUICKSTART);
    onTestFinished(cleanup);
    const killed = renderChild(dir);
    onTestFinished(() => killed.kill('SIGKILL'));
    await servingWithJobsInFlight(killed, dir);
    killed.kill('SIGKILL');
    await killed.exited;
    expect((await ownerOf(dir))?.pid, "the dead process's record is still there").toBe(killed.pid);
    const sent = Object.entries((await readLock(dir)).jobs).filter(([, entry]) => entry.video_id);
    expect(sent.length).toBeGreaterThan(0);

    const next = new Shotlist(['render', QUICKSTART.file, '--json', '--verbose'], dir);
    onTestFinished(() => next.kill('SIGKILL'));
    expect(await next.exited, next.stderr).toEqual({ code: 0, signal: null });
    expect(next.stderr).toMatch(/started the embedded emulator at http:\/\/127\.0\.0\.1:\d+\/v1 \(speed 20\)/);
    const lock = await readLock(dir);
    for (const entry of Object.values(lock.jobs)) expect(entry.status).toBe('completed');
    for (const [id, entry] of sent) expect(lock.jobs[id]!.video_id, `${id} carried on by id`).toBe(entry.video_id);
    expect(await persistedJobs(dir), 'one server job per job: nothing created twice').toHaveLength(QUICKSTART.jobs.length);
    await expect(access(ownerFileOf(dir))).rejects.toThrow();
  }, 90_000);

  it('a process using the emulator when its owner is SIGKILLed carries on: its next call takes the emulator over', async ({ onTestFinished }) => {
    const { dir, cleanup } = await boardDir(QUICKSTART);
    onTestFinished(cleanup);
    const killed = renderChild(dir);
    onTestFinished(() => killed.kill('SIGKILL'));
    const owner = await servingWithJobsInFlight(killed, dir);
    const joined = await openEmbeddedEmulator({
      stateDir: path.join(dir, '.shotlist', 'emulator'),
      speed: 20,
      clientAt: (baseUrl, tuning = {}) => createVideosClient({ profile: emulatorProfile, baseUrl, apiKey: null, ...tuning }),
      signal: new AbortController().signal,
    });
    const client = joined.client();
    onTestFinished(async () => {
      await client.close();
      await joined.close();
    });
    expect([joined.owned, joined.url, joined.owner.pid, joined.owner.speed]).toEqual([false, owner.url, killed.pid, 5]);
    const videoId = killed.states('queued')[0]!.video_id!;
    expect((await client.retrieve(videoId)).video.id).toBe(videoId);

    killed.kill('SIGKILL');
    await killed.exited;
    const { video } = await client.retrieve(videoId);
    expect(video.id, 'the same video, from the emulator this process started on the same state').toBe(videoId);
    const now = await ownerOf(dir);
    expect(now).toMatchObject({ pid: process.pid, speed: 20 });
    expect(now!.url).not.toBe(owner.url);
  }, 90_000);

  it('two renders of two storyboards of one project, at once: one emulator serves both, whichever ends first', async ({ onTestFinished }) => {
    const { dir, cleanup } = await boardDir(QUICKSTART);
    onTestFinished(cleanup);
    const teaser = (await readFile(path.join(dir, QUICKSTART.file), 'utf8'))
      .replace('name: quickstart', 'name: teaser')
      .replaceAll('kitchen counter', 'marble shelf');
    await writeFile(path.join(dir, 'teaser.yaml'), teaser);
    // Started together, so no slowing down is needed for the second to meet the first's emulator.
    const renders = [QUICKSTART.file, 'teaser.yaml'].map((file) => new Shotlist(['render', file, '--json', '--emulator-speed', '20', '--verbose'], dir));
    onTestFinished(() => renders.forEach((child) => child.kill('SIGKILL')));
    // With --json a failed job is told on stdout: the message carries those lines too.
    const told = (child: Shotlist) =>
      [child.stderr, ...child.stdout.split('\n').filter((line) => /"status":"(failed|skipped)"|"event":"error"/.test(line))].join('\n');
    for (const child of renders) expect(await child.exited, told(child)).toEqual({ code: 0, signal: null });

    const starts = renders.filter((child) => child.stderr.includes('started the embedded emulator'));
    expect(starts, renders.map((child) => child.stderr).join('\n---\n')).toHaveLength(1);
    const other = renders.find((child) => child !== starts[0])!;
    expect(other.stderr).toContain(`using the embedded emulator served by shotlist pid ${starts[0]!.pid}`);
    // One emulator numbers every job; two on one state would each have counted from what they loaded.
    const jobs = await persistedJobs(dir);
    expect(jobs).toHaveLength(8);
    expect(new Set(jobs.map((job) => job.seq)).size).toBe(8);
    await expect(access(ownerFileOf(dir))).rejects.toThrow();
  }, 120_000);
});

describe('processes racing to start the embedded emulator', () => {
  /** A process that opens the emulator, says what it got, and holds it until SIGTERM. */
  const HOLDER = `
    const dist = (file) => new URL(file, ${JSON.stringify(`file://${REPO}/dist/`)}).href;
    const { openEmbeddedEmulator } = await import(dist('embedded/embedded-emulator.js'));
    const { createVideosClient } = await import(dist('api/index.js'));
    const { emulatorProfile } = await import(dist('providers/builtin.js'));
    const emulator = await openEmbeddedEmulator({
      stateDir: process.argv[1],
      speed: 20,
      clientAt: (baseUrl, tuning = {}) => createVideosClient({ profile: emulatorProfile, baseUrl, apiKey: null, ...tuning }),
      signal: new AbortController().signal,
    });
    // 'on', not 'once': with its one listener gone, a second SIGTERM during close would kill the
    // process by default, and the test would read that as a holder that did not close cleanly.
    let closing = null;
    process.on('SIGTERM', () => (closing ??= emulator.close().then(() => process.exit(0))));
    // Held until SIGTERM: a process that joined has nothing else keeping it alive (a signal
    // listener does not), and one ending on its own as the SIGTERM came would die of it.
    setInterval(() => {}, 60_000);
    console.log(JSON.stringify({ owned: emulator.owned, url: emulator.url }));
  `;

  function holder(stateDir: string): { said: Promise<{ owned: boolean; url: string }>; exited: Promise<number | null>; stop: () => void } {
    const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, stateDir], { env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code, signal) => {
        if (code !== 0) process.stderr.write(`holder ${child.pid} exited ${code} ${signal}: ${stderr}\n`);
        resolve(code);
      }),
    );
    const said = new Promise<{ owned: boolean; url: string }>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve(JSON.parse(stdout) as { owned: boolean; url: string });
      });
      void exited.then((code) => reject(new Error(`holder exited ${code} before saying anything: ${stderr}`)));
    });
    return { said, exited, stop: () => child.kill('SIGTERM') };
  }

  it("six processes started at once, on a free record or a dead process's: exactly one owner, every round, and all use its URL", async ({ onTestFinished }) => {
    const root = await mkdtemp(path.join(SCRATCH, 'shotlist-embedded-race-'));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    for (let round = 0; round < 4; round++) {
      const stateDir = path.join(root, `r${round}`);
      if (round % 2 === 1) {
        await mkdir(stateDir, { recursive: true });
        await writeFile(
          path.join(stateDir, 'owner.json'),
          `${JSON.stringify({ version: 2, pid: dead.pid, host: os.hostname(), since: '2026-11-22T01:02:03.000Z', start: null, url: 'http://127.0.0.1:9/v1', speed: 20, token: 'ab'.repeat(32) })}\n`,
        );
      }
      const holders = Array.from({ length: 6 }, () => holder(stateDir));
      onTestFinished(() => holders.forEach((h) => h.stop()));
      const said = await Promise.all(holders.map((h) => h.said));
      const owners = said.filter((s) => s.owned);
      expect(owners, `round ${round}: ${JSON.stringify(said)}`).toHaveLength(1);
      expect(new Set(said.map((s) => s.url)), `round ${round}`).toEqual(new Set([owners[0]!.url]));
      for (const h of holders) h.stop();
      expect(await Promise.all(holders.map((h) => h.exited))).toEqual([0, 0, 0, 0, 0, 0]);
      expect(
        (await readdir(stateDir)).filter((name) => name.startsWith('owner.json')),
        `round ${round}: record, temp files and guards all gone`,
      ).toEqual([]);
    }
  }, 90_000);
});
