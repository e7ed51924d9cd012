import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import type { PlanReason } from '../../src/plan/plan-reason.js';
import { planStoryboard } from '../../src/plan/plan-storyboard.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { writeFakeOutputs } from '../helpers/campaign-lock.js';
import { copyExamples, REPO } from '../helpers/cli.js';

/**
 * The planner's reasons as data, on the full example (examples/campaign.yaml) against the
 * committed lockfile fixture: the decision and its details, nested reasons included, with no
 * sentence in sight (those are the CLI's; see test/cli/format-plan-reason.test.ts).
 */

const NOW_S = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000;
const FIXTURE = path.join(REPO, 'test/fixtures/campaign.lock.json');

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await copyExamples()));
afterEach(() => cleanup());

async function installFixture(edit: (lock: Lockfile) => Lockfile): Promise<void> {
  const lock = edit(parseLockfile(await readFile(FIXTURE, 'utf8'), FIXTURE));
  await writeFile(path.join(dir, 'campaign.lock.json'), serializeLockfile(lock));
  await writeFakeOutputs(dir, lock);
}

async function editStoryboard(from: string, to: string): Promise<void> {
  const file = path.join(dir, 'campaign.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace(from, to));
}

async function reasons(options: { only?: string[] } = {}): Promise<Map<string, { action: string; reason: PlanReason }>> {
  const { loaded } = await loadStoryboard('campaign.yaml', { cwd: dir });
  const { plan } = await planStoryboard(loaded!, { now: NOW_S, ...options });
  return new Map(plan.jobs.map((job) => [job.id, { action: job.action, reason: job.reason }]));
}

const MUG = 'hero[product=mug,size=1280x720]';
const DUSK_MUG = 'hero-dusk[product=mug,size=1280x720]';
const TEAPOT = 'hero[product=teapot,size=1280x720]';

describe('plan reasons as data', () => {
  it("a parent left out by --only that must render again carries its own reason inside the remix's", async () => {
    await installFixture((lock) => lock);
    await editStoryboard('The same scene at dusk, warm lamp light', 'The same scene at dusk, candle light');
    const jobs = await reasons({ only: ['hero-dusk-grade[product=mug,*'] });
    expect(jobs.get('hero-dusk-grade[product=mug,size=1280x720,grade=warm]')).toEqual({
      action: 'blocked',
      reason: { code: 'parent-not-selected', parent: DUSK_MUG, why: { code: 'renders', reason: { code: 'request-changed', changed: ['prompt'] } } },
    });
  });

  it('an expired parent left out by --only: the video is gone, said as data', async () => {
    await installFixture((lock) => ({ ...lock, jobs: { ...lock.jobs, [TEAPOT]: { ...lock.jobs[TEAPOT]!, expires_at: NOW_S - 60 } } }));
    const jobs = await reasons({ only: ['hero-dusk[product=teapot,*'] });
    expect(jobs.get('hero-dusk[product=teapot,size=1280x720]')).toEqual({
      action: 'blocked',
      reason: { code: 'parent-not-selected', parent: TEAPOT, why: { code: 'video-gone', gone: { code: 'expired' } } },
    });
  });

  it('a chain of expired videos under a remix that renders pulls in each parent, naming the remix that needs it', async () => {
    await installFixture((lock) => ({
      ...lock,
      jobs: Object.fromEntries(Object.entries(lock.jobs).map(([id, entry]) => [id, { ...entry, expires_at: NOW_S - 3600 }])),
    }));
    await editStoryboard('Grade the shot {{grade}}', 'Grade the shot {{grade}} and soft');
    const jobs = await reasons();
    expect(jobs.get(MUG)).toEqual({ action: 'render', reason: { code: 'remixed-video-gone', remix: DUSK_MUG, gone: { code: 'expired' } } });
    expect(jobs.get(DUSK_MUG)!.reason).toMatchObject({ code: 'remixed-video-gone', gone: { code: 'expired' } });
    expect(jobs.get('hero-dusk-grade[product=mug,size=1280x720,grade=warm]')).toEqual({ action: 'render', reason: { code: 'parent-renders' } });
    // Not remixed, its file on disk: kept.
    expect(jobs.get('teaser')).toEqual({ action: 'reuse', reason: { code: 'up-to-date' } });
  });

  it("a take gone from disk and server says how long ago the video expired; a failure for good carries the server's error", async () => {
    await installFixture((lock) => {
      const jobs = { ...lock.jobs };
      jobs['unboxing[product=mug]'] = { ...jobs['unboxing[product=mug]']!, expires_at: NOW_S - 7200, outputs: {} };
      jobs['teaser'] = { ...jobs['teaser']!, status: 'failed', error: { code: 'moderation_blocked', message: 'blocked' }, outputs: {} };
      return { ...lock, jobs };
    });
    const jobs = await reasons();
    expect(jobs.get('unboxing[product=mug]')).toEqual({
      action: 'render',
      reason: { code: 'take-gone', file: 'missing', gone: { code: 'expired', secondsAgo: 7200 } },
    });
    expect(jobs.get('teaser')).toEqual({ action: 'failed', reason: { code: 'failed-for-good', error: { code: 'moderation_blocked', message: 'blocked' } } });
  });
});
