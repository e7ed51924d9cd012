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

type PlanEvent = {
  event: string;
  id: string;
  action: string;
  new: boolean;
  reason: string;
  reason_code: string;
  changed: string[];
  cost_usd: number;
  seconds: number;
  moved_from: string | null;
};

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
      expect(job).toMatchObject({ action: 'render', new: true, reason_code: 'new' });
    }
    // 17 jobs of 8 s on sora-2 at $0.10/s, and the 4 s sora-2-pro 1792x1024 teaser at $0.50/s.
    expect(jobs.get('teaser')).toMatchObject({ seconds: 4, cost_usd: 2 });
    expect(jobs.get('hero[product=mug,size=720x1280]')).toMatchObject({ seconds: 8, cost_usd: 0.8 });
    expect(total).toMatchObject({ jobs: 18, render: 18, reuse: 0, download: 0, seconds: 140, cost_usd: 15.6 });
  });

  it('(b) with everything rendered and on disk, reuses every job at no cost', async () => {
    await installFixture();
    const { jobs, total } = await plan();
    expect([...jobs.values()].every((job) => job.action === 'reuse' && job.reason_code === 'up-to-date')).toBe(true);
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
    const byAction = (action: string) =>
      [...jobs.values()]
        .filter((job) => job.action === action)
        .map((job) => job.id)
        .sort();

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
    expect(jobs.get('hero-dusk[product=mug,size=1280x720]')).toMatchObject({ new: false, reason_code: 'request-changed', changed: ['prompt'] });
    expect(jobs.get('hero-dusk-grade[product=mug,size=1280x720,grade=warm]')).toMatchObject({ reason_code: 'parent-renders' });
    // The sentence says when the video expired.
    expect(jobs.get('unboxing[product=mug]')).toMatchObject({ reason_code: 'take-gone', reason: 'file missing and the video expired on the server 32 h ago' });
    expect(jobs.get('teaser')).toMatchObject({ action: 'download', reason_code: 'file-missing', cost_usd: 0 });
    expect(byAction('reuse')).toEqual([
      'hero[product=kettle,size=1280x720]',
      'hero[product=mug,size=1280x720]',
      'hero[product=mug,size=720x1280]',
      'hero[product=teapot,size=1280x720]',
    ]);
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

  it('reports orphans, resumes jobs in flight, keeps failures the same request would meet again, re-renders the others', async () => {
    await installFixture((lock) => {
      const jobs = { ...lock.jobs };
      jobs['old-shot'] = { ...lock.jobs['teaser']!, fingerprint: `sha256:${'0'.repeat(64)}`, video_id: 'video_old' };
      jobs['teaser'] = { ...lock.jobs['teaser']!, status: 'in_progress', outputs: {} };
      jobs['unboxing[product=mug]'] = {
        ...lock.jobs['unboxing[product=mug]']!,
        status: 'failed',
        error: { code: 'moderation_blocked', message: 'blocked' },
        outputs: {},
      };
      // A 400 the server gave for the request itself, recorded as such; and a server error, worth another try.
      jobs['hero[product=kettle,size=1280x720]'] = {
        ...lock.jobs['hero[product=kettle,size=1280x720]']!,
        status: 'failed',
        video_id: null,
        error: { code: 'invalid_value', message: 'bad size', deterministic: true },
        outputs: {},
      };
      jobs['hero[product=mug,size=720x1280]'] = {
        ...lock.jobs['hero[product=mug,size=720x1280]']!,
        status: 'failed',
        error: { code: 'internal_error', message: 'oops' },
        outputs: {},
      };
      return { ...lock, jobs };
    });
    const run = await runCli(['plan', 'campaign.yaml', '--json'], { cwd: dir, now: NOW });
    const events = run.events();
    const of = (id: string) => events.find((e) => e['id'] === id);
    expect(of('teaser')).toMatchObject({ action: 'resume' });
    expect(of('unboxing[product=mug]')).toMatchObject({
      action: 'failed',
      cost_usd: 0,
      reason_code: 'failed-for-good',
      reason: 'moderation_blocked: blocked; not sent again until the request changes, or with --retry-failed',
    });
    expect(of('hero[product=kettle,size=1280x720]')).toMatchObject({
      action: 'failed',
      reason_code: 'failed-for-good',
      reason: expect.stringMatching(/^invalid_value: bad size;/),
    });
    // Its remixes cannot be made without it: blocked, and said why.
    expect(of('hero-dusk[product=kettle,size=1280x720]')).toMatchObject({ action: 'blocked', reason_code: 'parent-failed' });
    expect(of('hero[product=mug,size=720x1280]')).toMatchObject({ action: 'render', reason_code: 'last-attempt-failed' });
    expect(events.find((e) => e['event'] === 'plan.orphan')).toMatchObject({ id: 'old-shot', video_id: 'video_old' });
    expect(events.at(-1)).toMatchObject({ event: 'plan.total', orphan: 1, resume: 1, failed: 2, blocked: 3 });

    const text = await runCli(['plan', 'campaign.yaml'], { cwd: dir, now: NOW });
    expect(text.stdout).toMatch(/! failed\s+unboxing\[product=mug\]\s.*\smoderation_blocked: blocked; not sent again/);

    // --retry-failed sends them again, and their remixes after them.
    const retry = await runCli(['plan', 'campaign.yaml', '--json', '--retry-failed'], { cwd: dir, now: NOW });
    const again = (id: string) => retry.events().find((e) => e['id'] === id);
    expect(again('unboxing[product=mug]')).toMatchObject({ action: 'render', reason_code: 'retry-failed' });
    expect(again('hero-dusk[product=kettle,size=1280x720]')).toMatchObject({ action: 'render', reason_code: 'parent-renders' });
    expect(retry.events().at(-1)).toMatchObject({ event: 'plan.total', failed: 0, blocked: 0 });
  });

  it("--only on remixes whose parents are rendered uses the parents' recorded videos, and blocks only when a parent has no usable video", async () => {
    const lock = await installFixture((fixture) => {
      // The teapot's landscape hero expired on the server (its file is still on disk).
      const id = 'hero[product=teapot,size=1280x720]';
      return { ...fixture, jobs: { ...fixture.jobs, [id]: { ...fixture.jobs[id]!, expires_at: NOW_S - 60 } } };
    });
    const storyboard = path.join(dir, 'campaign.yaml');
    await writeFile(
      storyboard,
      (await readFile(storyboard, 'utf8')).replace('The same scene at dusk, warm lamp light', 'The same scene at dusk, candle light'),
    );
    const { jobs, total, code } = await plan(['--only', 'hero-dusk[*']);
    expect(code).toBe(0);
    const mug = jobs.get('hero-dusk[product=mug,size=1280x720]')!;
    expect(mug).toMatchObject({ action: 'render', reason_code: 'request-changed', changed: ['prompt'] });
    // Against the parent's recorded video: the request is known, so it has a fingerprint.
    expect((mug as unknown as { fingerprint: string | null }).fingerprint).toMatch(/^sha256:/);
    expect(jobs.get('hero-dusk[product=teapot,size=1280x720]')).toMatchObject({
      action: 'blocked',
      reason_code: 'parent-not-selected',
      reason: 'parent hero[product=teapot,size=1280x720] is not selected by --only and its video expired on the server; select it too to render it again',
    });
    expect(total).toMatchObject({ render: 3, blocked: 1, unselected: 14 });
    expect(lock.jobs['hero[product=mug,size=1280x720]']!.video_id).toMatch(/^video_/);

    // A chain: the grades' parent (hero-dusk) is left out too; it must render again (its prompt changed), so they wait.
    const grades = await plan(['--only', 'hero-dusk-grade[product=mug,*']);
    expect(grades.jobs.get('hero-dusk-grade[product=mug,size=1280x720,grade=warm]')).toMatchObject({
      action: 'blocked',
      reason_code: 'parent-not-selected',
      reason: 'parent hero-dusk[product=mug,size=1280x720] is not selected by --only and must render again first (prompt changed)',
    });
  });

  it('a renamed variant label adopts the orphans with the identical request, remix chains included: moved, nothing to render', async () => {
    await installFixture();
    const storyboard = path.join(dir, 'campaign.yaml');
    // The example's cut names the product too.
    await writeFile(
      storyboard,
      (await readFile(storyboard, 'utf8'))
        .replace('{ id: mug, name: stoneware mug', '{ id: cup, name: stoneware mug')
        .replace('product: [mug, teapot, kettle]', 'product: [cup, teapot, kettle]'),
    );
    const { jobs, total } = await plan();
    const moved = [...jobs.values()].filter((job) => job.action === 'move');
    expect(moved.map((job) => job.id)).toEqual([
      'hero[product=cup,size=1280x720]',
      'hero[product=cup,size=720x1280]',
      'hero-dusk[product=cup,size=1280x720]',
      'hero-dusk[product=cup,size=720x1280]',
      'hero-dusk-grade[product=cup,size=1280x720,grade=warm]',
      'hero-dusk-grade[product=cup,size=1280x720,grade=cool]',
      'hero-dusk-grade[product=cup,size=720x1280,grade=warm]',
      'hero-dusk-grade[product=cup,size=720x1280,grade=cool]',
    ]);
    for (const job of moved) expect(job).toMatchObject({ moved_from: job.id.replace('product=cup', 'product=mug'), reason_code: 'moved', cost_usd: 0 });
    expect(total).toMatchObject({ jobs: 18, render: 0, move: 8, reuse: 10, orphan: 0, cost_usd: 0 });
  });

  it('adoption: a take gone from disk and server is not adopted, one whose file is gone is downloaded, a failure moves with its request, one orphan serves one job', async () => {
    await installFixture((lock) => {
      const jobs = { ...lock.jobs };
      const gone = jobs['hero[product=mug,size=720x1280]']!;
      jobs['hero[product=mug,size=720x1280]'] = { ...gone, created_at: NOW_S - 200_000, expires_at: NOW_S - 113_600, outputs: {} };
      const missing = jobs['hero-dusk[product=mug,size=1280x720]']!;
      jobs['hero-dusk[product=mug,size=1280x720]'] = {
        ...missing,
        outputs: { video: { ...missing.outputs.video!, path: 'renders/spring-launch/deleted.mp4' } },
      };
      jobs['unboxing[product=mug]'] = {
        ...jobs['unboxing[product=mug]']!,
        status: 'failed',
        error: { code: 'moderation_blocked', message: 'blocked' },
        outputs: {},
      };
      return { ...lock, jobs };
    });
    await rm(path.join(dir, 'renders/spring-launch/deleted.mp4'));
    const storyboard = path.join(dir, 'campaign.yaml');
    let text = (await readFile(storyboard, 'utf8'))
      .replace('{ id: mug, name: stoneware mug', '{ id: cup, name: stoneware mug')
      .replace('product: [mug, teapot, kettle]', 'product: [cup, teapot, kettle]');
    // unboxing's label renamed (its prompt and image name the value, so rename the image too); the teaser shot renamed and copied.
    text = text
      .replace('product: [mug]', 'product: [{id: cup, file: mug, name: mug}]')
      .replace('assets/{{product}}-{{size}}.png', 'assets/{{product.file}}-{{size}}.png')
      .replace('lift out the {{product}}', 'lift out the {{product.name}}');
    text = text.replace('  - id: teaser\n', '  - id: teaser-v2\n');
    // The shots end where the example's cuts begin.
    text = text.replace(
      '\ncuts:',
      '\n  - id: teaser-copy\n    model: sora-2-pro\n    size: 1792x1024\n    seconds: 4\n    prompt: "{{> look}} A ten-word teaser: the {{brand}} {{season}} collection, arriving soon."\n\ncuts:',
    );
    await writeFile(storyboard, text);
    const { jobs, total } = await plan();
    // Gone from disk and server: rendered anew, and so its remixes (against the new video).
    expect(jobs.get('hero[product=cup,size=720x1280]')).toMatchObject({ action: 'render', reason_code: 'new' });
    expect(jobs.get('hero-dusk[product=cup,size=720x1280]')).toMatchObject({ action: 'render' });
    expect(jobs.get('hero-dusk[product=cup,size=1280x720]')).toMatchObject({
      action: 'download',
      moved_from: 'hero-dusk[product=mug,size=1280x720]',
      reason_code: 'moved',
      reason: 'moved from hero-dusk[product=mug,size=1280x720]; file missing',
    });
    expect(jobs.get('unboxing[product=cup]')).toMatchObject({ action: 'failed', moved_from: 'unboxing[product=mug]' });
    expect(jobs.get('teaser-v2')).toMatchObject({ action: 'move', moved_from: 'teaser' });
    expect(jobs.get('teaser-copy')).toMatchObject({ action: 'render', reason_code: 'new' });
    // The orphans nobody adopted: the gone take, its remix and the two grades of that (their parent videos are replaced).
    expect(total).toMatchObject({ orphan: 4, failed: 1 });
  });

  it('an --only or --replace glob that matches no job is a usage error naming the glob and the closest ids', async () => {
    const run = await runCli(['plan', 'campaign.yaml', '--only', 'hero-dsk*'], { cwd: dir, now: NOW });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'error: --only "hero-dsk*" matches no job of spring-launch; closest job ids: hero-dusk[product=mug,size=1280x720], hero-dusk[product=mug,size=720x1280], hero-dusk[product=teapot,size=1280x720]',
    );
    expect(run.stderr).toContain('hint:');
    const replace = await runCli(['plan', 'campaign.yaml', '--only', 'hero[*', '--replace', 'teaser'], { cwd: dir, now: NOW });
    expect(replace.code).toBe(2);
    expect(replace.stderr).toContain('--replace "teaser" matches no job selected by --only');
    // One glob that matches is enough: the other still must.
    const mixed = await runCli(['plan', 'campaign.yaml', '--only', 'teaser', '--only', 'hero[product=mugg,*'], { cwd: dir, now: NOW });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--only "hero[product=mugg,*" matches no job');
    expect(mixed.stderr).toContain('closest job ids: hero[product=mug,size=1280x720]');
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
    expect(jobs.get('hero-dusk[product=teapot,size=1280x720]')).toMatchObject({ action: 'render', reason_code: 'replace' });
    expect(jobs.get('hero-dusk-grade[product=teapot,size=1280x720,grade=cool]')).toMatchObject({ action: 'render', reason_code: 'parent-renders' });
    expect(total).toMatchObject({ render: 3, reuse: 15 });
  });

  it('re-renders a parent whose video expired when a remix of it must render', async () => {
    await installFixture((lock) => {
      const jobs = Object.fromEntries(
        Object.entries(lock.jobs).map(([id, entry]) => [id, { ...entry, created_at: NOW_S - 200_000, expires_at: NOW_S - 113_600 }]),
      );
      return { ...lock, jobs };
    });
    const storyboard = path.join(dir, 'campaign.yaml');
    await writeFile(storyboard, (await readFile(storyboard, 'utf8')).replace('Grade the shot {{grade}}', 'Grade the shot {{grade}} and soft'));
    const { jobs } = await plan();
    expect(jobs.get('hero-dusk-grade[product=mug,size=1280x720,grade=warm]')).toMatchObject({ action: 'render' });
    expect(jobs.get('hero-dusk[product=mug,size=1280x720]')!.reason_code).toBe('remixed-video-gone');
    expect(jobs.get('hero-dusk[product=mug,size=1280x720]')!.reason).toMatch(
      /^its video expired on the server and hero-dusk-grade\[product=mug,size=1280x720,grade=(warm|cool)\] remixes it$/,
    );
    // hero's video expired too, so the chain pulls in its head: a remix needs its source on the server.
    expect(jobs.get('hero[product=mug,size=1280x720]')).toMatchObject({ action: 'render', reason_code: 'remixed-video-gone' });
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
