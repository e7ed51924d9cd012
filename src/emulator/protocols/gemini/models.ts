/**
 * The Veo models of the Gemini API and what each allows (reference §1 and §4). One row per
 * model id, read by the create validation; sizes follow from resolution and aspect ratio.
 */
export interface VeoModel {
  readonly id: string;
  /** `3.1`: Veo 3.1 and 3.1 Fast (and Lite, with less); `3`: Veo 3 and 3 Fast; `2`: Veo 2. */
  readonly generation: '3.1' | '3' | '2';
  readonly resolutions: readonly string[];
  readonly durations: readonly number[];
  /** Veo 3 and later always make sound on the Gemini API; Veo 2 makes none. */
  readonly audio: boolean;
  /** `referenceImages`: Veo 3.1 only, not Fast (cookbook). */
  readonly referenceImages: boolean;
  /** `lastFrame` (interpolation) and `video` (extension): Veo 3.1 and 3.1 Fast. */
  readonly interpolation: boolean;
  readonly extension: boolean;
}

export const ASPECT_RATIOS: readonly string[] = ['16:9', '9:16'];
export const DEFAULT_DURATION = 8;

const VEO_31 = { generation: '3.1', resolutions: ['720p', '1080p', '4k'], durations: [4, 6, 8], audio: true, interpolation: true, extension: true } as const;
const VEO_3 = {
  generation: '3',
  resolutions: ['720p', '1080p'],
  durations: [4, 6, 8],
  audio: true,
  referenceImages: false,
  interpolation: false,
  extension: false,
} as const;

export const VEO_MODELS: readonly VeoModel[] = [
  { id: 'veo-3.1-generate-preview', ...VEO_31, referenceImages: true },
  { id: 'veo-3.1-fast-generate-preview', ...VEO_31, referenceImages: false },
  // Lite: text-to-video and one image only, no 4K (third-party sources; reference §1).
  { id: 'veo-3.1-lite-generate-preview', ...VEO_31, resolutions: ['720p', '1080p'], referenceImages: false, interpolation: false, extension: false },
  { id: 'veo-3.0-generate-001', ...VEO_3 },
  { id: 'veo-3.0-fast-generate-001', ...VEO_3 },
  {
    id: 'veo-2.0-generate-001',
    generation: '2',
    resolutions: ['720p'],
    durations: [5, 6, 8],
    audio: false,
    referenceImages: false,
    interpolation: false,
    extension: false,
  },
];

export function veoModel(id: string): VeoModel | null {
  return VEO_MODELS.find((model) => model.id === id) ?? null;
}

const HEIGHT: Readonly<Record<string, number>> = { '720p': 720, '1080p': 1080, '4k': 2160 };

/** `1280x720` for 720p 16:9, `720x1280` for 9:16, `1920x1080`, `3840x2160`. */
export function sizeFor(resolution: string, aspectRatio: string): string {
  const short = HEIGHT[resolution] ?? 720;
  const long = (short * 16) / 9;
  return aspectRatio === '9:16' ? `${short}x${long}` : `${long}x${short}`;
}

/** Which `personGeneration` values a request may send: it depends on the model and on whether an image is given. */
export function personGenerationValues(model: VeoModel, fromImage: boolean): readonly string[] {
  if (model.generation === '2') return fromImage ? ['allow_adult', 'dont_allow'] : ['allow_all', 'allow_adult', 'dont_allow'];
  return fromImage ? ['allow_adult'] : ['allow_all'];
}

/** Extension adds 7 s per call to a Veo video of at most 141 s; the result is at most 148 s. */
export const EXTENSION_SECONDS = 7;
export const MAX_EXTENSION_SOURCE_SECONDS = 141;
