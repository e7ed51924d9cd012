import type { WrittenProviderBlock } from './written-provider.generated.js';
import type { ModelProfile, ProviderProfile } from './profile.js';

/**
 * Profiles of the user's own: a built-in (or earlier) profile with some settings replaced, as
 * written in a storyboard's `provider:` block or in `shotlist.providers.yaml`. The written
 * settings are snake_case (schemas/storyboard.schema.json `providerBlock`); this is the one
 * place they become a `ProviderProfile`. Pure.
 */

/** What a provider block or a providers-file entry may set, besides which profile it starts from. */
export type ProfileSettings = Omit<WrittenProviderBlock, 'profile'>;

/** `base` with `settings` applied; `name` is the new profile's name (a block keeps its base's). */
export function applyProfileSettings(base: ProviderProfile, name: string, settings: ProfileSettings): ProviderProfile {
  const s = settings;
  const auth = s.auth;
  const features = s.features;
  return {
    ...base,
    name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    // One server or a pool: whichever the settings give replaces the other.
    ...(s.base_url !== undefined ? { baseUrl: s.base_url, servers: undefined } : {}),
    ...(s.servers !== undefined ? { baseUrl: s.servers[0].base_url, servers: s.servers.map((server) => ({ baseUrl: server.base_url, ...(server.in_flight !== undefined ? { inFlight: server.in_flight } : {}) })) } : {}),
    ...(s.encoding !== undefined ? { encoding: s.encoding } : {}),
    auth: {
      style: auth?.style ?? base.auth.style,
      env: auth?.env ?? base.auth.env,
      required: auth?.required ?? base.auth.required,
      ...(auth?.token_env !== undefined ? { tokenEnv: auth.token_env } : base.auth.tokenEnv !== undefined ? { tokenEnv: base.auth.tokenEnv } : {}),
    },
    ...(s.default_model !== undefined ? { defaultModel: s.default_model } : {}),
    ...(s.requires_model !== undefined ? { requiresModel: s.requires_model } : {}),
    defaults: { size: s.defaults?.size ?? base.defaults.size, seconds: s.defaults?.seconds === undefined ? base.defaults.seconds : String(s.defaults.seconds) },
    ...(s.models !== undefined ? { models: modelsOf(s.models) } : {}),
    limits: {
      inFlight: s.in_flight ?? base.limits.inFlight,
      createsPerMinute: s.creates_per_minute ?? base.limits.createsPerMinute,
      jobDeadlineSeconds: s.job_deadline_seconds ?? base.limits.jobDeadlineSeconds,
      minPollMs: s.min_poll_ms ?? base.limits.minPollMs,
    },
    features: {
      remix: features?.remix ?? base.features.remix,
      edit: features?.edit ?? base.features.edit ?? false,
      extend: features?.extend ?? base.features.extend ?? false,
      characters: features?.characters ?? base.features.characters ?? 0,
      delete: features?.delete ?? base.features.delete,
      list: features?.list ?? base.features.list,
      contentVariants: features?.content_variants ?? base.features.contentVariants,
      inputReference: features?.input_reference ?? base.features.inputReference,
    },
    extraFields: {
      allowed: s.extra_fields ?? base.extraFields.allowed,
      placement: s.extra_placement ?? base.extraFields.placement,
    },
    ...(s.list_query !== undefined ? { listQuery: definedOnly(s.list_query) } : {}),
    ...(s.discover_model !== undefined ? { discoverModel: s.discover_model } : {}),
    ...(s.status_aliases !== undefined ? { statusAliases: { ...base.statusAliases, ...definedOnly(s.status_aliases) } } : {}),
    ...(s.retention_seconds !== undefined ? { retentionSeconds: s.retention_seconds } : {}),
    ...(s.video_id_form !== undefined ? { videoIdForm: s.video_id_form } : {}),
  };
}

type WrittenModels = NonNullable<ProfileSettings['models']>;

function modelsOf(written: WrittenModels): Record<string, ModelProfile> {
  const models: Record<string, ModelProfile> = {};
  for (const [name, model] of Object.entries(written)) {
    if (model === undefined) continue;
    const prices = model.price_per_second === undefined ? undefined : definedOnly(model.price_per_second);
    Object.defineProperty(models, name, {
      enumerable: true,
      value: {
        sizes: model.sizes === undefined || model.sizes === 'any' ? 'any' : [...model.sizes],
        seconds: model.seconds === undefined || model.seconds === 'any' ? 'any' : model.seconds.map(String),
        ...(prices ? { pricePerSecond: prices } : {}),
      } satisfies ModelProfile,
    });
  }
  return models;
}

function definedOnly<T>(record: Readonly<Record<string, T | undefined>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, T] => entry[1] !== undefined));
}
