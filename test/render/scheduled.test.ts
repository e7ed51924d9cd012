import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runCli } from '../helpers/cli.js';
import { writeProject } from '../storyboard/helpers.js';
import { events, readLock, startRenderEmulator } from './helpers.js';

/**
 * Scheduled regeneration on a virtual clock: the emulator's clock and the CLI's `now` move
 * together. Due shots render again, missing files come back by download while the server still
 * has the video, and what cannot be had is reported.
 */

const STORYBOARD = `version: 1
name: nightly
provider: emulator
defaults: { model: sora-2, size: 1280x720, seconds: 4 }
shots:
  - id: news
    refresh: daily
    prompt: Today's headline card.
  - id: promo
    refresh: weekly
    prompt: This week's promotion.
  - id: approved
    frozen: true
    prompt: The approved brand film.
  - id: plain
    prompt: An evergreen product shot.
  - id: news-remix
    remix: news
    prompt: The headline card, in the evening colours.
`;

let dir: string;
let cleanup: () => Promise<void>;
let emu: RunningEmulator;
let offsetSeconds = 0;
const now = () => Date.now() + offsetSeconds * 1000;
const advance = (seconds: number) => {
  offsetSeconds += seconds;
  emu.advanceClock(seconds);
};
const render = (extra: string[] = []) => runCli(['render', 'nightly.yaml', '--base-url', emu.url, '--json', ...extra], { cwd: dir, now });
const plan = async () => {
  const run = await runCli(['plan', 'nightly.yaml', '--json'], { cwd: dir, now });
  return new Map(events(run, 'plan.job').map((e) => [e['id'] as string, e as { action: string; reason: string; reason_code: string }]));
};

beforeEach(async () => {
  ({ dir, cleanup } = await writeProject({ 'nightly.yaml': STORYBOARD }));
  emu = await startRenderEmulator();
  offsetSeconds = 0;
});
afterEach(async () => {
  await emu.close();
  await cleanup();
});

const file = (id: string) => path.join(dir, 'renders/nightly', `${id}.mp4`);

describe('scheduled regeneration', () => {
  it('re-renders exactly the due shots, downloads missing files while the videos exist, and reports the rest', async () => {
    expect((await render()).code).toBe(0);
    const first = await readLock(dir, 'nightly.yaml');

    // 12 h later: nothing is due; two files were deleted and come back by download, not by paying again.
    advance(12 * 3600);
    await rm(file('plain'));
    await rm(file('approved'));
    const midday = await plan();
    expect([...midday.values()].map((j) => j.action)).toEqual(['reuse', 'reuse', 'download', 'download', 'reuse']);
    const creates = emu.stats().createsAccepted;
    expect((await render()).code).toBe(0);
    expect(emu.stats().createsAccepted).toBe(creates);

    // 25 h after the first run: the daily shot (and its remix) is due; the weekly one is not. The
    // videos have expired on the server: a deleted plain file must be rendered again, a deleted
    // frozen take cannot come back and is reported.
    advance(13 * 3600);
    await rm(file('plain'));
    await rm(file('approved'));
    const nextDay = await plan();
    expect(nextDay.get('news')).toMatchObject({ action: 'render', reason: 'refresh due (daily; the take is 25 h old)' });
    expect(nextDay.get('news-remix')).toMatchObject({ action: 'render', reason_code: 'parent-renders' });
    expect(nextDay.get('promo')).toMatchObject({ action: 'reuse' });
    expect(nextDay.get('plain')).toMatchObject({
      action: 'render',
      reason_code: 'take-gone',
      reason: expect.stringMatching(/^file missing and the video expired on the server 60 min ago$/),
    });
    expect(nextDay.get('approved')).toMatchObject({
      action: 'blocked',
      reason: 'frozen, but the take is gone: file missing and the video expired on the server',
    });

    const summaryFile = path.join(dir, 'summary.md');
    const run = await render(['--summary', summaryFile]);
    expect(run.code).toBe(1);
    const summary = await readFile(summaryFile, 'utf8');
    expect(summary).toContain('## shotlist: nightly');
    expect(summary).toContain('| rendered | 3 |');
    expect(summary).toContain('| blocked | 1 |');
    expect(summary).toContain('- `approved`: blocked, frozen, but the take is gone');
    expect(summary).toMatch(/- `news`: refresh due \\\(daily; the take is 25 h old\\\)|- `news`: refresh due \(daily; the take is 25 h old\)/);
    expect(emu.stats().createsAccepted).toBe(creates + 3);
    const after = await readLock(dir, 'nightly.yaml');
    expect(after.jobs['news']!.video_id).not.toBe(first.jobs['news']!.video_id);
    expect(after.jobs['promo']!.video_id).toBe(first.jobs['promo']!.video_id);
    expect(after.jobs['approved']!.video_id).toBe(first.jobs['approved']!.video_id);
  });

  it('a frozen take is kept when its prompt changes, and --replace does not touch it', async () => {
    expect((await render(['--no-report'])).code).toBe(0);
    await expect(readFile(path.join(dir, 'renders/nightly/report.html'), 'utf8')).rejects.toThrow();
    const text = STORYBOARD.replace('The approved brand film.', 'A new cut of the brand film.');
    await writeFile(path.join(dir, 'nightly.yaml'), text);
    const planned = await runCli(['plan', 'nightly.yaml', '--json', '--replace', 'approved'], { cwd: dir, now });
    const approved = planned.events().find((e) => e['id'] === 'approved')!;
    expect(approved).toMatchObject({ action: 'reuse', reason: 'frozen (kept although prompt changed)', cost_usd: 0 });
    const creates = emu.stats().createsAccepted;
    expect((await render(['--replace', 'approved'])).code).toBe(0);
    expect(emu.stats().createsAccepted).toBe(creates);
    // Nothing rendered, so nothing to report; the first run that renders writes the contact sheet.
    await writeFile(path.join(dir, 'nightly.yaml'), text.replace('An evergreen product shot.', 'An evergreen product shot, at noon.'));
    expect((await render()).code).toBe(0);
    expect(await readFile(path.join(dir, 'renders/nightly/report.html'), 'utf8')).toContain('An evergreen product shot, at noon.');
  });
});
