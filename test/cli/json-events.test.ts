import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExamples, runCli } from '../helpers/cli.js';
import { events, readLock, renderProject, renderWith } from '../render/helpers.js';

/**
 * What `--json` readers (and line readers) are told, and when: a failure the moment it
 * happens, the run's plan before anything is sent, each job's video, files and cost, the
 * summary; refusals and usage mistakes as events; one name for issues in every command.
 */

const FILE = 'quickstart.yaml';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** The teapot's hero is refused at create; the mug's chain renders on, taking a while. */
const BLOCK_TEAPOT = { moderation: { blockPattern: 'dolly-in on a teapot' } };

describe.concurrent('render events', () => {
  it('--json: a job that fails is reported when it fails, not when the run ends', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { speed: 200, faults: BLOCK_TEAPOT });
    const run = await renderWith(emu, dir, FILE);
    expect(run.code).toBe(1);
    const all = run.events();
    const failed = all.findIndex((e) => e['event'] === 'job.result' && e['id'] === 'hero[product=teapot]');
    const skipped = all.findIndex((e) => e['event'] === 'job.result' && e['id'] === 'hero-dusk[product=teapot]');
    const lastDone = all.findIndex((e) => e['event'] === 'job' && e['id'] === 'hero-dusk[product=mug]' && e['state'] === 'done');
    expect(lastDone).toBeGreaterThan(0);
    expect(failed, 'the failure came before the mug chain finished').toBeLessThan(lastDone);
    expect(skipped).toBeLessThan(lastDone);
    expect(all[failed]).toMatchObject({ status: 'failed', reason: expect.stringContaining('moderation_blocked'), video_id: null, outputs: {}, cost_usd: 0 });
    expect(all[skipped]).toMatchObject({ status: 'skipped', reason: 'not sent, because hero[product=teapot] failed' });
    // Each job is reported once.
    expect(
      events(run, 'job.result')
        .map((e) => e['id'])
        .sort(),
    ).toEqual(['hero-dusk[product=mug]', 'hero-dusk[product=teapot]', 'hero[product=mug]', 'hero[product=teapot]']);
  });

  it('lines: the failure line comes when the job fails, before the rest of the run', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { speed: 200, faults: BLOCK_TEAPOT });
    const run = await runCli(['render', FILE, '--base-url', emu.url, '--no-report'], { cwd: dir, now: () => Date.now(), env: { NO_COLOR: '1' } });
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n');
    const failed = lines.findIndex((line) => /^\d\d:\d\d:\d\d {2}failed {7}hero\[product=teapot\] {2}moderation_blocked/.test(line));
    const lastDone = lines.findIndex((line) => /^\d\d:\d\d:\d\d {2}done {9}hero-dusk\[product=mug\]/.test(line));
    expect(failed, run.stderr).toBeGreaterThanOrEqual(0);
    expect(lastDone, run.stderr).toBeGreaterThan(failed);
  });

  it('--json: run.start carries the plan totals; job.result the video id, files and cost; run.summary the reused count and a time', async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    const run = await renderWith(emu, dir, FILE, ['--no-report']);
    expect(run.code, run.stderr).toBe(0);
    const all = run.events();
    expect(all[0]).toEqual({
      event: 'run.start',
      storyboard: 'quickstart',
      provider: expect.stringContaining('emulator'),
      lockfile: 'quickstart.lock.json',
      out: 'renders/quickstart',
      jobs: 4,
      render: 4,
      resume: 0,
      download: 0,
      reuse: 0,
      move: 0,
      failed: 0,
      blocked: 0,
      orphan: 0,
      unselected: 0,
      seconds: 16,
      cost_usd: 1.6,
      unpriced: 0,
      costs: { USD: 1.6 },
      at: expect.stringMatching(ISO),
    });
    const lock = await readLock(dir, FILE);
    const results = events(run, 'job.result');
    expect(results).toHaveLength(4);
    for (const result of results) {
      const entry = lock.jobs[result['id'] as string]!;
      expect(result).toMatchObject({ status: 'completed', video_id: entry.video_id, cost_usd: 0.4, at: expect.stringMatching(ISO) });
      // Paths as shown to the user: relative to the working directory, the files the lockfile records.
      expect(result['outputs']).toEqual({ video: entry.outputs.video!.path, thumbnail: entry.outputs.thumbnail!.path });
      expect((await stat(path.join(dir, entry.outputs.video!.path))).size).toBe(entry.outputs.video!.bytes);
    }
    expect(all.at(-1)).toEqual({
      event: 'run.summary',
      completed: 4,
      failed: 0,
      skipped: 0,
      cancelled: 0,
      reused: 0,
      blocked: 0,
      spent_usd: 1.6,
      spent: { USD: 1.6 },
      interrupted: false,
      out: 'renders/quickstart',
      at: expect.stringMatching(ISO),
    });

    // Nothing left to do: still a start and a summary, saying what was reused.
    const again = await renderWith(emu, dir, FILE, ['--no-report']);
    expect(again.code).toBe(0);
    expect(again.events().map((e) => e['event'])).toEqual(['run.start', 'run.summary']);
    expect(again.events()[0]).toMatchObject({ render: 0, reuse: 4, cost_usd: 0 });
    expect(again.events()[1]).toMatchObject({ completed: 0, reused: 4, spent_usd: 0 });
  });
});

describe.concurrent('refusals, usage mistakes and issues as events', () => {
  const cases: { name: string; argv: string[]; code: number; error: Record<string, unknown> }[] = [
    {
      name: 'plan --frozen',
      argv: ['plan', FILE, '--frozen'],
      code: 3,
      error: { code: 'frozen', message: expect.stringContaining('--frozen: 4 jobs would have to render'), hint: expect.any(String) },
    },
    {
      name: 'render --max-cost',
      argv: ['render', FILE, '--max-cost', '1'],
      code: 3,
      error: { code: 'max-cost', message: expect.stringContaining('above the limit of $1.00'), hint: expect.any(String) },
    },
    {
      name: 'an invalid flag value',
      argv: ['plan', FILE, '--concurrency', '0'],
      code: 2,
      error: { code: 'usage', message: expect.stringContaining('--concurrency'), hint: 'run with --help for usage' },
    },
    {
      name: 'an unknown flag',
      argv: ['render', FILE, '--fast'],
      code: 2,
      error: { code: 'usage', message: "unknown option '--fast'", hint: 'Did you mean --wait?' },
    },
    {
      name: 'a missing argument',
      argv: ['plan'],
      code: 2,
      error: { code: 'usage', message: "missing required argument 'file'", hint: 'run with --help for usage' },
    },
  ];
  for (const { name, argv, code, error } of cases) {
    it(`${name}: an error event with the exit code, and the message still on stderr`, async ({ onTestFinished }) => {
      const { dir, cleanup } = await copyExamples();
      onTestFinished(cleanup);
      const run = await runCli([...argv, '--json'], { cwd: dir });
      expect(run.code).toBe(code);
      const all = run.events();
      expect(all.at(-1)).toEqual({ event: 'error', hint: null, ...error, exit_code: code, at: expect.stringMatching(ISO) });
      expect(all.filter((e) => e['event'] === 'run.start')).toEqual([]);
      expect(run.stderr).toContain('error');
    });
  }

  it('an issue is `issue` in validate, plan and render, with the same fields; an invalid storyboard ends in an error event', async ({ onTestFinished }) => {
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    await writeFile(path.join(dir, 'bad.yaml'), 'version: 1\nname: bad\nshots:\n  - id: a\n    prompt: "{{nope}}"\n');
    const issues = [];
    for (const command of ['validate', 'plan', 'render']) {
      const run = await runCli([command, 'bad.yaml', '--json'], { cwd: dir });
      expect(run.code, command).toBe(2);
      expect(
        run
          .events()
          .filter((e) => String(e['event']).endsWith('issue'))
          .map((e) => e['event']),
        command,
      ).toEqual(['issue']);
      issues.push(run.events().find((e) => e['event'] === 'issue'));
      if (command !== 'validate') expect(run.events().at(-1), command).toMatchObject({ event: 'error', code: 'storyboard-invalid', exit_code: 2 });
    }
    expect(issues[0]).toMatchObject({ code: 'unknown-variable', file: 'bad.yaml', line: 5, severity: 'error', path: 'shots[0].prompt' });
    expect(issues[1]).toEqual(issues[0]);
    expect(issues[2]).toEqual(issues[0]);
  });
});
