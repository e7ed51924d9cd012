import type { VideoStatus } from '../providers/profile.js';
import type { JobRequest } from './fingerprint.js';
import type { LockEntry, LockError } from './lockfile.js';

/**
 * Building lockfile entries from what a run knows: the intent before a create leaves, a
 * refusal, and each state a server reports. The runner decides when; this decides what an
 * entry holds, so every writer of `jobs` agrees on it.
 */

/** What an entry keeps of a server's video: any protocol's `Video` has these. */
export interface RecordedVideo {
  readonly id: string;
  readonly status: VideoStatus;
  readonly remixedFromVideoId: string | null;
  /** Unix seconds, as the server reports them; `null` when it does not say. */
  readonly createdAt: number | null;
  readonly expiresAt: number | null;
  readonly error: { readonly code: string | null; readonly message: string } | null;
}

/** The identity of a request as recorded: what was asked, its fingerprint, its price. */
export interface RecordedRequest {
  readonly request: JobRequest;
  readonly fingerprint: string;
  readonly costUsd: number | null;
  /** The price in another currency than USD (then `costUsd` is null); absent for USD. */
  readonly cost?: { readonly amount: number; readonly currency: string };
}

/** Before a create is sent: the intent, on disk first, with the server it goes to. */
export function buildIntentEntry(asked: RecordedRequest, createdAt: number, server: string | undefined): LockEntry {
  return entryWithoutVideo(asked, { status: 'creating', created_at: createdAt, error: null, server });
}

/** A create the server refused: nothing was made, so no video; why it failed. */
export function buildRefusedEntry(asked: RecordedRequest, createdAt: number, error: LockError): LockEntry {
  return entryWithoutVideo(asked, { status: 'failed', created_at: createdAt, error, server: undefined });
}

function entryWithoutVideo(
  asked: RecordedRequest,
  fields: Pick<LockEntry, 'status' | 'created_at' | 'error'> & { readonly server: string | undefined },
): LockEntry {
  return {
    fingerprint: asked.fingerprint,
    request: asked.request,
    video_id: null,
    ...(fields.server !== undefined ? { server: fields.server } : {}),
    remixed_from: asked.request.remix_of?.video_id ?? null,
    status: fields.status,
    created_at: fields.created_at,
    expires_at: null,
    cost_usd: asked.costUsd,
    ...(asked.cost ? { cost: asked.cost } : {}),
    error: fields.error,
    outputs: {},
  };
}

/**
 * The entry for a video as the server reports it. What the server does not say is kept from
 * the previous entry (when it was made, its price); its files only while it is the same video.
 */
export function buildEntryFromVideo(
  request: JobRequest,
  fingerprint: string,
  video: RecordedVideo,
  previous: LockEntry | undefined,
  server: string | undefined,
): LockEntry {
  return {
    fingerprint,
    request,
    video_id: video.id,
    ...(server !== undefined ? { server } : {}),
    remixed_from: video.remixedFromVideoId ?? request.remix_of?.video_id ?? null,
    status: video.status,
    created_at: video.createdAt ?? previous?.created_at ?? null,
    expires_at: video.expiresAt,
    cost_usd: previous?.cost_usd ?? null,
    ...(previous?.cost ? { cost: previous.cost } : {}),
    error: video.error ? { code: video.error.code ?? 'failed', message: video.error.message } : null,
    outputs: previous?.video_id === video.id ? previous.outputs : {},
  };
}

/** A job the server failed after accepting it, or whose video went away: its entry, failed for `error`. */
export function buildFailedEntry(previous: LockEntry, error: LockError): LockEntry {
  return { ...previous, status: 'failed', error };
}

/** A video the server no longer has (its retention ran out early): recorded as expired at `now`. */
export function buildExpiredEntry(previous: LockEntry, now: number): LockEntry {
  return { ...previous, expires_at: now };
}
