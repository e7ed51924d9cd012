import type { LockEntry } from '../lockfile/lockfile.js';
import type { PlanInput } from './plan.js';
import type { GoneVideo, RecordedError } from './plan-reason.js';

/**
 * What the plan knows about a recorded take: whether its file is on disk, whether the server can
 * still give or remix its video, whether it is due for a refresh. Pure; the words for it are the CLI's.
 */

/** A video this close to expiry is treated as expired: the download might not finish in time. */
export const EXPIRY_MARGIN_SECONDS = 600;

export function isExpired(entry: LockEntry, now: number): boolean {
  return entry.expires_at !== null && entry.expires_at <= now + EXPIRY_MARGIN_SECONDS;
}

/** Why the entry's video is gone; null while it can still be fetched or remixed. */
export function unreachable(entry: LockEntry, input: Pick<PlanInput, 'now' | 'servers'>): GoneVideo | null {
  const server = droppedServer(entry, input);
  if (server !== null) return { code: 'dropped', server };
  return isExpired(entry, input.now) ? { code: 'expired' } : null;
}

/** The server holding the entry's video, when the run no longer reaches it (dropped from the pool); null otherwise. */
export function droppedServer(entry: LockEntry, input: Pick<PlanInput, 'servers'>): string | null {
  return entry.server !== undefined && input.servers !== undefined && !input.servers.has(entry.server) ? entry.server : null;
}

/** `unreachable`'s answer, saying when an expired video expired (seconds ago; negative while within the margin). */
export function goneSince(gone: GoneVideo, entry: LockEntry, now: number): GoneVideo {
  return gone.code === 'expired' && entry.expires_at !== null ? { code: 'expired', secondsAgo: now - entry.expires_at } : gone;
}

/** The recorded video file as found on disk. */
export function fileState(entry: LockEntry, input: Pick<PlanInput, 'outputs'>): 'intact' | 'missing' | 'altered' {
  const file = entry.outputs.video ? (input.outputs.get(entry.outputs.video.path) ?? null) : null;
  if (file === null) return 'missing';
  return file.sha256 === entry.outputs.video!.sha256 ? 'intact' : 'altered';
}

/** Whether a take is old enough for its shot's `refresh:` to render it again. */
export function isDue(entry: LockEntry, everySeconds: number, now: number): boolean {
  return everySeconds === 0 || (entry.created_at !== null && entry.created_at + everySeconds <= now);
}

/** A failure the lockfile records, as a plan reason carries it. */
export function recordedError(entry: LockEntry): RecordedError {
  return entry.error ? { code: entry.error.code, message: entry.error.message } : null;
}
