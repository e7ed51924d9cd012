import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeLockfile, parseLockfile } from '../../src/lockfile/parse-lockfile.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { completedLockfile, writeFakeOutputs } from '../helpers/campaign-lock.js';
import { copyExamples, REPO, runCli } from '../helpers/cli.js';

/**
 * `shotlist plan` on the full example (examples/campaign.yaml, 18 jobs) against (a) no
 * lockfile, (b) a lockfile where everything exists, (c) one where a prompt changed, a file is
 * missing and a video expired.
 */

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const NOW_S = NOW / 1000;
const FIXTURE = path.join(REPO, 'test/fixtures/campaign.lock.json');

type PlanEvent = { event: string; id: string; action: string; new: boolean; reason: string; changed: string[]; cost_usd: number; seconds: number };

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await copyExamples()));
afterEach(() => cleanup());

async function plan(extra: string[] = []): Promise<{ jobs: Map<string, PlanEvent>; total: Record<string, unknown>; code: number; text: string }> {
  const run = await runCli(['plan', 'campaign.yaml', '--json', ...extra], { cwd: dir, now: NOW });
  const events = run.events() as unknown as PlanEvent[];
  return {
    code: run.code,
    jobs: new Map(events.filter((e) => e.event === 'plan.job').map((e) => [e.id, e])),
    total: events.find((e) => e.event === 'plan.total') as unknown as Record<string, unknown>,
    text: run.stderr,
  };
}

async function installFixture(edit: (lock: Lockfile) => Lockfile = (lock) => lock): Promise<Lockfile> {
  const lock = edit(parseLockfile(await readFile(FIXTURE, 'utf8'), FIXTURE));
  await writeFile(path.join(dir, 'campaign.lock.json'), serializeLockfile(lock));
  await writeFakeOutputs(dir, lock);
  return lock;
}

describe('plan on the full example', () => {
  it('the committed fixture is what the storyboard produces: fingerprints are stable across runs and machines', async () => {
    const { loaded } = await loadStoryboard('campaign.yaml', { cwd: dir });
    const regenerated = serializeLockfile(completedLockfile(loaded!, NOW_S - 3600));
    expect(regenerated).toBe(await readFile(FIXTURE, 'utf8'));
  });

  it('(a) without a lockfile renders all 18 jobs as new, priced from the provider table', async () => {
    const { jobs, total, code } = await plan();
    expect(code).toBe(0);
    expect(jobs.size).toBe(18);
    for (const job of jobs.values()) {
      expect(job).toMatchObject({ action: 'render', new: true, reason: 'new job' });
    }
    // 17 jobs of 8 s on sora-2 at $0.10/s, and the 4 s sora-2-pro 1792x1024 teaser at $0.50/s.
    expect(jobs.get('teaser')).toMatchObject({ seconds: 4, cost_usd: 2 });
    expect(jobs.get('hero[product=mug,size=720x1280]')).toMatchObject({ seconds: 8, cost_usd: 0.8 });
    expect(total).toMatchObject({ jobs: 18, render: 18, reuse: 0, download: 0, seconds: 140, cost_usd: 15.6 });
  });

  it('(b) with everything rendered and on disk, reuses every job at no cost', async () => {
    await installFixture();
    const { jobs, total } = await plan();
    expect([...jobs.values()].every((job) => job.action === 'reuse' && job.reason === 'up to date')).toBe(true);
    expect(total).toMatchObject({ jobs: 18, render: 0, reuse: 18, cost_usd: 0, seconds: 0, orphan: 0 });
  });

  it('(c) a changed prompt re-renders the job and its remix descendants; a missing file downloads; an expired video renders', async () => {
    await installFixture((lock) => {
      const unboxing = lock.jobs['unboxing[product=mug]']!;
      const jobs = { ...lock.jobs, 'unboxing[product=mug]': { ...unboxing, created_at: NOW_S - 200_000, expires_at: NOW_S - 113_600 } };
      return { ...lock, jobs };
    });
    const storyboard = path.join(dir, 'campaign.yaml');
    const text = await readFile(storyboard, 'utf8');
    await writeFile(storyboard, text.replace('The same scene at dusk, warm lamp light', 'The same scene at dusk, candle light'));
    await rm(path.join(dir, 'renders/spring-launch/teaser.mp4'));
    await rm(path.join(dir, 'renders/spring-launch/unboxing[product=mug].mp4'));

    const { jobs, total } = await plan();
    const byAction = (action: string) => [...jobs.values()].filter((job) => job.action === action).map((job) => job.id).sort();

    expect(byAction('render')).toEqual(
      [
        'hero-dusk[product=kettle,size=1280x720]',
        'hero-dusk[product=mug,size=1280x720]',
        'hero-dusk[product=mug,size=720x1280]',
        'hero-dusk[product=teapot,size=1280x720]',
        'hero-dusk-grade[product=kettle,size=1280x720,grade=cool]',
        'hero-dusk-grade[product=kettle,size=1280x720,grade=warm]',
        'hero-dusk-grade[product=mug,size=1280x720,grade=cool]',
        'hero-dusk-grade[product=mug,size=1280x720,grade=warm]',
        'hero-dusk-grade[product=mug,size=720x1280,grade=cool]',
        'hero-dusk-grade[product=mug,size=720x1280,grade=warm]',
        'hero-dusk-grade[product=teapot,size=1280x720,grade=cool]',
        'hero-dusk-grade[product=teapot,size=1280x720,grade=warm]',
        'unboxing[product=mug]',
      ].sort(),
    );
    expect(jobs.get('hero-dusk[product=mug,size=1280x720]')).toMatchObject({ new: false, reason: 'prompt changed', changed: ['prompt'] });
    expect(jobs.get('hero-dusk-grade[product=mug,size=1280x720,grade=warm]')).toMatchObject({ reason: 'parent renders again' });
    expect(jobs.get('unboxing[product=mug]')!.reason).toBe('file missing and the video expired on the server 32 h ago');
    expect(jobs.get('teaser')).toMatchObject({ action: 'download', reason: 'file missing', cost_usd: 0 });
    expect(byAction('reuse')).toEqual(['hero[product=kettle,size=1280x720]', 'hero[product=mug,size=1280x720]', 'hero[product=mug,size=720x1280]', 'hero[product=teapot,size=1280x720]']);
    // 13 renders of 8 s at $0.80.
    expect(total).toMatchObject({ render: 13, download: 1, reuse: 4, seconds: 104, cost_usd: 10.4 });
  });

  it('prints one line per job with its action and reason, and the total line', async () => {
    await installFixture();
    await rm(path.join(dir, 'renders/spring-launch/teaser.mp4'));
    const run = await runCli(['plan', 'campaign.yaml'], { cwd: dir, now: NOW, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}↓ download {2}teaser +sora-2-pro +1792x1024 +4 s +file missing$/m);
    expect(run.stdout).toMatch(/^ {2}= reuse {5}hero\[product=mug,size=1280x720\] +sora-2 +1280x720 +8 s +up to date$/m);
    expect(run.stdout).toContain('18 jobs: 0 to render (0 s of video, $0.00), 1 to download, 17 reused');
  });

  it('reports orphans, resumes jobs in flight, and re-renders failed ones', async () => {
    await installFixture((lock) => {
      const jobs = { ...lock.jobs };
      jobs['old-shot'] = { ...lock.jobs['teaser']!, video_id: 'video_old' };
      jobs['teaser'] = { ...lock.jobs['teaser']!, status: 'in_progress', outputs: {} };
      jobs['unboxing[product=mug]'] = { ...lock.jobs['unboxing[product=mug]']!, status: 'failed', error: { code: 'moderation_blocked', message: 'blocked' }, outputs: {} };
      return { ...lock, jobs };
    });
    const run = await runCli(['plan', 'campaign.yaml', '--json'], { cwd: dir, now: NOW });
    const events = run.events();
    expect(events.find((e) => e['id'] === 'teaser')).toMatchObject({ action: 'resume' });
    expect(events.find((e) => e['id'] === 'unboxing[product=mug]')).toMatchObject({ action: 'render', reason: 'the last attempt failed (moderation_blocked)' });
    expect(events.find((e) => e['event'] === 'plan.orphan')).toMatchObject({ id: 'old-shot', video_id: 'video_old' });
    expect(events.at(-1)).toMatchObject({ event: 'plan.total', orphan: 1, resume: 1, render: 1 });
  });

  it('--only limits the plan and blocks a remix whose parent must render but is not selected', async () => {
    const { jobs, total } = await plan(['--only', 'hero-dusk[product=mug,*']);
    expect([...jobs.keys()]).toEqual(['hero-dusk[product=mug,size=1280x720]', 'hero-dusk[product=mug,size=720x1280]']);
    expect(jobs.get('hero-dusk[product=mug,size=1280x720]')).toMatchObject({ action: 'blocked' });
    expect(total).toMatchObject({ unselected: 16, blocked: 2, render: 0 });
  });

  it('--replace forces the matching jobs and their descendants', async () => {
    await installFixture();
    const { jobs, total } = await plan(['--replace', 'hero-dusk[product=teapot*']);
    expect(jobs.get('hero-dusk[product=teapot,size=1280x720]')).toMatchObject({ action: 'render', reason: 'forced by --replace' });
    expect(jobs.get('hero-dusk-grade[product=teapot,size=1280x720,grade=cool]')).toMatchObject({ action: 'render', reason: 'parent renders again' });
    expect(total).toMatchObject({ render: 3, reuse: 15 });
  });

  it('re-renders a parent whose video expired when a remix of it must render', async () => {
    await installFixture((lock) => {
      const jobs = Object.fromEntries(Object.entries(lock.jobs).map(([id, entry]) => [id, { ...entry, created_at: NOW_S - 200_000, expires_at: NOW_S - 113_600 }]));
      return { ...lock, jobs };
    });
    const storyboard = path.join(dir, 'campaign.yaml');
    await writeFile(storyboard, (await readFile(storyboard, 'utf8')).replace('Grade the shot {{grade}}', 'Grade the shot {{grade}} and soft'));
    const { jobs } = await plan();
    expect(jobs.get('hero-dusk-grade[product=mug,size=1280x720,grade=warm]')).toMatchObject({ action: 'render' });
    expect(jobs.get('hero-dusk[product=mug,size=1280x720]')!.reason).toMatch(/^its video expired on the server and hero-dusk-grade\[product=mug,size=1280x720,grade=(warm|cool)\] remixes it$/);
    // hero's video expired too, so the chain pulls in its head: a remix needs its source on the server.
    expect(jobs.get('hero[product=mug,size=1280x720]')).toMatchObject({ action: 'render', reason: 'its video expired on the server and hero-dusk[product=mug,size=1280x720] remixes it' });
    // unboxing and teaser are not remixed: kept as files, nothing to pay.
    expect(jobs.get('teaser')).toMatchObject({ action: 'reuse' });
  });

  it('--frozen and --max-cost refuse with exit code 3, saying why', async () => {
    const frozen = await runCli(['plan', 'campaign.yaml', '--frozen'], { cwd: dir, now: NOW });
    expect(frozen.code).toBe(3);
    expect(frozen.stderr).toContain('--frozen: 18 jobs would have to render');
    const capped = await runCli(['plan', 'campaign.yaml', '--max-cost', '5'], { cwd: dir, now: NOW });
    expect(capped.code).toBe(3);
    expect(capped.stderr).toContain('the plan costs $15.60, above the limit of $5.00');
    const enough = await runCli(['plan', 'campaign.yaml', '--max-cost', '15.60'], { cwd: dir, now: NOW });
    expect(enough.code).toBe(0);
  });
});
