import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { boardDir, lockPathOf, MANY, QUICKSTART, render, SCRATCH, startCrashEmulator, useMediaCache, type Board } from './harness.js';

/**
 * A team sharing one remote (SPEC §8), with real processes: two checkouts of one campaign
 * rendering at the same moment against one server pay for each request once, and a render
 * killed between its downloads and its push is completed by the next run, which creates nothing.
 */

const media = useMediaCache();

async function remoteDir(onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(SCRATCH, 'shotlist-remote-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function checkout(board: Board, onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const { dir, cleanup } = await boardDir(board);
  onTestFinished(cleanup);
  return dir;
}

async function readLock(dir: string, board: Board): Promise<Lockfile> {
  return JSON.parse(await readFile(lockPathOf(dir, board), 'utf8')) as Lockfile;
}

/** Every output the lockfile pins is on disk with its sha256. */
async function expectOutputsOnDisk(dir: string, lock: Lockfile): Promise<void> {
  for (const entry of Object.values(lock.jobs)) {
    for (const output of Object.values(entry.outputs)) {
      const bytes = await readFile(path.join(dir, output.path));
      expect(createHash('sha256').update(bytes).digest('hex'), output.path).toBe(output.sha256);
    }
  }
}

async function blobCount(remote: string): Promise<number> {
  const names = await readdir(path.join(remote, 'blobs', 'sha256'), { recursive: true }).catch(() => []);
  return names.filter((name) => /[0-9a-f]{62}$/.test(String(name))).length;
}

describe('a team sharing one directory remote', () => {
  it('two checkouts rendering the same campaign at the same moment pay once per request, and both end with every file', async ({ onTestFinished }) => {
    const emu = await startCrashEmulator(media.dir, { speed: 60 });
    onTestFinished(() => emu.close());
    const remote = await remoteDir(onTestFinished);
    const [a, b] = [await checkout(MANY, onTestFinished), await checkout(MANY, onTestFinished)];
    const runs = [render(MANY, a, emu, ['--remote', remote]), render(MANY, b, emu, ['--remote', remote])];
    const exits = await Promise.all(runs.map((run) => run.exited));
    for (const [i, exit] of exits.entries()) expect(exit.code, runs[i]!.stderr).toBe(0);
    const stats = emu.stats();
    // Exactly one server job per request across both machines.
    expect(Object.values(stats.jobsPerRequest).filter((n) => n > 1)).toEqual([]);
    expect(stats.createsAccepted).toBe(MANY.jobs.length);
    const [lockA, lockB] = [await readLock(a, MANY), await readLock(b, MANY)];
    for (const id of MANY.jobs) expect(lockB.jobs[id]!.video_id, id).toBe(lockA.jobs[id]!.video_id);
    await expectOutputsOnDisk(a, lockA);
    await expectOutputsOnDisk(b, lockB);
    // What each run paid: together, the campaign once.
    const spent = runs.map((run) => Number(run.events.find((e) => e.event === 'run.summary')?.['spent_usd'] ?? NaN));
    const total = Object.values(lockA.jobs).reduce((sum, entry) => sum + (entry.cost_usd ?? 0), 0);
    expect(spent[0]! + spent[1]!).toBeCloseTo(total, 2);
  }, 240_000);

  it('a render killed (SIGKILL) after downloads and before its push is completed by its next run; a clone then pulls everything and creates nothing', async ({
    onTestFinished,
  }) => {
    const emu = await startCrashEmulator(media.dir, { speed: 60 });
    onTestFinished(() => emu.close());
    const remote = await remoteDir(onTestFinished);
    const a = await checkout(QUICKSTART, onTestFinished);
    const first = render(QUICKSTART, a, emu, ['--remote', remote]);
    // Killed once every job is downloaded and recorded: its push has at most begun.
    expect(await first.until(() => first.states('done').length === QUICKSTART.jobs.length)).toBe(true);
    first.kill('SIGKILL');
    await first.exited;
    const again = render(QUICKSTART, a, emu, ['--remote', remote]);
    expect((await again.exited).code, again.stderr).toBe(0);
    expect(again.states('creating')).toEqual([]);
    const lock = await readLock(a, QUICKSTART);
    const pinned = new Set(Object.values(lock.jobs).flatMap((entry) => Object.values(entry.outputs).map((output) => output.sha256)));
    expect(await blobCount(remote)).toBe(pinned.size);

    // A teammate's clone: the campaign and its lockfile, no renders, a server that never saw these videos.
    const other = await startCrashEmulator(media.dir, { speed: 60 });
    onTestFinished(() => other.close());
    const b = await checkout(QUICKSTART, onTestFinished);
    await readFile(lockPathOf(a, QUICKSTART)).then((bytes) => import('node:fs/promises').then((fs) => fs.writeFile(lockPathOf(b, QUICKSTART), bytes)));
    const clone = render(QUICKSTART, b, other, ['--remote', remote]);
    expect((await clone.exited).code, clone.stderr).toBe(0);
    expect(other.stats().createsAccepted).toBe(0);
    await expectOutputsOnDisk(b, lock);
    expect(await readFile(lockPathOf(b, QUICKSTART), 'utf8')).toBe(await readFile(lockPathOf(a, QUICKSTART), 'utf8'));
    expect(emu.stats().createsAccepted).toBe(QUICKSTART.jobs.length);
  }, 240_000);
});
