import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { editStoryboard, events, readLock, renderProject, renderWith } from './helpers.js';

/**
 * `--only` renders part of a storyboard; `--concurrency` lowers the provider's in-flight limit. A remix selected without its parent, whose parent has
 * no video yet, is blocked: the run cannot do everything asked, and its exit code says so
 * whether or not other jobs rendered beside it.
 */

const FILE = 'quickstart.yaml';

describe.concurrent('part of a storyboard, part of the limits', () => {
  it('a blocked remix makes the run exit 1, alone or beside jobs that rendered; a full run then completes', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);

    const alone = await renderWith(emu, dir, FILE, ['--only', 'hero-dusk*']);
    expect(alone.code).toBe(1);
    expect(emu.stats().requestsByRoute).toEqual({});

    const beside = await renderWith(emu, dir, FILE, ['--only', 'hero-dusk*', '--only', 'hero[product=mug]']);
    expect(beside.code, beside.stderr).toBe(1);
    expect(events(beside, 'job.result').map((event) => [event['id'], event['status']])).toEqual([
      ['hero[product=mug]', 'completed'],
      ['hero-dusk[product=mug]', 'completed'],
    ]);
    expect(Object.keys((await readLock(dir, FILE)).jobs)).toEqual(['hero-dusk[product=mug]', 'hero[product=mug]']);

    const full = await renderWith(emu, dir, FILE);
    expect(full.code, full.stderr).toBe(0);
    expect(
      events(full, 'job.result')
        .map((event) => event['id'])
        .sort(),
    ).toEqual(['hero-dusk[product=teapot]', 'hero[product=teapot]']);
    expect(emu.stats().createsAccepted).toBe(4);
  });

  it("--only on remixes whose parents are rendered uses the parents' recorded videos: only the remixes are sent", async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const full = await renderWith(emu, dir, FILE);
    expect(full.code, full.stderr).toBe(0);
    const rendered = await readLock(dir, FILE);

    // The report's case: after a full render, the remixes alone are up to date, not blocked.
    const plan = await runCli(['plan', FILE, '--base-url', emu.url, '--only', 'hero-dusk*', '--json'], { cwd: dir, now: () => Date.now() });
    expect(plan.code).toBe(0);
    expect(events(plan, 'plan.job').map((event) => [event['id'], event['action']])).toEqual([
      ['hero-dusk[product=mug]', 'reuse'],
      ['hero-dusk[product=teapot]', 'reuse'],
    ]);

    await editStoryboard(dir, FILE, 'warm lamp light', 'candle light');
    const createsBefore = emu.stats().createsAccepted;
    const run = await renderWith(emu, dir, FILE, ['--only', 'hero-dusk*']);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted - createsBefore).toBe(2);
    const lock = await readLock(dir, FILE);
    for (const product of ['mug', 'teapot']) {
      const parent = rendered.jobs[`hero[product=${product}]`]!;
      expect(lock.jobs[`hero[product=${product}]`]).toEqual(parent);
      expect(lock.jobs[`hero-dusk[product=${product}]`]!.remixed_from).toBe(parent.video_id);
    }
    expect(
      emu
        .stats()
        .jobs.slice(-2)
        .map((job) => job.remixed_from)
        .sort(),
    ).toEqual([rendered.jobs['hero[product=mug]']!.video_id, rendered.jobs['hero[product=teapot]']!.video_id].sort());
  });

  it('--only matching no job is a usage error: exit 2, the glob and the closest ids named, nothing sent', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const run = await renderWith(emu, dir, FILE, ['--only', 'hero-dsuk*']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--only "hero-dsuk*" matches no job of quickstart; closest job ids: hero-dusk[product=mug], hero-dusk[product=teapot]');
    expect(emu.stats().requestsByRoute).toEqual({});
  });

  it('with several storyboards, a glob need only match a job of one of them; one that matches none is refused before any renders', async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const none = await renderWith(emu, dir, FILE, ['campaign.yaml', '--only', 'teaser', '--only', 'hero-dusk-grad[*']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--only "hero-dusk-grad[*" matches no job of quickstart, spring-launch; closest job ids: hero-dusk-grade[');
    expect(emu.stats().requestsByRoute).toEqual({});

    const one = await renderWith(emu, dir, FILE, ['campaign.yaml', '--only', 'teaser']);
    expect(one.code, one.stderr).toBe(0);
    expect(events(one, 'job.result').map((event) => event['id'])).toEqual(['teaser']);
    expect(emu.stats().createsAccepted).toBe(1);
  });

  it('--concurrency 1 holds the run to one job in flight on the server', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const run = await renderWith(emu, dir, FILE, ['--concurrency', '1']);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(4);
    expect(emu.stats().maxInFlight).toBe(1);
  });
});
