import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { ALL_FORMATS, FilePathSource, Input } from 'mediabunny';
import { MediaRenderer } from '../../src/emulator/media.js';
import { makeFromLavfi, makeH264, makeStill } from '../helpers/ffmpeg.js';

/** Real media for the cut tests: clips from the emulator's renderer, stills and a bed from ffmpeg, and ways to look inside films. */

const run = promisify(execFile);

/** Clips as the emulator renders them (H.264 + AAC MP4s that look and sound like their seed). */
export async function renderClips(root: string, seeds: readonly string[], size: { width: number; height: number }, seconds = 4, fps = 24): Promise<string[]> {
  const renderer = new MediaRenderer({ root, ffmpegPath: ffmpeg.path, concurrency: 2 });
  try {
    return await Promise.all(seeds.map(async (seedHex) => (await renderer.ensure({ seedHex, ...size, seconds, fps, image: null })).video));
  } finally {
    await renderer.close();
  }
}

/**
 * A clip whose every frame says which frame it is: a flat colour from its frame number (red
 * steps by 16 each frame, blue each 16 frames) and its seed (green), H.264 + AAC like the
 * emulator's (a tone at a pitch of its own). Frames are drawn at 32×18 and scaled up, so it is
 * quick to make.
 */
export async function makeNumberedClip(
  file: string,
  seed: number,
  size: { width: number; height: number },
  seconds = 4,
  fps = 24,
  sound: string | null = `sine=f=${330 + 110 * seed}:beep_factor=2:r=48000:d=${seconds}`,
): Promise<string> {
  const picture = `color=s=32x18:r=${fps}:d=${seconds},geq=r='16*mod(N\,16)+8':g='${30 + 90 * seed}':b='40*floor(N/16)+20',scale=${size.width}:${size.height}:flags=neighbor,setsar=1,format=yuv420p`;
  await makeH264(file, picture, sound, [
    '-crf',
    '20',
    '-g',
    String(2 * fps),
    ...(sound === null ? [] : ['-b:a', '64k', '-ac', '1']),
    '-movflags',
    '+faststart',
  ]);
  return file;
}

/** A solid-colour PNG of an exact size. */
export async function makeCard(file: string, size: { width: number; height: number }, colour = 'orange'): Promise<void> {
  await makeStill(file, `color=c=${colour}:s=${size.width}x${size.height}`);
}

/** A short stereo AAC bed: a chord, a note in each ear. */
export async function makeBed(file: string, seconds: number): Promise<void> {
  await makeFromLavfi(file, [`aevalsrc=0.3*sin(2*PI*196*t)|0.3*sin(2*PI*247*t):s=48000:d=${seconds}`], ['-c:a', 'aac', '-b:a', '96k']);
}

export interface FilmFacts {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly fps: number;
  readonly duration: number;
  readonly videoCodec: string | null;
  readonly audioCodec: string | null;
  readonly audioChannels: number;
}

/** What a player sees in an MP4, read by mediabunny (a real demuxer, not ffmpeg). */
export async function readFilm(file: string): Promise<FilmFacts> {
  const input = new Input({ source: new FilePathSource(file), formats: ALL_FORMATS });
  try {
    const video = await input.getPrimaryVideoTrack();
    const audio = (await input.getAudioTracks())[0];
    const stats = await video!.computePacketStats();
    return {
      width: video!.displayWidth,
      height: video!.displayHeight,
      frames: stats.packetCount,
      fps: stats.averagePacketRate,
      duration: await input.computeDuration(),
      videoCodec: await video!.getCodec(),
      audioCodec: (await audio?.getCodec()) ?? null,
      audioChannels: audio?.numberOfChannels ?? 0,
    };
  } finally {
    input.dispose();
  }
}

/** Integrated loudness (LUFS) as ffmpeg's EBU R128 scanner measures the file's sound. */
export async function integratedLoudness(file: string): Promise<number> {
  return (await measureLoudness(file)).integrated;
}

/** Integrated loudness (LUFS) and true peak (dBTP) of the file's sound, by ffmpeg's EBU R128 scanner. */
export async function measureLoudness(file: string): Promise<{ integrated: number; truePeak: number }> {
  const { stderr } = await run(ffmpeg.path, ['-hide_banner', '-nostats', '-i', file, '-vn', '-af', 'ebur128=peak=true', '-f', 'null', '-'], {
    maxBuffer: 64 << 20,
  });
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = /Integrated loudness:\s+I:\s+(-?[\d.]+) LUFS/.exec(summary);
  const peak = /True peak:\s+Peak:\s+(-?[\d.]+) dBFS/.exec(summary);
  if (integrated === null || peak === null) throw new Error(`no loudness in ffmpeg's output: ${summary.slice(0, 200)}`);
  return { integrated: Number(integrated[1]), truePeak: Number(peak[1]) };
}

/** Sample peak (dBFS) of the file's sound: the largest sample, not the wave between them. */
export async function samplePeak(file: string): Promise<number> {
  const { stderr } = await run(ffmpeg.path, ['-hide_banner', '-nostats', '-i', file, '-vn', '-af', 'ebur128=peak=sample', '-f', 'null', '-'], {
    maxBuffer: 64 << 20,
  });
  const peak = /Sample peak:\s+Peak:\s+(-?[\d.]+) dBFS/.exec(stderr.slice(stderr.lastIndexOf('Summary:')));
  if (peak === null) throw new Error(`no sample peak in ffmpeg's output`);
  return Number(peak[1]);
}

const THUMB = { width: 32, height: 18 };

/**
 * Every frame of a video as decoded (none repeated or dropped), shrunk to 32×18 RGB: enough to
 * tell frames apart by their pixels. With `fps`, the frames at that rate, picked as a film at
 * that rate picks them from its clips.
 */
export async function decodeFrames(file: string, options: { readonly fps?: number } = {}): Promise<Buffer[]> {
  const { fps } = options;
  const filters = [...(fps === undefined ? [] : [`fps=${fps}`]), `scale=${THUMB.width}:${THUMB.height}`, 'format=rgb24'].join(',');
  const { stdout } = await run(ffmpeg.path, ['-loglevel', 'error', '-i', file, '-vsync', 'passthrough', '-vf', filters, '-f', 'rawvideo', '-'], {
    encoding: 'buffer',
    maxBuffer: 256 << 20,
  });
  const size = THUMB.width * THUMB.height * 3;
  return Array.from({ length: Math.floor(stdout.length / size) }, (_, i) => stdout.subarray(i * size, (i + 1) * size));
}

/** Mean absolute difference of two decoded frames, 0..255. */
export function pixelDistance(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
