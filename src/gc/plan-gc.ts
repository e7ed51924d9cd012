import type { Video } from '../api/index.js';
import type { Lockfile } from '../lockfile/lockfile.js';
import type { ProviderProfile } from '../providers/profile.js';

/**
 * `shotlist gc`: which of the server's videos no given lockfile references. Pure: the caller
 * lists the server and reads the lockfiles.
 */

export type KeepReason = 'referenced' | 'in_flight';

export interface GcPlan {
  /** Unreferenced and finished (completed or failed): the ones to delete, in listing order. */
  readonly unreferenced: readonly Video[];
  readonly kept: readonly { readonly video: Video; readonly reason: KeepReason }[];
}

/**
 * Every video id a lockfile mentions: an entry's own video, the video it was remixed from,
 * and the parent video its request names. A video that any of these names is never deleted.
 */
export function referencedVideoIds(lockfiles: Iterable<Lockfile>): Set<string> {
  const ids = new Set<string>();
  for (const lock of lockfiles) {
    for (const entry of Object.values(lock.jobs)) {
      for (const id of [entry.video_id, entry.remixed_from, entry.request.remix_of?.video_id ?? null, entry.request.parent?.video_id ?? null])
        if (id) ids.add(id);
    }
  }
  return ids;
}

/**
 * Splits the listed videos. A job still queued or in progress is kept even when unreferenced:
 * it may be a render whose lockfile has not recorded its id yet, and servers refuse to delete
 * it anyway. A video listed twice (a server that repeats itself across pages) counts once: the
 * first listing stands, and no id is ever deleted twice.
 */
export function planGc(videos: Iterable<Video>, referenced: ReadonlySet<string>): GcPlan {
  const unreferenced: Video[] = [];
  const kept: { video: Video; reason: KeepReason }[] = [];
  const seen = new Set<string>();
  for (const video of videos) {
    if (seen.has(video.id)) continue;
    seen.add(video.id);
    if (referenced.has(video.id)) kept.push({ video, reason: 'referenced' });
    else if (video.status === 'queued' || video.status === 'in_progress') kept.push({ video, reason: 'in_flight' });
    else unreferenced.push(video);
  }
  return { unreferenced, kept };
}

/** The endpoints gc needs that the provider's profile says its servers lack: list always, delete unless it only lists. */
export function missingGcFeatures(profile: ProviderProfile, dryRun: boolean): ('list' | 'delete')[] {
  const missing: ('list' | 'delete')[] = [];
  if (!profile.features.list) missing.push('list');
  if (!profile.features.delete && !dryRun) missing.push('delete');
  return missing;
}
