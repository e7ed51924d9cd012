import type { ModelProfile, ProviderProfile } from './profile.js';

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
  delete: true,
  list: true,
  contentVariants: ['video', 'thumbnail', 'spritesheet'],
  inputReference: true,
} as const;

export const emulatorProfile: ProviderProfile = {
  name: 'emulator',
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
  statusAliases: {},
  retentionSeconds: 86_400,
};

export const openaiProfile: ProviderProfile = {
  name: 'openai',
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
  statusAliases: { processing: 'in_progress' },
  retentionSeconds: 86_400,
  retired: { date: '2026-09-24', note: "OpenAI shut its Sora 2 API down on 2026-09-24" },
};

export const azureProfile: ProviderProfile = {
  name: 'azure',
  description: 'Azure OpenAI v1 (`api-key` header; the deployment name is the model)',
  baseUrl: null,
  embedded: false,
  auth: { style: 'api-key', env: ['AZURE_OPENAI_API_KEY', 'SHOTLIST_API_KEY'], required: true },
  encoding: 'json',
  defaultModel: 'sora-2',
  defaults: { size: '720x1280', seconds: '4' },
  models: { 'sora-2': SORA_2 },
  limits: { inFlight: 2, createsPerMinute: 2, jobDeadlineSeconds: 3600, minPollMs: 1000 },
  features: { ...SORA_FEATURES, contentVariants: ['video', 'thumbnail'] },
  statusAliases: { processing: 'in_progress' },
  retentionSeconds: 86_400,
  retired: { date: '2026-09-15', note: 'Azure retired sora-2 on 2026-09-15' },
};

export const builtinProfiles: Readonly<Record<string, ProviderProfile>> = {
  emulator: emulatorProfile,
  openai: openaiProfile,
  azure: azureProfile,
};
