import type { Film } from './film.js';
import { AUDIO_RATE, formatRate, sampleAt, secondsOf, timelineOf, type FilmTimeline, type SegmentSpan } from './film-timeline.js';
import { checkFilter, MEASURE_FILTER, normaliseFilter, type Normalisation } from './loudness.js';
import type { ClipFacts } from './probe-media.js';

/**
 * A film → the ffmpeg runs that assemble it. Pure: the facts of each clip (read from its file
 * beforehand) and the paths come in, argument lists come out.
 *
 * Two ways to assemble:
 * - **copy**: the pictures of whole clips are joined by the concat demuxer with `-c:v copy`, no
 *   re-encode. Only for hard cuts, no images, no music, every clip used whole (from its first
 *   frame, a key frame, to its last), and every clip with the same codec parameters, rate and
 *   rotation. Trims are never copied, even at key frames: the demuxer's in/out points cut at
 *   packets, so a trim would bring along the frames before a key frame (B-frames) and the AAC
 *   priming samples, and the film would no longer be the frames the storyboard asked for.
 * - **encode**: one ffmpeg run decodes every entry, trims it to whole frames, joins entries with
 *   their transitions and encodes once (H.264 + AAC).
 *
 * The sound is always rebuilt (it is small): each entry's audio trimmed to the samples of its
 * frames, crossfaded with the picture, the music bed mixed under it, and the mix normalised in
 * two passes (see loudness.ts: measured, then one gain). A copy film re-encodes its audio and
 * nothing else. The second pass is two ffmpeg runs joined by a pipe: one makes the sound (the
 * filters, a single thread in ffmpeg), the other encodes it beside the pictures, so the two
 * use two cores; the samples cross the pipe as 32-bit floats, losslessly (the film's bytes are
 * those of one run).
 *
 * The shipped ffmpeg (a 2018 build) has no `xfade`: a crossfade is the outgoing tail, its alpha
 * faded out, overlaid on the incoming head (the sound: tail faded out plus head faded in); a
 * fade is the tail faded to black then the head faded in from black, the two halves of the
 * overlap one after the other.
 */

/** Why a film cannot be assembled by stream copy; data, worded where it is shown. */
export type CopyBlocker =
  | { readonly code: 'music' }
  | { readonly code: 'transition'; readonly segment: number }
  | { readonly code: 'image'; readonly segment: number }
  | { readonly code: 'trimmed'; readonly segment: number }
  | { readonly code: 'not-h264'; readonly segment: number; readonly codec: string }
  /** Other H.264 parameters (SPS/PPS, size) or rotation than the first clip's: one decoder set-up must read them all. */
  | { readonly code: 'parameters-differ'; readonly segment: number }
  | { readonly code: 'rate-differs'; readonly segment: number; readonly fps: number }
  | { readonly code: 'no-key-frame-at-start'; readonly segment: number };

/** Encoder settings for films that are re-encoded. */
export interface EncoderSettings {
  /** x264 preset; default `superfast`. */
  readonly preset: string;
  /** x264 constant rate factor; default 20. */
  readonly crf: number;
  /** AAC bit rate per channel, kbit/s; default 64 (128 for stereo). */
  readonly audioKbpsPerChannel: number;
}

/**
 * x264 `superfast` at CRF 20. The CRF sets the picture quality (20 is visually clean for web
 * delivery); the preset mostly trades file size for time. On this project's 2-core machine,
 * assembling the bench's 720p film took 8.4 CPU seconds with `superfast` against 13.7 with
 * `veryfast` (a 52 % larger file, PSNR 62.8 against 58.7 dB): the difference between meeting 2×
 * real time on a busy machine and not. A spot is short and rebuilt on every change, and an
 * editor finishing it works from the `.otio` and the original clips, not from this file.
 * AAC at 64 kbit/s a channel (128 stereo): a web delivery rate, above the clips' own; ffmpeg's
 * AAC encoder costs grow steeply with the rate, and the sound is all a copy film encodes.
 */
// Changing these changes every encoded film: bump CUT_RECIPE (cut-fingerprint.ts) with them.
export const DEFAULT_ENCODER: EncoderSettings = { preset: 'superfast', crf: 20, audioKbpsPerChannel: 64 };

/** How long the music bed fades out at the end of the film, at most. */
const MUSIC_FADE_SECONDS = 1;

export interface AssemblyPlan {
  readonly mode: 'copy' | 'encode';
  /** Why not copy; empty for a copy film. */
  readonly blockers: readonly CopyBlocker[];
  readonly timeline: FilmTimeline;
  readonly durationSeconds: number;
  /**
   * The sound's inputs, one list of options per input in ffmpeg's order: one per entry (its
   * sound only), then the music bed. The measuring pass and the sound's run read these.
   */
  readonly soundInputs: readonly (readonly string[])[];
  /**
   * The pictures' inputs for the run that writes the film: a copy film's concat demuxer over its
   * clips, or one per entry (its pictures only) for an encode film.
   */
  readonly pictureInputs: readonly (readonly string[])[];
  /** The concat demuxer's list (copy films): written to `concatListPath` before running. */
  readonly concatList: string | null;
  /** Filter chains making `[mix]` (the film's sound before normalisation). */
  readonly audioGraph: readonly string[];
  /** Filter chains making `[vout]` (encode films only). */
  readonly videoGraph: readonly string[];
  /** Whether the film has any sound to normalise (else the mix is silence and pass 1 is skipped). */
  readonly audible: boolean;
  /** 2 when any clip or the music bed is stereo, else 1: a mono film is never upmixed. */
  readonly channels: 1 | 2;
  readonly loudnessLufs: number;
}

export function copyBlockers(film: Film, facts: ReadonlyMap<number, ClipFacts>): CopyBlocker[] {
  const blockers: CopyBlocker[] = [];
  if (film.audio.music !== undefined) blockers.push({ code: 'music' });
  const timeline = timelineOf(film);
  const first = facts.get(0);
  timeline.spans.forEach((span, index) => {
    const { segment } = span;
    if (span.transitionIn.frames > 0) blockers.push({ code: 'transition', segment: index });
    if (segment.kind === 'image') {
      blockers.push({ code: 'image', segment: index });
      return;
    }
    const clip = facts.get(index);
    if (clip === undefined) throw new Error(`no facts for sequence entry ${index}`);
    // Used whole: from the first frame to the file's last, so every packet is copied and no more.
    if (span.sourceStart !== 0 || span.frames !== clip.frames) blockers.push({ code: 'trimmed', segment: index });
    if (!clip.video.codec.startsWith('avc1.')) blockers.push({ code: 'not-h264', segment: index, codec: clip.video.codec });
    if (!clip.startsWithKeyFrame) blockers.push({ code: 'no-key-frame-at-start', segment: index });
    if (Math.abs(clip.fps - film.fps) > 0.01) blockers.push({ code: 'rate-differs', segment: index, fps: clip.fps });
    // The sound is rebuilt from each clip on its own, so only the pictures' parameters must agree.
    if (first !== undefined && index > 0 && (clip.video.parametersKey !== first.video.parametersKey || clip.rotation !== first.rotation)) {
      blockers.push({ code: 'parameters-differ', segment: index });
    }
  });
  return blockers;
}

/** What the plan needs besides the film: where the concat list goes, how many channels the bed has. */
export interface PlanContext {
  /** Where the runner writes the concat list of a copy film. */
  readonly concatListPath: string;
  /** Channels of the music bed (ignored without one). */
  readonly musicChannels: number;
}

/** The plan for one film. `facts` holds the facts of each clip entry by its index in the sequence. */
export function planAssembly(film: Film, facts: ReadonlyMap<number, ClipFacts>, context: PlanContext): AssemblyPlan {
  const { concatListPath } = context;
  const timeline = timelineOf(film);
  const blockers = copyBlockers(film, facts);
  const mode = blockers.length === 0 ? 'copy' : 'encode';
  const hasAudio = (index: number): boolean => facts.get(index)?.audio != null;
  const audible = film.audio.music !== undefined || timeline.spans.some((span, index) => span.segment.kind === 'clip' && hasAudio(index));
  const stereo = (film.audio.music !== undefined && context.musicChannels >= 2) || [...facts.values()].some((clip) => (clip.audio?.channels ?? 0) >= 2);
  const channels = stereo ? 2 : 1;
  const soundInputs: string[][] = timeline.spans.map((span) => entryInput(span, timeline, 'sound'));
  if (film.audio.music !== undefined) soundInputs.push(['-stream_loop', '-1', '-i', film.audio.music.path]);
  const pictureInputs =
    mode === 'copy' ? [['-f', 'concat', '-safe', '0', '-i', concatListPath]] : timeline.spans.map((span) => entryInput(span, timeline, 'picture'));
  const audioGraph = [
    ...timeline.spans.flatMap((span, index) => audioSource(span, index, index, hasAudio(index), timeline, channels)),
    ...joinParts(timeline, 'audio', channels),
    ...musicMix(film, timeline, soundInputs.length - 1, channels),
  ];
  const videoGraph =
    mode === 'copy' ? [] : [...timeline.spans.flatMap((span, index) => videoSource(span, index, timeline)), ...joinParts(timeline, 'video', channels)];
  return {
    mode,
    blockers,
    timeline,
    soundInputs,
    pictureInputs,
    audioGraph,
    videoGraph,
    audible,
    channels,
    durationSeconds: secondsOf(timeline.frames, timeline.rate),
    concatList:
      mode === 'copy' ? concatListOf(timeline.spans.map((span) => ({ path: span.segment.path, seconds: secondsOf(span.frames, timeline.rate) }))) : null,
    loudnessLufs: film.audio.loudnessLufs,
  };
}

/** Pass 1: decode the sound only (not the pictures) and measure it as mixed; `null` when the film is silent. */
export function measureArgs(plan: AssemblyPlan): string[] | null {
  if (!plan.audible) return null;
  const graph = [...plan.audioGraph, `[mix]${MEASURE_FILTER}[aout]`].join(';');
  return [...COMMON, '-loglevel', 'info', ...plan.soundInputs.flat(), '-filter_complex', graph, '-map', '[aout]', '-f', 'null', '-'];
}

/**
 * Pass 2, as two ffmpeg runs joined by a pipe, so the sound's filters and the film's encoders
 * work on two cores at once: `sound` mixes and normalises the sound and writes it to its
 * standard output as raw 32-bit float samples (lossless); `film` reads that on its standard
 * input beside the pictures and writes the film to `output` (a temp file: the runner renames it
 * into place). With `measure`, the finished sound is also measured on its way out (its summary
 * on the sound run's stderr, as pass 1's): a limited mix is checked by the pass that writes it,
 * and written again only when the limiter took away more than the tolerance.
 */
export function renderArgs(
  plan: AssemblyPlan,
  normalisation: Normalisation,
  output: string,
  encoder: EncoderSettings = DEFAULT_ENCODER,
  options: { readonly measure?: boolean } = {},
): { readonly sound: string[]; readonly film: string[] } {
  const measure = options.measure === true && plan.audible;
  const finish = `[mix]${normaliseFilter(normalisation, AUDIO_RATE)}${measure ? `,asplit=2[aout][check];[check]${checkFilter(normalisation)}[checked]` : '[aout]'}`;
  const pcm = ['-f', 'f32le', '-ar', String(AUDIO_RATE), '-ac', String(plan.channels)];
  const sound = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    measure ? 'info' : 'error',
    ...plan.soundInputs.flat(),
    '-filter_complex',
    [...plan.audioGraph, finish].join(';'),
    '-map',
    '[aout]',
    '-c:a',
    'pcm_f32le',
    ...pcm,
    'pipe:1',
    ...(measure ? ['-map', '[checked]', '-f', 'null', '-'] : []),
  ];
  const rate = formatRate(plan.timeline.rate);
  const gop = String(Math.max(1, Math.round((2 * plan.timeline.rate.num) / plan.timeline.rate.den)));
  const video =
    plan.mode === 'copy'
      ? ['-map', '0:v:0', '-c:v', 'copy']
      : [
          '-filter_complex',
          plan.videoGraph.join(';'),
          '-map',
          '[vout]',
          '-c:v',
          'libx264',
          '-preset',
          encoder.preset,
          '-crf',
          String(encoder.crf),
          '-pix_fmt',
          'yuv420p',
          '-profile:v',
          'high',
          '-g',
          gop,
          '-r',
          rate,
          '-vsync',
          'cfr',
        ];
  const film = [
    ...COMMON,
    '-loglevel',
    'error',
    ...plan.pictureInputs.flat(),
    ...pcm,
    '-i',
    'pipe:0',
    ...video,
    '-map',
    `${plan.pictureInputs.length}:a:0`,
    '-c:a',
    'aac',
    '-b:a',
    `${encoder.audioKbpsPerChannel * plan.channels}k`,
    '-ar',
    String(AUDIO_RATE),
    '-ac',
    String(plan.channels),
    // No metadata from the clips (a server's strings), so the film's bytes depend on its inputs' pictures and sound only.
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    '-y',
    output,
  ];
  return { sound, film };
}

const COMMON = ['-hide_banner', '-nostdin', '-nostats', '-progress', 'pipe:1'];

/**
 * The concat demuxer's list: absolute paths, each quoted (a `'` inside becomes `'\''`), each
 * with the length of its pictures. Without it the demuxer starts the next clip after the longer
 * of the clip's streams, and AAC's priming makes the sound ~21 ms longer than the pictures: a
 * gap at every join.
 */
export function concatListOf(entries: readonly { readonly path: string; readonly seconds: number }[]): string {
  const lines = entries.map((entry) => `file '${entry.path.replaceAll("'", "'\\''")}'\nduration ${entry.seconds.toFixed(6)}\n`);
  return `ffconcat version 1.0\n${lines.join('')}`;
}

/** An entry's input for the sound's run (its sound only) or the film's (its pictures only). */
function entryInput(span: SegmentSpan, timeline: FilmTimeline, stream: 'sound' | 'picture'): string[] {
  const end = secondsOf(span.sourceStart + span.frames, timeline.rate);
  // Read a little past the last frame used, so a clip a frame short still ends where it should (tpad) and decoding stops early.
  const readSeconds = (end + 1).toFixed(3);
  // An image (and a clip without sound) still takes its place among the sound's inputs, so the
  // inputs are numbered as the entries; the graph makes its silence.
  if (stream === 'sound') return ['-vn', '-t', readSeconds, '-i', span.segment.path];
  if (span.segment.kind === 'image') return ['-loop', '1', '-framerate', formatRate(timeline.rate), '-t', readSeconds, '-i', span.segment.path];
  return ['-an', '-t', readSeconds, '-i', span.segment.path];
}

/** The parts an entry is cut into: head (its transition in), body, tail (its transition out), in frames of the entry. */
function partsOf(span: SegmentSpan): { readonly name: 'h' | 'b' | 't'; readonly from: number; readonly to: number }[] {
  const bodyEnd = span.frames - span.transitionOutFrames;
  return [
    { name: 'h' as const, from: 0, to: span.transitionIn.frames },
    { name: 'b' as const, from: span.transitionIn.frames, to: bodyEnd },
    { name: 't' as const, from: bodyEnd, to: span.frames },
  ].filter((part) => part.to > part.from);
}

function videoSource(span: SegmentSpan, index: number, timeline: FilmTimeline): string[] {
  const rate = formatRate(timeline.rate);
  const frames = span.frames;
  const decode =
    span.segment.kind === 'clip'
      ? // A clip a little short of what it should hold repeats its last frame rather than shortening the film.
        `[${index}:v]fps=${rate},setsar=1,format=yuv420p,tpad=stop_mode=clone:stop=${frames},trim=start_frame=${span.sourceStart}:end_frame=${span.sourceStart + frames},setpts=PTS-STARTPTS`
      : `[${index}:v]fps=${rate},setsar=1,format=yuv420p,trim=end_frame=${frames},setpts=PTS-STARTPTS`;
  return splitInto(
    decode,
    partsOf(span).map((part) => ({ label: `v${index}${part.name}`, trim: `trim=start_frame=${part.from}:end_frame=${part.to},setpts=PTS-STARTPTS` })),
    'split',
  );
}

function audioSource(span: SegmentSpan, index: number, input: number, hasAudio: boolean, timeline: FilmTimeline, channels: 1 | 2): string[] {
  const { rate } = timeline;
  // Sample counts come from the film's frame positions, so the parts add up to the film exactly.
  const at = (frame: number): number => sampleAt(span.filmStart + frame, rate) - sampleAt(span.filmStart, rate);
  const samples = at(span.frames);
  const start = sampleAt(span.sourceStart, rate);
  const decode = hasAudio
    ? `[${input}:a]${audioFormat(channels)},atrim=start_sample=${start}:end_sample=${start + samples},asetpts=PTS-STARTPTS,apad=whole_len=${samples}`
    : `anullsrc=r=${AUDIO_RATE}:cl=${layoutOf(channels)},atrim=end_sample=${samples}`;
  return splitInto(
    decode,
    partsOf(span).map((part) => ({
      label: `a${index}${part.name}`,
      trim: `atrim=start_sample=${at(part.from)}:end_sample=${at(part.to)},asetpts=PTS-STARTPTS`,
    })),
    'asplit',
  );
}

/** One decoded entry into its labelled parts: straight through when it is one part, else split and trimmed. */
function splitInto(decode: string, parts: readonly { label: string; trim: string }[], split: 'split' | 'asplit'): string[] {
  if (parts.length === 1) return [`${decode}[${parts[0]!.label}]`];
  const branches = parts.map((part) => `[${part.label}s]`).join('');
  return [`${decode},${split}=${parts.length}${branches}`, ...parts.map((part) => `[${part.label}s]${part.trim}[${part.label}]`)];
}

/** Bodies and transitions in film order, joined into `[vout]` or `[mix]` (before the music). */
function joinParts(timeline: FilmTimeline, stream: 'video' | 'audio', channels: 1 | 2): string[] {
  const p = stream === 'video' ? 'v' : 'a';
  const chains: string[] = [];
  const order: string[] = [];
  timeline.spans.forEach((span, index) => {
    if (span.transitionIn.frames > 0) {
      chains.push(...(stream === 'video' ? videoTransition(span, index) : audioTransition(span, index, timeline, channels)));
      order.push(`${p}x${index}`);
    }
    if (partsOf(span).some((part) => part.name === 'b')) order.push(`${p}${index}b`);
  });
  const out = stream === 'video' ? 'vout' : 'clips';
  const inputs = order.map((label) => `[${label}]`).join('');
  chains.push(
    order.length === 1
      ? `${inputs}${stream === 'video' ? 'null' : 'anull'}[${out}]`
      : `${inputs}concat=n=${order.length}:v=${stream === 'video' ? 1 : 0}:a=${stream === 'video' ? 0 : 1}[${out}]`,
  );
  return chains;
}

function videoTransition(span: SegmentSpan, index: number): string[] {
  const frames = span.transitionIn.frames;
  const tail = `[v${index - 1}t]`;
  const head = `[v${index}h]`;
  if (span.transitionIn.kind === 'crossfade') {
    // The outgoing tail on top, its alpha going from opaque to clear over the overlap.
    return [
      `${tail}format=yuva420p,fade=t=out:s=0:n=${frames}:alpha=1[v${index}o]`,
      `${head}[v${index}o]overlay=shortest=1:format=yuv420,format=yuv420p[vx${index}]`,
    ];
  }
  const out = Math.floor(frames / 2);
  return [
    `${tail}trim=end_frame=${out},fade=t=out:s=0:n=${out}[v${index}o]`,
    `${head}trim=start_frame=${out},setpts=PTS-STARTPTS,fade=t=in:s=0:n=${frames - out}[v${index}i]`,
    `[v${index}o][v${index}i]concat=n=2:v=1:a=0[vx${index}]`,
  ];
}

function audioTransition(span: SegmentSpan, index: number, timeline: FilmTimeline, channels: 1 | 2): string[] {
  const { rate } = timeline;
  const at = (frame: number): number => sampleAt(span.filmStart + frame, rate) - sampleAt(span.filmStart, rate);
  const samples = at(span.transitionIn.frames);
  const tail = `[a${index - 1}t]`;
  const head = `[a${index}h]`;
  if (span.transitionIn.kind === 'crossfade') {
    // acrossfade's linear curves, written out: the shipped ffmpeg's acrossfade crashes (SIGSEGV)
    // in a graph that also overlays video and encodes audio.
    return [
      `${tail}afade=t=out:ns=${samples}[a${index}o]`,
      `${head}afade=t=in:ns=${samples}[a${index}i]`,
      `[a${index}o][a${index}i]${sumOf(channels)}[ax${index}]`,
    ];
  }
  const out = at(Math.floor(span.transitionIn.frames / 2));
  return [
    `${tail}atrim=end_sample=${out},afade=t=out:ns=${out}[a${index}o]`,
    `${head}atrim=start_sample=${out},asetpts=PTS-STARTPTS,afade=t=in:ns=${samples - out}[a${index}i]`,
    `[a${index}o][a${index}i]concat=n=2:v=0:a=1[ax${index}]`,
  ];
}

/** Two streams of equal length added sample by sample. */
function sumOf(channels: 1 | 2): string {
  return channels === 1 ? 'amerge=inputs=2,pan=mono|c0=c0+c1' : 'amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c3';
}

function layoutOf(channels: 1 | 2): string {
  return channels === 1 ? 'mono' : 'stereo';
}

/** Any input's sound at the film's rate and layout (a mono clip in a stereo film is centred). */
function audioFormat(channels: 1 | 2): string {
  return `aresample=${AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=${layoutOf(channels)}`;
}

/** `[clips]` → `[mix]`: the music bed, looped by its input and cut to the film, gained, faded out at the end, mixed under. */
function musicMix(film: Film, timeline: FilmTimeline, input: number, channels: 1 | 2): string[] {
  if (film.audio.music === undefined) return ['[clips]anull[mix]'];
  const total = sampleAt(timeline.frames, timeline.rate);
  const fade = Math.min(Math.round(MUSIC_FADE_SECONDS * AUDIO_RATE), Math.floor(total / 4));
  return [
    `[${input}:a]${audioFormat(channels)},atrim=end_sample=${total},asetpts=PTS-STARTPTS,volume=${film.audio.musicGainDb}dB,afade=t=out:ss=${total - fade}:ns=${fade},apad=whole_len=${total}[music]`,
    // A plain sum (amix would halve both), so the bed sits exactly `music_gain_db` under the clips; loudnorm sets the level after.
    `[clips][music]${sumOf(channels)}[mix]`,
  ];
}
