import { join } from 'node:path';
import {
  AUDIO_CODEC_ARGS,
  buildFfmpegArgs,
  even,
  FFMPEG_PREAMBLE,
  MEDIA_FILES,
  previewOutputs,
  spriteFilter,
  videoCodecArgs,
  type MediaPrefix,
  type MediaSpec,
} from './media-recipe.js';

/**
 * How an extension's media is made: the clip it continues, frame for frame, followed by the new
 * seconds, which open on that clip's last frame (as image-to-video opens on its image) and then
 * move on. Four ffmpeg steps, each a function of data here; the renderer runs them in a scratch
 * directory:
 *   1. an uploaded prefix is re-encoded to this recipe's settings (our own clips already are);
 *   2. the prefix's last frame is taken as a PNG;
 *   3. the new segment is rendered as image-to-video from that frame;
 *   4. the two are joined without re-encoding (concat demuxer, stream copy), and the thumbnail
 *      and spritesheet are drawn from the whole stitched clip.
 */
export interface ExtensionSteps {
  /** ffmpeg runs, in order. */
  runs: string[][];
  /** The concat list the last run reads: written before it. */
  list: { path: string; text: string };
  /** Directories the runs write into, made first. */
  dirs: string[];
}

export function buildExtensionSteps(spec: MediaSpec & { prefix: MediaPrefix }, scratch: string, dir: string): ExtensionSteps {
  const prefix = spec.prefix.upload === null ? spec.prefix.path : join(scratch, 'prefix.mp4');
  const lastFrame = join(scratch, 'last.png');
  const segmentDir = join(scratch, 'segment');
  const list = join(scratch, 'concat.txt');
  const segment: MediaSpec = { ...spec, image: lastFrame, prefix: null };
  return {
    runs: [
      ...(spec.prefix.upload === null ? [] : [normalizeArgs(spec, spec.prefix, prefix)]),
      lastFrameArgs(prefix, lastFrame),
      buildFfmpegArgs(segment, segmentDir),
      stitchArgs(spec, list, dir),
    ],
    list: { path: list, text: [prefix, join(segmentDir, MEDIA_FILES.video)].map(concatLine).join('') },
    dirs: [segmentDir],
  };
}

/**
 * An upload re-encoded to the size, frame rate and encoder settings of our clips, held on its
 * last frame or cut to exactly `prefix.seconds`, with a mono 48 kHz track (silence if it had none).
 */
function normalizeArgs(spec: MediaSpec, prefix: MediaPrefix, out: string): string[] {
  const seconds = prefix.seconds;
  const audioInput = prefix.upload?.audio === true ? '[0:a]' : '[1:a]';
  return [
    ...FFMPEG_PREAMBLE,
    '-i',
    prefix.path,
    ...(prefix.upload?.audio === true ? [] : ['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono']),
    '-filter_complex',
    [
      `[0:v]scale=${spec.width}:${spec.height},setsar=1,fps=${spec.fps},format=yuv420p,tpad=stop_mode=clone:stop_duration=${seconds},trim=duration=${seconds},setpts=PTS-STARTPTS[v]`,
      `${audioInput}aresample=48000,aformat=channel_layouts=mono,apad,atrim=duration=${seconds},asetpts=PTS-STARTPTS[a]`,
    ].join(';'),
    '-map',
    '[v]',
    '-map',
    '[a]',
    ...videoCodecArgs(spec.fps),
    ...AUDIO_CODEC_ARGS,
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    out,
  ];
}

/** `-update 1` keeps overwriting one image: what is left is the last frame of the final second. */
function lastFrameArgs(input: string, out: string): string[] {
  return [...FFMPEG_PREAMBLE, '-sseof', '-1', '-i', input, '-map', '0:v', '-update', '1', '-c:v', 'png', '-f', 'image2', out];
}

/** Joins prefix and segment by stream copy, and draws the thumbnail and spritesheet from the whole. */
function stitchArgs(spec: MediaSpec & { prefix: MediaPrefix }, list: string, dir: string): string[] {
  const frames = Math.round((spec.prefix.seconds + spec.seconds) * spec.fps);
  const thumbFrame = Math.min(frames - 1, spec.fps);
  return [
    ...FFMPEG_PREAMBLE,
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    list,
    '-map',
    '0:v',
    '-map',
    '0:a?',
    '-c',
    'copy',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    join(dir, MEDIA_FILES.video),
    '-filter_complex',
    [
      '[0:v]split=2[t][s]',
      `[t]select='eq(n\\,${thumbFrame})',scale=${even(spec.width / 2)}:${even(spec.height / 2)}[thumb]`,
      `[s]${spriteFilter(spec.width, spec.height, frames)}`,
    ].join(';'),
    ...previewOutputs(dir),
  ];
}

/** A concat-demuxer line; a quote in a path is closed, escaped and reopened, as the format asks. */
function concatLine(path: string): string {
  return `file '${path.replaceAll("'", "'\\''")}'\n`;
}
