import type { ModelProfile, ModelRequest, ProviderProfile } from './profile.js';
import { sizeOf } from './video-sizes.js';

/**
 * Replicate's predictions on official models (shared/reference/replicate.md §11; docs/protocols.md
 * says what each figure rests on). `duration` is an integer here (§11 "type traps"); images go
 * inside `input` as data: URLs (§2: up to 256 kB, larger ones need an upload).
 */

function model(request: ModelRequest, extra: Pick<ModelProfile, 'price' | 'secondsBySize'> = {}): ModelProfile {
  return { sizes: Object.keys(request.sizeFields), seconds: Object.keys(request.secondsFields), ...extra, request };
}

function durations(values: readonly number[]): Record<string, Record<string, number>> {
  return Object.fromEntries(values.map((s) => [String(s), { duration: s }]));
}

function veo(resolutions: readonly ('720p' | '1080p')[], price?: ModelProfile['price']): ModelProfile {
  const sizeFields: Record<string, Record<string, string>> = {};
  for (const resolution of resolutions)
    for (const aspect of ['16:9', '9:16'] as const) sizeFields[sizeOf(resolution, aspect)] = { aspect_ratio: aspect, resolution };
  return model(
    {
      sizeFields,
      secondsFields: durations([4, 6, 8]),
      image: { field: 'image' },
      extraFields: { negative_prompt: 'negative_prompt', seed: 'seed', generate_audio: 'generate_audio' },
    },
    price ? { price } : {},
  );
}

export const REPLICATE_MODELS: Readonly<Record<string, ModelProfile>> = {
  // §11: about $0.40 a second with sound (third-party, unverified; Google's own price for Veo 3.1).
  'google/veo-3.1': veo(['720p', '1080p'], { perSecond: { '*': 0.4 } }),
  'google/veo-3.1-fast': veo(['720p', '1080p']),
  'google/veo-3-fast': veo(['720p', '1080p']),
  'kwaivgi/kling-v2.1-master': model({
    sizeFields: { '1920x1080': { aspect_ratio: '16:9' }, '1080x1920': { aspect_ratio: '9:16' }, '1080x1080': { aspect_ratio: '1:1' } },
    secondsFields: durations([5, 10]),
    // `aspect_ratio` is ignored with `start_image`: the video takes the image's.
    image: { field: 'start_image', omitWithImage: ['aspect_ratio'] },
    extraFields: { negative_prompt: 'negative_prompt' },
  }),
  // 768p (1360x768, the emulator's reading) or 1080p; 10 s only at 768p (§11). Landscape without a first frame.
  'minimax/hailuo-2.3': model(
    {
      sizeFields: { '1360x768': { resolution: '768p' }, '1920x1080': { resolution: '1080p' } },
      secondsFields: durations([6, 10]),
      image: { field: 'first_frame_image' },
      extraFields: {},
    },
    { secondsBySize: { '1920x1080': ['6'] } },
  ),
  // 512p (912x512, the emulator's reading).
  'minimax/hailuo-02-fast': model({ sizeFields: { '912x512': {} }, secondsFields: durations([6, 10]), image: { field: 'first_frame_image' }, extraFields: {} }),
};

export const replicateProfile: ProviderProfile = {
  name: 'replicate',
  protocol: 'replicate',
  description: "Replicate's predictions on official models: Veo 3.1, Kling 2.1, MiniMax Hailuo (REPLICATE_API_TOKEN; model = owner/name)",
  baseUrl: 'https://api.replicate.com/v1',
  embedded: false,
  auth: { style: 'bearer', env: ['REPLICATE_API_TOKEN'], required: true },
  encoding: 'json',
  defaultModel: 'google/veo-3.1-fast',
  defaults: { size: '1280x720', seconds: '8' },
  models: REPLICATE_MODELS,
  // §8: 600 creates a minute; no published cap on predictions running at once (4 is shotlist's own, override with in_flight).
  limits: { inFlight: 4, createsPerMinute: 600, jobDeadlineSeconds: 3600, minPollMs: 1000 },
  // Cancel stands for delete; GET /predictions lists (newest first) to find a lost create (§10).
  features: { remix: false, delete: true, list: true, contentVariants: ['video'], inputReference: true },
  extraFields: { allowed: ['seed', 'negative_prompt', 'generate_audio'], placement: 'flat' },
  statusAliases: {},
  videoIdForm: 'opaque',
  // §5: inputs, outputs and their files are removed an hour after an API prediction.
  retentionSeconds: 3600,
};
