import { readdir, readFile, rm, writeFile, mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleFilm, timelinePathFor, type AssembledFilm, type CutProgress } from '../../src/cut/assemble-film.js';
import { CutInputError, FfmpegError } from '../../src/cut/errors.js';
import { timelineOf } from '../../src/cut/film-timeline.js';
import type { Film } from '../../src/cut/film.js';
import { clipEntry, crossfade, fade, imageEntry } from './films.js';
import {
  decodeFrames,
  integratedLoudness,
  makeBed,
  makeCard,
  makeNumberedClip,
  measureLoudness,
  pixelDistance,
  readFilm,
  renderClips,
  samplePeak,
} from './media.js';
import { readOtio } from './otio-checker.js';

/**
 * Films assembled by the real ffmpeg from real clips (rendered by the emulator's media code),
 * checked from the outside: parsed by mediabunny, loudness measured by ffmpeg's EBU R128
 * scanner, frames compared by their decoded pixels, the `.otio` read by the OTIO rules.
 */

const SIZE = { width: 320, height: 180 };
const FPS = 24;

let root: string;
let clips: string[];
let card: string;
let bed: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'shotlist-cut-'));
  clips = await Promise.all([0, 1, 2].map((seed) => makeNumberedClip(path.join(root, `clip-${seed}.mp4`), seed, SIZE)));
  card = path.join(root, 'card.png');
  bed = path.join(root, 'bed.m4a');
  await makeCard(card, SIZE);
  await makeBed(bed, 3);
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

const clip = (index: number, fields: Partial<Parameters<typeof clipEntry>[1]> = {}) =>
  clipEntry(`shot-${index}`, { path: clips[index]!, width: SIZE.width, height: SIZE.height, ...fields });

function spot(id: string, sequence: Film['sequence'], audio: Partial<Film['audio']> = {}): Film {
  return { id, ...SIZE, fps: FPS, sequence, audio: { musicGainDb: -14, loudnessLufs: -14, ...audio } };
}

const hardCuts = () => spot('hard-cuts', [clip(0), clip(1), clip(2)]);
const fullMix = () =>
  spot(
    'full-mix',
    [
      clip(0, { from: 0.5, to: 3.5 }),
      clip(1, { transitionIn: crossfade(0.5) }),
      clip(2, { from: 1, to: 4, transitionIn: fade(0.5) }),
      imageEntry('card.png', { path: card, ...SIZE, seconds: 2, transitionIn: crossfade(0.25) }),
    ],
    { music: { ref: 'bed.m4a', path: bed, sha256: 'sha-bed' }, loudnessLufs: -16 },
  );

async function outDir(name: string): Promise<string> {
  const dir = path.join(root, 'renders', name, 'cuts');
  await mkdir(dir, { recursive: true });
  return dir;
}

describe.each([
  { name: 'hard cuts, no music', make: hardCuts, mode: 'copy' },
  { name: 'trims, crossfade, fade, end card, music', make: fullMix, mode: 'encode' },
])('a film with $name', ({ make, mode }) => {
  // Made once the clips exist (describe bodies run before any beforeAll).
  let film: Film;
  let timeline: ReturnType<typeof timelineOf>;
  let result: AssembledFilm;
  let dir: string;
  const progress: CutProgress[] = [];

  beforeAll(async () => {
    film = make();
    timeline = timelineOf(film);
    dir = await outDir(film.id);
    result = await assembleFilm({ film, output: path.join(dir, `${film.id}.mp4`), onProgress: (event) => progress.push(event) });
  }, 120_000);

  it(`is assembled by ${mode}, into the film and its .otio and nothing else`, async () => {
    expect(result.mode).toBe(mode);
    expect(await readdir(dir)).toEqual([`${film.id}.mp4`, `${film.id}.otio`].sort());
    expect(result.video.bytes).toBeGreaterThan(1000);
    expect(result.video.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.at(-1)).toEqual({ film: film.id, step: 'assemble', fraction: 1 });
    expect(progress.some((event) => event.step === 'measure')).toBe(true);
  });

  it("parses as an MP4 of the film's size and rate, with sound, as long as its entries less its transitions", async () => {
    const facts = await readFilm(result.video.path);
    // The clips are mono; the bed is stereo, and so is a film with it.
    expect(facts).toMatchObject({ ...SIZE, videoCodec: 'avc', audioCodec: 'aac', audioChannels: film.audio.music === undefined ? 1 : 2 });
    expect(facts.frames).toBe(timeline.frames);
    expect(facts.fps).toBeCloseTo(FPS, 1);
    const expected = timeline.frames / FPS;
    expect(Math.abs(facts.duration - expected)).toBeLessThanOrEqual(1 / FPS);
    expect(result.durationSeconds).toBeCloseTo(expected, 9);
  });

  it('is as loud as its target, within 1 LU (EBU R128)', async () => {
    expect(Math.abs((await integratedLoudness(result.video.path)) - film.audio.loudnessLufs)).toBeLessThanOrEqual(1);
  });

  it("shows each clip's own frames where its entry begins", async () => {
    const frames = await decodeFrames(result.video.path);
    expect(frames.length).toBe(timeline.frames);
    const sources = await Promise.all(clips.map((clip) => decodeFrames(clip)));
    for (const span of timeline.spans) {
      if (span.segment.kind !== 'clip') continue;
      const source = sources[clips.indexOf(span.segment.path)]!;
      const others = sources.filter((other) => other !== source);
      // The first frame after the transition in (the first frame of a hard-cut entry), and the next two:
      // each the clip's frame at that point, not its neighbour, not another clip's.
      for (let k = 0; k < 3; k++) {
        const shown = frames[span.filmStart + span.transitionIn.frames + k]!;
        const at = span.sourceStart + span.transitionIn.frames + k;
        expect(pixelDistance(shown, source[at]!)).toBeLessThan(3);
        expect(pixelDistance(shown, source[at - 1] ?? source[at + 2]!)).toBeGreaterThan(4);
        expect(pixelDistance(shown, source[at + 1]!)).toBeGreaterThan(4);
        for (const other of others) expect(pixelDistance(shown, other[at]!)).toBeGreaterThan(20);
      }
    }
  });

  it('has an .otio whose tracks last as long as the film and whose clips name existing files, within range', async () => {
    const otioPath = timelinePathFor(result.video.path);
    expect(result.timeline.path).toBe(otioPath);
    const reading = readOtio(JSON.parse(await readFile(otioPath, 'utf8')), dir);
    expect(reading.problems).toEqual([]);
    expect(reading.tracks.map((track) => track.kind)).toEqual(film.audio.music === undefined ? ['Video', 'Audio'] : ['Video', 'Audio', 'Audio']);
    for (const track of reading.tracks) expect(track).toMatchObject({ frames: timeline.frames, rate: FPS });
    const clipFiles = reading.references.filter((ref) => ref.track === 'Video').map((ref) => ref.file);
    expect(clipFiles).toEqual(film.sequence.map((entry) => entry.path));
  });

  it('comes out byte for byte the same when assembled again', async () => {
    const again = await assembleFilm({ film, output: path.join(dir, 'again.mp4') });
    expect(again.video.sha256).toBe(result.video.sha256);
    await rm(again.video.path);
    await rm(again.timeline.path);
  }, 120_000);
});

describe('loudness where one gain would clip', () => {
  it('limits the peaks and makes up what the limiter took: on target, the true peak under the ceiling', async () => {
    const dir = await outDir('peaky');
    // A quiet tone with a near-full-scale click every second: +20 dB would clip the clicks.
    const peaky = await makeNumberedClip(
      path.join(root, 'peaky.mp4'),
      0,
      SIZE,
      4,
      FPS,
      "aevalsrc='0.03*sin(2*PI*440*t)+if(lt(mod(t\\,1)\\,0.003)\\,0.9\\,0)':s=48000:d=4",
    );
    const film = spot('peaky', [clipEntry('peaky', { path: peaky, ...SIZE }), clipEntry('peaky-again', { path: peaky, ...SIZE })]);
    const result = await assembleFilm({ film, output: path.join(dir, 'peaky.mp4') });
    expect(result.loudness.normalisation.kind).toBe('limited');
    const { integrated, truePeak } = await measureLoudness(result.video.path);
    expect(Math.abs(integrated - film.audio.loudnessLufs)).toBeLessThanOrEqual(1);
    expect(truePeak).toBeLessThanOrEqual(-0.5);
  }, 120_000);
});

describe('loudness where the peaks between samples would clip', () => {
  it('finds, as the film is written, the true peak the sample peak hid, and limits it', async () => {
    const dir = await outDir('between');
    // A tone with a short burst of 12 kHz every second, an eighth of a cycle off the samples:
    // the samples reach 0.71 of the wave's peak, so the true peak is ~3 dB over the sample peak
    // that pass 1 measures.
    const tone = await makeNumberedClip(
      path.join(root, 'between.mp4'),
      0,
      SIZE,
      4,
      FPS,
      "aevalsrc='0.1*sin(2*PI*440*t)+if(lt(mod(t\\,1)\\,0.004)\\,0.4*sin(2*PI*12000*t+PI/4)\\,0)':s=48000:d=4",
    );
    const { integrated } = await measureLoudness(tone);
    const sample = await samplePeak(tone);
    const { truePeak } = await measureLoudness(tone);
    // A gain that keeps the sample peak 1 dB under the ceiling, and pushes the true peak over it.
    const gain = -2 - sample;
    expect(truePeak + gain).toBeGreaterThan(-1);
    const film = spot('between', [clipEntry('between', { path: tone, ...SIZE })], { loudnessLufs: Math.round((integrated + gain) * 10) / 10 });
    const result = await assembleFilm({ film, output: path.join(dir, 'between.mp4') });
    expect(result.loudness.normalisation.kind).toBe('limited');
    const written = await measureLoudness(result.video.path);
    expect(written.truePeak).toBeLessThanOrEqual(-0.5);
    expect(Math.abs(written.integrated - film.audio.loudnessLufs)).toBeLessThanOrEqual(1);
  }, 120_000);
});

describe('a clip without sound', () => {
  it('is copied beside clips with sound, silent where it plays, the film still on target', async () => {
    const dir = await outDir('silent-clip');
    const mute = await makeNumberedClip(path.join(root, 'mute.mp4'), 2, SIZE, 4, FPS, null);
    const film = spot('silent-clip', [clip(0), clipEntry('mute', { path: mute, ...SIZE }), clip(1)]);
    const result = await assembleFilm({ film, output: path.join(dir, 'silent-clip.mp4') });
    expect(result.mode).toBe('copy');
    expect(await readFilm(result.video.path)).toMatchObject({ frames: 288, audioCodec: 'aac' });
    expect(Math.abs((await integratedLoudness(result.video.path)) - film.audio.loudnessLufs)).toBeLessThanOrEqual(1);
  }, 120_000);
});

describe('a film of many entries', () => {
  it('passes a filter graph longer than one argument may be through a script file', async () => {
    const dir = await outDir('many');
    // About 150 KB of filter graph: over the 128 KiB Linux allows one argument.
    const entries = Array.from({ length: 150 }, (_, i) => clip(i % 3, { from: 0, to: 0.5, transitionIn: i === 0 ? 'cut' : crossfade(2 / FPS) }));
    const film = spot('many', entries);
    const result = await assembleFilm({ film, output: path.join(dir, 'many.mp4') });
    expect(result.mode).toBe('encode');
    expect((await readFilm(result.video.path)).frames).toBe(timelineOf(film).frames);
    expect(await readdir(dir)).toEqual(['many.mp4', 'many.otio']);
  }, 240_000);
});

describe('when assembly cannot finish', () => {
  it('stops at once on abort mid-encode: no temp file, no new output, the old film untouched', async () => {
    const dir = await outDir('aborted');
    const output = path.join(dir, 'long.mp4');
    await writeFile(output, 'the film from the last run');
    // A long film, so the encode is still running when its first progress arrives.
    const entries = Array.from({ length: 12 }, (_, i) => clip(i % 3, { transitionIn: i === 0 ? 'cut' : crossfade(0.5) }));
    const controller = new AbortController();
    const reason = new Error('stopped by the test');
    const steps: CutProgress[] = [];
    const running = assembleFilm({
      film: spot('long', entries),
      output,
      signal: controller.signal,
      onProgress: (event) => {
        steps.push(event);
        if (event.step === 'assemble' && event.fraction < 1) controller.abort(reason);
      },
    });
    await expect(running).rejects.toBe(reason);
    expect(steps.some((event) => event.step === 'assemble' && event.fraction < 1)).toBe(true);
    expect(await readdir(dir)).toEqual(['long.mp4']);
    expect(await readFile(output, 'utf8')).toBe('the film from the last run');
  }, 120_000);

  it("refuses a clip that is not the film's size, naming it, before running ffmpeg", async () => {
    const dir = await outDir('wrong-size');
    const [tall] = await renderClips(path.join(root, 'media'), ['beef'], { width: 180, height: 320 });
    const film = spot('wrong-size', [clip(0), clipEntry('tall-shot', { path: tall!, ...SIZE })]);
    const failure = await assembleFilm({ film, output: path.join(dir, 'wrong-size.mp4') }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CutInputError);
    expect((failure as CutInputError).message).toBe('wrong-size: clip of tall-shot is 180x320, the film is 320x180');
    expect(await readdir(dir)).toEqual([]);
  }, 120_000);

  it("reports ffmpeg's own last words when it fails, and leaves nothing behind", async () => {
    const dir = await outDir('ffmpeg-fails');
    const failure = await assembleFilm({
      film: fullMix(),
      output: path.join(dir, 'x.mp4'),
      encoder: { preset: 'no-such-preset', crf: 20, audioKbpsPerChannel: 64 },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FfmpegError);
    expect((failure as FfmpegError).exit).toBe('exit 1');
    expect((failure as FfmpegError).lastLines.join('\n')).toMatch(/preset/i);
    expect(await readdir(dir)).toEqual([]);
  }, 120_000);
});
