import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createVideosClient } from '../src/api/index.js';
import { emulatorProfile } from '../src/providers/builtin.js';

/**
 * Peak memory while downloading 20 large files, 4 at a time as `render` does, at two file
 * sizes. The server runs in a child-free way in this process but generates bytes on the fly
 * (it holds one 64 KiB chunk), so the growth measured is the client's. Bounded memory means
 * the peak does not grow with the file size. test/api/download.test.ts holds the client to the
 * same measure.
 */

const CHUNK = Buffer.alloc(64 * 1024, 0x61);
// An MP4 starts with a box whose type at offset 4 is `ftyp`.
const HEAD = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(12)]);

/**
 * Answers with `total` bytes that start like an MP4, generated with backpressure so the server
 * never holds the file either. `onPiece` sees each piece as it is written.
 */
export function sendGeneratedMp4(res: ServerResponse, total: number, onPiece: (piece: Buffer) => void = () => {}): void {
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(total) });
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const piece = sent === 0 ? HEAD : CHUNK.subarray(0, Math.min(CHUNK.length, total - sent));
      onPiece(piece);
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/** Runs `work`, sampling RSS every 10 ms: how far it rose above where it started (after a GC, when exposed). */
export async function measurePeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakGrowthBytes: number }> {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakGrowthBytes: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

function serve(bytesPerFile: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (!req.url?.includes('/content')) {
      res.writeHead(404).end();
      return;
    }
    sendGeneratedMp4(res, bytesPerFile);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export interface DownloadMemory {
  readonly fileMiB: number;
  readonly files: number;
  readonly peakRssGrowthMiB: number;
  readonly seconds: number;
}

export async function benchDownloadMemory(fileMiB: number, files = 20, concurrency = 4): Promise<DownloadMemory> {
  const server = await serve(fileMiB * 1024 * 1024);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-dl-'));
  const client = createVideosClient({ profile: emulatorProfile, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: null });
  const start = performance.now();
  try {
    const queue = Array.from({ length: files }, (_, i) => i);
    const { peakGrowthBytes } = await measurePeakRss(() =>
      Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
            await client.download(`video_${next}`, 'video', path.join(dir, `${next}.mp4`));
            await rm(path.join(dir, `${next}.mp4`));
          }
        }),
      ),
    );
    return { fileMiB, files, peakRssGrowthMiB: peakGrowthBytes / 1024 / 1024, seconds: (performance.now() - start) / 1000 };
  } finally {
    await client.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
