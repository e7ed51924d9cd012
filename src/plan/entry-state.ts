import type { LockEntry } from '../lockfile/lockfile.js';
import type { PlanInput } from './plan.js';

/**
 * What the plan knows about a recorded take: whether its file is on disk, whether the server can
 * still give or remix its video, whether it is due for a refresh; and the words for it. Pure.
 */

/** A video this close to expiry is treated as expired: the download might not finish in time. */
export const EXPIRY_MARGIN_SECONDS = 600;

export function isExpired(entry: LockEntry, now: number): boolean {
  return entry.expires_at !== null && entry.expires_at <= now + EXPIRY_MARGIN_SECONDS;
}

/** Why a video can no longer be fetched or remixed: expired, or on a server the run does not reach. */
export type Gone = 'expired' | { readonly server: string };

/** Why the entry's video is gone; null while it can still be fetched or remixed. */
export function unreachable(entry: LockEntry, input: Pick<PlanInput, 'now' | 'servers'>): Gone | null {
  const server = droppedServer(entry, input);
  if (server !== null) return { server };
  return isExpired(entry, input.now) ? 'expired' : null;
}

/** The server holding the entry's video, when the run no longer reaches it (dropped from the pool); null otherwise. */
export function droppedServer(entry: LockEntry, input: Pick<PlanInput, 'servers'>): string | null {
  return entry.server !== undefined && input.servers !== undefined && !input.servers.has(entry.server) ? entry.server : null;
}

/** `unreachable`'s answer as the end of a sentence about the video; given the entry and the time, it says when it expired. */
export function goneText(gone: Gone, when?: { readonly entry: LockEntry; readonly now: number }): string {
  if (gone !== 'expired') return `is on ${gone.server}, no longer among the provider's servers`;
  if (!when) return 'expired on the server';
  const { entry, now } = when;
  return entry.expires_at! <= now ? `expired on the server ${ago(now - entry.expires_at!)}` : 'expires on the server within minutes';
}

/** The recorded video file as found on disk. */
export function fileState(entry: LockEntry, input: Pick<PlanInput, 'outputs'>): 'intact' | 'missing' | 'altered' {
  const file = entry.outputs.video ? input.outputs.get(entry.outputs.video.path) ?? null : null;
  if (file === null) return 'missing';
  return file.sha256 === entry.outputs.video!.sha256 ? 'intact' : 'altered';
}

/** Whether a take is old enough for its shot's `refresh:` to render it again. */
export function isDue(entry: LockEntry, everySeconds: number, now: number): boolean {
  return everySeconds === 0 || (entry.created_at !== null && entry.created_at + everySeconds <= now);
}

/** A take's age in words: `5 h`, `3 days`. */
export function age(seconds: number): string {
  return seconds < 172_800 ? `${Math.round(seconds / 3600)} h` : `${Math.round(seconds / 86_400)} days`;
}

/** `12 min ago`, `5 h ago`, `3 days ago`. */
export function ago(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/** The words for a job that failed for good: the server's reason, and what would send it again. */
export function failedReason(entry: LockEntry): string {
  const error = entry.error;
  const why = error ? `${error.code}: ${error.message}` : 'failed';
  return `${why}; not sent again until the request changes, or with --retry-failed`;
}
