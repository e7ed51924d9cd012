import { currencyOf, type ModelProfile, type ProviderProfile } from './profile.js';
import { hasPrice, priceOfModel, type Price } from './price.js';
import { findsLostCreates, type ProtocolName } from './protocol.js';

/** What `shotlist providers` shows of a profile, and what a plan notes about it. Pure. */

export interface ProfileSummary {
  readonly name: string;
  /** `built-in` or `configured` (shotlist.providers.yaml). */
  readonly source: 'built-in' | 'configured';
  readonly description: string;
  /** The job API the server speaks: `openai-videos`, `gemini`, `fal` or `replicate`. */
  readonly protocol: ProtocolName;
  /** The currency of the profile's prices. */
  readonly currency: string;
  readonly base_url: string | null;
  /** A pool's servers (base URL and cap); absent for a single server. */
  readonly servers?: readonly { readonly base_url: string; readonly in_flight: number }[];
  readonly encoding: ProviderProfile['encoding'];
  /** `bearer`, `api-key`, `api-key or bearer token`, or `none`; `optional` when a key is not required. */
  readonly auth: string;
  readonly auth_env: readonly string[];
  readonly models: readonly string[] | 'any';
  readonly remix: boolean;
  readonly edit: boolean;
  readonly extend: boolean;
  /** Most characters one video may cast; 0: none. */
  readonly characters: number;
  readonly delete: boolean;
  readonly list: boolean;
  /**
   * Whether a create whose answer was lost can be found on the server (SPEC §10). When not, such
   * a job is not created again without `--retry-ambiguous`.
   */
  readonly finds_lost_creates: boolean;
  readonly variants: readonly string[];
  readonly input_reference: boolean;
  readonly extra_fields: readonly string[];
  readonly extra_placement: ProviderProfile['extraFields']['placement'];
  readonly in_flight: number;
  readonly creates_per_minute: number | null;
  /** Whether every model has a price for at least one size (none listed: unknown). */
  readonly prices_known: boolean;
  readonly retired: string | null;
  /** Why, when `retired` is set ("OpenAI shut its Sora 2 API down on 2026-09-24"). */
  readonly retired_note: string | null;
  /** What each model makes and takes, for `shotlist providers --json` and a per-model table. */
  readonly model_details: readonly ModelSummary[];
}

/** One model of a profile, as `shotlist providers` shows it. */
export interface ModelSummary {
  readonly name: string;
  readonly sizes: readonly string[] | 'any';
  readonly seconds: readonly string[] | 'any';
  /** Durations some sizes are limited to (Veo 3.1: 1080p and 4k at 8 s only). */
  readonly seconds_by_size: Readonly<Record<string, readonly string[]>>;
  /** Whether an `input_reference` image is taken (by the profile, and by this model where it says). */
  readonly input_reference: boolean;
  /** Extra fields (`seed`, `negative_prompt`) this model takes. */
  readonly extra_fields: readonly string[];
  /** The price in the profile's currency (per second and/or per generation, by size, resolution or `*`), or null when unknown. */
  readonly price: Price | null;
  /** The price of a video with `generate_audio: false`, where the model charges less for one; absent otherwise. */
  readonly silent_price?: Price;
}

export function summarizeProfile(profile: ProviderProfile, source: ProfileSummary['source']): ProfileSummary {
  const models = Object.keys(profile.models);
  const { auth } = profile;
  const style = auth.style === 'none' ? 'none' : auth.tokenEnv && auth.tokenEnv.length > 0 ? `${auth.style} or bearer token` : auth.style;
  return {
    name: profile.name,
    source,
    description: profile.description,
    protocol: profile.protocol,
    currency: currencyOf(profile),
    base_url: profile.baseUrl,
    ...(profile.servers
      ? { servers: profile.servers.map((server) => ({ base_url: server.baseUrl, in_flight: server.inFlight ?? profile.limits.inFlight })) }
      : {}),
    encoding: profile.encoding,
    auth: auth.required || style === 'none' ? style : `${style} (optional)`,
    auth_env: [...auth.env, ...(auth.tokenEnv ?? [])],
    models: models.length === 0 ? 'any' : models,
    remix: profile.features.remix,
    edit: profile.features.edit ?? false,
    extend: profile.features.extend ?? false,
    characters: profile.features.characters ?? 0,
    delete: profile.features.delete,
    list: profile.features.list,
    finds_lost_creates: findsLostCreates(profile),
    variants: profile.features.contentVariants,
    input_reference: profile.features.inputReference,
    extra_fields: profile.extraFields.allowed,
    extra_placement: profile.extraFields.placement,
    in_flight: profile.limits.inFlight,
    creates_per_minute: profile.limits.createsPerMinute,
    prices_known: pricesKnown(profile),
    retired: profile.retired ? `${profile.retired.date}` : null,
    retired_note: profile.retired?.note ?? null,
    model_details: Object.entries(profile.models).map(([name, model]) => summarizeModel(profile, name, model)),
  };
}

function summarizeModel(profile: ProviderProfile, name: string, model: ModelProfile): ModelSummary {
  const request = model.request;
  return {
    name,
    sizes: model.sizes,
    seconds: model.seconds,
    seconds_by_size: model.secondsBySize ?? {},
    input_reference: profile.features.inputReference && (request === undefined || request.image !== null),
    extra_fields: request ? Object.keys(request.extraFields) : profile.extraFields.allowed,
    price: priceOfModel(model) ?? null,
    ...(model.silentPrice ? { silent_price: model.silentPrice } : {}),
  };
}

/**
 * What the plan should say about the provider before anything is sent: endpoints it lacks and
 * what shotlist does instead. Empty for a server with the whole contract.
 */
export function profileNotes(profile: ProviderProfile): string[] {
  const notes: string[] = [];
  const { features } = profile;
  if (profile.retired)
    notes.push(
      `provider "${profile.name}" is retired (${profile.retired.note}): it stays usable for servers that still answer; veo, fal and replicate render today's models`,
    );
  if (!features.contentVariants.includes('thumbnail')) notes.push(`provider "${profile.name}" has no thumbnails: only the MP4 of each job is downloaded`);
  if (!findsLostCreates(profile))
    notes.push(
      `provider "${profile.name}" cannot be searched for a create whose answer is lost: such a job is not created again without --retry-ambiguous, rather than risk paying twice`,
    );
  if (!features.delete) notes.push(`provider "${profile.name}" cannot delete videos: they stay until the server's own retention ends`);
  if (!features.remix) notes.push(`provider "${profile.name}" cannot remix videos`);
  if (!pricesKnown(profile)) notes.push(`provider "${profile.name}" has no prices: costs are shown as $?, never as zero`);
  return notes;
}

/** Whether the profile lists models and every one has a price for at least one size. */
function pricesKnown(profile: ProviderProfile): boolean {
  const models = Object.values(profile.models);
  return models.length > 0 && models.every(hasPrice);
}
