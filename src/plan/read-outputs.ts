import { createHash } from 'node:crypto';
import { createReadStream, statSync, type Stats } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { writeFileAtomic } from '../lockfile/lockfile-io.js';
import type { Lockfile } from '../lockfile/lockfile.js';
import type { OutputState } from './plan.js';

/**
 * What is on disk for every output the lockfile records: size and sha256. Hashing is streamed
 * (bounded memory) and remembered by path, size, mtime and inode, as git's index does, so a
 * plan re-reads only files that changed: across runs in the project's cache file under
 * `.shotlist/cache/`, which a watch session loads once and keeps in memory.
 */
export class OutputHashCache {
  private readonly known: Map<string, CachedHash>;
  private dirty = false;

  constructor(
    private readonly file: string | null = null,
    known: Iterable<[string, CachedHash]> = [],
  ) {
    this.known = new Map(known);
  }

  /** The project's cache, which every plan and status of its storyboards shares. */
  static loadForProject(projectRoot: string): Promise<OutputHashCache> {
    return OutputHashCache.load(path.join(projectRoot, '.shotlist', 'cache', 'output-hashes.json'));
  }

  /** The cache saved in `file`; an unreadable or foreign file starts an empty cache. */
  static async load(file: string): Promise<OutputHashCache> {
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as { version?: unknown; files?: unknown };
      if (data.version !== CACHE_VERSION || typeof data.files !== 'object' || data.files === null) return new OutputHashCache(file);
      const entries = Object.entries(data.files as Record<string, unknown>).filter((entry): entry is [string, CachedHash] => isCachedHash(entry[1]));
      return new OutputHashCache(file, entries);
    } catch {
      return new OutputHashCache(file);
    }
  }

  async stateOf(absPath: string): Promise<OutputState> {
    // A synchronous stat costs microseconds; through the thread pool it costs ten times more,
    // and a plan stats every recorded file.
    const info = statOrNull(absPath);
    if (!info?.isFile()) return null;
    const cached = this.known.get(absPath);
    if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs && cached.ino === info.ino) return { sha256: cached.sha256, bytes: info.size };
    let sha256: string;
    try {
      sha256 = await hashFile(absPath, info.size);
    } catch {
      // Unreadable (permissions, removed meanwhile): not a file the plan can reuse.
      return null;
    }
    this.known.set(absPath, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256 });
    this.dirty = true;
    return { sha256, bytes: info.size };
  }

  /** Writes the cache file if anything was hashed; a failure to write only costs speed. */
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify({ version: CACHE_VERSION, files: Object.fromEntries(this.known) }));
      this.dirty = false;
    } catch {
      // The cache is an optimisation; the next plan hashes again.
    }
  }
}

/**
 * The file's stat, or `null` when there is no usable file there. A lockfile edited by hand (or
 * by a hostile commit) can record any path: too long, through a file, unreadable, with a NUL.
 */
function statOrNull(absPath: string): Stats | null {
  try {
    return statSync(absPath, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

const CACHE_VERSION = 1;

interface CachedHash {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly sha256: string;
}

function isCachedHash(value: unknown): value is CachedHash {
  const v = value as Partial<CachedHash> | null;
  return typeof v === 'object' && v !== null && typeof v.size === 'number' && typeof v.mtimeMs === 'number' && typeof v.ino === 'number' && typeof v.sha256 === 'string';
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
export async function readOutputs(lockfile: Lockfile | null, lockDir: string, cache: OutputHashCache): Promise<Map<string, OutputState>> {
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
