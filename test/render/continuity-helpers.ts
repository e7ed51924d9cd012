import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import ffmpeg from '@ffmpeg-installer/ffmpeg';

/** The scene the continuity tests render: a character, two continuations, an extension chain and an edit. */
export const SCENE = `version: 1
name: scene
provider: emulator
defaults:
  model: sora-2
  size: 1280x720
  seconds: 4
characters:
  - name: Mossy
    clip: assets/mossy.mp4
shots:
  - id: enter
    prompt: Mossy the fox slips into the kitchen at dawn.
    characters: [Mossy]
  - id: sit
    continue: enter
    prompt: Mossy sits by the window.
    characters: [Mossy]
  - id: look
    continue: sit
    prompt: The fox looks out at the falling snow.
  - id: linger
    extend: look
    seconds: 4
    prompt: The light turns golden.
  - id: dusk
    extend: linger
    seconds: 8
    prompt: Dusk falls over the garden.
  - id: snowy
    edit: enter
    prompt: The same kitchen, snowed in.
`;

/** One frame of an MP4 as raw RGB bytes, decoded by the bundled ffmpeg: the first, or the last. */
export async function frameRgb(file: string, which: 'first' | 'last', size: string): Promise<Buffer> {
  const seek = which === 'last' ? ['-sseof', '-1'] : [];
  const { stdout } = await promisify(execFile)(
    ffmpeg.path,
    [
      '-loglevel',
      'error',
      ...seek,
      '-i',
      file,
      '-an',
      '-vf',
      `scale=${size.replace('x', ':')},format=rgb24`,
      ...(which === 'first' ? ['-frames:v', '1'] : ['-update', '1']),
      '-f',
      'rawvideo',
      '-y',
      which === 'first' ? 'pipe:1' : 'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const [w, h] = size.split('x').map(Number) as [number, number];
  const frame = w * h * 3;
  // `-update` to a pipe writes every frame: the last one is the tail.
  return stdout.subarray(stdout.length - frame);
}

/** Mean absolute difference per channel (0–255) between two RGB frames of one size. */
export function meanDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`frames differ in size: ${a.length} and ${b.length} bytes`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
