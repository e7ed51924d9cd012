import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { lockPathOf, renderProject } from '../render/helpers.js';
import { createTestTerminal, type TestTerminal } from '../helpers/terminal.js';
import { waitUntil } from '../helpers/wait-until.js';

/**
 * The live view as a terminal shows it: the output of a real render is fed through a terminal
 * emulator, and the test reads the screen it leaves. A stale line is a row of the live view (a
 * job's state, or the tail of a row the terminal wrapped) still on screen once the run ended.
 */

const FILE = 'quickstart.yaml';
const STATES = /\b(creating|queued|in_progress|completed|downloading)\b/;

function renderOn(term: TestTerminal, dir: string, url: string, signal = new AbortController().signal): Promise<number> {
  return main(['render', FILE, '--base-url', url, '--no-report'], {
    stdout: term.stdout,
    stderr: term.stderr,
    env: { NO_COLOR: '1' },
    cwd: dir,
    now: () => Date.now(),
    signal,
  });
}

const until = (probe: () => boolean | Promise<boolean>, ms = 20_000) => waitUntil(probe, 'the live view', ms, 20);

/** The live view drew job rows at some point: otherwise a clean screen would prove nothing. */
function drewRows(term: TestTerminal): boolean {
  return /in_progress|queued/.test(term.written());
}

/** No row of the live view is left: no job state, no job id (only the rows name jobs here), one footer. */
function expectNoStaleRows(lines: readonly string[]): void {
  expect(
    lines.filter((line) => STATES.test(line)),
    lines.join('\n'),
  ).toEqual([]);
  expect(
    lines.filter((line) => /hero|product=|=mug|teapot/.test(line) && !line.startsWith('failed')),
    lines.join('\n'),
  ).toEqual([]);
  expect(
    lines.filter((line) => /^\d+\/4 done/.test(line)),
    lines.join('\n'),
  ).toHaveLength(1);
}

describe.concurrent('the live view on a terminal', () => {
  it('leaves no stale line in a terminal narrower than its rows, and every row fits the width', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { speed: 40 });
    const term = createTestTerminal(40);
    expect(await renderOn(term, dir, emu.url)).toBe(0);
    expect(drewRows(term)).toBe(true);
    // A job id too long for its row is cut in the middle: its last binding still tells it apart.
    expect(term.written()).toMatch(/ hero-d…\S*\]\r?\n/);
    const lines = await term.lines();
    expectNoStaleRows(lines);
    expect((await term.lines({ joined: true })).slice(-2)).toEqual([
      expect.stringMatching(/^4\/4 done, \d+ s elapsed, spent \$1\.60$/),
      '4 done; spent $1.60; files in renders/quickstart',
    ]);
  });

  it('copes with the window narrowing mid-run: the reflowed frame is erased, rows fit the new width', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { speed: 20 });
    const term = createTestTerminal(120);
    const run = renderOn(term, dir, emu.url);
    await until(() => /in_progress|queued/.test(term.written()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    term.resize(30);
    expect(await run).toBe(0);
    expectNoStaleRows(await term.lines());
    // The last frame was cut to the new width, not wrapped by the terminal.
    const footer = (await term.lines({ joined: true })).find((line) => /^4\/4 done/.test(line))!;
    expect(footer).toMatch(/^4\/4 done, \d+ s elapsed, spe.*…$/);
    expect(footer.length).toBeLessThanOrEqual(30);
  });

  it('keeps a failure on screen above the live view', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { speed: 40, faults: { moderation: { blockPattern: 'dolly-in on a teapot' } } });
    const term = createTestTerminal(60);
    expect(await renderOn(term, dir, emu.url)).toBe(1);
    const lines = await term.lines({ joined: true });
    const failure = lines.findIndex((line) => line.startsWith('failed  hero[product=teapot]  moderation_blocked'));
    const footer = lines.findIndex((line) => /^2\/4 done, 2 failed/.test(line));
    expect(failure, lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(footer).toBeGreaterThan(failure);
  });

  it('watch --render: the plan diff printed during a render stays on screen above the live view', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { speed: 20 });
    const term = createTestTerminal(100);
    const controller = new AbortController();
    const run = main(['watch', FILE, '--render', '--base-url', emu.url], {
      stdout: term.stdout,
      stderr: term.stderr,
      env: { NO_COLOR: '1' },
      cwd: dir,
      now: () => Date.now(),
      signal: controller.signal,
    });
    // Edit while the live view is drawn, with jobs on the server.
    await until(() => /in_progress/.test(term.written()));
    const file = path.join(dir, FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('warm lamp light', 'candle light'));
    // The drained render ends and the next renders the changed remixes: the diff must survive both live views.
    await until(async () => {
      const lock = JSON.parse(await readFile(lockPathOf(dir, FILE), 'utf8')) as Lockfile;
      return ['hero-dusk[product=mug]', 'hero-dusk[product=teapot]'].every(
        (id) => lock.jobs[id]?.status === 'completed' && lock.jobs[id].request.prompt.includes('candle light'),
      );
    }, 40_000);
    // That render's last word, so Ctrl-C does not interrupt it.
    await until(async () => (await term.lines()).some((line) => /^\d+ done; spent/.test(line)));
    controller.abort();
    expect(await run).toBe(0);
    const lines = await term.lines({ joined: true });
    // The diff of the edit, printed while the first render's live view was drawn: whole, in order.
    const diff = lines.findIndex((line) => /^\d\d:\d\d:\d\d \d+ changed/.test(line));
    expect(diff, lines.join('\n')).toBeGreaterThanOrEqual(0);
    const end = lines.findIndex((line, i) => i > diff && /^4 jobs: /.test(line));
    const listed = lines.slice(diff + 1, end);
    expect(listed, lines.join('\n')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}~ hero-dusk\[product=mug\]: render, /),
        expect.stringMatching(/^ {2}~ hero-dusk\[product=teapot\]: render, /),
      ]),
    );
    expect(
      listed.every((line) => /^ {2}[~=] hero/.test(line)),
      lines.join('\n'),
    ).toBe(true);
    // Then that render's end, below it.
    expect(lines.slice(end).some((line) => /^\d+\/4 done/.test(line))).toBe(true);
    expect(
      lines.filter((line) => STATES.test(line)),
      lines.join('\n'),
    ).toEqual([]);
  }, 60_000);
});
