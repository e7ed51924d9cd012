import type { ProviderProfile, WireValue } from '../profile.js';
import { dataUrlOf, jobFieldsOf, type JobToMap, type MappingRefusal } from './job-request.js';

/**
 * A job as fal.ai's queue takes it (fal-queue.md §1, §2, §12): the model's input as a bare JSON
 * object, submitted to the endpoint id (the model's own, or its image-to-video endpoint when the
 * job has an image), each field typed as that endpoint's schema types it. The image goes inline
 * as a data: URL (fal takes one wherever a file URL goes; no upload to fal's CDN is needed).
 * Pure.
 */

export interface FalSubmit {
  /** The endpoint id the client submits to: `POST https://queue.fal.run/{endpoint}`. */
  readonly endpoint: string;
  readonly body: Readonly<Record<string, WireValue>>;
}

export function mapFalJob(profile: ProviderProfile, job: JobToMap): FalSubmit | { readonly refusal: MappingRefusal } {
  const mapped = jobFieldsOf(profile, job);
  if ('refusal' in mapped) return mapped;
  const image = job.image ? mapped.request.image : null;
  const body: Record<string, WireValue> = { prompt: job.prompt, ...mapped.fields };
  if (job.image && image) body[image.field] = dataUrlOf(job.image);
  return { endpoint: image?.endpoint ?? job.model, body };
}
