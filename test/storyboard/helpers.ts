import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { makeStill } from '../helpers/ffmpeg.js';

/** A project as an object literal: relative path → file content. A `.git` dir marks the root. */
export type Tree = Readonly<Record<string, string | Uint8Array>>;

/** Lines of a storyboard, joined with `\n` so that a row's line numbers are its indexes + 1. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Writes `tree` under a fresh temp dir with a `.git` dir at its root, which makes it the project root. */
export async function writeProject(tree: Tree): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-storyboard-'));
  await mkdir(path.join(dir, '.git'));
  for (const [name, content] of Object.entries(tree)) {
    const target = path.join(dir, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A minimal valid PNG (8-bit greyscale) of the given size, built by hand. */
export function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, no filter, no interlace
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0; // filter type "none" per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A real JPEG or WebP image of the given size, encoded by the bundled ffmpeg. */
export async function encodeImage(format: 'jpeg' | 'webp', width: number, height: number): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-image-'));
  try {
    const file = path.join(dir, `image.${format === 'jpeg' ? 'jpg' : 'webp'}`);
    const codec = format === 'jpeg' ? 'mjpeg' : 'libwebp';
    await makeStill(file, `color=c=teal:s=${width}x${height}`, codec);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
