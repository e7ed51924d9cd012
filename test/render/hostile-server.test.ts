import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../helpers/cli.js';
import { startHostileProxy } from './hostile-proxy.js';
import { checkOutputs, events, readLock, renderProject, renderWith, setFaults } from './helpers.js';

/**
 * A render against a server that turns hostile on one route: the work it can cause is bounded,
 * nothing it sends is kept, and nothing is paid for twice because of it.
 */

const FILE = 'quickstart.yaml';

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String).sort();
}

describe('a hostile server during a render', () => {
  it("a video body far larger than the job's length allows is cut off at the limit: the job fails, no file is kept, the next run downloads it", async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    // 4 s jobs may have 64 MiB; this server would send 96 MiB of "MP4".
    const proxy = await startHostileProxy(emu.url, { videoBytes: 96 * 1024 * 1024 });
    onTestFinished(() => proxy.close());
    const run = await runCli(['render', FILE, '--base-url', proxy.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(run.code, run.stderr).toBe(1);
    expect(hasStackTrace(run.stdout + run.stderr)).toBe(false);
    const failed = events(run, 'job.result').filter((e) => e['status'] === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    // Named by a code, as every failed job is: the download's own error, not the job's.
    for (const result of failed)
      expect(String(result['reason'])).toMatch(/^[a-z][a-z_-]*: GET \/v1\/videos\/\S+\/content\S*: .*larger than the 67108864 bytes allowed for this mp4/);
    // No video, no partial file: at most thumbnails of jobs whose video was refused are not even written.
    const kept = await filesUnder(path.join(dir, 'renders'));
    expect(kept.filter((file) => /\.mp4|\.part/.test(file))).toEqual([]);

    const created = emu.stats().jobs.length;
    const again = await renderWith(emu, dir, FILE);
    expect(again.code, again.stderr).toBe(0);
    expect(emu.stats().jobs.length).toBe(created + events(run, 'job.result').filter((e) => e['status'] === 'skipped').length);
    for (const entry of Object.values((await readLock(dir, FILE)).jobs)) await checkOutputs(dir, entry);
  }, 120_000);

  it('a create whose answer is lost, then a list that never ends: the job fails with its intent kept, and the next run adopts the video instead of paying again', async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await renderProject(onTestFinished, { faults: { dropConnection: { afterCommit: 1 } } });
    const proxy = await startHostileProxy(emu.url, { endlessList: true });
    onTestFinished(() => proxy.close());
    const run = await runCli(['render', FILE, '--base-url', proxy.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(run.code, run.stderr).toBe(1);
    expect(hasStackTrace(run.stdout + run.stderr)).toBe(false);
    const failed = events(run, 'job.result').filter((e) => e['status'] === 'failed');
    expect(failed).toHaveLength(2);
    for (const result of failed)
      expect(String(result['reason'])).toMatch(
        /^outcome_unknown: a create may have reached the server, and the search for its video failed \(GET \/v1\/videos: the list of videos goes on past 2000 pages or 100000 videos/,
      );
    // Each search stopped at the page limit: two searches, 2,000 pages each at most.
    expect(proxy.seen.filter((r) => r.path === '/v1/videos' && r.method === 'GET').length).toBeLessThanOrEqual(4_000);
    // The intents stay: the next run searches before it creates anything.
    const lock = await readLock(dir, FILE);
    const creating = Object.values(lock.jobs).filter((entry) => entry.status === 'creating');
    expect(creating).toHaveLength(2);
    expect(emu.stats().jobs).toHaveLength(2);

    await setFaults(emu, {});
    const plan = await runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir });
    expect(events(plan, 'plan.job').filter((e) => e['action'] === 'resume')).toHaveLength(2);
    const again = await renderWith(emu, dir, FILE);
    expect(again.code, again.stderr).toBe(0);
    // The two videos the lost creates made were adopted: four jobs, one server job each.
    expect(emu.stats().jobs).toHaveLength(4);
    expect(Object.values(emu.stats().jobsPerRequest)).toEqual([1, 1, 1, 1]);
  }, 180_000);

  it('gc against a list that never ends stops at the limit (exit 5) and deletes nothing', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    expect((await renderWith(emu, dir, FILE)).code).toBe(0);
    const proxy = await startHostileProxy(emu.url, { endlessList: true });
    onTestFinished(() => proxy.close());
    const run = await runCli(['gc', FILE, '--base-url', proxy.url, '--yes'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('the list of videos goes on past 2000 pages or 100000 videos');
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(proxy.seen.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(proxy.seen.filter((r) => r.path === '/v1/videos').length).toBe(2_000);
  }, 120_000);
});
