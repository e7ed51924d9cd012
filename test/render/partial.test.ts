import { describe, expect, it } from 'vitest';
import { events, readLock, renderProject, renderWith } from './helpers.js';

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
    expect(events(full, 'job.result').map((event) => event['id']).sort()).toEqual(['hero-dusk[product=teapot]', 'hero[product=teapot]']);
    expect(emu.stats().createsAccepted).toBe(4);
  });

  it('--concurrency 1 holds the run to one job in flight on the server', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const run = await renderWith(emu, dir, FILE, ['--concurrency', '1']);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(4);
    expect(emu.stats().maxInFlight).toBe(1);
  });
});
