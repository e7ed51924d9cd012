import type { ProviderProfile, WireValue } from '../profile.js';
import { jobFieldsOf, type JobToMap, type MappingRefusal } from './job-request.js';

/**
 * A job as Google's Gemini API asks Veo for it (gemini-veo.md §3): `POST
 * /v1beta/models/{model}:predictLongRunning` with one instance (the prompt, and the image inline
 * as base64) and the parameters (`aspectRatio`, `resolution`, `durationSeconds` as a number,
 * `negativePrompt`). Nothing the SDK refuses on the Gemini API is sent (`seed`, `generateAudio`),
 * nor `personGeneration`, whose allowed values change with the image and the region (§4): the
 * server's default is the one that is always allowed. Pure.
 */

/** `{bytesBase64Encoded, mimeType}`: the Image shape of §3. */
export interface GeminiImage {
  readonly bytesBase64Encoded: string;
  readonly mimeType: string;
}

export interface GeminiCreateBody {
  readonly instances: readonly [{ readonly prompt: string } & Readonly<Record<string, string | GeminiImage>>];
  readonly parameters: Readonly<Record<string, WireValue>>;
}

/** What the client sends: the model goes in the path, `models/{model}:predictLongRunning`. */
export interface GeminiCreate {
  readonly model: string;
  readonly body: GeminiCreateBody;
}

export function mapGeminiJob(profile: ProviderProfile, job: JobToMap): GeminiCreate | { readonly refusal: MappingRefusal } {
  const mapped = jobFieldsOf(profile, job);
  if ('refusal' in mapped) return mapped;
  const instance: { prompt: string } & Record<string, string | GeminiImage> = { prompt: job.prompt };
  if (job.image && mapped.request.image) {
    instance[mapped.request.image.field] = { bytesBase64Encoded: Buffer.from(job.image.bytes).toString('base64'), mimeType: job.image.mimeType };
  }
  return { model: job.model, body: { instances: [instance], parameters: mapped.fields } };
}
