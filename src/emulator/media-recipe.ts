import { join } from 'node:path';

/** What one render produces: sized and timed like the request, looking and sounding like its hash. */
export interface MediaSpec {
  /** Hex digest identifying the request; drives colours and pitch. */
  seedHex: string;
  width: number;
  height: number;
  seconds: number;
  fps: number;
  /**
   * The job's input_reference image (a file of exactly width × height), shown for the first
   * second as image-to-video starts from it, and used as the thumbnail; null for text-to-video.
   */
  image: string | null;
  /** false: no audio track, for models that make no sound (Veo 2, Kling). Absent: an AAC track. */
  audio?: boolean;
  /**
   * An extension: the clip it continues, kept frame for frame in front of the new `seconds`,
   * which open on its last frame (extension-recipe.ts). Absent or null: a clip of its own.
   */
  prefix?: MediaPrefix | null;
}

export interface MediaPrefix {
  /** The MP4 to continue: a video of this server (encoded by this recipe), or an upload. */
  path: string;
  /** What it is, for the cache key: `video:<id>` or `upload:<sha256>`. */
  key: string;
  /** Its length in whole seconds (an upload is trimmed or held to it). */
  seconds: number;
  /**
   * An upload is re-encoded first, to this recipe's size, frame rate and codec settings (with
   * silence when it has no sound), so that the stitch can copy both parts; null for our own clips.
   */
  upload: { audio: boolean } | null;
}

export const MEDIA_FILES = { video: 'video.mp4', thumbnail: 'thumbnail.webp', spritesheet: 'spritesheet.jpg' } as const;

/**
 * Pattern frames are drawn at a quarter of the size and scaled up by pixel repetition: the
 * blocky look costs little to draw and to encode, which keeps a 12 s 720p clip near 1.5 s.
 */
const DOWNSCALE = 4;
const SPRITE_COLUMNS = 5;
const SPRITE_FRAMES = 10;

/** ffmpeg arguments writing the MP4, the WebP thumbnail and the JPEG spritesheet into `dir` in one pass. */
export function buildFfmpegArgs(spec: MediaSpec, dir: string): string[] {
  const frames = Math.round(spec.seconds * spec.fps);
  const audio = spec.audio !== false;
  return [
    ...FFMPEG_PREAMBLE,
    ...(spec.image === null ? [] : ['-loop', '1', '-framerate', String(spec.fps), '-t', '1', '-i', spec.image]),
    '-filter_complex',
    filterGraph(spec, frames),
    '-map',
    '[vout]',
    ...(audio ? ['-map', '[aout]'] : []),
    ...videoCodecArgs(spec.fps),
    ...(audio ? AUDIO_CODEC_ARGS : []),
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    join(dir, MEDIA_FILES.video),
    ...previewOutputs(dir),
  ];
}

/** The outputs besides the MP4 of one render's ffmpeg run: `[thumb]` as the WebP thumbnail, `[sprite]` as the JPEG spritesheet, into `dir`. */
export function previewOutputs(dir: string): string[] {
  return [
    '-map',
    '[thumb]',
    '-frames:v',
    '1',
    '-c:v',
    'libwebp',
    '-f',
    'webp',
    join(dir, MEDIA_FILES.thumbnail),
    '-map',
    '[sprite]',
    '-frames:v',
    '1',
    '-c:v',
    'mjpeg',
    '-q:v',
    '5',
    '-f',
    'image2',
    join(dir, MEDIA_FILES.spritesheet),
  ];
}

export const FFMPEG_PREAMBLE = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'] as const;

/** The encoder settings of every clip: two clips made with them can be joined without re-encoding. */
export function videoCodecArgs(fps: number): string[] {
  return ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30', '-pix_fmt', 'yuv420p', '-g', String(fps * 2)];
}

export const AUDIO_CODEC_ARGS = ['-c:a', 'aac', '-b:a', '64k', '-ar', '48000', '-ac', '1'] as const;

/** A grid of up to 10 evenly spaced frames of a `frames`-long clip, labelled `[sprite]`. */
export function spriteFilter(width: number, height: number, frames: number): string {
  const spriteCount = Math.min(SPRITE_FRAMES, frames);
  const step = Math.max(1, Math.floor(frames / spriteCount));
  // A short clip with fewer frames than the grid gets one row, so the grid is always full and `tile` emits.
  const columns = spriteCount < SPRITE_FRAMES ? spriteCount : SPRITE_COLUMNS;
  const rows = Math.ceil(spriteCount / columns);
  return `select='not(mod(n\\,${step}))*lt(n\\,${step * spriteCount})',scale=${even(width / SPRITE_COLUMNS)}:${even(height / SPRITE_COLUMNS)},tile=${columns}x${rows}[sprite]`;
}

function filterGraph(spec: MediaSpec, frames: number): string {
  const { width, height, seconds, fps } = spec;
  const bytes = Buffer.from(spec.seedHex.padEnd(32, '0'), 'hex');
  const byte = (i: number): number => bytes[i % bytes.length] ?? 0;
  const mix = ['rr', 'rg', 'rb', 'gr', 'gg', 'gb', 'br', 'bg', 'bb'].map((name, i) => `${name}=${(0.1 + (byte(i) / 255) * 0.8).toFixed(3)}`).join(':');
  const frequency = 220 + (((byte(9) << 8) | byte(10)) % 660);
  const beep = 1 + (byte(11) % 4);
  const pattern = `testsrc2=s=${width / DOWNSCALE}x${height / DOWNSCALE}:r=${fps}:d=${seconds},colorchannelmixer=${mix}`;
  const sprite = spriteFilter(width, height, frames);
  const audio = spec.audio === false ? [] : [`sine=f=${frequency}:beep_factor=${beep}:r=48000:d=${seconds}[aout]`];
  if (spec.image !== null) {
    // Image-to-video: the clip opens on the input image (full size, so split after scaling up).
    return [
      `${pattern},scale=${width}:${height}:flags=neighbor,format=yuv420p,setsar=1[pattern]`,
      `[0:v]scale=${width}:${height},format=yuv420p,setsar=1[image]`,
      `[pattern][image]overlay=eof_action=pass,split=3[vout][v1][v2]`,
      `[v1]select='eq(n\\,0)',scale=${even(width / 2)}:${even(height / 2)}[thumb]`,
      `[v2]${sprite}`,
      ...audio,
    ].join(';');
  }
  const thumbFrame = Math.min(frames - 1, fps);
  return [
    `${pattern},split=3[v0][v1][v2]`,
    `[v0]scale=${width}:${height}:flags=neighbor,format=yuv420p,setsar=1[vout]`,
    `[v1]select='eq(n\\,${thumbFrame})',scale=${even(width / 2)}:${even(height / 2)}:flags=neighbor[thumb]`,
    `[v2]${sprite}`,
    ...audio,
  ].join(';');
}

export function even(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2);
}
