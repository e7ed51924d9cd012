import type { ProviderProfile, WireValue } from '../profile.js';
import { dataUrlOf, jobFieldsOf, type ImageInput, type JobToMap, type MappingRefusal } from './job-request.js';

/**
 * A job as Replicate's predictions take it (replicate.md §2, §11): `POST
 * /v1/models/{owner}/{name}/predictions` with `{input}`, `duration` an integer. Files go inside
 * `input` as data: URLs up to 256 kB, which Replicate does not store (§2); a larger image has to
 * be uploaded first (Replicate's Files API), and the mapping says so rather than send it. Pure.
 */

/** Replicate's advice for inline files: data: URLs up to 256 kB (§2). */
export const MAX_DATA_URL_BYTES = 256 * 1024;

export interface ReplicateCreate {
  /** `owner/name`: the client posts to `/v1/models/{owner}/{name}/predictions`. */
  readonly model: string;
  readonly body: { readonly input: Readonly<Record<string, WireValue>> };
  /**
   * An image too large to go inline: the client uploads it and puts its URL in
   * `body.input[field]` before sending. Absent when the body is complete.
   */
  readonly upload?: { readonly field: string; readonly image: ImageInput };
}

export function mapReplicateJob(profile: ProviderProfile, job: JobToMap): ReplicateCreate | { readonly refusal: MappingRefusal } {
  const mapped = jobFieldsOf(profile, job);
  if ('refusal' in mapped) return mapped;
  const input: Record<string, WireValue> = { prompt: job.prompt, ...mapped.fields };
  const image = job.image && mapped.request.image ? { field: mapped.request.image.field, image: job.image } : null;
  if (image && image.image.bytes.byteLength > MAX_DATA_URL_BYTES) return { model: job.model, body: { input }, upload: image };
  if (image) input[image.field] = dataUrlOf(image.image);
  return { model: job.model, body: { input } };
}
