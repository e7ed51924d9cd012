import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultOptions } from '../../src/emulator/faults.js';
import type { EmulatorOptions, EmulatorStats } from '../../src/emulator/index.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { hasStackTrace, type CliRun } from '../helpers/cli.js';
import { checkOutputs, readLock, renderWith } from '../render/helpers.js';
import { boardDir, leftovers, newTally, soakBoard, startCrashEmulator, useMediaCache, type Board, type CrashEmulator } from './harness.js';
import { waitUntil } from '../helpers/wait-until.js';

/**
 * The fault soak: seeded fault profiles against a 50-job storyboard (46 independent jobs, two
 * parent → remix chains). Each run either converges (run again while jobs failed, at most three
 * runs) or ends with the exit code and a precise reason for every job that did not make it;
 * spend is never doubled: one server job per request, creates accepted = distinct jobs.
 */

const STILLS = 46;
const CHAINS = 2;
const BOARD = soakBoard(STILLS, CHAINS);
const JOBS = BOARD.jobs.length;
const MAX_RUNS = 3;

const tally = newTally();
const media = useMediaCache();
const started = Date.now();

/** A healthy run first: the baseline every profile is measured against, and it encodes the media they share. */
beforeAll(async () => {
  const emu = await startCrashEmulator(media.dir);
  const { dir, cleanup } = await boardDir(BOARD);
  try {
    const run = await renderWith(emu, dir, BOARD.file);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(JOBS);
  } finally {
    await emu.close();
    await cleanup();
  }
}, 120_000);
afterAll(() => {
  console.log(
    `fault soak: ${JSON.stringify({ profiles: tally.faultProfiles, duplicateServerJobs: tally.duplicateServerJobs, lostVideoIds: tally.lostVideoIds, stackTraces: tally.stackTraces, seconds: Math.round((Date.now() - started) / 1000) })}`,
  );
});

interface Soak {
  readonly dir: string;
  readonly emu: CrashEmulator;
  readonly board: Board;
  readonly runs: CliRun[];
  render(): Promise<CliRun>;
  lock(): Promise<Lockfile>;
}

async function setUpSoak(
  faults: FaultOptions,
  onTestFinished: (fn: () => Promise<void>) => void,
  options: { board?: Board; emulator?: EmulatorOptions } = {},
): Promise<Soak> {
  const board = options.board ?? BOARD;
  const { dir, cleanup } = await boardDir(board);
  const emu = await startCrashEmulator(media.dir, { faults, ...options.emulator });
  onTestFinished(async () => {
    await emu.close();
    await cleanup();
  });
  const runs: CliRun[] = [];
  return {
    dir,
    emu,
    board,
    runs,
    async render() {
      const run = await renderWith(emu, dir, board.file);
      runs.push(run);
      expect(hasStackTrace(run.stdout + run.stderr), run.stderr).toBe(false);
      return run;
    },
    lock: () => readLock(dir, board.file),
  };
}

/** Each failed or skipped job of a run, with the reason it gave. */
function failures(run: CliRun): Map<string, string> {
  return new Map(
    run
      .events()
      .filter((e) => e['event'] === 'job.result' && (e['status'] === 'failed' || e['status'] === 'skipped'))
      .map((e) => [String(e['id']), String(e['reason'])]),
  );
}

/**
 * A run that did not finish everything says so per job: exit 1, and every job that is not
 * completed in the lockfile has a `job.result` naming why.
 */
async function checkFailedRun(soak: Soak, run: CliRun): Promise<void> {
  expect(run.code, run.stderr).toBe(1);
  const lock = await soak.lock();
  const failed = failures(run);
  expect(failed.size).toBeGreaterThan(0);
  for (const [id, reason] of failed) expect(reason, id).toMatch(/^[a-z][a-z_-]*: \S|^not sent, because \S+ failed$/);
  for (const id of soak.board.jobs)
    if (lock.jobs[id]?.status !== 'completed' || !lock.jobs[id]?.outputs.video) expect(failed.has(id), `${id} did not complete and says why`).toBe(true);
}

async function renderUntilConverged(soak: Soak): Promise<CliRun> {
  let run = await soak.render();
  while (run.code !== 0 && soak.runs.length < MAX_RUNS) {
    await checkFailedRun(soak, run);
    run = await soak.render();
  }
  expect(run.code, `${soak.runs.length} runs: ${run.stderr}`).toBe(0);
  return run;
}

/** Every job completed once, its files whole, nothing paid twice, no server job unaccounted for. */
async function checkConverged(soak: Soak, stats: EmulatorStats = soak.emu.stats()): Promise<void> {
  const lock = await soak.lock();
  const duplicates = Object.values(stats.jobsPerRequest).filter((n) => n > 1).length;
  const named = new Set(Object.values(lock.jobs).map((entry) => entry.video_id));
  const lost = stats.jobs.filter((job) => !named.has(job.id));
  tally.duplicateServerJobs += duplicates;
  tally.lostVideoIds += lost.length;
  expect(duplicates, JSON.stringify(stats.jobsPerRequest)).toBe(0);
  expect(lost).toEqual([]);
  expect(stats.createsAccepted).toBe(JOBS);
  expect(Object.keys(lock.jobs).sort()).toEqual([...soak.board.jobs].sort());
  for (const [id, entry] of Object.entries(lock.jobs)) {
    expect(entry.status, id).toBe('completed');
    await checkOutputs(soak.dir, entry);
    if (entry.request.remix_of) expect(entry.remixed_from).toBe(lock.jobs[entry.request.remix_of.job]!.video_id);
  }
  expect(await leftovers(soak.dir)).toEqual([]);
  tally.faultProfiles++;
}

const CONVERGING: readonly { name: string; faults: FaultOptions; speed?: number; fired: (stats: EmulatorStats) => boolean }[] = [
  {
    name: '5xx bursts on every route',
    faults: { seed: 11, serverError: { rate: 0.1 } },
    fired: (s) => Object.values(s.requestsByRoute).reduce((a, b) => a + b, 0) > 4 * JOBS,
  },
  {
    name: '5xx on a third of the creates',
    faults: { seed: 12, serverError: { rate: 0.3, routes: ['create', 'remix'] } },
    fired: (s) => (s.requestsByRoute['GET /v1/videos'] ?? 0) > 0,
  },
  { name: '429 storm with Retry-After', faults: { seed: 13, rateLimit: { rate: 0.15, retryAfterSeconds: 1 } }, fired: (s) => s.createsRejected429 > 0 },
  { name: '429 storm without Retry-After', faults: { seed: 14, rateLimit: { rate: 0.3, retryAfterSeconds: null } }, fired: (s) => s.createsRejected429 > 0 },
  {
    name: 'connections reset before and after the create is committed',
    faults: { seed: 15, dropConnection: { beforeCommit: 0.15, afterCommit: 0.15 } },
    fired: (s) => (s.requestsByRoute['GET /v1/videos'] ?? 0) > 0,
  },
  {
    name: 'stalled bodies',
    faults: { seed: 16, slowBody: { rate: 0.1, delayMs: 400, phase: 'during', routes: ['content', 'retrieve'] } },
    fired: (s) => s.jobs.length > 0,
  },
  {
    name: 'truncated downloads',
    faults: { seed: 17, truncateContent: { rate: 0.25 } },
    fired: (s) => (s.requestsByRoute['GET /v1/videos/{id}/content'] ?? 0) > 2 * JOBS,
  },
  { name: 'a slow server', speed: 200, faults: { seed: 18, slowBody: { rate: 0.3, delayMs: 60, phase: 'before' } }, fired: (s) => s.jobs.length > 0 },
  {
    name: 'everything at once, lightly',
    faults: {
      seed: 19,
      serverError: { rate: 0.04 },
      rateLimit: { rate: 0.05, retryAfterSeconds: 0 },
      dropConnection: { beforeCommit: 0.05, afterCommit: 0.05 },
      truncateContent: { rate: 0.05 },
    },
    fired: (s) => s.createsRejected429 + (s.requestsByRoute['GET /v1/videos'] ?? 0) > 0,
  },
];

describe.concurrent('fault soak: 50 jobs under seeded faults converge, never paying twice', () => {
  for (const profile of CONVERGING) {
    it(
      profile.name,
      async ({ onTestFinished }) => {
        const soak = await setUpSoak(profile.faults, onTestFinished, profile.speed ? { emulator: { speed: profile.speed } } : {});
        await renderUntilConverged(soak);
        const stats = soak.emu.stats();
        expect(profile.fired(stats), 'the fault fired').toBe(true);
        await checkConverged(soak, stats);
        tally.stackTraces += soak.runs.filter((run) => hasStackTrace(run.stdout + run.stderr)).length;
      },
      120_000,
    );
  }

  it("moderation: blocked at create and failed later; those jobs fail with the server's reason, their remix is skipped, the rest completes", async ({
    onTestFinished,
  }) => {
    const soak = await setUpSoak({ seed: 20, moderation: { blockPattern: 'number 5:', failPattern: 'number 9:|^Scene 1 of' } }, onTestFinished);
    const run = await soak.render();
    await checkFailedRun(soak, run);
    const failed = failures(run);
    expect([...failed.keys()].sort()).toEqual(['scene-remix[c=1]', 'scene[c=1]', 'still[n=5]', 'still[n=9]']);
    expect(failed.get('still[n=5]')).toMatch(/^moderation_blocked: /);
    expect(failed.get('still[n=9]')).toMatch(/^moderation_blocked: /);
    expect(failed.get('scene[c=1]')).toMatch(/^moderation_blocked: /);
    expect(failed.get('scene-remix[c=1]')).toBe('not sent, because scene[c=1] failed');
    const stats = soak.emu.stats();
    // The blocked create made nothing; the skipped remix was never sent: 50 - 2 server jobs, each once.
    expect(stats.createsAccepted).toBe(JOBS - 2);
    expect(Object.values(stats.jobsPerRequest).every((n) => n === 1)).toBe(true);
    const lock = await soak.lock();
    expect(lock.jobs['still[n=5]']).toMatchObject({ status: 'failed', video_id: null, error: { code: 'moderation_blocked' } });
    expect(lock.jobs['still[n=9]']).toMatchObject({ status: 'failed', error: { code: 'moderation_blocked' } });
    expect(Object.values(lock.jobs).filter((entry) => entry.status === 'completed')).toHaveLength(JOBS - 4);
    expect(await leftovers(soak.dir)).toEqual([]);
    tally.faultProfiles++;
  }, 120_000);

  it('jobs stuck in queued past their deadline: fail with the deadline reason, stay recorded, and are resumed by id (never created again)', async ({
    onTestFinished,
  }) => {
    // 5 s, not 1: on a loaded machine (three test workers on two cores, and more) a remix that is
    // merely slow to leave the queue must not be mistaken for a stuck one (3 s was, once, under
    // extra load).
    const board = soakBoard(STILLS, CHAINS, 'provider: { profile: emulator, job_deadline_seconds: 5 }');
    // A stuck job counts against the server's in-flight limit for good: room for two of them beside the run's two.
    const soak = await setUpSoak({ seed: 21, stuckPattern: 'number (7|13):' }, onTestFinished, { board, emulator: { inFlightLimit: 4 } });
    for (let i = 0; i < 2; i++) {
      const run = await soak.render();
      await checkFailedRun(soak, run);
      const failed = failures(run);
      expect([...failed.keys()].sort()).toEqual(['still[n=13]', 'still[n=7]']);
      const lock = await soak.lock();
      for (const id of failed.keys()) {
        expect(failed.get(id)).toBe(`deadline: still queued after 5 s; run again to keep waiting for ${lock.jobs[id]!.video_id}`);
        expect(lock.jobs[id]).toMatchObject({ status: 'queued' });
      }
    }
    const stats = soak.emu.stats();
    expect(stats.createsAccepted).toBe(JOBS);
    expect(Object.values(stats.jobsPerRequest).every((n) => n === 1)).toBe(true);
    tally.faultProfiles++;
  }, 120_000);

  it('content expiring mid-run: jobs whose video expired before download fail as gone; the next run renders them anew, and only them', async ({
    onTestFinished,
  }) => {
    const soak = await setUpSoak({ seed: 22, slowBody: { rate: 1, delayMs: 40, phase: 'before', routes: ['content'] } }, onTestFinished, {
      emulator: { speed: 300 },
    });
    const first = soak.render();
    // A day later on the server's clock, with part of the run done.
    await waitUntil(() => soak.emu.stats().jobs.length >= JOBS / 3, 'a third of the jobs on the server', 60_000);
    soak.emu.advanceClock(25 * 3600);
    const advancedAt = soak.emu.stats().jobs.length;
    const run = await first;
    await checkFailedRun(soak, run);
    const gone = [...failures(run)].filter(([, reason]) => /^(content_gone|video_gone): /.test(reason));
    expect(gone.length).toBeGreaterThan(0);
    const second = await soak.render();
    expect(second.code, second.stderr).toBe(0);
    const stats = soak.emu.stats();
    // Each request paid once more at most, and only for a video that expired before it was downloaded.
    const rerendered = stats.createsAccepted - JOBS;
    expect(rerendered).toBeGreaterThan(0);
    expect(rerendered).toBeLessThanOrEqual(advancedAt);
    const recent = stats.jobs.slice(advancedAt);
    const perRequest = new Map<string, number>();
    for (const job of recent) perRequest.set(job.request_hash, (perRequest.get(job.request_hash) ?? 0) + 1);
    expect([...perRequest.values()].every((n) => n === 1)).toBe(true);
    const lock = await soak.lock();
    for (const entry of Object.values(lock.jobs)) {
      expect(entry.status).toBe('completed');
      await checkOutputs(soak.dir, entry);
    }
    expect(await leftovers(soak.dir)).toEqual([]);
    tally.faultProfiles++;
  }, 120_000);
});
