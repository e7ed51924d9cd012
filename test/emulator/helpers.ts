import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { ALL_FORMATS, BufferSource, Input } from 'mediabunny';
import { startEmulator, type EmulatorOptions, type RunningEmulator, type VideoObject } from '../../src/emulator/index.js';

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
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await requestJson<VideoObject>(`${emu.url}/videos/${id}`);
    const done = status === undefined ? body.status === 'completed' || body.status === 'failed' : body.status === status;
    if (done) return body;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${id}: last status ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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
  await promisify(execFile)(ffmpeg.path, ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=orange:s=${width}x${height}`, '-frames:v', '1', '-c:v', codec, path]);
  return readFile(path);
}

export const ENVELOPE_KEYS = ['code', 'message', 'param', 'type'];
