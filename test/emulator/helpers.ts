import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { ALL_FORMATS, BufferSource, Input } from 'mediabunny';
import { startEmulator, type EmulatorOptions, type RunningEmulator, type VideoObject } from '../../src/emulator/index.js';
import { makeH264, makeStill } from '../helpers/ffmpeg.js';
import { waitUntil } from '../helpers/wait-until.js';

/** Fast settings for tests: 1000x time, 4 fps encodes. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ speed: 1000, fps: 4, ...options });
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'shotlist-emu-test-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function requestJson<T = any>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

export function postJson<T = any>(url: string, body: unknown): Promise<JsonResponse<T>> {
  return requestJson<T>(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export function createVideo(emu: RunningEmulator, body: Record<string, unknown>): Promise<JsonResponse<VideoObject>> {
  return postJson<VideoObject>(`${emu.url}/videos`, body);
}

/** Polls until the job is terminal (or `status` is reached); real time, bounded. */
export async function waitForStatus(emu: RunningEmulator, id: string, status?: string, timeoutMs = 20_000): Promise<VideoObject> {
  return waitUntil(
    async () => {
      const { body } = await requestJson<VideoObject>(`${emu.url}/videos/${id}`);
      const done = status === undefined ? body.status === 'completed' || body.status === 'failed' : body.status === status;
      return done && body;
    },
    `${id} to be ${status ?? 'completed or failed'}`,
    timeoutMs,
    25,
  );
}

export async function download(emu: RunningEmulator, id: string, variant: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${emu.url}/videos/${id}/content?variant=${variant}`);
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

export interface Mp4Facts {
  width: number;
  height: number;
  duration: number;
  videoCodec: string | null;
  audioCodec: string | null;
}

/** Parses an MP4 with mediabunny (a real demuxer, not ffmpeg) and reports what a player would see. */
export async function readMp4(bytes: Uint8Array): Promise<Mp4Facts> {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  const video = await input.getPrimaryVideoTrack();
  const audio = (await input.getAudioTracks())[0];
  return {
    width: video?.displayWidth ?? 0,
    height: video?.displayHeight ?? 0,
    duration: await input.computeDuration(),
    videoCodec: (await video?.getCodec()) ?? null,
    audioCodec: (await audio?.getCodec()) ?? null,
  };
}

/** A solid-colour image of an exact size, made by the same static ffmpeg. */
export async function makeImage(width: number, height: number, format: 'png' | 'jpg' | 'webp', dir: string): Promise<Buffer> {
  const path = join(dir, `ref-${width}x${height}.${format}`);
  const codec = format === 'png' ? 'png' : format === 'jpg' ? 'mjpeg' : 'libwebp';
  await makeStill(path, `color=c=orange:s=${width}x${height}`, codec);
  return readFile(path);
}

export const ENVELOPE_KEYS = ['code', 'message', 'param', 'type'];

/** An MP4 test clip of an exact size and length (a moving pattern; a tone unless `audio: false`), made by the same static ffmpeg. */
export async function makeClip(width: number, height: number, seconds: number, dir: string, options: { audio?: boolean; fps?: number } = {}): Promise<Buffer> {
  const path = join(dir, `clip-${width}x${height}-${seconds}${options.audio === false ? '-silent' : ''}.mp4`);
  await makeH264(path, `testsrc2=s=${width}x${height}:r=${options.fps ?? 10}:d=${seconds}`, options.audio === false ? null : `sine=f=330:d=${seconds}`);
  return readFile(path);
}

/** The md5 of every decoded video frame, in order: equal lists mean pixel-identical pictures. */
export async function frameHashes(file: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(ffmpeg.path, ['-loglevel', 'error', '-i', file, '-map', '0:v', '-f', 'framemd5', '-'], { maxBuffer: 16 << 20 });
  return stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').pop()!.trim());
}

/** One decoded frame (the first at or after `atSeconds`) of a video or image file, as 64x36 RGB bytes. */
export async function framePixels(file: string, atSeconds = 0): Promise<Buffer> {
  const { stdout } = await promisify(execFile)(
    ffmpeg.path,
    ['-loglevel', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1', '-vf', 'scale=64:36', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 1 << 20 },
  );
  if (stdout.length === 0) throw new Error(`no frame at ${atSeconds} s in ${file}`);
  return stdout;
}

/** Mean absolute difference of two such frames, per channel value (0: identical, 255: opposite). */
export function pixelDistance(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - (b[i] ?? 0));
  return sum / a.length;
}

/** Mean RGB of one decoded frame (the first at or after `atSeconds`) of a video or image file. */
export async function meanColor(file: string, atSeconds = 0): Promise<number[]> {
  const stdout = await framePixels(file, atSeconds);
  const sums = [0, 0, 0];
  for (let i = 0; i < stdout.length; i++) sums[i % 3]! += stdout[i]!;
  return sums.map((sum) => sum / (stdout.length / 3));
}
