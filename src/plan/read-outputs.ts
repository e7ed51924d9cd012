import { statSync, type Stats } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { confinePath, Confinement } from '../files/confined-path.js';
import { hashBounded, readBounded } from '../files/read-bounded.js';
import { writeFileAtomic, type LockfileSource } from '../lockfile/lockfile-io.js';
import type { Lockfile } from '../lockfile/lockfile.js';
import { lockfileErrorAt } from '../lockfile/parse-lockfile.js';
import { truncate } from '../source/describe.js';
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
    const file = path.join(projectRoot, '.shotlist', 'cache', 'output-hashes.json');
    // A cache that would live outside the project (a committed `.shotlist` symlink) is kept in memory only.
    return confinePath(projectRoot, file).ok ? OutputHashCache.load(file) : Promise.resolve(new OutputHashCache());
  }

  /** The cache saved in `file`; an unreadable or foreign file starts an empty cache. */
  static async load(file: string): Promise<OutputHashCache> {
    try {
      const read = await readBounded(file, MAX_CACHE_BYTES);
      if (!read.ok) return new OutputHashCache(file);
      const data = JSON.parse(read.bytes.toString('utf8')) as { version?: unknown; files?: unknown };
      if (data.version !== CACHE_VERSION || typeof data.files !== 'object' || data.files === null) return new OutputHashCache(file);
      const entries = Object.entries(data.files as Record<string, unknown>).filter((entry): entry is [string, CachedHash] => isCachedHash(entry[1]));
      return new OutputHashCache(file, entries);
    } catch {
      return new OutputHashCache(file);
    }
  }

  /**
   * Size and sha256 of the file at `absPath` (a path `confineOutputPaths` resolved), or `null`
   * when there is no regular file there. A file whose size is not the recorded one is altered
   * without being read; one that is is hashed, reading no more than that size (a pseudo-file
   * that reports size 0 and never ends is cut off at once).
   */
  async stateOf(absPath: string, recordedBytes: number): Promise<OutputState> {
    // A synchronous stat costs microseconds; through the thread pool it costs ten times more,
    // and a plan stats every recorded file.
    const info = statOrNull(absPath);
    if (!info?.isFile()) return null;
    if (info.size !== recordedBytes) return { sha256: null, bytes: info.size };
    const cached = this.known.get(absPath);
    if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs && cached.ino === info.ino) return { sha256: cached.sha256, bytes: info.size };
    const hashed = await hashBounded(absPath, info.size);
    // Unreadable (permissions, removed meanwhile): not a file the plan can reuse. Longer than it said: altered.
    if (!hashed.ok) return hashed.reason === 'too-large' ? { sha256: null, bytes: hashed.bytes } : null;
    this.known.set(absPath, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256: hashed.sha256 });
    this.dirty = true;
    return { sha256: hashed.sha256, bytes: hashed.bytes };
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
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.size === 'number' &&
    typeof v.mtimeMs === 'number' &&
    typeof v.ino === 'number' &&
    typeof v.sha256 === 'string'
  );
}

/** Largest hash cache file read; beyond it the cache starts empty. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/** Where a recorded output may lie: the project, and the directory `--out` named (if any). */
export interface OutputRoots {
  readonly projectRoot: string;
  /** An output directory the user named on the command line; it may be anywhere. */
  readonly outDir?: string;
}

/**
 * Where each output path the lockfile records (a job's video and thumbnail, a film's MP4 and `.otio`, relative to the lockfile's
 * directory) lies on disk. A path the lockfile names can be anything a hand edit or a hostile
 * commit puts there (`../../../../proc/self/pagemap`, `/etc/passwd`, a symlink out of the
 * project): each must lead inside the project, or inside the `--out` directory given, through
 * every symlink; anything else is refused as a lockfile error at its line and column, and no
 * file outside is ever opened.
 */
export function confineOutputPaths(source: LockfileSource, lockDir: string, roots: OutputRoots): Map<string, string> {
  const confinement = new Confinement([roots.projectRoot, ...(roots.outDir === undefined ? [] : [roots.outDir])]);
  const located = new Map<string, string>();
  for (const { recorded, at } of recordedPaths(source.lockfile)) {
    if (located.has(recorded)) continue;
    const refuse = (why: string) => lockfileErrorAt(source.text, source.display, at, `${JSON.stringify(truncate(recorded, 120))} ${why}`, OUTSIDE_HINT);
    if (recorded.includes('\0')) throw refuse('holds a NUL character');
    const confined = confinement.resolve(path.resolve(lockDir, recorded));
    if (!confined.ok)
      throw refuse(
        confined.reason === 'dangling'
          ? 'leads through a symlink to nothing'
          : `leads outside the project directory${roots.outDir === undefined ? '' : ' and the --out directory'} (to ${truncate(confined.resolved, 120)})`,
      );
    located.set(recorded, confined.path);
  }
  return located;
}

/** Every output path the lockfile records, with where it is in the lockfile: a job's video and thumbnail, a film's MP4 and `.otio`. */
function* recordedPaths(lock: Lockfile): Generator<{ readonly recorded: string; readonly at: readonly (string | number)[] }> {
  for (const [jobId, entry] of Object.entries(lock.jobs)) {
    for (const kind of ['video', 'thumbnail'] as const) {
      const recorded = entry.outputs[kind]?.path;
      if (recorded !== undefined) yield { recorded, at: ['jobs', jobId, 'outputs', kind, 'path'] };
    }
  }
  for (const [cutId, entry] of Object.entries(lock.cuts ?? {})) {
    for (const kind of ['video', 'timeline'] as const) yield { recorded: entry.outputs[kind].path, at: ['cuts', cutId, 'outputs', kind, 'path'] };
  }
}

const OUTSIDE_HINT =
  'outputs are recorded relative to the lockfile, inside the project; restore the lockfile from git, or pass the --out directory the files were rendered to';

/** Recorded video paths and films' files (as the lockfile writes them) → their state on disk, through the paths `confineOutputPaths` resolved. */
export async function readOutputs(lockfile: Lockfile | null, located: ReadonlyMap<string, string>, cache: OutputHashCache): Promise<Map<string, OutputState>> {
  const states = new Map<string, OutputState>();
  const videos = new Map<string, number>();
  for (const entry of Object.values(lockfile?.jobs ?? {})) if (entry.outputs.video) videos.set(entry.outputs.video.path, entry.outputs.video.bytes);
  for (const entry of Object.values(lockfile?.cuts ?? {})) for (const file of [entry.outputs.video, entry.outputs.timeline]) videos.set(file.path, file.bytes);
  // Several files at a time: plenty to keep the disk busy, few enough to bound descriptors and memory.
  const queue = [...videos];
  const worker = async () => {
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      const [recorded, bytes] = next;
      const absPath = located.get(recorded);
      states.set(recorded, absPath === undefined ? null : await cache.stateOf(absPath, bytes));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return states;
}
