import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * The request a job sends, as recorded in the lockfile. Everything that shapes the video is
 * here; nothing else is (not the job id, not the output path).
 */
export interface JobRequest {
  /** Which server holds the video: the profile name, plus its base URL when not the embedded emulator. */
  readonly provider: string;
  /** `null` when the server picks its default model. */
  readonly model: string | null;
  readonly size: string;
  readonly seconds: string;
  readonly prompt: string;
  /**
   * Extra request fields (`seed`, `num_frames`, ...) as sent, `seed: auto` resolved to its number:
   * present only when the job sets any, so a lockfile can reproduce an output on a seeded server.
   */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
  readonly input_reference?: { readonly path: string; readonly sha256: string };
  /** A remix: the parent job and the video it edits (`null` until the parent has a video). */
  readonly remix_of?: { readonly job: string; readonly video_id: string | null };
  /**
   * An edit, an extension or a continuation: the parent job, its video (`null` until the parent
   * has one), for an extension the length of the whole video it makes, for a continuation the
   * parent's last frame as extracted (`null` until it is).
   */
  readonly parent?: RequestParent;
  /** Characters cast, by name, with the ids they have on the provider (`null` until created). */
  readonly characters?: readonly { readonly name: string; readonly id: string | null }[];
}

export interface RequestParent {
  readonly kind: 'edit' | 'extend' | 'continue';
  readonly job: string;
  readonly video_id: string | null;
  /** An extension: seconds of the whole video (the parent's and the new segment). */
  readonly total_seconds?: string;
  /** A continuation: the PNG of the parent's last frame, relative to the lockfile's directory. */
  readonly frame?: { readonly path: string; readonly sha256: string } | null;
}

/**
 * sha256 of the canonical request (RFC 8785): the fields that shape the video. The image counts
 * by its bytes (not its path) and a remix by its parent's video.
 */
export function fingerprintOf(request: JobRequest): string {
  const canonical: Record<string, unknown> = {
    // Only when present: the fingerprints of requests without extra fields stay what they were.
    ...(request.extra === undefined ? {} : { extra: request.extra }),
    ...(request.parent === undefined
      ? {}
      : { parent: { kind: request.parent.kind, video_id: request.parent.video_id, frame_sha256: request.parent.frame?.sha256 ?? null } }),
    ...(request.characters === undefined ? {} : { character_ids: request.characters.map((character) => character.id) }),
    input_reference_sha256: request.input_reference?.sha256 ?? null,
    model: request.model,
    prompt: request.prompt,
    provider: request.provider,
    remix_parent_video_id: request.remix_of?.video_id ?? null,
    seconds: request.seconds,
    size: request.size,
  };
  return `sha256:${createHash('sha256').update(canonicalJson(canonical)).digest('hex')}`;
}

/** The request fields that differ between two requests, in a stable order, for "~ render (prompt changed)". */
export function changedFields(before: JobRequest, after: JobRequest): string[] {
  const changed: string[] = [];
  if (before.provider !== after.provider) changed.push('provider');
  if (before.model !== after.model) changed.push('model');
  if (before.size !== after.size) changed.push('size');
  if (before.seconds !== after.seconds) changed.push('seconds');
  if (before.prompt !== after.prompt) changed.push('prompt');
  for (const key of new Set([...Object.keys(before.extra ?? {}), ...Object.keys(after.extra ?? {})])) {
    if (before.extra?.[key] !== after.extra?.[key]) changed.push(key);
  }
  if ((before.input_reference?.sha256 ?? null) !== (after.input_reference?.sha256 ?? null)) changed.push('input_reference');
  if ((before.remix_of?.video_id ?? null) !== (after.remix_of?.video_id ?? null)) changed.push('parent video');
  if ((before.parent?.kind ?? null) !== (after.parent?.kind ?? null)) changed.push('parent kind');
  else if ((before.parent?.video_id ?? null) !== (after.parent?.video_id ?? null)) changed.push('parent video');
  else if ((before.parent?.frame?.sha256 ?? null) !== (after.parent?.frame?.sha256 ?? null)) changed.push('parent frame');
  if (JSON.stringify(before.characters ?? []) !== JSON.stringify(after.characters ?? [])) changed.push('characters');
  return changed;
}
