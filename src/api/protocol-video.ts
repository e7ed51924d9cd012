import { videoIdFormOf, type ProviderProfile, type VideoStatus } from '../providers/profile.js';
import { describeVideoIdForm, isVideoId } from '../providers/video-id.js';
import { redact } from '../untrusted/redactor.js';
import { VideoShapeError, type Video } from './video.js';

/**
 * A job of another protocol (a Gemini operation, a fal request, a Replicate prediction) as the
 * `Video` the runner knows. Its id comes from the server: it must have the profile's form and
 * hold nothing that looks like a credential, as `parseVideo` requires of `/v1/videos` ids. Its
 * words (status, error) are redacted here, where they enter.
 */
export interface JobView {
  readonly id: unknown;
  readonly status: VideoStatus;
  readonly serverStatus: string;
  readonly model?: string | null;
  readonly progress?: number | null;
  readonly createdAt?: number | null;
  readonly completedAt?: number | null;
  readonly expiresAt?: number | null;
  readonly prompt?: string | null;
  readonly size?: string | null;
  readonly seconds?: string | null;
  readonly error?: { readonly code: string | null; readonly message: string } | null;
}

export function videoOfJob(profile: ProviderProfile, view: JobView): Video {
  return {
    id: serverId(profile, view.id),
    status: view.status,
    serverStatus: redact(view.serverStatus),
    model: view.model ?? null,
    progress: view.progress ?? null,
    createdAt: view.createdAt ?? null,
    completedAt: view.completedAt ?? null,
    expiresAt: view.expiresAt ?? null,
    prompt: view.prompt ?? null,
    size: view.size ?? null,
    seconds: view.seconds ?? null,
    remixedFromVideoId: null,
    error: view.error ? { code: view.error.code === null ? null : redact(view.error.code), message: redact(view.error.message) } : null,
  };
}

/** A job id from a server: a string of the profile's video-id form, with no credential in it. */
export function serverId(profile: ProviderProfile, id: unknown): string {
  const form = videoIdFormOf(profile);
  if (typeof id !== 'string' || id === '') throw new VideoShapeError('the job id must be a non-empty string');
  if (redact(id) !== id) throw new VideoShapeError('the job id holds what looks like a credential');
  if (!isVideoId(form, id))
    throw new VideoShapeError(`the job id must be a video id (${describeVideoIdForm(form)}), found ${JSON.stringify(redact(id).slice(0, 80))}`);
  return id;
}

/** An ISO 8601 time from a server as Unix seconds, or null when absent or not a time. */
export function isoSeconds(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 && ms < 253_402_300_800_000 ? Math.floor(ms / 1000) : null;
}
