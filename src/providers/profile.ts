import { DEFAULT_CURRENCY, unitsOf, type Currency, type Money } from './money.js';
import { costOfModel, type Price } from './price.js';
import type { ProtocolName } from './protocol.js';
import type { VideoIdForm } from './video-id.js';

/**
 * A provider profile: everything shotlist needs to know about one kind of `/v1/videos` server,
 * held as data. Code never branches on a provider's name; it reads these fields.
 */

/** How a key travels (auth-header.ts turns it into the header). */
export type AuthStyle = 'bearer' | 'api-key' | 'x-goog-api-key' | 'authorization-key' | 'none';

export type VideoStatus = 'queued' | 'in_progress' | 'completed' | 'failed';
export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

/** Request fields some servers take beyond the contract, in the order they are reported. */
export const EXTRA_FIELDS = ['seed', 'num_frames', 'fps', 'negative_prompt', 'num_inference_steps', 'guidance_scale', 'generate_audio'] as const;
export type ExtraField = (typeof EXTRA_FIELDS)[number];

/** What one model accepts and what it costs. */
export interface ModelProfile {
  /** Accepted `size` values (`WIDTHxHEIGHT`), or `any` for servers where the model decides. */
  readonly sizes: readonly string[] | 'any';
  /** Accepted `seconds` values (strings, as on the wire), or `any` (a positive integer). */
  readonly seconds: readonly string[] | 'any';
  /** USD per second of output, keyed by size; a size missing here has an unknown price. */
  readonly pricePerSecond?: Readonly<Record<string, number>>;
  /**
   * The price in the profile's currency when it is not (only) per-second USD by size: per
   * second or per generation, keyed by size, resolution (`720p`, `4k`) or `*` (see price.ts).
   * Wins over `pricePerSecond` when both are set.
   */
  readonly price?: Price;
  /**
   * The price when the job sets `generate_audio: false`, where the model charges less for a
   * silent video (fal's Veo: half). Absent: a silent video costs what `price` says, the price
   * with sound, which is then an upper bound (so `--max-cost` still holds).
   */
  readonly silentPrice?: Price;
  /**
   * Durations some sizes are limited to (Veo 3.1: 1080p and 4k only at 8 s), keyed by size.
   * A size not listed takes every one of `seconds`.
   */
  readonly secondsBySize?: Readonly<Record<string, readonly string[]>>;
  /**
   * How the model is asked for a job, on protocols other than `openai-videos`: the request
   * fields each size and each duration sets, the field an image goes in, the extra fields it
   * takes and their names (see mapping/). Absent on `/v1/videos` profiles, where `size` and
   * `seconds` are sent as written.
   */
  readonly request?: ModelRequest;
}

/** A request field's value as a model's schema types it (fal's `"5"`, Replicate's `5`, Veo's `"8s"`). */
export type WireValue = string | number | boolean;

/** How one model of a `gemini`, `fal` or `replicate` profile is asked for a job (read by mapping/). */
export interface ModelRequest {
  /** The fields each size sets (`1280x720` → `{aspect_ratio: "16:9", resolution: "720p"}`); every size of `sizes` has an entry. */
  readonly sizeFields: Readonly<Record<string, Readonly<Record<string, WireValue>>>>;
  /** The fields each duration sets (`8` → `{duration: "8s"}`; Wan: frames and frame rate); every entry of `seconds` has one. */
  readonly secondsFields: Readonly<Record<string, Readonly<Record<string, WireValue>>>>;
  /**
   * Where an `input_reference` image goes: the field (fal `image_url`, Replicate `start_image`,
   * Gemini `image`), and on fal the endpoint that takes it when it is not the model's own
   * (`…/image-to-video`). `null`: the model takes no image.
   */
  readonly image: {
    readonly field: string;
    readonly endpoint?: string;
    /**
     * Size fields not sent with an image: the video takes the image's aspect ratio (Kling's
     * image-to-video has no `aspect_ratio`; Replicate's Kling ignores it with `start_image`).
     */
    readonly omitWithImage?: readonly string[];
  } | null;
  /** The storyboard's extra fields this model takes, and the request field each goes to (`negative_prompt` → `negativePrompt`). */
  readonly extraFields: Readonly<Partial<Record<ExtraField, string>>>;
  /** Fields sent with every request of this model (a default the price assumes, say). */
  readonly fixedFields?: Readonly<Record<string, WireValue>>;
}

export interface ProviderProfile {
  /** The profile's name, as written in `provider:`. */
  readonly name: string;
  /**
   * The job API the server speaks (SPEC §10): `openai-videos` (`/v1/videos`: the emulator,
   * vLLM-Omni, LiteLLM, gateways), `gemini` (Veo's `predictLongRunning` and operations), `fal`
   * (fal.ai's queue) or `replicate` (predictions). Custom profiles keep their base's.
   */
  readonly protocol: ProtocolName;
  /** The currency of the profile's prices (ISO 4217). Default `USD`. */
  readonly currency?: Currency;
  /** One line for `shotlist providers`. */
  readonly description: string;
  /**
   * Base URL including the `/v1` (or `/openai/v1`) prefix; `null` when every user has their
   * own (Azure resources, self-hosted servers) and must give one.
   */
  readonly baseUrl: string | null;
  /**
   * A pool of interchangeable servers instead of `baseUrl` (a custom profile's `servers`), each
   * with its own cap (default `limits.inFlight`). Absent for built-in profiles.
   */
  readonly servers?: readonly { readonly baseUrl: string; readonly inFlight?: number }[] | undefined;
  /** The server is shotlist's own emulator, started in-process unless a base URL is given. */
  readonly embedded: boolean;
  /** How credentials are sent. */
  readonly auth: {
    /** See auth-header.ts: `Authorization: Bearer`, Azure's `api-key`, Google's `x-goog-api-key`, fal's `Authorization: Key` (`authorization-key`), or nothing. */
    readonly style: AuthStyle;
    /** Environment variables tried in order for the key. */
    readonly env: readonly string[];
    /** Whether a key is required (a missing one is a usage error before anything is sent). */
    readonly required: boolean;
    /**
     * Environment variables holding a bearer token (Azure's Entra ID token), tried when none of
     * `env` is set and sent as `Authorization: Bearer` whatever `style` says. Default none.
     */
    readonly tokenEnv?: readonly string[];
  };
  /** Encoding of create and remix bodies. */
  readonly encoding: 'json' | 'multipart';
  /** Model sent when a storyboard names none; `null` means send no `model` field. */
  readonly defaultModel: string | null;
  /**
   * The server answers with the model behind the name sent, not the name (Azure: the deployment
   * `sora-prod` comes back as `sora-2`): a lost create is then matched without its model. Default true.
   */
  readonly echoesModel?: boolean;
  /** Every job must name a model (LiteLLM routes by it); a job without one is a validation error. Default false. */
  readonly requiresModel?: boolean;
  /** Defaults the server applies when a field is omitted (used for pricing and file names). */
  readonly defaults: { readonly size: string; readonly seconds: string };
  readonly models: Readonly<Record<string, ModelProfile>>;
  readonly limits: {
    /** Hard cap on jobs queued or in progress on the server at once, from this process. */
    readonly inFlight: number;
    /** Hard cap on create (and remix) requests per rolling minute; `null` for none. */
    readonly createsPerMinute: number | null;
    /** Longest a job may stay non-terminal before the run gives up on it, in seconds. */
    readonly jobDeadlineSeconds: number;
    /**
     * Shortest wait between polls of one job, in ms, whatever `openai-poll-after-ms` says: a
     * guard for remote servers (1 s); the local emulator runs time-scaled and allows less.
     */
    readonly minPollMs: number;
  };
  readonly features: {
    readonly remix: boolean;
    /** `POST /videos/edits` (the edits endpoint that replaces remix). Default false: an `edit:` shot is refused. */
    readonly edit?: boolean;
    /** `POST /videos/extensions`. Default false: an `extend:` shot is refused. */
    readonly extend?: boolean;
    /** Most characters one video may cast (`POST /videos/characters`, then `characters: [{id}]` on a create). Default 0: none. */
    readonly characters?: number;
    readonly delete: boolean;
    readonly list: boolean;
    readonly contentVariants: readonly ContentVariant[];
    /** Whether `input_reference` (image-to-video) is accepted. */
    readonly inputReference: boolean;
  };
  /**
   * Request fields beyond the contract's (`seed`, `num_frames`, ...) the server takes, and where
   * they go: `flat` beside `prompt` (vLLM-Omni's form fields), or inside `extra_body` (LiteLLM).
   * A storyboard setting one the profile does not list is a validation error.
   */
  readonly extraFields: {
    readonly allowed: readonly ExtraField[];
    readonly placement: 'flat' | 'extra_body';
  };
  /**
   * Query parameters every list call carries: LiteLLM lists only with a provider hint
   * (`custom_llm_provider`). Default none.
   */
  readonly listQuery?: Readonly<Record<string, string>>;
  /**
   * The server serves one model and names it at `GET /v1/models` (vLLM-Omni): a render checks
   * the storyboard's model against it before sending anything. Default false.
   */
  readonly discoverModel?: boolean;
  /** Server status strings that mean one of the four canonical ones (`processing` → `in_progress`). */
  readonly statusAliases: Readonly<Record<string, VideoStatus>>;
  /** What the server's video ids look like (see video-id.ts); an id of another form is refused. Default `video`. */
  readonly videoIdForm?: VideoIdForm;
  /** Seconds a finished video stays downloadable; `null` when the server keeps it indefinitely. */
  readonly retentionSeconds: number | null;
  /** Set when the upstream service was switched off; the profile stays usable for servers that still answer. */
  readonly retired?: { readonly date: string; readonly note: string };
}

/**
 * The identity that goes into fingerprints: which server holds the videos. A pool is known by
 * its first server, so growing a pool (or turning one server into a pool) re-renders nothing.
 */
export function providerIdentity(profile: ProviderProfile, baseUrl: string | null): string {
  return baseUrl === null ? profile.name : `${profile.name} ${serverName(baseUrl)}`;
}

/** How a server is named in the lockfile and the scheduler: its base URL without trailing slashes. */
export function serverName(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** Models this profile knows, in declaration order. */
export function modelNames(profile: ProviderProfile): string[] {
  return Object.keys(profile.models);
}

/**
 * The profile's entry for a model name the user wrote; own entries only, so `constructor` or
 * `toString` is a model the profile does not know, not a function from the table's prototype.
 */
export function modelOf(profile: ProviderProfile, model: string): ModelProfile | undefined {
  return Object.hasOwn(profile.models, model) ? profile.models[model] : undefined;
}

/** The currency of the profile's prices, `USD` unless it says otherwise. */
export function currencyOf(profile: Pick<ProviderProfile, 'currency'>): Currency {
  return profile.currency ?? DEFAULT_CURRENCY;
}

/**
 * What one video costs: `seconds` at `size` on `model`, in the profile's currency, exact (see
 * money.ts); `null` when the price is unknown (an unknown model, no price for the size). `extra`:
 * the job's extra fields, of which `generate_audio: false` picks the model's silent price.
 */
export function costOf(
  profile: ProviderProfile,
  model: string,
  size: string,
  seconds: number,
  extra: Readonly<Record<string, WireValue>> | null = null,
): Money | null {
  const entry = modelOf(profile, model);
  return entry ? costOfModel(entry, currencyOf(profile), size, seconds, extra?.['generate_audio'] === false) : null;
}

/**
 * Price of `seconds` of output in USD, or `null` when the profile has no price for it or prices
 * in another currency (a USD total must not take euros as dollars). Plans that total per
 * currency use `costOf`.
 */
export function priceOf(profile: ProviderProfile, model: string, size: string, seconds: number): number | null {
  const cost = costOf(profile, model, size, seconds);
  return cost === null || cost.currency !== 'USD' ? null : roundCents(unitsOf(cost));
}

/** Money is added in cents to keep totals exact. */
export function roundCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** The profile's video id form, `video` unless it says otherwise. */
export function videoIdFormOf(profile: Pick<ProviderProfile, 'videoIdForm'>): VideoIdForm {
  return profile.videoIdForm ?? 'video';
}
