import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { imageSize } from 'image-size';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleFilm } from '../../src/cut/assemble-film.js';
import { timelineOf } from '../../src/cut/film-timeline.js';
import type { Film } from '../../src/cut/film.js';
import { probeAudio } from '../../src/cut/probe-media.js';
import { clipEntry, fade, imageEntry } from './films.js';
import { decodeFrames, integratedLoudness, makeNumberedClip, pixelDistance } from './media.js';

/** The end cards and the music bed shipped in examples/assets for the campaign's cuts. */

const ASSETS = path.resolve(import.meta.dirname, '../../examples/assets');
const SIZES = [
  { width: 1280, height: 720 },
  { width: 720, height: 1280 },
];

describe('examples/assets', () => {
  it.each(SIZES)('has an end card of exactly $width x $height', async ({ width, height }) => {
    const file = path.join(ASSETS, `endcard-${width}x${height}.png`);
    expect(imageSize(await readFile(file))).toMatchObject({ type: 'png', width, height });
  });

  it('has a small stereo AAC music bed that loops every 8 s', async () => {
    const file = path.join(ASSETS, 'bed.m4a');
    expect((await stat(file)).size).toBeLessThan(100 * 1024);
    const bed = await probeAudio(file);
    expect(bed.channels).toBe(2);
    expect(bed.seconds).toBeGreaterThan(7.9);
    expect(bed.seconds).toBeLessThan(8.1);
  });

  describe('a portrait spot made with them', () => {
    let root: string;
    beforeAll(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'shotlist-assets-'));
    });
    afterAll(() => rm(root, { recursive: true, force: true }));

    it('ends on the end card, under the bed, at the loudness asked for', async () => {
      const size = SIZES[1]!;
      const clip = await makeNumberedClip(path.join(root, 'clip.mp4'), 1, size, 2);
      const card = path.join(ASSETS, `endcard-${size.width}x${size.height}.png`);
      const film: Film = {
        id: 'spot',
        ...size,
        fps: 24,
        sequence: [
          clipEntry('hero', { path: clip, ...size, clipSeconds: 2, to: 2 }),
          imageEntry('assets/endcard-720x1280.png', { path: card, ...size, seconds: 1.5, transitionIn: fade(0.5) }),
        ],
        audio: { music: { ref: 'assets/bed.m4a', path: path.join(ASSETS, 'bed.m4a'), sha256: 'bed' }, musicGainDb: -14, loudnessLufs: -16 },
      };
      const result = await assembleFilm({ film, output: path.join(root, 'spot.mp4') });
      const frames = await decodeFrames(result.video.path);
      expect(frames.length).toBe(timelineOf(film).frames);
      const [cardFrame] = await decodeFrames(card);
      expect(pixelDistance(frames.at(-1)!, cardFrame!)).toBeLessThan(3);
      expect(pixelDistance(frames[0]!, cardFrame!)).toBeGreaterThan(20);
      expect(Math.abs((await integratedLoudness(result.video.path)) + 16)).toBeLessThanOrEqual(1);
    }, 120_000);
  });
});
