import { ApiError, classifyError, ProviderError, type ErrorKind, type Video, type VideoProtocolClient } from '../api/index.js';
import { InterruptedError, LockBusyError } from '../errors.js';
import { readLockfileSource } from '../lockfile/lockfile-io.js';
import type { Lockfile } from '../lockfile/lockfile.js';
import { checkRecordedVideoIds } from '../plan/check-video-ids.js';
import { videoIdFormOf } from '../providers/profile.js';
import { acquireLock, type HeldLock, type Judgement, type LockHolder } from '../run/advisory-lock.js';
import { systemClock } from '../run/clock.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { referencedVideoIds } from './plan-gc.js';

/** A storyboard gc was given, and its lockfile: read again, under its lock, before anything is deleted. */
export interface LockedStoryboard {
  readonly loaded: LoadedStoryboard;
  readonly lockPath: string;
}

/** What the delete phase does to each candidate: kept (a lockfile references it since it was listed), deleted (or already gone), or refused by the server. */
export type ApplyGcEvent =
  | { readonly type: 'lock-wait'; readonly lockPath: string; readonly holder: LockHolder; readonly judged: Judgement }
  | { readonly type: 'video'; readonly video: Video; readonly action: 'kept' | 'deleted' | 'refused'; readonly reason: string };

export interface ApplyGcOptions {
  /** Wait for renders holding the storyboards' locks instead of failing with `lock-busy`. Default false. */
  readonly wait?: boolean;
  readonly signal: AbortSignal;
  /** A path as shown in messages. */
  readonly display: (absPath: string) => string;
  readonly onEvent?: (event: ApplyGcEvent) => void;
}

/** How many candidates the delete phase deleted (or found gone), the server refused, and kept because a lockfile references them since the listing. */
export interface ApplyGcOutcome {
  readonly deleted: number;
  readonly refused: number;
  readonly kept: number;
}

/** The lockfile as plan reads it: bounded, inside the project, its video ids of the provider's form; null when there is none. */
export async function readCheckedLockfile(loaded: LoadedStoryboard, lockPath: string, display: (absPath: string) => string): Promise<Lockfile | null> {
  const source = await readLockfileSource(lockPath, display(lockPath), loaded.projectRoot);
  if (source === null) return null;
  const { profile } = loaded.storyboard.provider;
  checkRecordedVideoIds(source, videoIdFormOf(profile), profile.name);
  return source.lockfile;
}

/**
 * The delete phase, under the lock every render of the given storyboards takes: a render that
 * recorded a video since the listing (the lockfiles were read before it) has released its lock
 * by then, and none can record one while gc deletes. The lockfiles are read again under the
 * locks, and each video is checked against them just before its DELETE, which is sent once.
 */
/** What gc needs of a server: its listing and its delete. */
export type GcClient = Required<Pick<VideoProtocolClient, 'listAll' | 'delete'>>;

export async function applyGc(
  client: GcClient,
  candidates: readonly Video[],
  storyboards: readonly LockedStoryboard[],
  options: ApplyGcOptions,
): Promise<ApplyGcOutcome> {
  const tell = options.onEvent ?? (() => undefined);
  const locks = await takeLocks(storyboards, options);
  try {
    const fresh: Lockfile[] = [];
    for (const { loaded, lockPath } of storyboards) {
      const lock = await readCheckedLockfile(loaded, lockPath, options.display);
      if (lock) fresh.push(lock);
    }
    const referenced = referencedVideoIds(fresh);
    const sent = new Set<string>();
    let deleted = 0;
    let refused = 0;
    let kept = 0;
    for (const video of candidates) {
      if (sent.has(video.id)) continue;
      if (referenced.has(video.id)) {
        kept++;
        tell({ type: 'video', video, action: 'kept', reason: 'referenced since listed' });
        continue;
      }
      sent.add(video.id);
      const outcome = await deleteOne(client, video.id, options.signal);
      if (outcome.ok) deleted++;
      else refused++;
      tell({ type: 'video', video, action: outcome.ok ? 'deleted' : 'refused', reason: outcome.reason });
    }
    return { deleted, refused, kept };
  } finally {
    for (const lock of locks.reverse()) await lock.release();
  }
}

/** Every given storyboard's lock, in path order (two gc runs never wait on each other crosswise); when asked, behind renders that hold them. */
async function takeLocks(storyboards: readonly LockedStoryboard[], options: ApplyGcOptions): Promise<HeldLock[]> {
  const held: HeldLock[] = [];
  try {
    for (const lockPath of [...new Set(storyboards.map((s) => s.lockPath))].sort()) {
      held.push(
        await acquireLock(lockPath, {
          wait: options.wait === true,
          clock: systemClock,
          signal: options.signal,
          onWait: (holder, judged) => options.onEvent?.({ type: 'lock-wait', lockPath, holder, judged }),
        }),
      );
    }
    return held;
  } catch (error) {
    for (const lock of held.reverse()) await lock.release();
    if (options.signal.aborted) throw new InterruptedError('interrupted while waiting for a lockfile lock; nothing was deleted');
    if (error instanceof LockBusyError)
      throw new LockBusyError(
        `nothing deleted: ${error.message.replace(/ \(use --wait to wait for it\)$/, '')}; gc deletes only while no render of the given storyboards runs (use --wait to wait for it)`,
      );
    throw error;
  }
}

/** A 4xx answer to a DELETE: the server's refusal (a job that started in the meantime gets 400), told with its message. 408 is a server error, as everywhere. */
const REFUSALS: ReadonlySet<ErrorKind> = new Set(['auth', 'quota', 'rate-limited', 'conflict', 'refused']);

/** One delete; a refusal is reported, and the rest go on. What a failure means is `classifyError`'s judgement. */
async function deleteOne(client: GcClient, id: string, signal: AbortSignal): Promise<{ ok: boolean; reason: string }> {
  try {
    await client.delete(id, { signal });
    return { ok: true, reason: 'unreferenced' };
  } catch (error) {
    const kind = classifyError(error);
    if (kind === 'gone') return { ok: true, reason: 'already gone' };
    if (REFUSALS.has(kind) && error instanceof ApiError) return { ok: false, reason: `the server refused: ${error.serverMessage ?? error.message}` };
    if (error instanceof ProviderError && !signal.aborted) return { ok: false, reason: error.message };
    throw error;
  }
}
