import { describe, expect, it } from 'vitest';
import { concatListOf, copyBlockers, measureArgs, planAssembly, renderArgs, type CopyBlocker } from '../../src/cut/ffmpeg-graph.js';
import type { Film } from '../../src/cut/film.js';
import { normaliseFilter, parseMeasurement, parseWritten, planNormalisation, refineNormalisation } from '../../src/cut/loudness.js';
import type { ClipFacts } from '../../src/cut/probe-media.js';
import { progressFraction } from '../../src/cut/run-ffmpeg.js';
import { clipEntry, crossfade, fade, film, imageEntry } from './films.js';

/** What probing an emulator clip of 4 s at 24 fps finds; tests change one fact at a time. */
function facts(fields: Partial<ClipFacts> = {}): ClipFacts {
  return {
    width: 1280,
    height: 720,
    rotation: 0,
    frames: 96,
    fps: 24,
    durationSeconds: 4,
    startsWithKeyFrame: true,
    video: { codec: 'avc1.64001f', parametersKey: 'v-params' },
    audio: { codec: 'mp4a.40.2', parametersKey: 'a-params', sampleRate: 48_000, channels: 1 },
    ...fields,
  };
}

function factsFor(one: Film, overrides: Record<number, Partial<ClipFacts>> = {}): Map<number, ClipFacts> {
  return new Map(one.sequence.flatMap((entry, index) => (entry.kind === 'clip' ? [[index, facts(overrides[index])] as const] : [])));
}

const CONTEXT = { concatListPath: '/tmp/list', musicChannels: 2 };
const VIDEO_IN = 'fps=24,setsar=1,format=yuv420p';
/** The clips here are mono (as the emulator's are): a film of them stays mono; the stereo bed makes its film stereo. */
const MONO_IN = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono';
const STEREO_IN = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo';
const MONO_SUM = 'amerge=inputs=2,pan=mono|c0=c0+c1';
const STEREO_SUM = 'amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c3';

/** Films → the filter graphs that assemble them, written out in full. */
const graphs: {
  name: string;
  film: Film;
  mode: 'copy' | 'encode';
  sound: string[][];
  picture: string[][];
  video: string[];
  audio: string[];
  concat: string | null;
}[] = [
  {
    name: 'two whole clips, hard cut, no music: pictures copied, sound rebuilt',
    film: film([clipEntry('a'), clipEntry('b')]),
    mode: 'copy',
    sound: [
      ['-vn', '-t', '5.000', '-i', '/renders/a.mp4'],
      ['-vn', '-t', '5.000', '-i', '/renders/b.mp4'],
    ],
    picture: [['-f', 'concat', '-safe', '0', '-i', '/tmp/list']],
    video: [],
    audio: [
      `[0:a]${MONO_IN},atrim=start_sample=0:end_sample=192000,asetpts=PTS-STARTPTS,apad=whole_len=192000[a0b]`,
      `[1:a]${MONO_IN},atrim=start_sample=0:end_sample=192000,asetpts=PTS-STARTPTS,apad=whole_len=192000[a1b]`,
      '[a0b][a1b]concat=n=2:v=0:a=1[clips]',
      '[clips]anull[mix]',
    ],
    concat: "ffconcat version 1.0\nfile '/renders/a.mp4'\nduration 4.000000\nfile '/renders/b.mp4'\nduration 4.000000\n",
  },
  {
    name: 'a trimmed clip crossfading into a whole one',
    film: film([clipEntry('a', { from: 1, to: 3 }), clipEntry('b', { transitionIn: crossfade(0.5) })]),
    mode: 'encode',
    sound: [
      ['-vn', '-t', '4.000', '-i', '/renders/a.mp4'],
      ['-vn', '-t', '5.000', '-i', '/renders/b.mp4'],
    ],
    picture: [
      ['-an', '-t', '4.000', '-i', '/renders/a.mp4'],
      ['-an', '-t', '5.000', '-i', '/renders/b.mp4'],
    ],
    video: [
      `[0:v]${VIDEO_IN},tpad=stop_mode=clone:stop=48,trim=start_frame=24:end_frame=72,setpts=PTS-STARTPTS,split=2[v0bs][v0ts]`,
      '[v0bs]trim=start_frame=0:end_frame=36,setpts=PTS-STARTPTS[v0b]',
      '[v0ts]trim=start_frame=36:end_frame=48,setpts=PTS-STARTPTS[v0t]',
      `[1:v]${VIDEO_IN},tpad=stop_mode=clone:stop=96,trim=start_frame=0:end_frame=96,setpts=PTS-STARTPTS,split=2[v1hs][v1bs]`,
      '[v1hs]trim=start_frame=0:end_frame=12,setpts=PTS-STARTPTS[v1h]',
      '[v1bs]trim=start_frame=12:end_frame=96,setpts=PTS-STARTPTS[v1b]',
      '[v0t]format=yuva420p,fade=t=out:s=0:n=12:alpha=1[v1o]',
      '[v1h][v1o]overlay=shortest=1:format=yuv420,format=yuv420p[vx1]',
      '[v0b][vx1][v1b]concat=n=3:v=1:a=0[vout]',
    ],
    audio: [
      `[0:a]${MONO_IN},atrim=start_sample=48000:end_sample=144000,asetpts=PTS-STARTPTS,apad=whole_len=96000,asplit=2[a0bs][a0ts]`,
      '[a0bs]atrim=start_sample=0:end_sample=72000,asetpts=PTS-STARTPTS[a0b]',
      '[a0ts]atrim=start_sample=72000:end_sample=96000,asetpts=PTS-STARTPTS[a0t]',
      `[1:a]${MONO_IN},atrim=start_sample=0:end_sample=192000,asetpts=PTS-STARTPTS,apad=whole_len=192000,asplit=2[a1hs][a1bs]`,
      '[a1hs]atrim=start_sample=0:end_sample=24000,asetpts=PTS-STARTPTS[a1h]',
      '[a1bs]atrim=start_sample=24000:end_sample=192000,asetpts=PTS-STARTPTS[a1b]',
      '[a0t]afade=t=out:ns=24000[a1o]',
      '[a1h]afade=t=in:ns=24000[a1i]',
      `[a1o][a1i]${MONO_SUM}[ax1]`,
      '[a0b][ax1][a1b]concat=n=3:v=0:a=1[clips]',
      '[clips]anull[mix]',
    ],
    concat: null,
  },
  {
    name: 'a clip fading through black into an end card, under a music bed',
    film: film([clipEntry('a'), imageEntry('card.png', { seconds: 2, transitionIn: fade(0.25) })], {
      audio: { music: { ref: 'bed.m4a', path: '/project/bed.m4a', sha256: 'sha-bed' }, musicGainDb: -12, loudnessLufs: -16 },
    }),
    mode: 'encode',
    sound: [
      ['-vn', '-t', '5.000', '-i', '/renders/a.mp4'],
      ['-vn', '-t', '3.000', '-i', '/project/card.png'],
      ['-stream_loop', '-1', '-i', '/project/bed.m4a'],
    ],
    picture: [
      ['-an', '-t', '5.000', '-i', '/renders/a.mp4'],
      ['-loop', '1', '-framerate', '24', '-t', '3.000', '-i', '/project/card.png'],
    ],
    video: [
      `[0:v]${VIDEO_IN},tpad=stop_mode=clone:stop=96,trim=start_frame=0:end_frame=96,setpts=PTS-STARTPTS,split=2[v0bs][v0ts]`,
      '[v0bs]trim=start_frame=0:end_frame=90,setpts=PTS-STARTPTS[v0b]',
      '[v0ts]trim=start_frame=90:end_frame=96,setpts=PTS-STARTPTS[v0t]',
      `[1:v]${VIDEO_IN},trim=end_frame=48,setpts=PTS-STARTPTS,split=2[v1hs][v1bs]`,
      '[v1hs]trim=start_frame=0:end_frame=6,setpts=PTS-STARTPTS[v1h]',
      '[v1bs]trim=start_frame=6:end_frame=48,setpts=PTS-STARTPTS[v1b]',
      '[v0t]trim=end_frame=3,fade=t=out:s=0:n=3[v1o]',
      '[v1h]trim=start_frame=3,setpts=PTS-STARTPTS,fade=t=in:s=0:n=3[v1i]',
      '[v1o][v1i]concat=n=2:v=1:a=0[vx1]',
      '[v0b][vx1][v1b]concat=n=3:v=1:a=0[vout]',
    ],
    audio: [
      `[0:a]${STEREO_IN},atrim=start_sample=0:end_sample=192000,asetpts=PTS-STARTPTS,apad=whole_len=192000,asplit=2[a0bs][a0ts]`,
      '[a0bs]atrim=start_sample=0:end_sample=180000,asetpts=PTS-STARTPTS[a0b]',
      '[a0ts]atrim=start_sample=180000:end_sample=192000,asetpts=PTS-STARTPTS[a0t]',
      'anullsrc=r=48000:cl=stereo,atrim=end_sample=96000,asplit=2[a1hs][a1bs]',
      '[a1hs]atrim=start_sample=0:end_sample=12000,asetpts=PTS-STARTPTS[a1h]',
      '[a1bs]atrim=start_sample=12000:end_sample=96000,asetpts=PTS-STARTPTS[a1b]',
      '[a0t]atrim=end_sample=6000,afade=t=out:ns=6000[a1o]',
      '[a1h]atrim=start_sample=6000,asetpts=PTS-STARTPTS,afade=t=in:ns=6000[a1i]',
      '[a1o][a1i]concat=n=2:v=0:a=1[ax1]',
      '[a0b][ax1][a1b]concat=n=3:v=0:a=1[clips]',
      `[2:a]${STEREO_IN},atrim=end_sample=276000,asetpts=PTS-STARTPTS,volume=-12dB,afade=t=out:ss=228000:ns=48000,apad=whole_len=276000[music]`,
      `[clips][music]${STEREO_SUM}[mix]`,
    ],
    concat: null,
  },
  {
    name: 'one still on its own: silence, no split, no join',
    film: film([imageEntry('card.png', { seconds: 1 })]),
    mode: 'encode',
    sound: [['-vn', '-t', '2.000', '-i', '/project/card.png']],
    picture: [['-loop', '1', '-framerate', '24', '-t', '2.000', '-i', '/project/card.png']],
    video: [`[0:v]${VIDEO_IN},trim=end_frame=24,setpts=PTS-STARTPTS[v0b]`, '[v0b]null[vout]'],
    audio: ['anullsrc=r=48000:cl=mono,atrim=end_sample=48000[a0b]', '[a0b]anull[clips]', '[clips]anull[mix]'],
    concat: null,
  },
];

describe('planAssembly: films → filter graphs', () => {
  it.each(graphs)('$name', ({ film: one, mode, sound, picture, video, audio, concat }) => {
    const plan = planAssembly(one, factsFor(one), CONTEXT);
    expect(plan.mode).toBe(mode);
    expect(plan.soundInputs).toEqual(sound);
    expect(plan.pictureInputs).toEqual(picture);
    expect(plan.videoGraph).toEqual(video);
    expect(plan.audioGraph).toEqual(audio);
    expect(plan.concatList).toBe(concat);
  });

  it('gives the film its length in frames: entries less transitions', () => {
    const plan = planAssembly(graphs[2]!.film, factsFor(graphs[2]!.film), CONTEXT);
    expect(plan.timeline.frames).toBe(96 + 48 - 6);
    expect(plan.durationSeconds).toBeCloseTo(138 / 24, 9);
  });
});

describe('copyBlockers: stream copy only where the pictures can be joined as they are', () => {
  const whole = film([clipEntry('a'), clipEntry('b')]);
  const cases: { name: string; film: Film; facts?: Record<number, Partial<ClipFacts>>; blockers: CopyBlocker[] }[] = [
    { name: 'whole clips with one set of parameters', film: whole, blockers: [] },
    {
      name: 'a trim, even one starting on a key frame',
      film: film([clipEntry('a', { from: 2 }), clipEntry('b')]),
      blockers: [{ code: 'trimmed', segment: 0 }],
    },
    { name: 'a clip cut short at its end', film: film([clipEntry('a', { to: 3 }), clipEntry('b')]), blockers: [{ code: 'trimmed', segment: 0 }] },
    { name: 'a clip with more frames than its seconds say', film: whole, facts: { 1: { frames: 97 } }, blockers: [{ code: 'trimmed', segment: 1 }] },
    { name: 'a crossfade', film: film([clipEntry('a'), clipEntry('b', { transitionIn: crossfade(0.5) })]), blockers: [{ code: 'transition', segment: 1 }] },
    { name: 'an end card', film: film([clipEntry('a'), imageEntry('card.png')]), blockers: [{ code: 'image', segment: 1 }] },
    {
      name: 'a music bed',
      film: film(whole.sequence, { audio: { music: { ref: 'bed.m4a', path: '/bed.m4a', sha256: 's' }, musicGainDb: -14, loudnessLufs: -14 } }),
      blockers: [{ code: 'music' }],
    },
    {
      name: 'other H.264 parameters (SPS/PPS)',
      film: whole,
      facts: { 1: { video: { codec: 'avc1.64001f', parametersKey: 'other' } } },
      blockers: [{ code: 'parameters-differ', segment: 1 }],
    },
    { name: 'a clip without sound next to one with (the sound is rebuilt anyway)', film: whole, facts: { 1: { audio: null } }, blockers: [] },
    { name: 'a rotated clip', film: whole, facts: { 1: { rotation: 90 } }, blockers: [{ code: 'parameters-differ', segment: 1 }] },
    {
      name: 'another frame rate',
      film: whole,
      facts: { 0: { fps: 30, frames: 96 }, 1: { fps: 30, frames: 96 } },
      blockers: [
        { code: 'rate-differs', segment: 0, fps: 30 },
        { code: 'rate-differs', segment: 1, fps: 30 },
      ],
    },
    {
      name: 'not H.264',
      film: whole,
      facts: { 0: { video: { codec: 'hev1.1.6.L93.B0', parametersKey: 'v-params' } }, 1: { video: { codec: 'hev1.1.6.L93.B0', parametersKey: 'v-params' } } },
      blockers: [
        { code: 'not-h264', segment: 0, codec: 'hev1.1.6.L93.B0' },
        { code: 'not-h264', segment: 1, codec: 'hev1.1.6.L93.B0' },
      ],
    },
    {
      name: 'a clip that does not open on a key frame',
      film: whole,
      facts: { 1: { startsWithKeyFrame: false } },
      blockers: [{ code: 'no-key-frame-at-start', segment: 1 }],
    },
  ];
  it.each(cases)('$name', ({ film: one, facts: overrides, blockers }) => {
    expect(copyBlockers(one, factsFor(one, overrides))).toEqual(blockers);
    expect(planAssembly(one, factsFor(one, overrides), CONTEXT).mode).toBe(blockers.length === 0 ? 'copy' : 'encode');
  });
});

describe('the two passes', () => {
  const linear = { kind: 'linear', gainDb: 7.5 } as const;

  it('measures the sound alone, then writes H.264/AAC at a constant rate with the gain, the sound piped in from its own run', () => {
    const one = graphs[1]!.film;
    const plan = planAssembly(one, factsFor(one), CONTEXT);
    const first = measureArgs(plan)!;
    expect(first.slice(first.indexOf('-map'))).toEqual(['-map', '[aout]', '-f', 'null', '-']);
    expect(first[first.indexOf('-filter_complex') + 1]).toBe(`${plan.audioGraph.join(';')};[mix]ebur128=peak=sample:framelog=verbose[aout]`);

    const { sound, film: second } = renderArgs(plan, linear, '/out/spot.mp4.tmp');
    expect(sound[sound.indexOf('-filter_complex') + 1]).toBe([...plan.audioGraph, '[mix]volume=7.5dB[aout]'].join(';'));
    expect(sound.slice(sound.indexOf('-map'))).toEqual(['-map', '[aout]', '-c:a', 'pcm_f32le', '-f', 'f32le', '-ar', '48000', '-ac', '1', 'pipe:1']);
    expect(sound.slice(sound.indexOf('-filter_complex') - 10, sound.indexOf('-filter_complex'))).toEqual(plan.soundInputs.flat());
    // The film's run: the pictures' inputs, then the sound on its standard input.
    expect(second.slice(second.indexOf('/renders/b.mp4') + 1, second.indexOf('-filter_complex'))).toEqual([
      '-f',
      'f32le',
      '-ar',
      '48000',
      '-ac',
      '1',
      '-i',
      'pipe:0',
    ]);
    expect(second[second.indexOf('-filter_complex') + 1]).toBe(plan.videoGraph.join(';'));
    expect(second.slice(second.indexOf('-map'))).toEqual([
      '-map',
      '[vout]',
      '-c:v',
      'libx264',
      '-preset',
      'superfast',
      '-crf',
      '20',
      '-pix_fmt',
      'yuv420p',
      '-profile:v',
      'high',
      '-g',
      '48',
      '-r',
      '24',
      '-vsync',
      'cfr',
      '-map',
      '2:a:0',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-ar',
      '48000',
      '-ac',
      '1',
      '-map_metadata',
      '-1',
      '-map_chapters',
      '-1',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      '-y',
      '/out/spot.mp4.tmp',
    ]);
  });

  it('copies the pictures of a copy film and encodes only its sound', () => {
    const one = graphs[0]!.film;
    const plan = planAssembly(one, factsFor(one), CONTEXT);
    const { sound, film: second } = renderArgs(plan, linear, '/out/spot.mp4.tmp');
    expect(second.slice(second.indexOf('-loglevel') + 2, second.indexOf('-map'))).toEqual([
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      '/tmp/list',
      '-f',
      'f32le',
      '-ar',
      '48000',
      '-ac',
      '1',
      '-i',
      'pipe:0',
    ]);
    expect(second.slice(second.indexOf('-map'), second.indexOf('-map') + 8)).toEqual(['-map', '0:v:0', '-c:v', 'copy', '-map', '1:a:0', '-c:a', 'aac']);
    expect(second).not.toContain('libx264');
    expect(second).not.toContain('-filter_complex');
    // Neither the measuring pass nor the sound's run opens the pictures.
    expect(measureArgs(plan)).not.toContain('/tmp/list');
    expect(sound).not.toContain('/tmp/list');
  });

  it('skips measuring a silent film and leaves its silence as it is', () => {
    const silent = film([clipEntry('a'), imageEntry('card.png')]);
    const plan = planAssembly(silent, factsFor(silent, { 0: { audio: null } }), CONTEXT);
    expect(plan.audible).toBe(false);
    expect(measureArgs(plan)).toBeNull();
    expect(renderArgs(plan, planNormalisation(null, -14), '/out/x.mp4').sound.join(' ')).toContain('[mix]anull[aout]');
  });

  it('makes a film stereo when a clip or the bed is, at 64 kbit/s a channel', () => {
    const one = graphs[1]!.film;
    const { sound, film: args } = renderArgs(
      planAssembly(one, factsFor(one, { 1: { audio: { codec: 'mp4a.40.2', parametersKey: 'a', sampleRate: 44_100, channels: 2 } } }), CONTEXT),
      linear,
      '/o.mp4',
    );
    expect(args.slice(args.indexOf('-b:a'), args.indexOf('-b:a') + 6)).toEqual(['-b:a', '128k', '-ar', '48000', '-ac', '2']);
    expect(sound.slice(sound.indexOf('pcm_f32le') + 1)).toEqual(['-f', 'f32le', '-ar', '48000', '-ac', '2', 'pipe:1']);
    expect(sound[sound.indexOf('-filter_complex') + 1]).toContain(`[0:a]${STEREO_IN},`);
    const monoBed = graphs[2]!.film;
    expect(planAssembly(monoBed, factsFor(monoBed), { ...CONTEXT, musicChannels: 1 }).channels).toBe(1);
  });

  it('passes an NTSC rate to ffmpeg as a fraction', () => {
    const ntsc = film([clipEntry('a'), clipEntry('b', { transitionIn: crossfade(0.5) })], { fps: 29.97 });
    const args = renderArgs(planAssembly(ntsc, factsFor(ntsc, { 0: { fps: 29.97 }, 1: { fps: 29.97 } }), CONTEXT), linear, '/o.mp4').film;
    expect(args[args.indexOf('-r') + 1]).toBe('30000/1001');
    expect(args[args.indexOf('-filter_complex') + 1]).toContain('fps=30000/1001,');
  });
});

describe("normalisation: one gain (loudnorm's linear rule), a limited gain where it would clip", () => {
  const measured = (integrated: number, samplePeak: number) => ({ integrated, threshold: integrated - 10, range: 4.2, samplePeak });
  it.each([
    { name: 'a quiet mix with headroom: one gain up', measured: measured(-22.5, -12), normalisation: { kind: 'linear', gainDb: 8.5 }, filter: 'volume=8.5dB' },
    { name: 'a loud mix: one gain down', measured: measured(-9.3, -0.2), normalisation: { kind: 'linear', gainDb: -4.7 }, filter: 'volume=-4.7dB' },
    {
      name: 'a gain that lands the peak exactly on the ceiling',
      measured: measured(-20, -7),
      normalisation: { kind: 'linear', gainDb: 6 },
      filter: 'volume=6dB',
    },
    {
      name: 'a gain that would push the peak over the ceiling',
      measured: measured(-24, -3),
      normalisation: { kind: 'limited', gainDb: 10 },
      filter: 'volume=10dB,aresample=192000,alimiter=limit=0.794:attack=1:release=50:level=false,aresample=48000',
    },
    { name: 'silence', measured: null, normalisation: { kind: 'silent' }, filter: 'anull' },
    { name: 'sound below the gate', measured: measured(-70, -60), normalisation: { kind: 'silent' }, filter: 'anull' },
  ])('$name', ({ measured: found, normalisation, filter }) => {
    const planned = planNormalisation(found, -14);
    expect(planned).toEqual(normalisation);
    expect(normaliseFilter(planned, 48_000)).toBe(filter);
  });

  it('raises a limited gain by what the limiter took, until within 0.3 LU', () => {
    const limited = { kind: 'limited', gainDb: 10 } as const;
    expect(refineNormalisation(limited, { integrated: -15.8, truePeak: null }, -14)).toEqual({ kind: 'limited', gainDb: 11.8 });
    expect(refineNormalisation(limited, { integrated: -14.2, truePeak: null }, -14)).toBeNull();
  });

  it('limits a linear gain whose true peak, measured as it was written, went over the ceiling (the sample peak is only a lower bound)', () => {
    const linear = { kind: 'linear', gainDb: 3 } as const;
    expect(refineNormalisation(linear, { integrated: -14, truePeak: -0.6 }, -14)).toEqual({ kind: 'limited', gainDb: 3 });
    expect(refineNormalisation(linear, { integrated: -14, truePeak: -1 }, -14)).toBeNull();
    expect(refineNormalisation(linear, { integrated: -16, truePeak: -3 }, -14)).toBeNull();
  });

  it('measures a limited mix as limited, in the run that makes the sound', () => {
    const one = graphs[0]!.film;
    const plan = planAssembly(one, factsFor(one), CONTEXT);
    const { sound } = renderArgs(plan, { kind: 'limited', gainDb: 4 }, '/out/spot.mp4.tmp', undefined, { measure: true });
    expect(sound[sound.indexOf('-filter_complex') + 1]).toMatch(
      /;\[mix\]volume=4dB,aresample=192000,alimiter=[^;]*,aresample=48000,asplit=2\[aout\]\[check\];\[check\]ebur128=framelog=verbose\[checked\]$/,
    );
    expect(sound.slice(sound.indexOf('pipe:1'))).toEqual(['pipe:1', '-map', '[checked]', '-f', 'null', '-']);
    expect(sound[sound.indexOf('-loglevel') + 1]).toBe('info');
    // A linear mix: its true peak, at 4x the rate.
    const linear = renderArgs(plan, { kind: 'linear', gainDb: 4 }, '/o.mp4', undefined, { measure: true }).sound;
    expect(linear[linear.indexOf('-filter_complex') + 1]).toMatch(
      /;\[mix\]volume=4dB,asplit=2\[aout\]\[check\];\[check\]ebur128=peak=true:framelog=verbose\[checked\]$/,
    );
    // Unasked, nothing is measured.
    expect(renderArgs(plan, { kind: 'limited', gainDb: 4 }, '/o.mp4').sound.join(' ')).not.toContain('ebur128');
  });
});

describe('text ffmpeg reads and writes', () => {
  it('quotes any path in the concat list', () => {
    expect(concatListOf([{ path: "/r/it's [a=1].mp4", seconds: 4 }])).toBe("ffconcat version 1.0\nfile '/r/it'\\''s [a=1].mp4'\nduration 4.000000\n");
  });

  it('reads progress from out_time lines only', () => {
    expect(progressFraction('out_time=00:00:02.000000', 8)).toBe(0.25);
    expect(progressFraction('out_time=00:01:00.000000', 8)).toBe(1);
    expect(progressFraction('out_time=-577014:32:22.771583', 8)).toBe(0);
    expect(progressFraction('out_time_ms=2000000', 8)).toBeNull();
    expect(progressFraction('progress=continue', 8)).toBeNull();
  });

  it("reads the loudness scanner's summary, and silence as nothing to normalise", () => {
    const printed = (peak: string) =>
      `[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -21.8 LUFS\n    Threshold: -31.8 LUFS\n\n  Loudness range:\n    LRA:         3.1 LU\n    Threshold: -41.8 LUFS\n    LRA low:   -23.0 LUFS\n    LRA high:  -19.9 LUFS\n\n  Sample peak:\n    Peak:      ${peak} dBFS\n`;
    expect(parseMeasurement(`Summary: of something else\n${printed('-5.4')}`)).toEqual({ integrated: -21.8, threshold: -31.8, range: 3.1, samplePeak: -5.4 });
    expect(parseMeasurement(printed('-inf'))).toBeNull();
    expect(() => parseMeasurement('Error while filtering')).toThrow(/no summary/);
  });

  it('reads what the check of a written mix measured: its loudness, and its true peak when asked', () => {
    const checked = (lufs: string, peak = '') =>
      `[Parsed_ebur128_1 @ 0x2] Summary:\n\n  Integrated loudness:\n    I:         ${lufs} LUFS\n    Threshold: -24.1 LUFS\n\n  Loudness range:\n    LRA:         0.3 LU\n${peak === '' ? '' : `\n  True peak:\n    Peak:      ${peak} dBFS\n`}`;
    expect(parseWritten(checked('-14.1'))).toEqual({ integrated: -14.1, truePeak: null });
    expect(parseWritten(checked('-14.1', '-0.7'))).toEqual({ integrated: -14.1, truePeak: -0.7 });
    expect(parseWritten(checked('-70.0'))).toEqual({ integrated: null, truePeak: null });
    expect(parseWritten(checked('-inf', '-inf'))).toEqual({ integrated: null, truePeak: null });
    expect(() => parseWritten('Conversion failed!')).toThrow(/no summary/);
  });
});
