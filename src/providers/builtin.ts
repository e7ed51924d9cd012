import { falProfile } from './builtin-fal.js';
import { replicateProfile } from './builtin-replicate.js';
import { veoProfile } from './builtin-veo.js';
import { EXTRA_FIELDS, type ModelProfile, type ProviderProfile } from './profile.js';

/**
 * Built-in provider profiles. Facts and prices come from shared/reference/videos-api.md
 * (§10 limits, §11 prices, §12 Azure, §14 other backends).
 */

const SORA_SECONDS = ['4', '8', '12'] as const;
const SORA_2: ModelProfile = {
  sizes: ['720x1280', '1280x720'],
  seconds: SORA_SECONDS,
  pricePerSecond: { '720x1280': 0.1, '1280x720': 0.1 },
};
const SORA_2_PRO: ModelProfile = {
  sizes: ['720x1280', '1280x720', '1024x1792', '1792x1024'],
  seconds: SORA_SECONDS,
  pricePerSecond: { '720x1280': 0.3, '1280x720': 0.3, '1024x1792': 0.5, '1792x1024': 0.5 },
};

/** OpenAI's model table: two names and their dated snapshots. */
const SORA_MODELS: Readonly<Record<string, ModelProfile>> = {
  'sora-2': SORA_2,
  'sora-2-pro': SORA_2_PRO,
  'sora-2-2025-10-06': SORA_2,
  'sora-2-2025-12-08': SORA_2,
  'sora-2-pro-2025-10-06': SORA_2_PRO,
};

const SORA_FEATURES = {
  remix: true,
  // The March-2026 contract (reference §7): edits, extensions, and up to two characters per video.
  edit: true,
  extend: true,
  characters: 2,
  delete: true,
  list: true,
  contentVariants: ['video', 'thumbnail', 'spritesheet'],
  inputReference: true,
} as const;

/** The contract has no fields beyond its own: a storyboard's `seed` is refused, naming the provider. */
const NO_EXTRA_FIELDS: ProviderProfile['extraFields'] = { allowed: [], placement: 'flat' };
/**
 * The open diffusion models' knobs, which vLLM-Omni and LiteLLM pass on: every extra field but
 * `generate_audio`, a switch only some hosted models have (fal's and Replicate's Veo), under
 * names no `/v1/videos` server is known to take.
 */
const DIFFUSION_FIELDS = EXTRA_FIELDS.filter((field) => field !== 'generate_audio');

export const emulatorProfile: ProviderProfile = {
  name: 'emulator',
  protocol: 'openai-videos',
  description: "shotlist's own emulator of OpenAI's Sora 2 contract, started in-process (real MP4s, offline)",
  baseUrl: null,
  embedded: true,
  auth: { style: 'bearer', env: ['SHOTLIST_API_KEY'], required: false },
  encoding: 'json',
  defaultModel: 'sora-2',
  defaults: { size: '720x1280', seconds: '4' },
  models: SORA_MODELS,
  limits: { inFlight: 2, createsPerMinute: null, jobDeadlineSeconds: 3600, minPollMs: 20 },
  features: SORA_FEATURES,
  extraFields: NO_EXTRA_FIELDS,
  statusAliases: {},
  retentionSeconds: 86_400,
};

export const openaiProfile: ProviderProfile = {
  name: 'openai',
  protocol: 'openai-videos',
  description: "OpenAI's Sora 2 Videos API (or any server speaking its exact contract)",
  baseUrl: 'https://api.openai.com/v1',
  embedded: false,
  auth: { style: 'bearer', env: ['OPENAI_API_KEY', 'SHOTLIST_API_KEY'], required: true },
  encoding: 'json',
  defaultModel: 'sora-2',
  defaults: { size: '720x1280', seconds: '4' },
  models: SORA_MODELS,
  limits: { inFlight: 2, createsPerMinute: null, jobDeadlineSeconds: 3600, minPollMs: 1000 },
  features: SORA_FEATURES,
  extraFields: NO_EXTRA_FIELDS,
  statusAliases: { processing: 'in_progress' },
  retentionSeconds: 86_400,
  retired: { date: '2026-09-24', note: 'OpenAI shut its Sora 2 API down on 2026-09-24' },
};

/**
 * Azure OpenAI v1 (§12): `https://<resource>.openai.azure.com/openai/v1`, the key in an
 * `api-key` header or an Entra ID token as a bearer, the deployment name as `model` (override
 * `models` with your deployment's name), two creates per minute.
 */
export const azureProfile: ProviderProfile = {
  name: 'azure',
  protocol: 'openai-videos',
  description: 'Azure OpenAI v1 (/openai/v1; api-key header or Entra bearer token; the deployment name is the model; 2 creates/min)',
  baseUrl: null,
  embedded: false,
  auth: { style: 'api-key', env: ['AZURE_OPENAI_API_KEY', 'SHOTLIST_API_KEY'], tokenEnv: ['AZURE_OPENAI_AD_TOKEN'], required: true },
  encoding: 'json',
  defaultModel: 'sora-2',
  echoesModel: false,
  defaults: { size: '720x1280', seconds: '4' },
  models: { 'sora-2': SORA_2 },
  limits: { inFlight: 2, createsPerMinute: 2, jobDeadlineSeconds: 3600, minPollMs: 1000 },
  // Azure documents remix only; the 2026 endpoints answer 404 there (reference §12, §15 #14).
  features: { ...SORA_FEATURES, edit: false, extend: false, characters: 0, contentVariants: ['video', 'thumbnail'] },
  extraFields: NO_EXTRA_FIELDS,
  statusAliases: { processing: 'in_progress', cancelled: 'failed' },
  retentionSeconds: 86_400,
  retired: { date: '2026-09-15', note: 'Azure retired sora-2 on 2026-09-15' },
};

/**
 * vLLM-Omni (§14): one open model per server (Wan, LTX-2, HunyuanVideo), named at
 * `GET /v1/models`; multipart only; any `WIDTHxHEIGHT` and whole seconds (the model decides what
 * it renders well); the knobs as flat form fields; no remix, no thumbnails; DELETE cancels; a
 * serial queue that never answers 429, so shotlist keeps one job in flight itself; no prices.
 */
export const vllmOmniProfile: ProviderProfile = {
  name: 'vllm-omni',
  protocol: 'openai-videos',
  description: 'vLLM-Omni serving one open video model on your GPUs (multipart only, serial queue, no remix, no prices)',
  baseUrl: null,
  embedded: false,
  auth: { style: 'bearer', env: ['VLLM_API_KEY', 'SHOTLIST_API_KEY'], required: false },
  encoding: 'multipart',
  defaultModel: null,
  // The server echoes `size: null` when none is sent; sending one makes the output reproducible.
  defaults: { size: '832x480', seconds: '4' },
  models: {},
  limits: { inFlight: 1, createsPerMinute: null, jobDeadlineSeconds: 4 * 3600, minPollMs: 1000 },
  features: { remix: false, edit: false, extend: false, characters: 0, delete: true, list: true, contentVariants: ['video'], inputReference: true },
  extraFields: { allowed: DIFFUSION_FIELDS, placement: 'flat' },
  discoverModel: true,
  statusAliases: {},
  retentionSeconds: null,
};

/**
 * LiteLLM proxy (§14): `model` is the proxy's `model_name` (required); ids are base64 and need
 * percent-encoding; `processing` means in progress; no DELETE route; listing needs the upstream
 * provider as a hint; provider knobs travel in `extra_body`.
 */
export const litellmProfile: ProviderProfile = {
  name: 'litellm',
  protocol: 'openai-videos',
  description: 'LiteLLM proxy in front of OpenAI, Azure, Gemini/Veo, Vertex or Runway (model = the proxy model_name; knobs in extra_body)',
  baseUrl: null,
  embedded: false,
  auth: { style: 'bearer', env: ['LITELLM_API_KEY', 'SHOTLIST_API_KEY'], required: false },
  encoding: 'json',
  defaultModel: null,
  requiresModel: true,
  defaults: { size: '720x1280', seconds: '4' },
  models: {},
  limits: { inFlight: 2, createsPerMinute: null, jobDeadlineSeconds: 3600, minPollMs: 1000 },
  // LiteLLM ≥ 1.83 routes edits, extensions and characters to the upstream, which casts at most two (reference §14).
  features: { remix: true, edit: true, extend: true, characters: 2, delete: false, list: true, contentVariants: ['video'], inputReference: true },
  extraFields: { allowed: DIFFUSION_FIELDS, placement: 'extra_body' },
  listQuery: { custom_llm_provider: 'openai' },
  statusAliases: { processing: 'in_progress' },
  videoIdForm: 'video-base64',
  retentionSeconds: null,
};

/**
 * In the order `shotlist providers` lists them: what works today first (the emulator, the
 * hosted protocols, the `/v1/videos` servers you run), the retired services last.
 */
export const builtinProfiles: Readonly<Record<string, ProviderProfile>> = {
  emulator: emulatorProfile,
  veo: veoProfile,
  fal: falProfile,
  replicate: replicateProfile,
  'vllm-omni': vllmOmniProfile,
  litellm: litellmProfile,
  openai: openaiProfile,
  azure: azureProfile,
};

/** The built-in profiles that take an extra field, for hints (`generate_audio` → fal, replicate). */
export function builtinsTaking(field: string): string[] {
  return Object.values(builtinProfiles)
    .filter((profile) => (profile.extraFields.allowed as readonly string[]).includes(field))
    .map((profile) => profile.name);
}
