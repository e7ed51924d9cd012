import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { hasStackTrace, runCli, type CliRun } from '../helpers/cli.js';
import { checkOutputs, events, readLock, renderProject, renderWith, setFaults, waitForEntry, waitUntil } from './helpers.js';

/**
 * Ctrl-C (the signal given to `main`) while jobs are in flight: exit 130 with every job the
 * server holds recorded, and the next run resumes them by id or by search, never creating
 * them again.
 */

const FILE = 'quickstart.yaml';
const JOBS = 4;

/** Every quickstart job is 4 s of sora-2 at 1280x720: $0.40 a create. */
const PRICE = 0.4;

/** `spent_usd` of the run's JSON summary, and the `Spent:` line of its Markdown summary: they must agree. */
async function spentOf(run: CliRun, summaryFile: string): Promise<number> {
  const json = events(run, 'run.summary')[0]!['spent_usd'] as number;
  const markdown = (await readFile(summaryFile, 'utf8')).match(/Spent: \$(\d+\.\d\d)/g)!.at(-1)!;
  expect(markdown).toBe(`Spent: $${json.toFixed(2)}`);
  return json;
}

/**
 * The second run finishes everything without a single new server job for the jobs already there,
 * and spends what the creates it sent cost: the two runs together spent each create once.
 */
async function expectResumed(emu: RunningEmulator, dir: string, interrupted: Lockfile, firstSpent: number): Promise<void> {
  const serverBefore = emu.stats().jobs.map((job) => job.id);
  const resumed = await renderWith(emu, dir, FILE, ['--summary', 'summary.md']);
  expect(resumed.code, resumed.stderr).toBe(0);
  const spent = await spentOf(resumed, path.join(dir, 'summary.md'));
  expect(Math.round((firstSpent + spent) * 100)).toBe(Math.round(emu.stats().createsAccepted * PRICE * 100));
  expect(emu.stats().createsAccepted).toBe(JOBS);
  const stats = emu.stats();
  expect(stats.jobs).toHaveLength(JOBS);
  expect(Object.values(stats.jobsPerRequest)).toEqual([1, 1, 1, 1]);
  const lock = await readLock(dir, FILE);
  for (const [id, entry] of Object.entries(lock.jobs)) {
    expect(entry.status, id).toBe('completed');
    await checkOutputs(dir, entry);
    const before = interrupted.jobs[id];
    if (before?.video_id) expect(entry.video_id, `${id} keeps its video`).toBe(before.video_id);
  }
  // Every job the server had before the second run is one of the lockfile's: adopted, not duplicated.
  const recorded = new Set(Object.values(lock.jobs).map((entry) => entry.video_id));
  for (const id of serverBefore) expect(recorded.has(id), id).toBe(true);
}

describe.concurrent('interrupt and resume', () => {
  it('Ctrl-C while jobs are queued or in progress: exit 130, their video ids recorded, then resumed by id', async ({ onTestFinished }) => {
    // Slow enough that the first jobs are still running when the abort lands.
    const { emu, dir } = await renderProject(onTestFinished, { speed: 20 });
    const controller = new AbortController();
    const running = renderWith(emu, dir, FILE, ['--summary', 'summary.md'], { signal: controller.signal });
    await waitForEntry(
      dir,
      FILE,
      (entry) => (entry.status === 'queued' || entry.status === 'in_progress') && entry.video_id !== null,
      'in flight on the server',
    );
    controller.abort();
    const run = await running;
    expect(run.code).toBe(130);
    expect(hasStackTrace(run.stderr + run.stdout)).toBe(false);
    expect(events(run, 'run.summary')[0]).toMatchObject({ interrupted: true });

    const interrupted = await readLock(dir, FILE);
    // The interrupted run spent what its answered creates cost, though none of them finished.
    const firstSpent = await spentOf(run, path.join(dir, 'summary.md'));
    const answered = Object.values(interrupted.jobs).filter((entry) => entry.video_id !== null).length;
    expect(answered).toBeGreaterThan(0);
    expect(firstSpent).toBeCloseTo(answered * PRICE, 6);
    const onServer = emu.stats().jobs;
    expect(onServer.length).toBeGreaterThan(0);
    // Every server job is recorded under its job; those still running are recorded as in flight.
    const byVideo = new Map(Object.values(interrupted.jobs).map((entry) => [entry.video_id, entry]));
    for (const job of onServer) {
      const entry = byVideo.get(job.id);
      expect(entry, job.id).toBeDefined();
      if (job.status === 'queued' || job.status === 'in_progress') expect(['queued', 'in_progress']).toContain(entry!.status);
    }
    expect(Object.values(interrupted.jobs).some((entry) => entry.status === 'queued' || entry.status === 'in_progress')).toBe(true);

    const plan = await runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(events(plan, 'plan.total')[0]!['resume']).toBeGreaterThan(0);

    const createsBefore = emu.stats().createsAccepted;
    await expectResumed(emu, dir, interrupted, firstSpent);
    expect(emu.stats().createsAccepted - createsBefore).toBe(JOBS - onServer.length);
  });

  it('Ctrl-C while a create is answered slowly (the job exists, the answer never came): found by search and adopted', async ({ onTestFinished }) => {
    // The server commits the job, then holds the answer: the abort lands between the two.
    const { emu, dir } = await renderProject(onTestFinished, {
      faults: { slowBody: { rate: 1, delayMs: 2_000, phase: 'before', routes: ['create', 'remix'] } },
    });
    const controller = new AbortController();
    const running = renderWith(emu, dir, FILE, ['--summary', 'summary.md'], { signal: controller.signal });
    await waitForEntry(dir, FILE, (entry) => entry.status === 'creating', 'creating');
    // The request is on its way; wait until the server has committed it.
    await waitUntil(() => emu.stats().jobs.length > 0, 'the server to commit a create', 5_000);
    controller.abort();
    const run = await running;
    expect(run.code).toBe(130);
    expect(hasStackTrace(run.stderr + run.stdout)).toBe(false);

    const interrupted = await readLock(dir, FILE);
    const creating = Object.entries(interrupted.jobs).filter(([, entry]) => entry.status === 'creating');
    expect(creating.length).toBeGreaterThan(0);
    expect(emu.stats().jobs.length).toBeGreaterThan(0);

    // A create whose answer never came is not counted by the run that sent it (it cannot know)...
    const firstSpent = await spentOf(run, path.join(dir, 'summary.md'));
    expect(firstSpent).toBeCloseTo(Object.values(interrupted.jobs).filter((entry) => entry.video_id !== null).length * PRICE, 6);
    await setFaults(emu, {});
    // ...but by the run that finds it on the server: every create is counted once.
    await expectResumed(emu, dir, interrupted, firstSpent);
    expect(emu.stats().requestsByRoute['GET /v1/videos']).toBeGreaterThan(0);
  });
});
