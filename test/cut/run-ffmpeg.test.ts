import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FfmpegError } from '../../src/cut/errors.js';
import { writeWithFfmpeg } from '../../src/cut/run-ffmpeg.js';
import { ALL_FORMATS, FilePathSource, Input } from 'mediabunny';

/** Two ffmpeg runs joined by a pipe (the film's sound fed to the run that writes it), with the real binary. */

const PCM = ['-f', 'f32le', '-ar', '48000', '-ac', '1'];
const feedOf = (codec = 'pcm_f32le') => [
  '-hide_banner',
  '-nostdin',
  '-loglevel',
  'error',
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=440:duration=2',
  '-c:a',
  codec,
  ...PCM,
  'pipe:1',
];
const writerOf = (temp: string) => ['-hide_banner', '-nostdin', '-loglevel', 'error', ...PCM, '-i', 'pipe:0', '-c:a', 'aac', '-f', 'mp4', '-y', temp];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shotlist-ffmpeg-pipe-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeWithFfmpeg with a feed', () => {
  it('writes what the feed made: all of it', async () => {
    const output = path.join(dir, 'sound.m4a');
    expect(await writeWithFfmpeg(output, { durationSeconds: 2, feed: feedOf(), args: writerOf })).toBe(true);
    const input = new Input({ source: new FilePathSource(output), formats: ALL_FORMATS });
    try {
      const [sound] = await input.getAudioTracks();
      expect(await sound!.getCodec()).toBe('aac');
      expect(await sound!.computeDuration()).toBeCloseTo(2, 1);
    } finally {
      input.dispose();
    }
  });

  it('fails, leaving nothing, when the feed fails, though the writer ended well on what it got', async () => {
    const output = path.join(dir, 'sound.m4a');
    await expect(writeWithFfmpeg(output, { durationSeconds: 2, feed: feedOf('no_such_codec'), args: writerOf })).rejects.toBeInstanceOf(FfmpegError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails when the writer fails, and the feed does not outlive it', async () => {
    const output = path.join(dir, 'sound.m4a');
    const started = Date.now();
    const endless = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440', '-c:a', 'pcm_f32le', ...PCM, 'pipe:1'];
    await expect(
      writeWithFfmpeg(output, {
        durationSeconds: 2,
        feed: endless,
        args: (temp) => [...writerOf(temp).slice(0, -4), '-c:a', 'no_such_codec', '-f', 'mp4', temp],
      }),
    ).rejects.toBeInstanceOf(FfmpegError);
    // An endless feed at real speed: only its being stopped ends the run.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(dir)).toEqual([]);
  });

  it('kills both on abort and leaves the old output untouched', async () => {
    const output = path.join(dir, 'sound.m4a');
    await writeWithFfmpeg(output, { durationSeconds: 2, feed: feedOf(), args: writerOf });
    const before = await stat(output);
    const controller = new AbortController();
    const endless = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440', '-c:a', 'pcm_f32le', ...PCM, 'pipe:1'];
    setTimeout(() => controller.abort(new Error('stopped')), 300);
    await expect(writeWithFfmpeg(output, { durationSeconds: 2, feed: endless, args: writerOf, signal: controller.signal })).rejects.toThrow('stopped');
    expect((await stat(output)).mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(dir)).toEqual(['sound.m4a']);
  });
});
