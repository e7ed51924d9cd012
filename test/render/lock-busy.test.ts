import { spawn } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ownStart } from '../../src/run/process-start.js';
import { hasStackTrace, runCli } from '../helpers/cli.js';
import { lockPathOf, readLock, renderProject, renderWith, waitUntil } from './helpers.js';

/** The advisory lock beside the lockfile: a live holder makes render exit 4 naming it; a dead one is taken over. */

const FILE = 'quickstart.yaml';

/** A pid that surely belonged to a process that has exited: a child we ran to completion. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the lockfile lock', () => {
  it('held by a live process: render exits 4 naming pid, host and since, and sends nothing', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const holder = { pid: process.pid, host: os.hostname(), since: '2026-11-22T01:02:03.000Z', start: await ownStart() };
    const lockLock = `${lockPathOf(dir, FILE)}.lock`;
    await writeFile(lockLock, `${JSON.stringify(holder)}\n`);
    const run = await renderWith(emu, dir, FILE);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`pid ${process.pid}`);
    expect(run.stderr).toContain(os.hostname());
    expect(run.stderr).toContain(holder.since);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(emu.stats().requestsByRoute).toEqual({});
    // The holder's lock is left alone.
    expect(JSON.parse(await readFile(lockLock, 'utf8'))).toEqual(holder);
  });

  it('left by a process that died on this host: taken over, the render completes and releases it', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const lockLock = `${lockPathOf(dir, FILE)}.lock`;
    await writeFile(lockLock, `${JSON.stringify({ pid: await deadPid(), host: os.hostname(), since: '2026-11-22T01:02:03.000Z' })}\n`);
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    expect(Object.values((await readLock(dir, FILE)).jobs).map((entry) => entry.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    await expect(access(lockLock)).rejects.toThrow();
  });

  it('--wait behind another render of the same storyboard: waits, then renders only what is still to do, never paying twice', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { speed: 100 });
    const lockLock = `${lockPathOf(dir, FILE)}.lock`;
    let firstDone = false;
    const first = renderWith(emu, dir, FILE).finally(() => (firstDone = true));
    // The first render holds the lock (it is taken before anything is sent).
    await waitUntil(
      () =>
        access(lockLock).then(
          () => true,
          () => false,
        ),
      'the first render to take the lock',
      10_000,
    );
    // In text mode, so that it says when it waits and what it found after.
    let said = '';
    const second = runCli(['render', FILE, '--base-url', emu.url, '--wait'], {
      cwd: dir,
      now: () => Date.now(),
      env: { NO_COLOR: '1' },
      onOutput: ({ stderr }) => (said = stderr),
    });
    // The second one found the lock held while the first was still rendering: it had to wait.
    await waitUntil(() => said.includes(`waiting for pid ${process.pid} on ${os.hostname()}`), 'the second render to wait for the first', 10_000);
    expect(firstDone).toBe(false);
    const [a, b] = await Promise.all([first, second]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    // Planned again once it held the lock: the first had done everything.
    expect(b.stderr).toContain('nothing to do: every job is up to date');
    const stats = emu.stats();
    expect(stats.jobs).toHaveLength(4);
    expect(Object.values(stats.jobsPerRequest)).toEqual([1, 1, 1, 1]);
    const lock = await readLock(dir, FILE);
    expect(new Set(Object.values(lock.jobs).map((entry) => entry.video_id))).toEqual(new Set(stats.jobs.map((job) => job.id)));
  });

  it("--wait behind a live holder, then Ctrl-C: exit 130 without a stack trace, nothing sent, the holder's lock untouched", async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const holder = { pid: process.pid, host: os.hostname(), since: '2026-11-22T01:02:03.000Z', start: await ownStart() };
    const lockLock = `${lockPathOf(dir, FILE)}.lock`;
    await writeFile(lockLock, `${JSON.stringify(holder)}\n`);
    const controller = new AbortController();
    const waiting = renderWith(emu, dir, FILE, ['--wait'], { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const run = await waiting;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).not.toContain('internal error');
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(emu.stats().requestsByRoute).toEqual({});
    expect(JSON.parse(await readFile(lockLock, 'utf8'))).toEqual(holder);
  });
});
