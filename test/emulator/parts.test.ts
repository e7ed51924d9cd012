import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { describe, expect, it } from 'vitest';
import { quoteList } from '../../src/emulator/errors.js';
import { FaultInjector } from '../../src/emulator/faults.js';
import { MediaRenderer } from '../../src/emulator/media.js';
import { readImageInfo } from '../../src/emulator/image-info.js';
import { bracketPath, setBracketed } from '../../src/emulator/request-body.js';
import { runEmulatorServer } from '../../src/emulator/index.js';
import { createVideo, download, makeImage, readMp4, startTestEmulator, waitForStatus, withTempDir } from './helpers.js';

describe('image sniffing', () => {
  it.each(['png', 'jpg', 'webp'] as const)('reads the format and size of a %s by its bytes', async (format) => {
    await withTempDir(async (dir) => {
      const info = readImageInfo(await makeImage(1792, 1024, format, dir));
      expect(info).toEqual({ format: { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' }[format], width: 1792, height: 1024 });
    });
  });

  it('refuses bytes that are no image, whatever their name', () => {
    expect(readImageInfo(Buffer.from('GIF89a....'))).toBeNull();
    expect(readImageInfo(new Uint8Array([0xff, 0xd8]))).toBeNull();
  });
});

describe('form keys and messages', () => {
  it('nests bracketed keys the way the SDKs flatten them', () => {
    expect(bracketPath('input_reference[image_url]')).toEqual(['input_reference', 'image_url']);
    const fields: Record<string, unknown> = {};
    setBracketed(fields, bracketPath('characters[][id]'), 'char_1');
    setBracketed(fields, bracketPath('characters[][id]'), 'char_2');
    setBracketed(fields, bracketPath('video[id]'), 'video_1');
    expect(fields).toEqual({ characters: [{ id: 'char_1' }, { id: 'char_2' }], video: { id: 'video_1' } });
  });

  it('lists supported values in the API style', () => {
    expect(quoteList(['4', '8', '12'])).toBe("'4', '8', and '12'");
    expect(quoteList(['asc', 'desc'])).toBe("'asc' and 'desc'");
  });
});

describe('fault streams', () => {
  it('keep each fault kind independent, so polls do not shift the faults of creates', () => {
    const plain = new FaultInjector({ seed: 3, dropConnection: { afterCommit: 0.5 } });
    const busy = new FaultInjector({ seed: 3, dropConnection: { afterCommit: 0.5 }, serverError: { rate: 0.5, routes: ['retrieve'] } });
    const drops = (injector: FaultInjector, pollsBetween: number): Array<string | null> =>
      Array.from({ length: 16 }, () => {
        for (let i = 0; i < pollsBetween; i++) injector.serverError('retrieve');
        return injector.dropConnection('create');
      });
    expect(drops(busy, 3)).toEqual(drops(plain, 0));
  });
});

describe('media for short clips at low frame rates', () => {
  it('still makes a full spritesheet and the exact duration at 2 fps', async () => {
    const emu = await startTestEmulator({ fps: 2 });
    try {
      const done = await waitForStatus(emu, (await createVideo(emu, { prompt: 'two frames a second' })).body.id);
      expect(done.status).toBe('completed');
      const mp4 = await readMp4((await download(emu, done.id, 'video')).bytes);
      expect(mp4.duration).toBeCloseTo(4, 0);
      expect((await download(emu, done.id, 'spritesheet')).bytes.length).toBeGreaterThan(1000);
    } finally {
      await emu.close();
    }
  });
});

describe('closing the media renderer', () => {
  const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('starts no encode once closed, whatever step a render was at: close never waits for a whole encode', async () => {
    await withTempDir(async (root) => {
      // Closed after 0, 1, 2, ... turns of the event loop: before the render began, while it made
      // its folder, once its ffmpeg ran. An encode takes far longer than these turns.
      for (let turns = 0; turns < 24; turns++) {
        const renderer = new MediaRenderer({ root, ffmpegPath: ffmpeg.path, concurrency: 2 });
        const spec = { seedHex: turns.toString(16).padStart(8, '0'), width: 320, height: 180, seconds: 4, fps: 24, image: null };
        const rendering = renderer.ensure(spec).then(
          () => 'encoded',
          (error: Error) => error.message,
        );
        for (let turn = 0; turn < turns; turn++) await nextTick();
        await renderer.close();
        expect(await rendering, `closed after ${turns} turns`).toMatch(/^(emulator closed|ffmpeg failed \(SIGKILL\))/);
        expect(existsSync(renderer.filesFor(spec).video)).toBe(false);
      }
      expect(await readdir(root), 'no render and no temp folder left').toEqual([]);
    });
  });
});

describe('runEmulatorServer', () => {
  it('serves in the foreground until its signal aborts, logging where it listens', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let listening!: () => void;
    const started = new Promise<void>((resolve) => (listening = resolve));
    const running = runEmulatorServer(
      { speed: 1000, fps: 4 },
      {
        log: (line) => {
          lines.push(line);
          if (line.startsWith('emulator listening')) listening();
        },
        signal: stop.signal,
      },
    );
    await started;
    const url = /on (\S+)$/.exec(lines[0] ?? '')?.[1] ?? '';
    expect((await fetch(`${url}/videos`)).status).toBe(200);
    stop.abort();
    await running;
    await expect(fetch(`${url}/videos`)).rejects.toThrow();
    expect(lines.at(-1)).toBe('emulator stopping');
  });
});
