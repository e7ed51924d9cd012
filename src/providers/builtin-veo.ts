import type { ModelProfile, ProviderProfile } from './profile.js';
import { sizeOf } from './video-sizes.js';

/**
 * Google Veo through the Gemini API (shared/reference/gemini-veo.md; docs/protocols.md says what
 * each figure rests on). Sizes are aspect ratio × resolution; `durationSeconds` is sent as a
 * number (§3); the image goes inline as base64 (§3); `negativePrompt` is the one extra field:
 * the SDK refuses `seed` and `generateAudio` on the Gemini API (§3), and Veo 3 always makes sound.
 */

type Aspect = '16:9' | '9:16';

interface VeoShape {
  /** Resolutions and the aspect ratios each is made in. */
  readonly resolutions: Readonly<Record<string, readonly Aspect[]>>;
  readonly seconds: readonly number[];
  /** Veo 2 takes no `resolution` parameter (§4: "unsupported"): only the aspect ratio is sent. */
  readonly sendsResolution: boolean;
  /** Resolutions made only at 8 s (§4: Veo 3.1's 1080p, and 4k). */
  readonly eightSecondsOnly: readonly string[];
  /** USD per second by resolution (§9); absent where no price is known. */
  readonly usdPerSecond?: Readonly<Record<string, number>>;
}

function veoModel(shape: VeoShape): ModelProfile {
  const sizeFields: Record<string, Record<string, string>> = {};
  const secondsBySize: Record<string, readonly string[]> = {};
  for (const [resolution, aspects] of Object.entries(shape.resolutions)) {
    for (const aspect of aspects) {
      const size = sizeOf(resolution, aspect);
      sizeFields[size] = shape.sendsResolution ? { aspectRatio: aspect, resolution } : { aspectRatio: aspect };
      if (shape.eightSecondsOnly.includes(resolution)) secondsBySize[size] = ['8'];
    }
  }
  const seconds = shape.seconds.map(String);
  return {
    sizes: Object.keys(sizeFields),
    seconds,
    ...(shape.usdPerSecond ? { price: { perSecond: shape.usdPerSecond } } : {}),
    ...(Object.keys(secondsBySize).length > 0 ? { secondsBySize } : {}),
    request: {
      sizeFields,
      secondsFields: Object.fromEntries(shape.seconds.map((s) => [String(s), { durationSeconds: s }])),
      image: { field: 'image' },
      extraFields: { negative_prompt: 'negativePrompt' },
    },
  };
}

const BOTH: readonly Aspect[] = ['16:9', '9:16'];
const VEO_31 = {
  resolutions: { '720p': BOTH, '1080p': BOTH, '4k': BOTH },
  seconds: [4, 6, 8],
  sendsResolution: true,
  eightSecondsOnly: ['1080p', '4k'],
} as const;

export const VEO_MODELS: Readonly<Record<string, ModelProfile>> = {
  'veo-3.1-generate-preview': veoModel({ ...VEO_31, usdPerSecond: { '720p': 0.4, '1080p': 0.4, '4k': 0.6 } }),
  'veo-3.1-fast-generate-preview': veoModel({ ...VEO_31, usdPerSecond: { '720p': 0.1, '1080p': 0.12, '4k': 0.3 } }),
  // Lite: no 4k (§1, third-party); the 8 s rule of 1080p is Veo 3.1's, and Lite is a 3.1 model.
  'veo-3.1-lite-generate-preview': veoModel({ ...VEO_31, resolutions: { '720p': BOTH, '1080p': BOTH }, usdPerSecond: { '720p': 0.05, '1080p': 0.08 } }),
  // Veo 3: 1080p in 16:9 only (§4); current prices unknown (§9 gives only older figures).
  'veo-3.0-generate-001': veoModel({ resolutions: { '720p': BOTH, '1080p': ['16:9'] }, seconds: [4, 6, 8], sendsResolution: true, eightSecondsOnly: [] }),
  'veo-3.0-fast-generate-001': veoModel({ resolutions: { '720p': BOTH, '1080p': ['16:9'] }, seconds: [4, 6, 8], sendsResolution: true, eightSecondsOnly: [] }),
  // Veo 2: 720p only, 5, 6 or 8 s, no sound (§1, §4).
  'veo-2.0-generate-001': veoModel({ resolutions: { '720p': BOTH }, seconds: [5, 6, 8], sendsResolution: false, eightSecondsOnly: [] }),
};

export const veoProfile: ProviderProfile = {
  name: 'veo',
  protocol: 'gemini',
  description: 'Google Veo 3.1 / 3 / 2 through the Gemini API (GEMINI_API_KEY or GOOGLE_API_KEY; 16:9 or 9:16 at 720p, 1080p or 4k; 4, 6 or 8 s)',
  baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  embedded: false,
  // The Google SDKs take GOOGLE_API_KEY over GEMINI_API_KEY when both are set (google-genai `_api_client.py`).
  auth: { style: 'x-goog-api-key', env: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'], required: true },
  encoding: 'json',
  defaultModel: 'veo-3.1-fast-generate-preview',
  defaults: { size: '1280x720', seconds: '8' },
  models: VEO_MODELS,
  // §8: third-party figures for preview models, 10 requests a minute and about 10 at once.
  limits: { inFlight: 10, createsPerMinute: 10, jobDeadlineSeconds: 3600, minPollMs: 5000 },
  // No remix, no delete or cancel, and no list of operations (§2): a lost create cannot be found.
  features: { remix: false, delete: false, list: false, contentVariants: ['video'], inputReference: true },
  extraFields: { allowed: ['negative_prompt'], placement: 'flat' },
  statusAliases: {},
  videoIdForm: 'operation',
  // §8: generated videos are kept 2 days.
  retentionSeconds: 2 * 86_400,
};
