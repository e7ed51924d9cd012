import path from 'node:path';
import { UsageError } from '../errors.js';
import { readLockfileSource } from '../lockfile/lockfile-io.js';
import { lockfilePathFor } from '../lockfile/lockfile.js';
import { confineOutputPaths, OutputHashCache } from '../plan/read-outputs.js';
import type { RemoteStore } from '../remote/store.js';
import { pullOutputs, pushOutputs, type StoredOutput, type TransferDirection, type TransferEvent, type TransferSummary } from '../remote/transfer.js';
import { findProjectRoot } from '../storyboard/read-storyboard.js';
import { pinnedOutputs } from './pinned-outputs.js';

/**
 * `shotlist push` and `shotlist pull`: every output the given lockfiles pin (each named by its
 * storyboard or directly), uploaded where the remote lacks it, or fetched where the disk lacks
 * it. Only the lockfile is read, not the storyboard: a campaign whose storyboard does not
 * validate today still shares the files it rendered.
 */

export interface TransferLockfilesOptions {
  readonly cwd: string;
  /** `--out`: the directory the files were rendered to, if not the default. */
  readonly outDir?: string | undefined;
  readonly concurrency?: number | undefined;
  readonly signal: AbortSignal;
  readonly display: (absPath: string) => string;
  readonly onEvent?: ((event: TransferEvent) => void) | undefined;
}

/** A storyboard or lockfile argument: its lockfile, and the project it belongs to (the nearest `.git` above it). */
export function lockfileOf(file: string, cwd: string): { readonly lockPath: string; readonly projectRoot: string } {
  const absolute = path.resolve(cwd, file);
  const lockPath = absolute.endsWith('.lock.json') ? absolute : /\.ya?ml$/i.test(absolute) ? lockfilePathFor(absolute) : null;
  if (lockPath === null)
    throw new UsageError(`${file} is neither a storyboard (.yaml) nor a lockfile (.lock.json)`, {
      hint: 'name the storyboards (or their lockfiles) whose outputs to transfer',
    });
  return { lockPath, projectRoot: findProjectRoot(path.dirname(lockPath)) };
}

/** The outputs the lockfiles pin, read and confined to their projects; a file without a lockfile is refused (nothing was rendered from it). */
export async function outputsOfLockfiles(
  files: readonly string[],
  options: Pick<TransferLockfilesOptions, 'cwd' | 'outDir' | 'display'>,
): Promise<{ readonly outputs: StoredOutput[]; readonly projectRoots: readonly string[] }> {
  const outputs: StoredOutput[] = [];
  const roots = new Set<string>();
  for (const file of files) {
    const { lockPath, projectRoot } = lockfileOf(file, options.cwd);
    const source = await readLockfileSource(lockPath, options.display(lockPath), projectRoot);
    if (source === null) throw new UsageError(`${options.display(lockPath)} does not exist`, { hint: `render ${file} first, or check out its lockfile` });
    const located = confineOutputPaths(source, path.dirname(lockPath), { projectRoot, ...(options.outDir === undefined ? {} : { outDir: options.outDir }) });
    outputs.push(...pinnedOutputs(source.lockfile, located, options.display));
    roots.add(projectRoot);
  }
  return { outputs, projectRoots: [...roots] };
}

export async function transferLockfiles(
  direction: TransferDirection,
  files: readonly string[],
  store: RemoteStore,
  options: TransferLockfilesOptions,
): Promise<TransferSummary> {
  const { outputs, projectRoots } = await outputsOfLockfiles(files, options);
  const run = { concurrency: options.concurrency, signal: options.signal, onEvent: options.onEvent };
  if (direction === 'push') return pushOutputs(store, outputs, run);
  // Files already in place are known by the projects' hash cache (size, mtime, inode), not hashed again.
  const caches = new Map(await Promise.all(projectRoots.map(async (root) => [root, await OutputHashCache.loadForProject(root)] as const)));
  const cacheOf = (file: string) => [...caches].find(([root]) => !path.relative(root, file).startsWith('..'))?.[1] ?? null;
  const summary = await pullOutputs(store, outputs, {
    ...run,
    localMatches: async (output) => {
      const cache = cacheOf(output.path);
      if (cache === null) return false;
      const state = await cache.stateOf(output.path, output.bytes);
      return state !== null && state.sha256 === output.sha256;
    },
  });
  for (const cache of caches.values()) await cache.save();
  return summary;
}
