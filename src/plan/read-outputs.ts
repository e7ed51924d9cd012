import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Lockfile } from '../lockfile/lockfile.js';
import type { OutputState } from './plan.js';

/**
 * What is on disk for every output the lockfile records: size and sha256. Hashing is streamed
 * (bounded memory) and remembered by path, size and mtime, so a watch session re-plans
 * without re-reading unchanged videos.
 */
export class OutputHashCache {
  private readonly known = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

  async stateOf(absPath: string): Promise<OutputState> {
    let info;
    try {
      info = await stat(absPath);
    } catch {
      return null;
    }
    if (!info.isFile()) return null;
    const cached = this.known.get(absPath);
    if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return { sha256: cached.sha256, bytes: info.size };
    const sha256 = await hashFile(absPath, info.size);
    this.known.set(absPath, { size: info.size, mtimeMs: info.mtimeMs, sha256 });
    return { sha256, bytes: info.size };
  }
}

/** Files up to this size are read whole; larger ones are streamed, so memory stays bounded. */
const READ_WHOLE_BYTES = 8 * 1024 * 1024;

export async function hashFile(absPath: string, size = Number.POSITIVE_INFINITY): Promise<string> {
  const hash = createHash('sha256');
  if (size <= READ_WHOLE_BYTES) return hash.update(await readFile(absPath)).digest('hex');
  await pipeline(createReadStream(absPath), hash);
  return hash.digest('hex');
}

/** Recorded video paths (relative to the lockfile's directory) → their state on disk. */
export async function readOutputs(lockfile: Lockfile | null, lockDir: string, cache = new OutputHashCache()): Promise<Map<string, OutputState>> {
  const states = new Map<string, OutputState>();
  const paths = Object.values(lockfile?.jobs ?? {}).flatMap((entry) => (entry.outputs.video ? [entry.outputs.video.path] : []));
  // Several files at a time: plenty to keep the disk busy, few enough to bound descriptors and memory.
  const queue = [...new Set(paths)];
  const worker = async () => {
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      states.set(next, await cache.stateOf(path.resolve(lockDir, next)));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return states;
}
