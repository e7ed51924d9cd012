import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import type { CutEntry } from '../../src/lockfile/lockfile.js';
import { REPO, runCli } from '../helpers/cli.js';
import { ensureDist, userEnv } from '../helpers/dist.js';
import { waitUntil } from '../helpers/wait-until.js';
import { readOtio } from '../cut/otio-checker.js';
import { decodeFrames, integratedLoudness, pixelDistance, readFilm } from '../cut/media.js';
import { editStoryboard, events, readLock, readLockBytes, renderWith, sha256, startRenderEmulator } from './helpers.js';

/**
 * Cuts as nodes of the render: the films are assembled once their clips are on disk, recorded
 * under the lockfile's `cuts`, reused while nothing they are made of changed, built again when
 * a clip changes, skipped (naming the clip) when a clip fails, and never left half-written.
 */

const FILE = 'spots.yaml';
// 12 fps keeps the encodes quick; the hero plays whole, the close-up trimmed to 2 s and
// crossfaded in over 0.5 s: 4 + 2 - 0.5 = 5.5 s.
const STORYBOARD = `version: 1
name: spots
provider: emulator
defaults:
  model: sora-2
  size: 1280x720
  seconds: 4
shots:
  - id: hero
    prompt: A {{product}} on a sunlit kitchen counter.
    variants: { product: [mug, teapot] }
  - id: close
    prompt: A close-up of the {{product}}, steam rising.
    variants: { product: [mug, teapot] }
  - id: teaser
    prompt: A teaser for the spring collection.
cuts:
  - id: spot
    fps: 12
    variants: { product: [mug, teapot] }
    sequence:
      - hero
      - { shot: close, from: 1, to: 3, transition: { crossfade: 0.5 } }
  - id: trailer
    fps: 12
    sequence:
      - teaser
      - { image: assets/endcard-1280x720.png, seconds: 1, transition: { fade: 0.5 } }
`;
const SPOTS = ['spot[product=mug]', 'spot[product=teapot]'];

async function project(onTestFinished: TestContext['onTestFinished'], emulator: Parameters<typeof startRenderEmulator>[0] = {}) {
  const emu = await startRenderEmulator(emulator);
  const dir = await mkdtemp(path.join(tmpdir(), 'shotlist-cuts-'));
  onTestFinished(() => emu.close());
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, FILE), STORYBOARD);
  await cp(path.join(REPO, 'examples/assets/endcard-1280x720.png'), path.join(dir, 'assets/endcard-1280x720.png'), { recursive: true });
  return { emu, dir };
}

function cutResults(run: { events(): Record<string, unknown>[] }): Record<string, unknown> {
  return Object.fromEntries(events(run as never, 'cut.done').map((event) => [event['id'], event['status']]));
}

function planCuts(run: { events(): Record<string, unknown>[] }): Record<string, [unknown, unknown]> {
  return Object.fromEntries(events(run as never, 'plan.cut').map((event) => [event['id'], [event['action'], event['reason_code']]]));
}

// Each test renders several times, and every film is an encode: minutes on a loaded machine.
describe.concurrent('cuts in a render', () => {
  it("renders the clips, then each film: an MP4 of the film's size, rate, length and sound, an .otio on the clip files; a second run reuses it all", async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await project(onTestFinished);
    const first = await renderWith(emu, dir, FILE);
    expect(first.code, first.stderr).toBe(0);
    expect(cutResults(first)).toEqual({ [SPOTS[0]!]: 'built', [SPOTS[1]!]: 'built', trailer: 'built' });

    const lock = await readLock(dir, FILE);
    expect(Object.keys(lock.cuts ?? {})).toEqual([...SPOTS, 'trailer']);
    for (const product of ['mug', 'teapot']) {
      const id = `spot[product=${product}]`;
      const entry: CutEntry = lock.cuts![id]!;
      expect(entry.outputs.video.path).toBe(`renders/spots/cuts/${id}.mp4`);
      expect(entry.outputs.timeline.path).toBe(`renders/spots/cuts/${id}.otio`);
      // The clips it was made of, by the bytes the lockfile records for them.
      expect(entry.clips).toEqual({
        [`hero[product=${product}]`]: lock.jobs[`hero[product=${product}]`]!.outputs.video!.sha256,
        [`close[product=${product}]`]: lock.jobs[`close[product=${product}]`]!.outputs.video!.sha256,
      });
      const bytes = await readFile(path.join(dir, entry.outputs.video.path));
      expect(sha256(bytes)).toBe(entry.outputs.video.sha256);

      const film = await readFilm(path.join(dir, entry.outputs.video.path));
      expect(film).toMatchObject({ width: 1280, height: 720, fps: 12, videoCodec: 'avc', audioCodec: 'aac' });
      expect(Math.abs(film.duration - 5.5)).toBeLessThanOrEqual(1 / 12 + 0.03);
      expect(film.audioChannels).toBeGreaterThan(0);
      // The clips' sound, normalised to the default target of -14 LUFS.
      expect(Math.abs((await integratedLoudness(path.join(dir, entry.outputs.video.path))) + 14)).toBeLessThanOrEqual(1);

      const otioPath = path.join(dir, entry.outputs.timeline.path);
      const otio = JSON.parse(await readFile(otioPath, 'utf8')) as unknown;
      const reading = readOtio(otio, path.dirname(otioPath));
      expect(reading.problems).toEqual([]);
      for (const track of reading.tracks) expect(track.frames, track.name).toBe(66);
      // The video track plays the hero from its start, then the close-up from 1 s to 3 s (12 fps),
      // its 6 frames of crossfade drawn from either side; every file on disk and long enough.
      const video = reading.references.filter((ref) => ref.track === reading.tracks[0]!.name);
      expect(video.map((ref) => [path.basename(ref.file ?? ''), ref.used.start, ref.used.end])).toEqual([
        [`hero[product=${product}].mp4`, 0, 48],
        [`close[product=${product}].mp4`, 12, 36],
      ]);
      for (const ref of reading.references) {
        expect(ref.file, ref.name).not.toBeNull();
        expect(ref.used.end).toBeLessThanOrEqual(ref.available!.end);
      }

      // By the decoded pixels: the first frames of each clip's stretch (after its crossfade in)
      // are that clip's own frames at that point, not the other product's.
      const frames = await decodeFrames(path.join(dir, entry.outputs.video.path));
      expect(frames.length).toBe(66);
      const other = product === 'mug' ? 'teapot' : 'mug';
      const clipFrames = (shot: string, which = product) =>
        decodeFrames(path.join(dir, lock.jobs[`${shot}[product=${which}]`]!.outputs.video!.path), { fps: 12 });
      for (const { shot, filmFrame, clipFrame } of [
        { shot: 'hero', filmFrame: 0, clipFrame: 0 },
        { shot: 'close', filmFrame: 48, clipFrame: 18 },
      ]) {
        const [own, others] = [await clipFrames(shot), await clipFrames(shot, other)];
        for (let k = 0; k < 3; k++) {
          expect(pixelDistance(frames[filmFrame + k]!, own[clipFrame + k]!), `${id} frame ${filmFrame + k}`).toBeLessThan(3);
          expect(pixelDistance(frames[filmFrame + k]!, others[clipFrame + k]!), `${id} frame ${filmFrame + k} against ${other}`).toBeGreaterThan(10);
        }
      }
    }

    // The contact sheet: a card per film, playing its MP4, its sequence linked to the clips' cards.
    const report = await readFile(path.join(dir, 'renders/spots/report.html'), 'utf8');
    expect(report).toContain('<article id="film-0" class="film status-built"');
    expect(report).toContain('data-video="cuts/spot%5Bproduct%3Dmug%5D.mp4"');
    expect(report).toContain('href="cuts/trailer.otio"');
    expect(report).toMatch(/<a href="#job-0">hero\[product=mug\]<\/a>/);
    expect(report).toContain('id="job-0"');

    const lockBytes = await readLockBytes(dir, FILE);
    const plan = await runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(planCuts(plan)).toEqual({ [SPOTS[0]!]: ['reuse', 'up-to-date'], [SPOTS[1]!]: ['reuse', 'up-to-date'], trailer: ['reuse', 'up-to-date'] });
    expect(events(plan, 'plan.total')[0]!['films']).toEqual({ films: 3, cut: 0, reuse: 3, blocked: 0, orphan: 0, unselected: 0 });
    const creates = emu.stats().createsAccepted;
    const again = await renderWith(emu, dir, FILE);
    expect(again.code, again.stderr).toBe(0);
    expect(cutResults(again)).toEqual({});
    expect(emu.stats().createsAccepted).toBe(creates);
    expect(await readLockBytes(dir, FILE)).toEqual(lockBytes);

    const text = await runCli(['plan', FILE, '--base-url', emu.url], { cwd: dir, now: () => Date.now() });
    expect(text.stdout).toMatch(/= reuse\s+spot\[product=mug\]\s+cut\s+1280x720\s+5\.5 s\s+up to date/);
    expect(text.stdout).toContain('3 films: 0 to cut, 3 reused (no cost)');
  }, 90_000);

  it('a changed clip re-cuts exactly the films that play it; a deleted film is cut again from the clips on disk', async ({ onTestFinished }) => {
    const { emu, dir } = await project(onTestFinished);
    expect((await renderWith(emu, dir, FILE)).code).toBe(0);
    const before = await readLock(dir, FILE);

    await editStoryboard(dir, FILE, 'A teaser for the spring collection.', 'A teaser for the summer collection.');
    const plan = await runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(planCuts(plan)).toEqual({ [SPOTS[0]!]: ['reuse', 'up-to-date'], [SPOTS[1]!]: ['reuse', 'up-to-date'], trailer: ['cut', 'clips-render'] });
    const text = await runCli(['plan', FILE, '--base-url', emu.url], { cwd: dir, now: () => Date.now() });
    expect(text.stdout).toMatch(/~ cut\s+trailer\s+cut\s+1280x720\s+4\.5 s\s+\$0\.00\s+teaser renders first/);

    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    expect(cutResults(run)).toEqual({ trailer: 'built' });
    const after = await readLock(dir, FILE);
    expect(after.cuts!['trailer']!.fingerprint).not.toBe(before.cuts!['trailer']!.fingerprint);
    for (const id of SPOTS) expect(after.cuts![id]).toEqual(before.cuts![id]);

    // The film file gone, its clips on disk: cut again, nothing sent.
    await rm(path.join(dir, after.cuts![SPOTS[0]!]!.outputs.video.path));
    const missing = await runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(planCuts(missing)[SPOTS[0]!]).toEqual(['cut', 'file-missing']);
    const status = await runCli(['status', FILE, '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(status.code).toBe(1);
    expect(events(status, 'status.cut').map((event) => [event['id'], event['state'], event['file'], event['timeline']])).toEqual([
      [SPOTS[0], 'missing', 'missing', 'ok'],
      [SPOTS[1], 'ok', 'ok', 'ok'],
      ['trailer', 'ok', 'ok', 'ok'],
    ]);
    const requests = emu.stats().requestsByRoute;
    const rebuilt = await renderWith(emu, dir, FILE);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(cutResults(rebuilt)).toEqual({ [SPOTS[0]!]: 'built' });
    expect(emu.stats().requestsByRoute).toEqual(requests);
    expect((await runCli(['status', FILE, '--base-url', emu.url], { cwd: dir, now: () => Date.now() })).stdout).toContain('3 films, all in order');
    // The same inputs make the same bytes.
    expect(await readLockBytes(dir, FILE)).toEqual(Buffer.from(JSON.stringify(after, null, 2) + '\n'));

    // A cut renamed: the old film's entry is an orphan, dropped by the next full render; the new one is built.
    await editStoryboard(dir, FILE, '  - id: trailer\n', '  - id: promo\n');
    const renamed = await runCli(['plan', FILE, '--base-url', emu.url], { cwd: dir, now: () => Date.now() });
    expect(renamed.stdout).toContain('3 films: 1 to cut, 2 reused (no cost); 1 orphan');
    const promo = await renderWith(emu, dir, FILE);
    expect(promo.code, promo.stderr).toBe(0);
    expect(cutResults(promo)).toEqual({ promo: 'built' });
    expect(Object.keys((await readLock(dir, FILE)).cuts ?? {})).toEqual(['promo', ...SPOTS]);
  }, 90_000);

  it("--only 'spot*' renders only the jobs the spots play, then the spots", async ({ onTestFinished }) => {
    const { emu, dir } = await project(onTestFinished);
    const plan = await runCli(['plan', FILE, '--base-url', emu.url, '--only', 'spot*', '--json'], { cwd: dir, now: () => Date.now() });
    expect(plan.code, plan.stderr).toBe(0);
    expect(events(plan, 'plan.job').map((event) => event['id'])).toEqual([
      'hero[product=mug]',
      'hero[product=teapot]',
      'close[product=mug]',
      'close[product=teapot]',
    ]);
    expect(Object.keys(planCuts(plan))).toEqual(SPOTS);

    const run = await renderWith(emu, dir, FILE, ['--only', 'spot*']);
    expect(run.code, run.stderr).toBe(0);
    expect(
      events(run, 'job.result')
        .map((event) => event['id'])
        .sort(),
    ).toEqual(['close[product=mug]', 'close[product=teapot]', 'hero[product=mug]', 'hero[product=teapot]']);
    expect(cutResults(run)).toEqual({ [SPOTS[0]!]: 'built', [SPOTS[1]!]: 'built' });
    const lock = await readLock(dir, FILE);
    expect(Object.keys(lock.cuts ?? {})).toEqual(SPOTS);
    expect(lock.jobs['teaser']).toBeUndefined();
  }, 90_000);

  it('a failed clip skips only the films that play it, naming the clip; exit 1', async ({ onTestFinished }) => {
    const { emu, dir } = await project(onTestFinished, { faults: { moderation: { failPattern: 'close-up of the teapot' } } });
    const run = await renderWith(emu, dir, FILE);
    expect(run.code).toBe(1);
    expect(cutResults(run)).toEqual({ [SPOTS[0]!]: 'built', [SPOTS[1]!]: 'skipped', trailer: 'built' });
    const skipped = events(run, 'cut.done').find((event) => event['id'] === SPOTS[1]);
    expect(skipped).toMatchObject({ clip: 'close[product=teapot]', reason: 'not assembled, because clip close[product=teapot] failed' });
    expect(events(run, 'cuts.summary')).toEqual([{ event: 'cuts.summary', films: 3, built: 2, reused: 0, failed: 0, skipped: 1, cancelled: 0 }]);
    expect(Object.keys((await readLock(dir, FILE)).cuts ?? {})).toEqual([SPOTS[0], 'trailer']);

    // Next plan: the clip failed for good, so its film is blocked, naming it.
    const plan = await runCli(['plan', FILE, '--base-url', emu.url], { cwd: dir, now: () => Date.now() });
    expect(plan.stdout).toMatch(/! blocked\s+spot\[product=teapot\]\s+cut.*clip close\[product=teapot\] failed and is not sent again/);
    const text = await runCli(['render', FILE, '--base-url', emu.url, '--summary', 'summary.md'], { cwd: dir, now: () => Date.now() });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('skipped  spot[product=teapot]: not assembled, because clip close[product=teapot] failed and is not sent again');
    const summary = await readFile(path.join(dir, 'summary.md'), 'utf8');
    expect(summary).toContain('| skipped (a clip did not come out) | 1 |');
    expect(summary).toContain('- `spot[product=teapot]`: skipped, not assembled, because clip close\\[product=teapot\\] failed and is not sent again');
  }, 90_000);
});

describe('a storyboard without cuts', () => {
  it('renders as before: no cuts directory, no cuts in the lockfile, no film events', async ({ onTestFinished }) => {
    const { emu, dir } = await project(onTestFinished);
    await writeFile(path.join(dir, FILE), STORYBOARD.slice(0, STORYBOARD.indexOf('cuts:')));
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    expect(await readdir(path.join(dir, 'renders/spots'))).not.toContain('cuts');
    expect(await readFile(path.join(dir, 'spots.lock.json'), 'utf8')).not.toContain('"cuts"');
    expect(run.events().filter((event) => String(event['event']).startsWith('cut'))).toEqual([]);
  });
});

describe("a lockfile's cuts, untrusted", () => {
  it('a film path leading out of the project is refused at its line and column; nothing there is read', async ({ onTestFinished }) => {
    const { emu, dir } = await project(onTestFinished);
    const outside = { path: '../../../../etc/passwd', sha256: 'a'.repeat(64), bytes: 1 };
    const lock = {
      lockfileVersion: 1,
      name: 'spots',
      jobs: {},
      cuts: {
        trailer: {
          fingerprint: `sha256:${'b'.repeat(64)}`,
          clips: {},
          outputs: { video: { ...outside, path: 'renders/spots/cuts/trailer.mp4' }, timeline: outside },
        },
      },
    };
    await writeFile(path.join(dir, 'spots.lock.json'), JSON.stringify(lock, null, 2));
    for (const command of ['plan', 'status', 'render']) {
      const run = await runCli([command, FILE, '--base-url', emu.url], { cwd: dir, now: () => Date.now() });
      expect(run.code, command).toBe(2);
      expect(run.stderr).toMatch(
        /spots\.lock\.json:\d+:\d+ cuts\.trailer\.outputs\.timeline\.path: "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" leads outside the project directory/,
      );
    }
    expect(emu.stats().requestsByRoute).toEqual({});
  });
});

describe('Ctrl-C during ffmpeg', () => {
  it('stops the films at once: exit 130, no partial film, no temp file, no entry for an unfinished film; the next run builds them', async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await project(onTestFinished);
    expect((await renderWith(emu, dir, FILE, ['--only', 'hero*', '--only', 'close*', '--only', 'teaser'])).code).toBe(0);
    const cuts = path.join(dir, 'renders/spots/cuts');
    const controller = new AbortController();
    const running = renderWith(emu, dir, FILE, [], { signal: controller.signal });
    await waitUntil(async () => (await readdir(cuts).catch(() => [])).some((name) => name.includes('.mp4.tmp-')), 'ffmpeg writing a film', 60_000);
    controller.abort();
    const run = await running;
    expect(run.code, run.stderr).toBe(130);
    expect(events(run, 'cut.done').map((event) => event['status'])).toContain('cancelled');
    // A film that had finished before the abort is whole and recorded; the others left nothing.
    const left = await readdir(cuts);
    expect(left.filter((name) => name.includes('.tmp-'))).toEqual([]);
    const recorded = Object.values((await readLock(dir, FILE)).cuts ?? {}).map((entry) => path.basename(entry.outputs.video.path));
    expect(left.filter((name) => name.endsWith('.mp4')).sort()).toEqual(recorded.sort());
    expect(recorded.length).toBeLessThan(3);

    const next = await renderWith(emu, dir, FILE);
    expect(next.code, next.stderr).toBe(0);
    expect(Object.keys((await readLock(dir, FILE)).cuts ?? {})).toEqual([...SPOTS, 'trailer']);
  }, 90_000);
});

describe('a render killed during ffmpeg', () => {
  it('leaves no partial film and no entry; the next run removes the temp file and completes the film', async ({ onTestFinished }) => {
    await ensureDist();
    const { emu, dir } = await project(onTestFinished);
    // The clips first, so the kill lands in the films' ffmpeg.
    expect((await renderWith(emu, dir, FILE, ['--only', 'hero*', '--only', 'close*', '--only', 'teaser'])).code).toBe(0);
    const cuts = path.join(dir, 'renders/spots/cuts');
    const child = spawn(process.execPath, [path.join(REPO, 'bin/shotlist.js'), 'render', FILE, '--base-url', emu.url], {
      cwd: dir,
      env: userEnv(),
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitUntil(async () => (await readdir(cuts).catch(() => [])).some((name) => name.includes('.mp4.tmp-')), 'ffmpeg writing a film', 60_000);
    } finally {
      // The whole process group, ffmpeg with it: the machine losing the run, not a polite stop.
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
    // Only whole films, each recorded (one that had finished before the kill); no unrecorded MP4.
    const left = await readdir(cuts);
    const recorded = Object.values((await readLock(dir, FILE)).cuts ?? {}).map((entry) => path.basename(entry.outputs.video.path));
    expect(left.filter((name) => name.endsWith('.mp4')).sort()).toEqual(recorded.sort());
    expect(recorded.length).toBeLessThan(3);
    expect(left.some((name) => name.includes('.mp4.tmp-'))).toBe(true);

    const next = await renderWith(emu, dir, FILE);
    expect(next.code, next.stderr).toBe(0);
    expect(Object.values(cutResults(next)).every((status) => status === 'built')).toBe(true);
    expect(Object.keys(cutResults(next)).length).toBe(3 - recorded.length);
    const after = await readdir(cuts);
    expect(after.filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(after.sort()).toEqual([...SPOTS.flatMap((id) => [`${id}.mp4`, `${id}.otio`]), 'trailer.mp4', 'trailer.otio'].sort());
  }, 120_000);
});
