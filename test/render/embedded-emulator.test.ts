import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVideosClient, defaultRetryPolicy } from '../../src/api/index.js';
import { openEmbeddedEmulator, EmulatorBusyError, type EmbeddedEmulator, type EmbeddedOptions } from '../../src/embedded/embedded-emulator.js';
import { EmulatorOwnerGoneError } from '../../src/embedded/following-client.js';
import { startEmulator, type EmulatorStats } from '../../src/emulator/index.js';
import { emulatorProfile } from '../../src/providers/builtin.js';
import { ownStart } from '../../src/run/process-start.js';
import { copyExamples, runCli } from '../helpers/cli.js';
import { events, readLock, routeDelta } from './helpers.js';

/**
 * The embedded emulator (`provider: emulator`, no base URL) is served by one shotlist process
 * per project, recorded in `.shotlist/emulator/owner.json`; every other process of the project
 * uses that one. Here the processes are this one: an owner held through the same code
 * `openServer` uses, and CLI runs in-process. test/crash/embedded-emulator.test.ts has the
 * same with real processes, SIGKILL included.
 */

const FILE = 'quickstart.yaml';
const live = () => Date.now();

function stateDirOf(dir: string): string {
  return path.join(dir, '.shotlist', 'emulator');
}

function ownerFileOf(dir: string): string {
  return path.join(stateDirOf(dir), 'owner.json');
}

function optionsFor(stateDir: string, extra: Partial<EmbeddedOptions> = {}): EmbeddedOptions {
  return {
    stateDir,
    speed: 20,
    clientAt: (baseUrl, tuning = {}) => createVideosClient({ profile: emulatorProfile, baseUrl, apiKey: null, ...tuning }),
    signal: new AbortController().signal,
    ...extra,
  };
}

/** The project's embedded emulator, held by this process as a render holds it. */
function hold(dir: string, extra: Partial<EmbeddedOptions> = {}): Promise<EmbeddedEmulator> {
  return openEmbeddedEmulator(optionsFor(stateDirOf(dir), extra));
}

/** The owner's counters, as another process sees them; the test's own asking for them left out. */
async function statsOf(url: string): Promise<EmulatorStats> {
  const response = await fetch(`${url.replace(/\/v1$/, '')}/_emulator/stats`);
  const stats = (await response.json()) as EmulatorStats;
  const { ['GET /_emulator/stats']: _asked, ...routes } = stats.requestsByRoute;
  return { ...stats, requestsByRoute: routes };
}

async function jobFiles(dir: string): Promise<string[]> {
  return (await readdir(path.join(stateDirOf(dir), 'jobs'))).filter((name) => name.endsWith('.json'));
}

/** A pid that surely belongs to no process: one that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** This process's start, as a record it wrote would carry it. */
const OWN_START = await ownStart();

/** An owner record as a shotlist of this version writes it; a live pid's is this process's. */
function recordOf(fields: { pid: number; url: string | null; host?: string; speed?: number }): string {
  const start = fields.pid === process.pid ? OWN_START : 'linux:not-this-boot:1';
  return `${JSON.stringify({ version: 2, pid: fields.pid, host: fields.host ?? os.hostname(), since: '2026-11-22T01:02:03.000Z', start, url: fields.url, speed: fields.speed ?? 20, token: 'ab'.repeat(32) })}\n`;
}

async function writeRecord(stateDir: string, text: string): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(path.join(stateDir, 'owner.json'), text);
}

/** A URL where nothing listens: a port just freed. */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/v1`;
}

/** A URL that accepts connections and never answers, as a suspended process's would. */
async function silentUrl(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.concurrent('the embedded emulator, shared by the shotlist processes of a project', () => {
  it('status and gc of a project use the emulator another shotlist of it holds: no second one starts', async ({ onTestFinished }) => {
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    const rendered = await runCli(['render', FILE, '--json'], { cwd: dir, now: live });
    expect(rendered.code, rendered.stderr).toBe(0);
    await expect(access(ownerFileOf(dir)), 'the render removed its record on the way out').rejects.toThrow();

    const held = await hold(dir);
    onTestFinished(() => held.close());
    expect(held.owned).toBe(true);
    const record = await readFile(ownerFileOf(dir), 'utf8');
    expect(JSON.parse(record)).toMatchObject({
      version: 2,
      pid: process.pid,
      host: os.hostname(),
      start: OWN_START,
      url: held.url,
      speed: 20,
      token: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const before = await statsOf(held.url);
    const status = await runCli(['status', FILE, '--json'], { cwd: dir, now: live });
    expect(status.code, status.stderr).toBe(0);
    expect(events(status, 'status.job').map((row) => row['server'])).toEqual(['completed', 'completed', 'completed', 'completed']);
    const afterStatus = await statsOf(held.url);
    // Its challenge to the owner's emulator (proof first, nothing else), then each video by id: all of it seen by the emulator this process holds.
    expect(routeDelta(before.requestsByRoute, afterStatus.requestsByRoute)).toEqual({ 'GET /_emulator/identity': 1, 'GET /v1/videos/{id}': 4 });

    const gc = await runCli(['gc', FILE, '--dry-run', '--json'], { cwd: dir, now: live });
    expect(gc.code, gc.stderr).toBe(0);
    const afterGc = await statsOf(held.url);
    // The challenge, then one page of the listing.
    expect(routeDelta(afterStatus.requestsByRoute, afterGc.requestsByRoute)).toEqual({ 'GET /_emulator/identity': 1, 'GET /v1/videos': 1 });
    expect(await readFile(ownerFileOf(dir), 'utf8'), 'the record of the owner is untouched').toBe(record);

    await held.close();
    await expect(access(ownerFileOf(dir))).rejects.toThrow();
  }, 90_000);

  it("a render that joins an owner gets the owner's speed, says so of an --emulator-speed it cannot apply, and creates its jobs there", async ({
    onTestFinished,
  }) => {
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    const held = await hold(dir, { speed: 20 });
    onTestFinished(() => held.close());
    const record = await readFile(ownerFileOf(dir), 'utf8');

    const run = await runCli(['render', FILE, '--json', '--emulator-speed', '1000'], { cwd: dir, now: live });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `note: --emulator-speed 1000 not applied: the embedded emulator is already served by shotlist pid ${process.pid}, at speed 20`,
    );
    const stats = await statsOf(held.url);
    expect(stats.createsAccepted).toBe(4);
    expect(Object.values(stats.jobsPerRequest)).toEqual([1, 1, 1, 1]);
    expect(await readFile(ownerFileOf(dir), 'utf8')).toBe(record);
  }, 90_000);

  it('the owner stops while a render uses it: the render takes the emulator over on the same state and finishes, nothing created twice', async ({
    onTestFinished,
  }) => {
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    // Slow enough that jobs are still in flight when the owner goes.
    const held = await hold(dir, { speed: 5 });
    onTestFinished(() => held.close());
    let sawQueued = (): void => {};
    const queued = new Promise<void>((resolve) => (sawQueued = resolve));
    const running = runCli(['render', FILE, '--json', '--verbose'], {
      cwd: dir,
      now: live,
      onOutput: ({ stdout }) => stdout.includes('"state":"queued"') && sawQueued(),
    });
    await Promise.race([queued, running.then((run) => Promise.reject(new Error(`the render ended before a job was queued: ${run.stderr}`)))]);
    const before = await readLock(dir, FILE);
    const sent = Object.entries(before.jobs).filter(([, entry]) => entry.video_id);
    expect(sent.length).toBeGreaterThan(0);
    await held.close();

    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`the embedded emulator's shotlist \\(pid ${process.pid}\\) stopped; this process now serves it at http://127\\.0\\.0\\.1:\\d+/v1`),
    );
    const lock = await readLock(dir, FILE);
    for (const entry of Object.values(lock.jobs)) expect(entry.status).toBe('completed');
    for (const [id, entry] of sent) expect(lock.jobs[id]!.video_id, `${id} carried on by id`).toBe(entry.video_id);
    expect(await jobFiles(dir), 'one server job per job, across both owners').toHaveLength(4);
    await expect(access(ownerFileOf(dir)), 'the render that took over removed its record').rejects.toThrow();
  }, 90_000);

  it('a listing the owner stops in the middle of fails, saying so; one not begun yet follows the emulator to its next owner', async ({ onTestFinished }) => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-embedded-'));
    onTestFinished(() => rm(stateDir, { recursive: true, force: true }));
    const owner = await openEmbeddedEmulator(optionsFor(stateDir, { speed: 1000 }));
    const joined = await openEmbeddedEmulator(optionsFor(stateDir));
    const client = joined.client();
    onTestFinished(async () => {
      await client.close();
      await joined.close();
      await owner.close();
    });
    expect([owner.owned, joined.owned, joined.url]).toEqual([true, false, owner.url]);
    for (const prompt of ['a gull over grey water', 'a lighthouse at noon']) await client.create({ model: 'sora-2', prompt, size: '1280x720', seconds: '4' });

    const listing = async (): Promise<string[]> => {
      const ids: string[] = [];
      for await (const video of client.listAll({ pageSize: 1 })) {
        ids.push(video.id);
        if (ids.length === 1) await owner.close();
      }
      return ids;
    };
    const cut = await listing().catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(EmulatorOwnerGoneError);
    expect((cut as Error).message).toMatch(
      new RegExp(
        `^GET /v1/videos\\?.*: the embedded emulator stopped with the shotlist process that served it \\(pid ${process.pid}\\) while its videos were being listed; run the command again$`,
      ),
    );

    const all: string[] = [];
    for await (const video of client.listAll()) all.push(video.id);
    expect(all, 'the next owner (this process, anew) loaded both jobs from the state directory').toHaveLength(2);
    // The first owner removed its record on the way out; this one is the next owner's.
    expect(JSON.parse(await readFile(path.join(stateDir, 'owner.json'), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('an owner slow to stop (its emulator closed, its record not yet removed): calls wait for the stop and follow, whatever retries their client allows', async ({
    onTestFinished,
  }) => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-embedded-'));
    onTestFinished(() => rm(stateDir, { recursive: true, force: true }));
    // An owner as this process makes one (record, then emulator proving its token), whose stop is
    // held between closing the emulator and removing the record, as a busy machine holds it.
    const first = await startEmulator({ stateDir, speed: 1000, identityToken: 'ab'.repeat(32), guide2026: true });
    onTestFinished(() => first.close());
    await writeRecord(stateDir, recordOf({ pid: process.pid, url: first.url }));
    // One retry, at once: a call that counted on its retries outlasting the stop would fail.
    const joined = await openEmbeddedEmulator(
      optionsFor(stateDir, {
        clientAt: (baseUrl, tuning = {}) =>
          createVideosClient({ profile: emulatorProfile, baseUrl, apiKey: null, retry: { ...defaultRetryPolicy, maxRetries: 1, baseDelayMs: 1 }, ...tuning }),
        stoppingGraceMs: 60_000,
      }),
    );
    const client = joined.client();
    onTestFinished(async () => {
      await client.close();
      await joined.close();
    });
    expect([joined.owned, joined.url]).toEqual([false, first.url]);
    const request = { model: 'sora-2', size: '1280x720', seconds: '4' } as const;
    const video = await client.create({ ...request, prompt: 'a gull over grey water' });

    await first.close();
    const retrieving = client.retrieve(video.id);
    const creating = client.create({ ...request, prompt: 'a lighthouse at noon' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await rm(path.join(stateDir, 'owner.json'));

    expect((await retrieving).video.id, 'the same video, from the next owner (this process) on the same state').toBe(video.id);
    const created = (await creating).id;
    const all: string[] = [];
    for await (const listed of client.listAll()) all.push(listed.id);
    expect(all.sort(), 'the create sent during the stop made one video, at the next owner').toEqual([video.id, created].sort());
    expect(JSON.parse(await readFile(path.join(stateDir, 'owner.json'), 'utf8'))).toMatchObject({
      pid: process.pid,
      url: expect.not.stringMatching(first.url),
    });
  });

  describe('whose record is taken over, and whose is not', () => {
    it('a record whose process is dead, with or without a URL, or one no shotlist wrote: taken over at once', async ({ onTestFinished }) => {
      const pid = await deadPid();
      for (const text of [recordOf({ pid, url: await refusingUrl() }), recordOf({ pid, url: null }), '{"pid": 12', '']) {
        const stateDir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-embedded-'));
        onTestFinished(() => rm(stateDir, { recursive: true, force: true }));
        await writeRecord(stateDir, text);
        const emulator = await openEmbeddedEmulator(optionsFor(stateDir, { stoppingGraceMs: 60_000, patienceMs: 60_000 }));
        expect(emulator.owned, text).toBe(true);
        expect(JSON.parse(await readFile(path.join(stateDir, 'owner.json'), 'utf8'))).toMatchObject({ pid: process.pid, url: emulator.url });
        await emulator.close();
        expect(await readdir(stateDir), 'no record, temp file or takeover guard left').not.toContain('owner.json');
        expect((await readdir(stateDir)).filter((name) => name.startsWith('owner.json'))).toEqual([]);
      }
    });

    it('a live process whose URL refuses connections (stopping, or its pid reused): taken over once the grace has passed', async ({ onTestFinished }) => {
      const stateDir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-embedded-'));
      onTestFinished(() => rm(stateDir, { recursive: true, force: true }));
      await writeRecord(stateDir, recordOf({ pid: process.pid, url: await refusingUrl() }));
      const started = performance.now();
      const emulator = await openEmbeddedEmulator(optionsFor(stateDir, { stoppingGraceMs: 400 }));
      onTestFinished(() => emulator.close());
      expect(performance.now() - started, 'a stopping owner is given its grace first').toBeGreaterThanOrEqual(400);
      expect(emulator.owned).toBe(true);
    });

    it('a live process still starting, or one that accepts connections and never answers (suspended): never taken over; refused after the patience, naming it', async ({
      onTestFinished,
    }) => {
      const silent = await silentUrl();
      onTestFinished(silent.close);
      const cases = [
        { text: recordOf({ pid: process.pid, url: null }), message: `pid ${process.pid} claimed this project's embedded emulator` },
        {
          text: recordOf({ pid: process.pid, url: silent.url }),
          message: `pid ${process.pid} serves this project's embedded emulator at ${silent.url} but has not answered for `,
        },
      ];
      for (const { text, message } of cases) {
        const stateDir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-embedded-'));
        onTestFinished(() => rm(stateDir, { recursive: true, force: true }));
        await writeRecord(stateDir, text);
        const refused = await openEmbeddedEmulator(optionsFor(stateDir, { stoppingGraceMs: 0, patienceMs: 600 })).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(EmulatorBusyError);
        expect((refused as Error).message).toContain(message);
        expect(await readFile(path.join(stateDir, 'owner.json'), 'utf8')).toBe(text);
      }
    });

    it('a record from another machine: refused at once, naming it and what to do', async ({ onTestFinished }) => {
      const stateDir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-embedded-'));
      onTestFinished(() => rm(stateDir, { recursive: true, force: true }));
      const text = recordOf({ pid: await deadPid(), url: 'http://127.0.0.1:9/v1', host: 'render-farm-7' });
      await writeRecord(stateDir, text);
      const refused = await openEmbeddedEmulator(optionsFor(stateDir, { display: '.shotlist/emulator' })).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EmulatorBusyError);
      expect((refused as Error).message).toMatch(
        /^\.shotlist\/emulator\/owner\.json says pid \d+ on render-farm-7 has served this project's embedded emulator since 2026-11-22T01:02:03\.000Z; .*remove that file if no shotlist runs there$/,
      );
      expect(await readFile(path.join(stateDir, 'owner.json'), 'utf8')).toBe(text);
    });
  });

  it("eight contenders, on a free record or a dead process's: exactly one starts the emulator, every round, and all use its URL", async ({
    onTestFinished,
  }) => {
    const pid = await deadPid();
    const root = await mkdtemp(path.join(os.tmpdir(), 'shotlist-embedded-race-'));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    for (let round = 0; round < 12; round++) {
      const stateDir = path.join(root, `r${round}`);
      if (round % 2 === 1) await writeRecord(stateDir, recordOf({ pid, url: 'http://127.0.0.1:9/v1' }));
      const opened = await Promise.all(Array.from({ length: 8 }, () => openEmbeddedEmulator(optionsFor(stateDir))));
      const owners = opened.filter((emulator) => emulator.owned);
      expect(owners, `round ${round}`).toHaveLength(1);
      expect(new Set(opened.map((emulator) => emulator.url)), `round ${round}`).toEqual(new Set([owners[0]!.url]));
      expect(JSON.parse(await readFile(path.join(stateDir, 'owner.json'), 'utf8'))).toMatchObject({ pid: process.pid, url: owners[0]!.url });
      await Promise.all(opened.map((emulator) => emulator.close()));
      expect(
        (await readdir(stateDir)).filter((name) => name.startsWith('owner.json')),
        `round ${round}`,
      ).toEqual([]);
    }
  });
});

describe('shotlist emulator on a project state a shotlist process serves', () => {
  it('refuses to start a second emulator there, naming the owner and its URL', async ({ onTestFinished }) => {
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    const held = await hold(dir);
    onTestFinished(() => held.close());
    const run = await runCli(['emulator', '--port', '0', '--state-dir', '.shotlist/emulator'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`is served by shotlist pid ${process.pid}`);
    expect(run.stderr).toContain(`--base-url ${held.url}`);
  });
});
