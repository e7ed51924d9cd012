import type { ImageInfo } from '../../image-info.js';
import type { FieldSpec, InputSchema } from './input-schema.js';

/**
 * The video endpoints of reference §12: each one's input model, and how its input decides the
 * size, length and sound of the MP4. Output sizes are not in the reference; the ones here are
 * the models' nominal resolutions (Kling 2.1 Master 1080p, Hailuo 02 Standard 768p), chosen
 * with sides divisible by 16.
 */
export interface FalEndpoint {
  readonly id: string;
  readonly schema: InputSchema;
  /** `WIDTHxHEIGHT` of the output, from the input (and the first frame, for models that follow it). */
  size(values: Readonly<Record<string, unknown>>, image: ImageInfo | null): string;
  /** Seconds of the output, as a decimal string (Wan: frames ÷ frames per second). */
  seconds(values: Readonly<Record<string, unknown>>): string;
  audio(values: Readonly<Record<string, unknown>>): boolean;
  /** The result carries `seed` (the one sent, or the one drawn). */
  readonly returnsSeed: boolean;
}

const prompt: FieldSpec = { kind: 'string', required: true };
const negative: FieldSpec = { kind: 'string' };
const seed: FieldSpec = { kind: 'int', min: 0, max: 2147483647 };

const SIZES_1080: Readonly<Record<string, string>> = { '16:9': '1920x1080', '9:16': '1080x1920', '1:1': '1080x1080' };
const VEO_HEIGHT: Readonly<Record<string, number>> = { '720p': 720, '1080p': 1080, '4k': 2160 };

/** The aspect ratio among 16:9, 9:16 and 1:1 nearest to an image's; 16:9 when the image was a URL the emulator did not fetch. */
function nearestAspect(image: ImageInfo | null): string {
  if (image === null) return '16:9';
  const ratio = image.width / image.height;
  const options: Array<[string, number]> = [
    ['16:9', 16 / 9],
    ['9:16', 9 / 16],
    ['1:1', 1],
  ];
  return options.reduce((best, each) => (Math.abs(Math.log(ratio / each[1])) < Math.abs(Math.log(ratio / best[1])) ? each : best))[0];
}

function kling(id: string, withImage: boolean, extra: InputSchema = {}): FalEndpoint {
  return {
    id,
    schema: {
      prompt,
      ...(withImage ? { image_url: { kind: 'image', required: true } } : { aspect_ratio: { kind: 'literal', values: ['16:9', '9:16', '1:1'] } }),
      duration: { kind: 'literal', values: ['5', '10'] },
      negative_prompt: negative,
      cfg_scale: { kind: 'number', min: 0, max: 1 },
      ...extra,
    },
    size: (values, image) => SIZES_1080[withImage ? nearestAspect(image) : String(values['aspect_ratio'] ?? '16:9')]!,
    seconds: (values) => String(values['duration'] ?? '5'),
    audio: () => false,
    returnsSeed: false,
  };
}

function veo(id: string, options: { resolutions: readonly string[]; image?: 'image_url' | 'image_urls' }): FalEndpoint {
  return {
    id,
    schema: {
      prompt,
      ...(options.image === 'image_url' ? { image_url: { kind: 'image', required: true } } : {}),
      ...(options.image === 'image_urls' ? { image_urls: { kind: 'images', required: true, min: 1, max: 3 } } : {}),
      aspect_ratio: { kind: 'literal', values: ['16:9', '9:16'] },
      duration: { kind: 'literal', values: ['4s', '6s', '8s'] },
      resolution: { kind: 'literal', values: options.resolutions },
      generate_audio: { kind: 'bool' },
      negative_prompt: negative,
      seed,
      auto_fix: { kind: 'bool' },
      safety_tolerance: { kind: 'literal', values: ['1', '2', '3', '4', '5', '6'] },
    },
    size: (values) => {
      const short = VEO_HEIGHT[String(values['resolution'] ?? '720p')] ?? 720;
      const long = (short * 16) / 9;
      return values['aspect_ratio'] === '9:16' ? `${short}x${long}` : `${long}x${short}`;
    },
    seconds: (values) => String(values['duration'] ?? '8s').replace(/s$/, ''),
    audio: (values) => values['generate_audio'] !== false,
    returnsSeed: true,
  };
}

const WAN_SIZES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '480p': { '16:9': '848x480', '9:16': '480x848', '1:1': '480x480' },
  '580p': { '16:9': '1024x576', '9:16': '576x1024', '1:1': '576x576' },
  '720p': { '16:9': '1280x720', '9:16': '720x1280', '1:1': '720x720' },
};

const VEO_31_RESOLUTIONS = ['720p', '1080p', '4k'];

export const FAL_ENDPOINTS: readonly FalEndpoint[] = [
  kling('fal-ai/kling-video/v2.1/master/text-to-video', false),
  kling('fal-ai/kling-video/v2.1/master/image-to-video', true),
  kling('fal-ai/kling-video/v2.5-turbo/pro/image-to-video', true, { tail_image_url: { kind: 'image' } }),
  veo('fal-ai/veo3.1', { resolutions: VEO_31_RESOLUTIONS }),
  veo('fal-ai/veo3.1/fast', { resolutions: VEO_31_RESOLUTIONS }),
  veo('fal-ai/veo3.1/image-to-video', { resolutions: VEO_31_RESOLUTIONS, image: 'image_url' }),
  veo('fal-ai/veo3.1/fast/image-to-video', { resolutions: VEO_31_RESOLUTIONS, image: 'image_url' }),
  veo('fal-ai/veo3.1/reference-to-video', { resolutions: VEO_31_RESOLUTIONS, image: 'image_urls' }),
  veo('fal-ai/veo3', { resolutions: ['720p', '1080p'] }),
  veo('fal-ai/veo3/fast', { resolutions: ['720p', '1080p'] }),
  {
    id: 'fal-ai/minimax/hailuo-02/standard/text-to-video',
    schema: { prompt, duration: { kind: 'literal', values: ['6', '10'] }, prompt_optimizer: { kind: 'bool' } },
    size: () => '1360x768',
    seconds: (values) => String(values['duration'] ?? '6'),
    audio: () => false,
    returnsSeed: false,
  },
  {
    // Endpoint id unverified (reference §12): Wan counts frames instead of seconds.
    id: 'fal-ai/wan/v2.2-a14b/text-to-video',
    schema: {
      prompt,
      negative_prompt: negative,
      resolution: { kind: 'literal', values: ['480p', '580p', '720p'] },
      aspect_ratio: { kind: 'literal', values: ['16:9', '9:16', '1:1'] },
      num_frames: { kind: 'int', min: 17, max: 161 },
      frames_per_second: { kind: 'int', min: 4, max: 60 },
      seed,
    },
    size: (values) => WAN_SIZES[String(values['resolution'] ?? '720p')]![String(values['aspect_ratio'] ?? '16:9')]!,
    seconds: (values) => String(Number(values['num_frames'] ?? 81) / Number(values['frames_per_second'] ?? 16)),
    audio: () => false,
    returnsSeed: true,
  },
];

export function falEndpoint(id: string): FalEndpoint | null {
  return FAL_ENDPOINTS.find((endpoint) => endpoint.id === id) ?? null;
}

/**
 * `{owner}/{alias}` of an endpoint id (`fal-ai/kling-video/v2.1/...` → `fal-ai/kling-video`);
 * namespaced ids keep their namespace (`workflows/me/flow` → `workflows/me/flow`), as the JS
 * client's `parseEndpointId` splits them (reference §2).
 */
export function appPathOf(endpointId: string): string {
  const parts = endpointId.split('/');
  const namespaced = NAMESPACES.includes(parts[0] ?? '');
  return parts.slice(0, namespaced ? 3 : 2).join('/');
}

export const NAMESPACES: readonly string[] = ['workflows', 'comfy'];
