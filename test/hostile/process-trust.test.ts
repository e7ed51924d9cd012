import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { LockBusyError } from '../../src/errors.js';
import { acquireLock, judgeHolder } from '../../src/run/advisory-lock.js';
import { systemClock } from '../../src/run/clock.js';
import { ownStart, readProcessState } from '../../src/run/process-start.js';
import { copyExamples, hasStackTrace, REPO, runCli } from '../helpers/cli.js';
import { renderProject, renderWith, waitUntil } from '../render/helpers.js';
import { startCountingServer } from './helpers.js';

/**
 * Records of other processes are untrusted: a lock whose pid was reused (pid 1 is always alive)
 * must not block forever, a suspended holder must not lose its lock, and a planted
 * `.shotlist/emulator/owner.json` must not steer shotlist to any server: only a literal
 * loopback URL of a live owner whose emulator proves, by a challenge keyed with the owner's
 * token, that it is this project's, before anything is sent to it.
 */

const FILE = 'quickstart.yaml';
const SHORT = { everyMs: 100, staleAfterMs: 1_000 };
const never = new AbortController().signal;

/** A real process holding `lockPath`'s lock (heartbeat every 100 ms) until SIGTERM, when it releases it. */
async function startHolder(lockPath: string): Promise<ChildProcess> {
  const script = `
    const { acquireLock } = await import(${JSON.stringify(path.join(REPO, 'dist/run/advisory-lock.js'))});
    const { systemClock } = await import(${JSON.stringify(path.join(REPO, 'dist/run/clock.js'))});
    const lock = await acquireLock(process.argv[1], { wait: false, clock: systemClock, signal: new AbortController().signal, heartbeat: { everyMs: 100, staleAfterMs: 1000 } });
    process.on('SIGTERM', () => lock.release().then(() => process.exit(0)));
    console.log('held');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, lockPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function scratch(onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-trust-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Sets a file's mtime `ms` into the past: a heartbeat that stopped that long ago. */
async function age(file: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(file, then, then);
}

describe('the lock of a pid that was reused (pid 1 is always alive)', () => {
  it('a record whose pid now runs another process is taken over at once: by its start, or by starting after the lock was taken', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const lockLock = path.join(dir, 'quickstart.lock.json.lock');
    const records = [
      { pid: 1, host: os.hostname(), since: '2020-01-01T00:00:00.000Z' },
      { pid: 1, host: os.hostname(), since: new Date().toISOString(), start: 'linux:another-boot:1' },
      { pid: 1, host: os.hostname(), since: new Date().toISOString(), start: 'ps:12345' },
    ];
    for (const record of records) {
      await writeFile(lockLock, `${JSON.stringify(record)}\n`);
      const started = performance.now();
      const run = await renderWith(emu, dir, FILE, ['--replace', 'hero[product=mug]']);
      expect(run.code, `${JSON.stringify(record)}: ${run.stderr}`).toBe(0);
      expect(performance.now() - started, 'taken over at once, not after a wait').toBeLessThan(15_000);
      await expect(stat(lockLock), 'released after the run').rejects.toThrow();
    }
  }, 90_000);

  it('one that cannot be told apart by its start (an older record, fresh): busy; once its heartbeat is older than the stated time: taken over', async ({
    onTestFinished,
  }) => {
    const dir = await scratch(onTestFinished);
    const lockPath = path.join(dir, 'x.lock.json');
    await writeFile(`${lockPath}.lock`, `${JSON.stringify({ pid: 1, host: os.hostname(), since: new Date().toISOString() })}\n`);
    const busy = await acquireLock(lockPath, { wait: false, clock: systemClock, signal: never, heartbeat: SHORT }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(LockBusyError);
    expect((busy as Error).message).toContain('locked by pid 1 on');
    await age(`${lockPath}.lock`, 5_000);
    const held = await acquireLock(lockPath, { wait: false, clock: systemClock, signal: never, heartbeat: SHORT });
    expect(JSON.parse(await readFile(`${lockPath}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, start: await ownStart() });
    await held.release();
  });

  it('a holder on another host: trusted while its heartbeat is fresh, taken over once it stopped', async ({ onTestFinished }) => {
    const dir = await scratch(onTestFinished);
    const lockPath = path.join(dir, 'x.lock.json');
    await writeFile(`${lockPath}.lock`, `${JSON.stringify({ pid: 4242, host: 'render-farm-7', since: new Date().toISOString(), start: 'linux:b:1' })}\n`);
    await expect(acquireLock(lockPath, { wait: false, clock: systemClock, signal: never, heartbeat: SHORT })).rejects.toThrow(
      /locked by pid 4242 on render-farm-7/,
    );
    await age(`${lockPath}.lock`, 5_000);
    const held = await acquireLock(lockPath, { wait: false, clock: systemClock, signal: never, heartbeat: SHORT });
    await held.release();
  });
});

describe('a real holder process', () => {
  it('heartbeats while it holds the lock; SIGSTOPped, it keeps the lock however old its heartbeat (named as suspended); resumed, it goes on and releases; SIGKILLed, it is taken over at once', async ({
    onTestFinished,
  }) => {
    const dir = await scratch(onTestFinished);
    const lockPath = path.join(dir, 'x.lock.json');
    const holder = await startHolder(lockPath);
    onTestFinished(() => {
      holder.kill('SIGKILL');
    });
    const first = (await stat(`${lockPath}.lock`)).mtimeMs;
    await waitUntil(async () => (await stat(`${lockPath}.lock`)).mtimeMs > first, 'the holder to touch its lock', 5_000);

    holder.kill('SIGSTOP');
    await waitUntil(
      async () => (await readProcessState(holder.pid!)) !== 'gone' && ((await readProcessState(holder.pid!)) as { stopped: boolean }).stopped,
      'the holder to stop',
      5_000,
    );
    // A stopped process cannot heartbeat: the heartbeat is made far older than the stated time.
    await age(`${lockPath}.lock`, 60_000);
    const busy = await acquireLock(lockPath, { wait: false, clock: systemClock, signal: never, heartbeat: SHORT }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(LockBusyError);
    expect((busy as Error).message).toContain(`locked by pid ${holder.pid} on ${os.hostname()}`);
    expect((busy as Error).message).toContain('suspended');
    expect(JSON.parse(await readFile(`${lockPath}.lock`, 'utf8'))).toMatchObject({ pid: holder.pid });

    // Waiting behind it; it resumes and ends normally, releasing the lock: the waiter gets it.
    let waitedFor: string | null = null;
    const waiting = acquireLock(lockPath, {
      wait: true,
      clock: systemClock,
      signal: never,
      pollMs: 50,
      heartbeat: SHORT,
      onWait: (_h, judged) => (waitedFor = judged.verdict),
    });
    await waitUntil(() => waitedFor !== null, 'the waiter to find the lock held', 5_000);
    expect(waitedFor).toBe('suspended');
    holder.kill('SIGCONT');
    holder.kill('SIGTERM');
    await exited(holder);
    const held = await waiting;
    await held.release();

    const second = await startHolder(lockPath);
    second.kill('SIGKILL');
    await exited(second);
    const started = performance.now();
    const taken = await acquireLock(lockPath, { wait: false, clock: systemClock, signal: never, heartbeat: SHORT });
    expect(performance.now() - started).toBeLessThan(2_000);
    await taken.release();
  }, 60_000);

  it('process starts are read the same way through ps (the macOS path) as through /proc', async () => {
    const viaProc = await readProcessState(process.pid, 'proc');
    const viaPs = await readProcessState(process.pid, 'ps');
    if (viaProc === null || viaPs === null) return expect(process.platform).not.toBe('linux');
    expect(viaProc).not.toBe('gone');
    expect(viaPs).not.toBe('gone');
    const [a, b] = [viaProc as { startedAtMs: number }, viaPs as { startedAtMs: number }];
    expect(Math.abs(a.startedAtMs - b.startedAtMs)).toBeLessThan(2_000);
    const child = spawn(process.execPath, ['-e', '']);
    await exited(child);
    expect(await readProcessState(child.pid!, 'ps')).toBe('gone');
    expect(await readProcessState(child.pid!, 'proc')).toBe('gone');
    // The same holder, judged through ps: alive; with another start: a stranger.
    const me = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), start: await ownStart('ps') };
    expect(await judgeHolder(me, 0, { ...SHORT, lookup: 'ps' })).toEqual({ verdict: 'alive' });
    expect((await judgeHolder({ ...me, start: 'ps:1' }, 0, { ...SHORT, lookup: 'ps' })).verdict).toBe('stale');
  });
});

describe('a planted .shotlist/emulator/owner.json', () => {
  let foreign: Awaited<ReturnType<typeof startCountingServer>>;
  beforeAll(async () => {
    foreign = await startCountingServer();
  });
  afterAll(() => foreign?.close());

  /** gc --dry-run opens the project's embedded emulator (and lists it): what a planted record would steer. */
  async function gcWith(record: string, env: Record<string, string> = {}) {
    const { dir, cleanup } = await copyExamples();
    try {
      await mkdir(path.join(dir, '.shotlist', 'emulator'), { recursive: true });
      await writeFile(path.join(dir, '.shotlist', 'emulator', 'owner.json'), record);
      const run = await runCli(['gc', FILE, '--dry-run', '--verbose'], {
        cwd: dir,
        env: { NO_COLOR: '1', SHOTLIST_API_KEY: 'sk-never-sent', ...env },
        now: () => Date.now(),
      });
      return run;
    } finally {
      await cleanup();
    }
  }

  const base = () => ({ version: 2, host: os.hostname(), since: new Date().toISOString(), speed: 20, token: 'ab'.repeat(32) });

  it('pointing anywhere (a remote host, a name, a foreign local server), for any pid: taken over, and the foreign server is sent nothing', async () => {
    const foreignUrl = foreign.url;
    const named = foreignUrl.replace('127.0.0.1', 'localhost');
    const before = foreign.requests();
    const records = [
      { ...base(), pid: 1, start: null, url: 'http://evil.example/v1' },
      { ...base(), pid: 1, start: 'linux:x:1', url: foreignUrl },
      { ...base(), pid: 1, start: null, url: foreignUrl },
      { ...base(), pid: process.pid, start: null, url: named },
      { ...base(), pid: process.pid, start: 'linux:planted:1', url: foreignUrl },
      { version: 1, pid: process.pid, host: os.hostname(), since: new Date().toISOString(), url: foreignUrl, speed: 20 },
    ];
    for (const record of records) {
      const run = await gcWith(`${JSON.stringify(record)}\n`);
      expect(run.code, `${JSON.stringify(record)}: ${run.stderr}`).toBe(0);
      expect(run.stderr).toMatch(/started the embedded emulator at http:\/\/127\.0\.0\.1:\d+\/v1/);
      expect(hasStackTrace(run.stderr)).toBe(false);
    }
    expect(foreign.requests() - before, 'nothing was sent to the server a record named').toBe(0);
  }, 90_000);

  it("naming this host's live owner but a URL another server answers (the port was taken): the challenge goes unanswered, nothing else is sent, and it is taken over", async () => {
    const record = { ...base(), pid: process.pid, start: await ownStart(), url: foreign.url };
    const before = foreign.requests();
    const run = await gcWith(`${JSON.stringify(record)}\n`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/started the embedded emulator at/);
    const paths = foreign.paths().slice(before);
    expect(paths.length, 'it was asked to prove itself').toBeGreaterThan(0);
    for (const asked of paths) expect(asked, 'only the challenge, nothing of the contract').toMatch(/^\/_emulator\/identity\?challenge=[0-9a-f]{64}$/);
    for (const headers of foreign.headers().slice(before)) expect(headers['authorization'], 'no credentials with the challenge').toBeUndefined();
  }, 60_000);

  it('from another host whose owner still heartbeats: a clear refusal, nothing sent', async () => {
    const before = foreign.requests();
    const run = await gcWith(`${JSON.stringify({ ...base(), pid: 4242, host: 'render-farm-7', start: 'linux:b:1', url: foreign.url })}\n`);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('says pid 4242 on render-farm-7 has served this project');
    expect(run.stderr).toContain('remove that file if no shotlist runs there');
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(foreign.requests() - before).toBe(0);
  });
});

describe("the emulator's proof of identity", () => {
  it('answers the challenge with the HMAC of its owner token; a standalone emulator (no token) has nothing to prove', async ({ onTestFinished }) => {
    const token = 'cd'.repeat(32);
    const owned = await startEmulator({ identityToken: token });
    const standalone = await startEmulator();
    onTestFinished(() => owned.close());
    onTestFinished(() => standalone.close());
    const { proveEmulator } = await import('../../src/embedded/prove-emulator.js');
    expect(await proveEmulator(owned.url, token, { signal: never, timeoutMs: 2_000 })).toBe('proven');
    expect(await proveEmulator(owned.url, 'ef'.repeat(32), { signal: never, timeoutMs: 2_000 })).toBe('foreign');
    expect(await proveEmulator(standalone.url, token, { signal: never, timeoutMs: 2_000 })).toBe('foreign');
  });
});
