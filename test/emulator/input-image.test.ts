import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { download, makeImage, requestJson, startTestEmulator, waitForStatus, withTempDir } from './helpers.js';

/**
 * Image-to-video starts from its image: the emulator's clip opens on the input_reference for
 * its first second, and the thumbnail is that frame. Checked on decoded pixels.
 */

const ORANGE = [255, 165, 0];

/** Mean RGB of one decoded frame (the first at or after `atSeconds`) of a video or image file. */
async function meanColor(file: string, atSeconds = 0): Promise<number[]> {
  const { stdout } = await promisify(execFile)(
    ffmpeg.path,
    ['-loglevel', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1', '-vf', 'scale=64:36', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 1 << 20 },
  );
  const sums = [0, 0, 0];
  for (let i = 0; i < stdout.length; i++) sums[i % 3]! += stdout[i]!;
  return sums.map((sum) => sum / (stdout.length / 3));
}

const distance = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('image-to-video media', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  it('opens on the input image for a second, then moves on; the thumbnail is the image', async () => {
    await withTempDir(async (dir) => {
      const png = await makeImage(1280, 720, 'png', dir);
      const form = new FormData();
      form.set('prompt', 'The mug starts to spin');
      form.set('size', '1280x720');
      form.set('seconds', '4');
      form.set('input_reference', new Blob([png], { type: 'image/png' }), 'mug.png');
      const created = await requestJson<{ id: string }>(`${emu.url}/videos`, { method: 'POST', body: form });
      expect(created.status).toBe(200);
      await waitForStatus(emu, created.body.id, 'completed');

      const video = join(dir, 'video.mp4');
      await writeFile(video, (await download(emu, created.body.id, 'video')).bytes);
      const thumbnail = join(dir, 'thumbnail.webp');
      await writeFile(thumbnail, (await download(emu, created.body.id, 'thumbnail')).bytes);
      expect(distance(await meanColor(video, 0), ORANGE)).toBeLessThan(12);
      expect(distance(await meanColor(video, 0.5), ORANGE)).toBeLessThan(12);
      expect(distance(await meanColor(video, 2.5), ORANGE)).toBeGreaterThan(40);
      expect(distance(await meanColor(thumbnail), ORANGE)).toBeLessThan(12);

      // The same request without the image is text-to-video: it does not open on orange.
      const plain = await requestJson<{ id: string }>(`${emu.url}/videos`, {
        method: 'POST',
        body: JSON.stringify({ prompt: 'The mug starts to spin', size: '1280x720', seconds: '4' }),
        headers: { 'content-type': 'application/json' },
      });
      await waitForStatus(emu, plain.body.id, 'completed');
      const plainVideo = join(dir, 'plain.mp4');
      await writeFile(plainVideo, (await download(emu, plain.body.id, 'video')).bytes);
      expect(distance(await meanColor(plainVideo, 0), ORANGE)).toBeGreaterThan(40);
    });
  });
});
