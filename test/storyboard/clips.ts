import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeH264 } from '../helpers/ffmpeg.js';

const made = new Map<string, Promise<Buffer>>();

/**
 * A real H.264 MP4 of `seconds` at `size` (a test pattern, 24 fps, with a silent AAC track when
 * `audio`), encoded by the bundled ffmpeg; each distinct clip is made once per test file.
 */
export function encodeClip(seconds: number, size = '1280x720', audio = false): Promise<Buffer> {
  const key = `${seconds} ${size} ${audio}`;
  let clip = made.get(key);
  if (!clip) made.set(key, (clip = encode(seconds, size, audio)));
  return clip;
}

async function encode(seconds: number, size: string, audio: boolean): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-clip-'));
  try {
    const file = path.join(dir, 'clip.mp4');
    await makeH264(file, `testsrc=s=${size}:r=24:d=${seconds}`, audio ? 'anullsrc=r=48000:cl=mono' : null, ['-t', String(seconds)]);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
