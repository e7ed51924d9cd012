import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../helpers/cli.js';
import { checkOutputs, editStoryboard, events, readLock, readLockBytes, renderProject, renderWith, setFaults } from './helpers.js';

/**
 * A job the server refuses fails alone: its remix descendants are skipped, the rest of the run
 * completes, the exit code says so, and the lockfile keeps the failure for the next plan.
 */

const KETTLE = 'hero[product=kettle,size=1280x720]';
const KETTLE_DESCENDANTS = [
  'hero-dusk[product=kettle,size=1280x720]',
  'hero-dusk-grade[product=kettle,size=1280x720,grade=warm]',
  'hero-dusk-grade[product=kettle,size=1280x720,grade=cool]',
];

describe.concurrent('moderation', () => {
  it('a job that fails with moderation_blocked fails alone: descendants skipped, the rest completed, exit 1, failure recorded and planned again', async ({
    onTestFinished,
  }) => {
    // Only the kettle's hero prompt says "dolly-in on a copper kettle"; its remixes never reach the server.
    const { emu, dir } = await renderProject(onTestFinished, { faults: { moderation: { failPattern: 'dolly-in on a copper kettle' } } });
    const run = await renderWith(emu, dir, 'campaign.yaml');
    expect(run.code).toBe(1);
    expect(hasStackTrace(run.stderr + run.stdout)).toBe(false);

    const status = new Map(events(run, 'job.result').map((event) => [event['id'], event['status']]));
    expect(status.size).toBe(18);
    expect(status.get(KETTLE)).toBe('failed');
    for (const id of KETTLE_DESCENDANTS) expect(status.get(id), id).toBe('skipped');
    const skipped = events(run, 'job.result').find((event) => event['id'] === KETTLE_DESCENDANTS[2]);
    expect(skipped!['reason']).toBe(`not sent, because ${KETTLE} failed`);
    expect([...status.values()].filter((s) => s === 'completed')).toHaveLength(14);
    expect(events(run, 'run.summary')[0]).toMatchObject({ completed: 14, failed: 1, skipped: 3, interrupted: false });
    const failedEvent = events(run, 'job.result').find((event) => event['id'] === KETTLE)!;
    expect(failedEvent['reason']).toContain('moderation_blocked');

    const lock = await readLock(dir, 'campaign.yaml');
    const entry = lock.jobs[KETTLE]!;
    expect(entry.status).toBe('failed');
    expect(entry.error?.code).toBe('moderation_blocked');
    expect(entry.video_id).toMatch(/^video_/);
    expect(emu.stats().jobs.find((job) => job.id === entry.video_id)?.status).toBe('failed');
    for (const id of KETTLE_DESCENDANTS) expect(lock.jobs[id], id).toBeUndefined();
    const completed = Object.entries(lock.jobs).filter(([, e]) => e.status === 'completed');
    expect(completed).toHaveLength(14);
    for (const [, e] of completed) await checkOutputs(dir, e);
    // Nothing of the kettle's chain was sent after the failure.
    expect(emu.stats().jobs).toHaveLength(15);

    // The same request would be blocked again: the plan shows the failure with the server's reason and does not send it.
    const plan = await runCli(['plan', 'campaign.yaml', '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    const planned = new Map(events(plan, 'plan.job').map((event) => [event['id'], event]));
    expect(planned.get(KETTLE)).toMatchObject({ action: 'failed', cost_usd: 0 });
    expect(planned.get(KETTLE)!['reason']).toMatch(/^moderation_blocked: Your video was blocked by our moderation system/);
    expect(planned.get(KETTLE_DESCENDANTS[0]!)).toMatchObject({
      action: 'blocked',
      reason: `parent ${KETTLE} failed (moderation_blocked) and is not sent again`,
    });
    expect(events(plan, 'plan.total')[0]).toMatchObject({ render: 0, failed: 1, blocked: 3, reuse: 14, cost_usd: 0 });

    // The nightly run again: nothing reaches the server, the lockfile is untouched, the exit code still says it is not done.
    const lockBefore = await readLockBytes(dir, 'campaign.yaml');
    const createsBefore = emu.stats().createsAccepted;
    const again = await renderWith(emu, dir, 'campaign.yaml');
    expect(again.code, again.stderr).toBe(1);
    expect(emu.stats().createsAccepted).toBe(createsBefore);
    expect(await readLockBytes(dir, 'campaign.yaml')).toEqual(lockBefore);

    // status agrees with the plan.
    const checked = await runCli(['status', 'campaign.yaml', '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(checked.code).toBe(1);
    const row = events(checked, 'status.job').find((event) => event['id'] === KETTLE)!;
    expect(row).toMatchObject({ state: 'failed', action: 'failed' });
    expect((row['notes'] as string[]).join('; ')).toContain('render will not send it again until its request changes');

    // --retry-failed asks for it: sent once more (and blocked once more), its remixes skipped.
    const retried = await renderWith(emu, dir, 'campaign.yaml', ['--retry-failed']);
    expect(retried.code).toBe(1);
    expect(emu.stats().createsAccepted).toBe(createsBefore + 1);
    // Each job is reported when it settles: the failure first, then its descendants as they are skipped.
    const results = events(retried, 'job.result').map((event) => [event['id'], event['status']] as const);
    expect(results[0]).toEqual([KETTLE, 'failed']);
    expect(results.slice(1).sort()).toEqual(KETTLE_DESCENDANTS.map((id) => [id, 'skipped']).sort());
  });

  it('a create refused at once (400 moderation_blocked) fails that job alone and creates nothing for it', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { faults: { moderation: { blockPattern: 'dolly-in on a teapot' } } });
    const run = await renderWith(emu, dir, 'quickstart.yaml');
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(hasStackTrace(run.stderr + run.stdout)).toBe(false);
    const status = Object.fromEntries(events(run, 'job.result').map((event) => [event['id'], event['status']]));
    expect(status).toEqual({
      'hero[product=mug]': 'completed',
      'hero[product=teapot]': 'failed',
      'hero-dusk[product=mug]': 'completed',
      'hero-dusk[product=teapot]': 'skipped',
    });
    const lock = await readLock(dir, 'quickstart.yaml');
    expect(lock.jobs['hero[product=teapot]']).toMatchObject({ status: 'failed', video_id: null, error: { code: 'moderation_blocked' } });
    expect(lock.jobs['hero-dusk[product=teapot]']).toBeUndefined();
    // Refused before it existed: the server holds exactly the two jobs that completed.
    expect(emu.stats().jobs.map((job) => job.status)).toEqual(['completed', 'completed']);
    expect(emu.stats().requestsByRoute['POST /v1/videos']).toBe(2);

    // A 400 is the server's verdict on the request: recorded as such, and not sent again while the request is the same.
    expect(lock.jobs['hero[product=teapot]']!.error).toMatchObject({ deterministic: true });
    const plan = await runCli(['plan', 'quickstart.yaml', '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    const planned = events(plan, 'plan.job').find((event) => event['id'] === 'hero[product=teapot]');
    expect(planned).toMatchObject({ action: 'failed' });
    const again = await renderWith(emu, dir, 'quickstart.yaml');
    expect(again.code).toBe(1);
    expect(emu.stats().requestsByRoute['POST /v1/videos']).toBe(2);

    // A changed request is a new question: it is sent.
    await setFaults(emu, {});
    await editStoryboard(dir, 'quickstart.yaml', 'Slow dolly-in on a {{product}}', 'Slow dolly-in on a ceramic {{product}}');
    const changed = await renderWith(emu, dir, 'quickstart.yaml');
    expect(changed.code, changed.stderr).toBe(0);
    expect(emu.stats().requestsByRoute['POST /v1/videos']).toBe(4);
  });

  it('a failure worth another try (a server error on create) is recorded as such and sent again by the next run', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { faults: { serverError: { rate: 1, routes: ['create'] } } });
    const run = await renderWith(emu, dir, 'quickstart.yaml', ['--only', 'hero[product=mug]']);
    expect(run.code).toBe(1);
    const entry = (await readLock(dir, 'quickstart.yaml')).jobs['hero[product=mug]']!;
    expect(entry).toMatchObject({ status: 'failed', video_id: null });
    expect(entry.error?.deterministic).toBeUndefined();
    expect(emu.stats().createsAccepted).toBe(0);

    const plan = await runCli(['plan', 'quickstart.yaml', '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(events(plan, 'plan.job').find((event) => event['id'] === 'hero[product=mug]')).toMatchObject({
      action: 'render',
      reason: `the last attempt failed (${entry.error!.code})`,
    });
    await setFaults(emu, {});
    const again = await renderWith(emu, dir, 'quickstart.yaml', ['--only', 'hero[product=mug]']);
    expect(again.code, again.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(1);
  });
});
