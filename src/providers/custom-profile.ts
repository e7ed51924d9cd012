import type { WrittenProviderBlock } from './written-provider.generated.js';
import type { ModelProfile, ModelRequest, ProviderProfile, WireValue } from './profile.js';

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
    ...(s.currency !== undefined ? { currency: s.currency } : {}),
    // One server or a pool: whichever the settings give replaces the other.
    ...(s.base_url !== undefined ? { baseUrl: s.base_url, servers: undefined } : {}),
    ...(s.servers !== undefined
      ? {
          baseUrl: s.servers[0].base_url,
          servers: s.servers.map((server) => ({ baseUrl: server.base_url, ...(server.in_flight !== undefined ? { inFlight: server.in_flight } : {}) })),
        }
      : {}),
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

type WrittenModel = NonNullable<WrittenModels[string]>;

function modelsOf(written: WrittenModels): Record<string, ModelProfile> {
  const models: Record<string, ModelProfile> = {};
  for (const [name, model] of Object.entries(written)) {
    if (model === undefined) continue;
    const perSecond = model.price_per_second === undefined ? undefined : definedOnly(model.price_per_second);
    const perGeneration = model.price_per_generation === undefined ? undefined : definedOnly(model.price_per_generation);
    Object.defineProperty(models, name, {
      enumerable: true,
      value: {
        sizes: model.sizes === undefined || model.sizes === 'any' ? 'any' : [...model.sizes],
        seconds: model.seconds === undefined || model.seconds === 'any' ? 'any' : model.seconds.map(String),
        // Per-second prices by size alone stay in the original field, read as before; anything else is a `price`.
        ...(perGeneration === undefined && (perSecond === undefined || Object.keys(perSecond).every(isSize))
          ? perSecond
            ? { pricePerSecond: perSecond }
            : {}
          : { price: { ...(perSecond ? { perSecond } : {}), ...(perGeneration ? { perGeneration } : {}) } }),
        ...(model.seconds_by_size !== undefined
          ? { secondsBySize: Object.fromEntries(Object.entries(definedOnly(model.seconds_by_size)).map(([size, seconds]) => [size, seconds.map(String)])) }
          : {}),
        ...(model.request !== undefined ? { request: requestOf(model.request) } : {}),
      } satisfies ModelProfile,
    });
  }
  return models;
}

function isSize(key: string): boolean {
  return /^\d+x\d+$/.test(key);
}

function requestOf(written: NonNullable<WrittenModel['request']>): ModelRequest {
  const table = (fields: Readonly<Record<string, Readonly<Record<string, WireValue | undefined>> | undefined>>) =>
    Object.fromEntries(Object.entries(definedOnly(fields)).map(([key, values]) => [key, definedOnly(values)]));
  const image = written.image;
  return {
    sizeFields: table(written.size_fields),
    secondsFields: table(written.seconds_fields),
    image:
      image === undefined || image === null
        ? null
        : {
            field: image.field,
            ...(image.endpoint !== undefined ? { endpoint: image.endpoint } : {}),
            ...(image.omit_with_image !== undefined ? { omitWithImage: image.omit_with_image } : {}),
          },
    extraFields: definedOnly(written.extra_fields ?? {}),
    ...(written.fixed_fields !== undefined ? { fixedFields: definedOnly(written.fixed_fields) } : {}),
  };
}

function definedOnly<T>(record: Readonly<Record<string, T | undefined>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, T] => entry[1] !== undefined));
}
