import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockBusyError } from '../../src/errors.js';
import { acquireLock } from '../../src/run/advisory-lock.js';
import { systemClock } from '../../src/run/clock.js';
import {
  boardDir,
  checkEndState,
  LockWatcher,
  lockPathOf,
  MANY,
  newTally,
  render,
  SCRATCH,
  Shotlist,
  startCrashEmulator,
  type CrashEmulator,
  useMediaCache,
} from './harness.js';

/**
 * A cron `render` and a `watch --render` on one storyboard at once, both real processes: the
 * advisory lock lets one submit while the other waits (`--wait`; watch always waits) or exits 4
 * naming the holder. A lock left by a SIGKILLed render is stale and taken over. Either way every
 * job is rendered once, and the server never saw more than one process's jobs in flight.
 */

const BOARD = MANY;
const tally = newTally();
const media = useMediaCache();

interface Holder {
  readonly pid: number;
}

async function holder(dir: string): Promise<Holder | null> {
  try {
    return JSON.parse(await readFile(`${lockPathOf(dir, BOARD)}.lock`, 'utf8')) as Holder;
  } catch {
    return null;
  }
}

function watch(dir: string, emu: CrashEmulator): Shotlist {
  return new Shotlist(['watch', BOARD.file, '--render', '--base-url', emu.url], dir);
}

/** Jobs whose create this process sent, from its own output (NDJSON or lines). */
function creates(child: Shotlist): number {
  return child.events.length > 0 ? child.states('creating').length : (child.stderr.match(/\bcreating\b/g) ?? []).length;
}

async function setUp(onTestFinished: (fn: () => Promise<void>) => void): Promise<{ dir: string; emu: CrashEmulator; watcher: LockWatcher; stop: Shotlist[] }> {
  const { dir, cleanup } = await boardDir(BOARD);
  // Slow enough that a run lasts a few seconds: the second process surely starts while the first holds the lock.
  const emu = await startCrashEmulator(media.dir, { speed: 60 });
  const watcher = new LockWatcher(lockPathOf(dir, BOARD));
  const stop: Shotlist[] = [];
  onTestFinished(async () => {
    for (const child of stop) child.kill('SIGKILL');
    watcher.stop();
    await emu.close();
    await cleanup();
  });
  return { dir, emu, watcher, stop };
}

/** Ctrl-C to an idle watch: it stops cleanly and leaves no lock behind. */
async function stopWatch(w: Shotlist, dir: string): Promise<void> {
  w.kill('SIGINT');
  expect(await w.exited, w.stderr).toEqual({ code: 0, signal: null });
  await expect(access(`${lockPathOf(dir, BOARD)}.lock`)).rejects.toThrow();
}

describe.concurrent('two processes on one storyboard', () => {
  it('cron render first, then watch --render: watch waits for it, then finds nothing to do; one process submitted everything', async ({ onTestFinished }) => {
    const { dir, emu, watcher, stop } = await setUp(onTestFinished);
    const cron = render(BOARD, dir, emu);
    stop.push(cron);
    expect(await cron.until(async () => (await holder(dir))?.pid === cron.pid)).toBe(true);
    const w = watch(dir, emu);
    stop.push(w);
    expect(await w.until(() => w.stderr.includes(`waiting for pid ${cron.pid}`)), w.stderr).toBe(true);
    expect(cron.done, 'the cron render was still running').toBe(false);
    expect(await cron.exited, cron.stderr).toEqual({ code: 0, signal: null });
    expect(await w.until(() => w.stderr.includes('nothing to do')), w.stderr).toBe(true);
    await stopWatch(w, dir);
    expect(creates(w)).toBe(0);
    expect(creates(cron)).toBe(BOARD.jobs.length);
    expect(emu.stats().createsRejected429, 'never more jobs in flight than one process may have').toBe(0);
    watcher.stop();
    await checkEndState(BOARD, dir, emu, watcher, [cron, w], tally, 'cron, then watch');
  }, 90_000);

  it('watch --render first: a cron render exits 4 naming it, a cron render --wait waits for it; one process submitted everything', async ({
    onTestFinished,
  }) => {
    const { dir, emu, watcher, stop } = await setUp(onTestFinished);
    const w = watch(dir, emu);
    stop.push(w);
    expect(await w.until(async () => (await holder(dir))?.pid === w.pid && emu.stats().createsAccepted > 0), w.stderr).toBe(true);
    const busy = render(BOARD, dir, emu);
    const exit = await busy.exited;
    expect(exit, busy.stderr).toEqual({ code: 4, signal: null });
    expect(busy.stderr).toMatch(new RegExp(`locked by pid ${w.pid} on \\S+ since \\d{4}-\\d\\d-\\d\\dT`));
    expect(busy.events.filter((e) => e.event === 'job')).toEqual([]);
    const waiting = render(BOARD, dir, emu, ['--wait']);
    stop.push(waiting);
    expect(await waiting.exited, waiting.stderr).toEqual({ code: 0, signal: null });
    expect(creates(waiting)).toBe(0);
    await stopWatch(w, dir);
    expect(creates(w)).toBe(BOARD.jobs.length);
    expect(emu.stats().createsRejected429).toBe(0);
    watcher.stop();
    await checkEndState(BOARD, dir, emu, watcher, [w, busy, waiting], tally, 'watch, then cron');
  }, 90_000);

  it('a render SIGKILLed mid-run leaves a stale lock: a watch --render and a render --wait started together take it over one at a time, finishing its jobs without paying twice', async ({
    onTestFinished,
  }) => {
    const { dir, emu, watcher, stop } = await setUp(onTestFinished);
    const killed = render(BOARD, dir, emu);
    expect(await killed.until(() => killed.states('queued').length >= 3)).toBe(true);
    killed.kill('SIGKILL');
    await killed.exited;
    expect((await holder(dir))?.pid, "the dead process's lock is still there").toBe(killed.pid);
    const w = watch(dir, emu);
    const cron = render(BOARD, dir, emu, ['--wait']);
    stop.push(w, cron);
    expect(await cron.exited, cron.stderr).toEqual({ code: 0, signal: null });
    // Whichever won the stale lock rendered; the other waited and found the work done, or finished it.
    expect(await w.until(async () => /nothing to do|\b\d+ done\b/.test(w.stderr) && (await holder(dir)) === null), w.stderr).toBe(true);
    await stopWatch(w, dir);
    expect(creates(w) + creates(cron) + creates(killed)).toBeGreaterThanOrEqual(BOARD.jobs.length);
    expect(emu.stats().createsRejected429).toBe(0);
    watcher.stop();
    await checkEndState(BOARD, dir, emu, watcher, [killed, w, cron], tally, 'stale lock');
  }, 90_000);
});

describe('the advisory lock under contention', () => {
  /**
   * Regression: a contender could read a lock file its holder had created but not yet written,
   * take the empty file for a crashed holder's, remove it and take the lock too; and two
   * contenders that both found a lock stale could each remove the other's fresh lock. Eight
   * contenders race, round after round, for a free lock and for one left by a dead process:
   * exactly one may win each round.
   */
  it('eight contenders for a free or stale lock: exactly one holds it, every round', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const dir = await mkdtemp(path.join(SCRATCH, 'shotlist-lock-race-'));
    try {
      const winners: number[] = [];
      for (let round = 0; round < 300; round++) {
        const lockPath = path.join(dir, `r${round}.lock.json`);
        if (round % 2 === 1)
          await writeFile(`${lockPath}.lock`, `${JSON.stringify({ pid: dead.pid, host: os.hostname(), since: '2026-11-22T01:02:03.000Z' })}\n`);
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () => acquireLock(lockPath, { wait: false, clock: systemClock, signal: new AbortController().signal })),
        );
        winners.push(results.filter((result) => result.status === 'fulfilled').length);
        for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(LockBusyError);
      }
      expect(new Set(winners)).toEqual(new Set([1]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
