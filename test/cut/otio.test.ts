import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timelineOf } from '../../src/cut/film-timeline.js';
import type { Film } from '../../src/cut/film.js';
import { buildOtio, relativeUrl, serializeOtio } from '../../src/cut/otio.js';
import type { ClipFacts } from '../../src/cut/probe-media.js';
import { clipEntry, crossfade, fade, film, imageEntry } from './films.js';
import { readOtio } from './otio-checker.js';

const clipFacts = (frames = 96): ClipFacts => ({
  width: 1280,
  height: 720,
  rotation: 0,
  frames,
  fps: 24,
  durationSeconds: frames / 24,
  startsWithKeyFrame: true,
  video: { codec: 'avc1.64001f', parametersKey: 'v' },
  audio: { codec: 'mp4a.40.2', parametersKey: 'a', sampleRate: 48_000, channels: 1 },
});

describe('the .otio of a film', () => {
  let root: string;
  let cutsDir: string;
  let spot: Film;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'shotlist-otio-'));
    cutsDir = path.join(root, 'renders', 'spring', 'cuts');
    await mkdir(cutsDir, { recursive: true });
    await mkdir(path.join(root, 'assets'));
    const at = (...parts: string[]) => path.join(root, ...parts);
    spot = film(
      [
        clipEntry('hero[product=mug]', { path: at('renders', 'spring', 'hero[product=mug].mp4'), from: 1, to: 3 }),
        clipEntry('dusk[product=mug]', { path: at('renders', 'spring', 'dusk[product=mug].mp4'), transitionIn: crossfade(0.5) }),
        imageEntry('assets/card.png', { path: at('assets', 'card.png'), seconds: 2, transitionIn: fade(0.25) }),
      ],
      { audio: { music: { ref: 'assets/bed.m4a', path: at('assets', 'bed.m4a'), sha256: 'sha-bed' }, musicGainDb: -14, loudnessLufs: -14 } },
    );
    for (const file of [...spot.sequence.map((entry) => entry.path), spot.audio.music!.path]) await writeFile(file, '');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const build = (one: Film) =>
    buildOtio({
      film: one,
      clipFacts: new Map([
        [0, clipFacts()],
        [1, clipFacts()],
      ]),
      musicSeconds: 3,
      otioDir: cutsDir,
    });

  it('has a video, an audio and a music track, each as long as the film', () => {
    const reading = readOtio(JSON.parse(serializeOtio(build(spot))), cutsDir);
    expect(reading.problems).toEqual([]);
    const frames = timelineOf(spot).frames;
    expect(frames).toBe(48 + 96 + 48 - 12 - 6);
    expect(reading.tracks).toEqual([
      { name: 'Video', kind: 'Video', frames, rate: 24 },
      { name: 'Audio', kind: 'Audio', frames, rate: 24 },
      { name: 'Music', kind: 'Audio', frames, rate: 24 },
    ]);
  });

  it('cuts inside each overlap: source ranges, handles and transitions as the film plays them', () => {
    const otio = build(spot) as any;
    const video = otio.tracks.children[0].children;
    expect(video.map((item: any) => item.OTIO_SCHEMA)).toEqual(['Clip.1', 'Transition.1', 'Clip.1', 'Transition.1', 'Clip.1']);
    const ranges = video
      .filter((item: any) => item.OTIO_SCHEMA === 'Clip.1')
      .map((clip: any) => [clip.source_range.start_time.value, clip.source_range.duration.value]);
    // hero: frames 24..72, keeps 6 of the 12-frame crossfade; dusk: from its frame 6, keeps 3 of the 6-frame fade; the card from its frame 3.
    expect(ranges).toEqual([
      [24, 42],
      [6, 87],
      [3, 45],
    ]);
    expect(video[1]).toMatchObject({ transition_type: 'SMPTE_Dissolve', in_offset: { value: 6, rate: 24 }, out_offset: { value: 6, rate: 24 } });
    expect(video[3]).toMatchObject({ transition_type: 'Custom_Transition', name: 'Dip to black', in_offset: { value: 3 }, out_offset: { value: 3 } });
    const reading = readOtio(otio, cutsDir);
    expect(reading.references.filter((ref) => ref.track === 'Video').map((ref) => ref.used)).toEqual([
      { start: 24, end: 72 }, // the whole trim, the tail handle included
      { start: 0, end: 96 },
      { start: 0, end: 48 },
    ]);
  });

  it("names media by URLs relative to the .otio, clips by their files' stems", () => {
    const otio = build(spot) as any;
    const [hero] = otio.tracks.children[0].children;
    expect(hero.name).toBe('hero[product=mug]');
    expect(hero.media_reference).toMatchObject({
      OTIO_SCHEMA: 'ExternalReference.1',
      target_url: '../hero%5Bproduct=mug%5D.mp4',
      available_range: { duration: { value: 96 } },
    });
    expect(otio.tracks.children[0].children[4].media_reference.target_url).toBe('../../../assets/card.png');
    expect(relativeUrl('/a/b', '/a/b/c d#1.mp4')).toBe('./c%20d%231.mp4');
  });

  it('has the end card as a gap on the audio track and loops the music bed to the end', () => {
    const otio = build(spot) as any;
    const [, audio, music] = otio.tracks.children;
    expect(audio.children.map((item: any) => item.OTIO_SCHEMA)).toEqual(['Clip.1', 'Transition.1', 'Clip.1', 'Transition.1', 'Gap.1']);
    expect(music.children.map((clip: any) => [clip.source_range.start_time.value, clip.source_range.duration.value])).toEqual([
      [0, 72],
      [0, 72],
      [0, 30],
    ]);
  });

  it('is the same text on every machine for the same film', () => {
    expect(serializeOtio(build(spot))).toBe(serializeOtio(build({ ...spot })));
    expect(serializeOtio(build(spot))).toMatch(/^\{\n {4}"OTIO_SCHEMA": "Timeline.1",[\s\S]*\n\}\n$/);
  });
});

describe('the OTIO reader the tests use', () => {
  const base = () =>
    JSON.parse(
      serializeOtio(
        buildOtio({
          film: film([clipEntry('a', { path: __filename }), clipEntry('b', { path: __filename, transitionIn: crossfade(0.5) })]),
          clipFacts: new Map([
            [0, clipFacts()],
            [1, clipFacts()],
          ]),
          musicSeconds: null,
          otioDir: path.dirname(__filename),
        }),
      ),
    );

  it('finds nothing wrong with a good timeline and each kind of broken one', () => {
    expect(readOtio(base(), path.dirname(__filename)).problems).toEqual([]);
    const broken: [string, (doc: any) => void, RegExp][] = [
      ['a transition longer than its neighbour', (doc) => void (doc.tracks.children[0].children[1].in_offset.value = 500), /in_offset 500 is longer/],
      ['a range past the media', (doc) => void (doc.tracks.children[0].children[0].source_range.duration.value = 200), /outside the media/],
      ['a missing file', (doc) => void (doc.tracks.children[0].children[0].media_reference.target_url = './nothing-here.mp4'), /names no file/],
      ['an unknown schema', (doc) => void (doc.tracks.children[0].OTIO_SCHEMA = 'Track.9'), /unknown OTIO_SCHEMA Track.9/],
      ['two transitions in a row', (doc) => void doc.tracks.children[0].children.splice(1, 0, doc.tracks.children[0].children[1]), /between two items/],
      ['a bad track kind', (doc) => void (doc.tracks.children[1].kind = 'Subtitles'), /kind must be Video or Audio/],
    ];
    for (const [name, breakIt, problem] of broken) {
      const doc = base();
      breakIt(doc);
      expect(readOtio(doc, path.dirname(__filename)).problems.join('\n'), name).toMatch(problem);
    }
  });
});
