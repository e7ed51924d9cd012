import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StoredOutput } from '../../src/remote/index.js';

/** A fresh temp directory, removed by `cleanup`. */
export async function tempDir(prefix = 'shotlist-remote-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A file of random bytes, and what a lockfile would pin for it. */
export async function randomFile(file: string, bytes: number): Promise<StoredOutput> {
  const data = randomBytes(bytes);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
  return { path: file, bytes, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * A large file written piece by piece (never held whole in memory), each piece distinct, so
 * files of any size can be made; returns what a lockfile would pin for it.
 */
export async function largeFile(file: string, bytes: number, seed: number): Promise<StoredOutput> {
  await mkdir(path.dirname(file), { recursive: true });
  const piece = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  const handle = await open(file, 'w');
  try {
    for (let done = 0, n = 0; done < bytes; n++) {
      const chunk = piece.subarray(0, Math.min(piece.length, bytes - done));
      chunk.writeUInt32LE(seed, 0);
      chunk.writeUInt32LE(n, 4);
      hash.update(chunk);
      await handle.write(chunk);
      done += chunk.length;
    }
  } finally {
    await handle.close();
  }
  return { path: file, bytes, sha256: hash.digest('hex') };
}

/** Every file below `dir`, relative, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

export function sha256Of(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
