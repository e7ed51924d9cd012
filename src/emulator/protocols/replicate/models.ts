import { createHash } from 'node:crypto';
import type { ImageInfo } from '../../image-info.js';

/**
 * The official video models of reference §11, as JSON-schema-like input descriptions (what
 * `latest_version.openapi_schema` holds), plus how the input decides the MP4. `duration` is an
 * integer here, not fal's strings. Enum lists beyond the pages the reference read are marked
 * unverified there; the emulator takes the reference's values.
 */
export type PropertySpec =
  | { type: 'string'; enum?: readonly string[]; default?: string }
  | { type: 'integer'; enum?: readonly number[]; default?: number; minimum?: number; maximum?: number }
  | { type: 'boolean'; default?: boolean }
  /** A file input: an http(s) URL (not fetched) or a data: URL (decoded, checked). */
  | { type: 'uri' }
  | { type: 'uris'; minItems: number; maxItems: number };

export interface ReplicateModel {
  readonly name: string;
  readonly required: readonly string[];
  readonly properties: Readonly<Record<string, PropertySpec>>;
  /** The image whose aspect ratio the output takes, when the model follows one. */
  readonly followsImage: string | null;
  size(values: Readonly<Record<string, unknown>>, image: ImageInfo | null): string;
  audio(values: Readonly<Record<string, unknown>>): boolean;
  /** A rule across fields that the model enforces when it runs: the failed prediction's error text, or null. */
  runtimeRule(values: Readonly<Record<string, unknown>>): string | null;
}

const ASPECT = { type: 'string', enum: ['16:9', '9:16'], default: '16:9' } as const;
const VEO_DURATION = { type: 'integer', enum: [4, 6, 8], default: 8 } as const;

function landscape(longSide: number, shortSide: number, aspect: string): string {
  if (aspect === '9:16') return `${shortSide}x${longSide}`;
  if (aspect === '1:1') return `${shortSide}x${shortSide}`;
  return `${longSide}x${shortSide}`;
}

/** The aspect among 16:9, 9:16 and 1:1 nearest to an image's; 16:9 for a URL the emulator did not fetch. */
function nearestAspect(image: ImageInfo | null): string {
  if (image === null) return '16:9';
  const ratio = image.width / image.height;
  return ratio > 1.3 ? '16:9' : ratio < 0.77 ? '9:16' : '1:1';
}

function veo(name: string, defaults: { resolution: string; references: boolean }): ReplicateModel {
  return {
    name,
    required: ['prompt'],
    properties: {
      prompt: { type: 'string' },
      aspect_ratio: ASPECT,
      duration: VEO_DURATION,
      image: { type: 'uri' },
      last_frame: { type: 'uri' },
      ...(defaults.references ? { reference_images: { type: 'uris', minItems: 1, maxItems: 3 } } : {}),
      negative_prompt: { type: 'string' },
      resolution: { type: 'string', enum: ['720p', '1080p'], default: defaults.resolution },
      generate_audio: { type: 'boolean', default: true },
      seed: { type: 'integer' },
    },
    followsImage: null,
    size: (values) => {
      const hd = values['resolution'] === '1080p';
      return landscape(hd ? 1920 : 1280, hd ? 1080 : 720, String(values['aspect_ratio']));
    },
    audio: (values) => values['generate_audio'] !== false,
    runtimeRule: (values) =>
      values['reference_images'] !== undefined && (values['aspect_ratio'] !== '16:9' || values['duration'] !== 8)
        ? 'reference_images require aspect_ratio 16:9 and duration 8.'
        : null,
  };
}

export const REPLICATE_MODELS: readonly ReplicateModel[] = [
  veo('google/veo-3.1', { resolution: '1080p', references: true }),
  veo('google/veo-3.1-fast', { resolution: '720p', references: false }),
  { ...veo('google/veo-3-fast', { resolution: '720p', references: false }), name: 'google/veo-3-fast' },
  {
    name: 'kwaivgi/kling-v2.1-master',
    required: ['prompt'],
    properties: {
      prompt: { type: 'string' },
      negative_prompt: { type: 'string' },
      start_image: { type: 'uri' },
      aspect_ratio: { type: 'string', enum: ['16:9', '9:16', '1:1'], default: '16:9' },
      duration: { type: 'integer', enum: [5, 10], default: 5 },
    },
    followsImage: 'start_image',
    // aspect_ratio is ignored with a start image: the output takes the image's.
    size: (values, image) => landscape(1920, 1080, values['start_image'] === undefined ? String(values['aspect_ratio']) : nearestAspect(image)),
    audio: () => false,
    runtimeRule: () => null,
  },
  {
    name: 'minimax/hailuo-2.3',
    required: ['prompt'],
    properties: {
      prompt: { type: 'string' },
      duration: { type: 'integer', enum: [6, 10], default: 6 },
      resolution: { type: 'string', enum: ['768p', '1080p'], default: '768p' },
      prompt_optimizer: { type: 'boolean', default: true },
      first_frame_image: { type: 'uri' },
    },
    followsImage: 'first_frame_image',
    size: (values, image) => (values['resolution'] === '1080p' ? landscape(1920, 1080, nearestAspect(image)) : landscape(1360, 768, nearestAspect(image))),
    audio: () => false,
    runtimeRule: (values) =>
      values['duration'] === 10 && values['resolution'] === '1080p' ? '10 s videos are available at 768p only; 1080p takes duration 6.' : null,
  },
  {
    name: 'minimax/hailuo-02-fast',
    required: ['prompt'],
    properties: {
      prompt: { type: 'string' },
      first_frame_image: { type: 'uri' },
      duration: { type: 'integer', enum: [6, 10], default: 6 },
      prompt_optimizer: { type: 'boolean', default: true },
      go_fast: { type: 'boolean', default: false },
    },
    followsImage: 'first_frame_image',
    // 512p (the Fast model's resolution; not in the reference).
    size: (_values, image) => landscape(912, 512, nearestAspect(image)),
    audio: () => false,
    runtimeRule: () => null,
  },
];

export function replicateModel(name: string): ReplicateModel | null {
  return REPLICATE_MODELS.find((model) => model.name === name) ?? null;
}

/** The emulator's version id of a model: 64 hex digits, stable (official models show `version: "hidden"`). */
export function versionIdOf(model: ReplicateModel): string {
  return createHash('sha256').update(`replicate-emulator:${model.name}`).digest('hex');
}

export function modelByVersionId(id: string): ReplicateModel | null {
  return REPLICATE_MODELS.find((model) => versionIdOf(model) === id) ?? null;
}
