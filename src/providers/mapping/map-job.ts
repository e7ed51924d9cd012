import type { ProviderProfile } from '../profile.js';
import { mapFalJob, type FalSubmit } from './fal.js';
import { mapGeminiJob, type GeminiCreate } from './gemini.js';
import type { JobToMap, MappingRefusal } from './job-request.js';
import { mapReplicateJob, type ReplicateCreate } from './replicate.js';

/**
 * A job's request on its profile's protocol, tagged by protocol, for a client that holds the
 * profile and not yet its protocol's type. `/v1/videos` requests are built by the api layer's
 * own request body (size and seconds sent as written), so `openai-videos` maps to null. Pure.
 */
export type MappedJob =
  | { readonly protocol: 'gemini'; readonly request: GeminiCreate }
  | { readonly protocol: 'fal'; readonly request: FalSubmit }
  | { readonly protocol: 'replicate'; readonly request: ReplicateCreate };

export function mapJob(profile: ProviderProfile, job: JobToMap): MappedJob | { readonly refusal: MappingRefusal } | null {
  switch (profile.protocol) {
    case 'openai-videos':
      return null;
    case 'gemini': {
      const request = mapGeminiJob(profile, job);
      return 'refusal' in request ? request : { protocol: 'gemini', request };
    }
    case 'fal': {
      const request = mapFalJob(profile, job);
      return 'refusal' in request ? request : { protocol: 'fal', request };
    }
    case 'replicate': {
      const request = mapReplicateJob(profile, job);
      return 'refusal' in request ? request : { protocol: 'replicate', request };
    }
  }
}
