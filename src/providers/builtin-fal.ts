import type { ExtraField, ModelProfile, ModelRequest, ProviderProfile, WireValue } from './profile.js';
import { sizeOf } from './video-sizes.js';

/**
 * fal.ai's queue (shared/reference/fal-queue.md §12, and the models' own pages; docs/protocols.md
 * says what each figure rests on). A model is named by its text-to-video endpoint id; a job with
 * an `input_reference` goes to the family's image-to-video endpoint. Each schema types its
 * fields its own way: Kling's `duration` is `"5"`, Veo's `"8s"`, Wan counts frames (§12 "type
 * traps"). Images travel as data: URLs, which fal takes wherever a file URL goes.
 */

type Aspect = '16:9' | '9:16' | '1:1';

function fields<T extends WireValue>(values: readonly number[], field: (seconds: number) => Record<string, T>): Record<string, Record<string, T>> {
  return Object.fromEntries(values.map((s) => [String(s), field(s)]));
}

function sizesOf(
  resolutions: readonly string[],
  aspects: readonly Aspect[],
  field: (resolution: string, aspect: Aspect) => Record<string, WireValue>,
  size: (resolution: string, aspect: Aspect) => string = sizeOf,
): Record<string, Record<string, WireValue>> {
  const table: Record<string, Record<string, WireValue>> = {};
  for (const resolution of resolutions) for (const aspect of aspects) table[size(resolution, aspect)] = field(resolution, aspect);
  return table;
}

function model(request: ModelRequest, price?: ModelProfile['price']): ModelProfile {
  return { sizes: Object.keys(request.sizeFields), seconds: Object.keys(request.secondsFields), ...(price ? { price } : {}), request };
}

const VEO_EXTRAS: Partial<Record<ExtraField, string>> = { negative_prompt: 'negative_prompt', seed: 'seed', generate_audio: 'generate_audio' };

/** `usdPerSecond`: with sound, the default; `silentUsdPerSecond`: with `generate_audio: false`. */
function veo(
  resolutions: readonly string[],
  imageEndpoint: string | null,
  usdPerSecond?: Readonly<Record<string, number>>,
  silentUsdPerSecond?: Readonly<Record<string, number>>,
): ModelProfile {
  const veoModel = model(
    {
      sizeFields: sizesOf(resolutions, ['16:9', '9:16'], (resolution, aspect) => ({ aspect_ratio: aspect, resolution })),
      secondsFields: fields([4, 6, 8], (s) => ({ duration: `${s}s` })),
      image: imageEndpoint === null ? null : { field: 'image_url', endpoint: imageEndpoint },
      extraFields: VEO_EXTRAS,
    },
    usdPerSecond ? { perSecond: usdPerSecond } : undefined,
  );
  return silentUsdPerSecond ? { ...veoModel, silentPrice: { perSecond: silentUsdPerSecond } } : veoModel;
}

/** Wan 2.2's sizes (the emulator's reading of its 480p, 580p and 720p; §12 gives no pixels). */
const WAN_SIZES: Readonly<Record<string, Readonly<Record<Aspect, string>>>> = {
  '480p': { '16:9': '848x480', '9:16': '480x848', '1:1': '480x480' },
  '580p': { '16:9': '1024x576', '9:16': '576x1024', '1:1': '576x576' },
  '720p': { '16:9': '1280x720', '9:16': '720x1280', '1:1': '720x720' },
};
const WAN_FPS = 16;

export const FAL_MODELS: Readonly<Record<string, ModelProfile>> = {
  // $1.40 for 5 s and $0.28 for every second more: $0.28 a second (fal.ai/models/…/llms.txt).
  'fal-ai/kling-video/v2.1/master/text-to-video': model(
    {
      sizeFields: { '1920x1080': { aspect_ratio: '16:9' }, '1080x1920': { aspect_ratio: '9:16' }, '1080x1080': { aspect_ratio: '1:1' } },
      secondsFields: fields([5, 10], (s) => ({ duration: String(s) })),
      // The image-to-video endpoint has no aspect_ratio: the video takes the image's.
      image: { field: 'image_url', endpoint: 'fal-ai/kling-video/v2.1/master/image-to-video', omitWithImage: ['aspect_ratio'] },
      extraFields: { negative_prompt: 'negative_prompt' },
    },
    { perSecond: { '*': 0.28 } },
  ),
  // With sound, the default: $0.40 a second at 720p and 1080p, $0.60 at 4k; with `generate_audio: false`,
  // $0.20 and $0.40 (llms.txt).
  'fal-ai/veo3.1': veo(
    ['720p', '1080p', '4k'],
    'fal-ai/veo3.1/image-to-video',
    { '720p': 0.4, '1080p': 0.4, '4k': 0.6 },
    { '720p': 0.2, '1080p': 0.2, '4k': 0.4 },
  ),
  'fal-ai/veo3.1/fast': veo(['720p', '1080p', '4k'], 'fal-ai/veo3.1/fast/image-to-video'),
  // Veo 3: $0.40 a second with sound, $0.20 without; Fast: $0.15 and $0.10 (llms.txt; fal's page).
  'fal-ai/veo3': veo(['720p', '1080p'], null, { '*': 0.4 }, { '*': 0.2 }),
  'fal-ai/veo3/fast': veo(['720p', '1080p'], null, { '*': 0.15 }, { '*': 0.1 }),
  // 768p only (1360x768: the emulator's reading); $0.045 a second at 768p (llms.txt).
  'fal-ai/minimax/hailuo-02/standard/text-to-video': model(
    { sizeFields: { '1360x768': {} }, secondsFields: fields([6, 10], (s) => ({ duration: String(s) })), image: null, extraFields: {} },
    { perSecond: { '*': 0.045 } },
  ),
  // Frames, not seconds: n seconds are 16n + 1 frames at 16 fps (the 4k+1 counts Wan wants; 17–161).
  'fal-ai/wan/v2.2-a14b/text-to-video': model({
    sizeFields: sizesOf(
      ['480p', '580p', '720p'],
      ['16:9', '9:16', '1:1'],
      (resolution, aspect) => ({ resolution, aspect_ratio: aspect }),
      (resolution, aspect) => WAN_SIZES[resolution]![aspect],
    ),
    secondsFields: fields([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], (s) => ({ num_frames: WAN_FPS * s + 1, frames_per_second: WAN_FPS })),
    image: null,
    extraFields: { negative_prompt: 'negative_prompt', seed: 'seed' },
  }),
};

export const falProfile: ProviderProfile = {
  name: 'fal',
  protocol: 'fal',
  description: "fal.ai's queue: Kling 2.1, Veo 3.1 / 3, MiniMax Hailuo 02, Wan 2.2 (FAL_KEY; model = the endpoint id)",
  baseUrl: 'https://queue.fal.run',
  embedded: false,
  auth: { style: 'authorization-key', env: ['FAL_KEY'], required: true },
  encoding: 'json',
  defaultModel: 'fal-ai/veo3.1',
  defaults: { size: '1280x720', seconds: '8' },
  models: FAL_MODELS,
  // §9: no per-minute limit; 2 requests running at once for a new account (queued ones wait, never refused).
  limits: { inFlight: 2, createsPerMinute: null, jobDeadlineSeconds: 3600, minPollMs: 1000 },
  // Cancel (only while queued, §6) stands for delete; the Platform API lists requests by endpoint (§11).
  features: { remix: false, delete: true, list: true, contentVariants: ['video'], inputReference: true },
  extraFields: { allowed: ['seed', 'negative_prompt', 'generate_audio'], placement: 'flat' },
  statusAliases: {},
  // The request id with its app (`fal-ai/kling-video/requests/<id>`): what status and result need (§2).
  videoIdForm: 'fal-request',
  // §10: the default media lifetime is unverified; 7 days is the one report (the emulator's default).
  retentionSeconds: 7 * 86_400,
};
