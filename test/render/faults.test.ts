import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import type { FaultOptions } from '../../src/emulator/faults.js';
import type { EmulatorStats } from '../../src/emulator/index.js';
import { hasStackTrace } from '../helpers/cli.js';
import { checkOutputs, readLock, renderProject, renderWith, setFaults, waitUntil } from './helpers.js';

/**
 * Seeded faults on the server's side: every run converges (at most one re-run) to every job
 * rendered, with exactly one server-side job per job. Each fault is tried with several seeds,
 * side by side (each seed its own emulator and directory), on the quickstart: two generations
 * and two remixes, so both kinds of create meet the fault.
 */

const SEEDS = [1, 2, 3];
const FILE = 'quickstart.yaml';
const JOBS = 4;

interface Converged {
  readonly seed: number;
  readonly runs: number;
  readonly stats: EmulatorStats;
}

/** Renders, and once more if the first run did not finish everything; checks the end state. */
async function renderUntilConverged(faults: FaultOptions, seed: number, onTestFinished: TestContext['onTestFinished']): Promise<Converged> {
  const { emu, dir } = await renderProject(onTestFinished, { faults: { ...faults, seed } });
  let run = await renderWith(emu, dir, FILE);
  let runs = 1;
  if (run.code !== 0) {
    runs++;
    run = await renderWith(emu, dir, FILE);
  }
  expect(hasStackTrace(run.stderr + run.stdout), `seed ${seed}`).toBe(false);
  expect(run.code, `seed ${seed}: ${run.stderr}`).toBe(0);

  const stats = emu.stats();
  // Exactly one server job per job: nothing paid twice, nothing left out.
  expect(
    stats.jobs.filter((job) => job.status !== 'deleted'),
    `seed ${seed}`,
  ).toHaveLength(JOBS);
  expect(Object.values(stats.jobsPerRequest), `seed ${seed}`).toEqual([1, 1, 1, 1]);
  const lock = await readLock(dir, FILE);
  const entries = Object.values(lock.jobs);
  expect(entries).toHaveLength(JOBS);
  expect(new Set(entries.map((entry) => entry.video_id))).toEqual(new Set(stats.jobs.map((job) => job.id)));
  for (const entry of entries) {
    expect(entry.status).toBe('completed');
    await checkOutputs(dir, entry);
    if (entry.request.remix_of) expect(entry.remixed_from).toBe(lock.jobs[entry.request.remix_of.job]!.video_id);
  }
  return { seed, runs, stats };
}

describe.concurrent('faults converge, never paying twice', () => {
  const acrossSeeds = (faults: FaultOptions, onTestFinished: TestContext['onTestFinished']) =>
    Promise.all(SEEDS.map((seed) => renderUntilConverged(faults, seed, onTestFinished)));

  it('10% 5xx on polls: retried, every job rendered once', async ({ onTestFinished }) => {
    const results = await acrossSeeds({ serverError: { rate: 0.1, routes: ['retrieve'] } }, onTestFinished);
    // A poll's 5xx is retried inside the run: no job fails for it, no re-run is needed.
    expect(results.map((r) => r.runs)).toEqual([1, 1, 1]);
    expect(results.reduce((sum, r) => sum + r.stats.requestsByRoute['GET /v1/videos/{id}']!, 0)).toBeGreaterThan(30);
  });

  it('polls failing past every retry (a long 5xx outage on GET): the jobs are polled again later, not failed', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { faults: { serverError: { rate: 1, routes: ['retrieve'] } } });
    let ended = false;
    const run = renderWith(emu, dir, FILE).finally(() => (ended = true));
    // Each of the two first jobs' polls is refused through all its retries (1 + 4 attempts) ...
    await waitUntil(() => ended || (emu.stats().requestsByRoute['GET /v1/videos/{id}'] ?? 0) >= 12, 'polls refused through their retries', 25_000);
    expect(ended, "the run still going when the outage had outlasted its polls' retries").toBe(false);
    // ... then the outage ends.
    await setFaults(emu, {});
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(JOBS);
    expect(Object.values((await readLock(dir, FILE)).jobs).every((entry) => entry.status === 'completed')).toBe(true);
  });

  it('429s on creates: backed off and sent again, every job rendered once', async ({ onTestFinished }) => {
    const results = await acrossSeeds({ rateLimit: { rate: 0.4, retryAfterSeconds: 0 } }, onTestFinished);
    // The fault fired: some creates were refused and sent again.
    expect(results.reduce((sum, r) => sum + r.stats.createsRejected429, 0)).toBeGreaterThan(0);
    expect(results.map((r) => r.runs)).toEqual([1, 1, 1]);
  });

  it('a connection dropped after the create was committed: the job is found by listing and adopted, not created again', async ({ onTestFinished }) => {
    const results = await acrossSeeds({ dropConnection: { afterCommit: 0.35 } }, onTestFinished);
    // The fault fired (a create whose answer never came was followed by a list) and still one job per job.
    expect(results.reduce((sum, r) => sum + (r.stats.requestsByRoute['GET /v1/videos'] ?? 0), 0)).toBeGreaterThan(0);
    for (const r of results) expect(r.stats.createsAccepted, `seed ${r.seed}`).toBe(JOBS);
    expect(results.map((r) => r.runs)).toEqual([1, 1, 1]);
  });

  it('a connection dropped before the create was committed: looked for, not found, created once', async ({ onTestFinished }) => {
    const results = await acrossSeeds({ dropConnection: { beforeCommit: 0.35 } }, onTestFinished);
    const sent = results.reduce((sum, r) => sum + r.stats.requestsByRoute['POST /v1/videos']! + r.stats.requestsByRoute['POST /v1/videos/{id}/remix']!, 0);
    expect(sent).toBeGreaterThan(JOBS * SEEDS.length);
    for (const r of results) expect(r.stats.createsAccepted, `seed ${r.seed}`).toBe(JOBS);
  });

  it('truncated downloads: fetched again, files whole and recorded with their hashes', async ({ onTestFinished }) => {
    const results = await acrossSeeds({ truncateContent: { rate: 0.3 } }, onTestFinished);
    const downloads = results.reduce((sum, r) => sum + r.stats.requestsByRoute['GET /v1/videos/{id}/content']!, 0);
    expect(downloads).toBeGreaterThan(2 * JOBS * SEEDS.length);
  });

  it('a server that answers every create with a 5xx: each job fails after a few spaced attempts, the run ends', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { faults: { serverError: { rate: 1, routes: ['create'] } } });
    const started = Date.now();
    const run = await renderWith(emu, dir, FILE);
    expect(run.code).toBe(1);
    expect(hasStackTrace(run.stderr + run.stdout)).toBe(false);
    const stats = emu.stats();
    expect(stats.jobs).toHaveLength(0);
    // Each outcome was unknown, so each was looked for before the next attempt; the attempts are few, and spaced.
    const creates = stats.requestsByRoute['POST /v1/videos']!;
    expect(creates).toBeGreaterThanOrEqual(2 * 2);
    expect(creates).toBeLessThanOrEqual(2 * 8);
    expect(stats.requestsByRoute['GET /v1/videos']).toBe(creates);
    expect(Date.now() - started).toBeGreaterThan(1000);
    const lock = await readLock(dir, FILE);
    expect(lock.jobs['hero[product=mug]']).toMatchObject({ status: 'failed', video_id: null, error: { code: 'server_error' } });
    expect(lock.jobs['hero-dusk[product=mug]']).toBeUndefined();
  });

  it('identical requests (takes of one prompt) whose answers are lost: each job adopts a video of its own', async ({ onTestFinished }) => {
    // The take is not in the prompt: three jobs send the very same request.
    const takes = [
      'version: 1',
      'name: takes',
      'provider: emulator',
      'defaults: { model: sora-2, size: 1280x720, seconds: 4 }',
      'shots:',
      '  - id: wave',
      '    prompt: A wave breaks on a rock.',
      '    variants:',
      '      take: [1, 2, 3]',
      '',
    ].join('\n');
    const cases = [{ afterCommit: 1, seed: 1 }, ...SEEDS.map((seed) => ({ afterCommit: 0.5, seed }))];
    await Promise.all(
      cases.map(async ({ afterCommit, seed }) => {
        const { emu, dir } = await renderProject(onTestFinished, { faults: { seed, dropConnection: { afterCommit } } });
        await writeFile(path.join(dir, 'takes.yaml'), takes);
        const run = await renderWith(emu, dir, 'takes.yaml');
        expect(run.code, run.stderr).toBe(0);
        const stats = emu.stats();
        expect(stats.createsAccepted, `seed ${seed}`).toBe(3);
        const lock = await readLock(dir, 'takes.yaml');
        const videos = Object.values(lock.jobs).map((entry) => entry.video_id);
        expect(new Set(videos).size, `seed ${seed}: ${videos.join(' ')}`).toBe(3);
        expect(new Set(videos)).toEqual(new Set(stats.jobs.map((job) => job.id)));
        for (const entry of Object.values(lock.jobs)) await checkOutputs(dir, entry);
      }),
    );
  });
});
