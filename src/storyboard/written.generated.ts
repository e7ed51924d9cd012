/* Generated from schemas/storyboard.schema.json by `npm run gen:types`. Do not edit by hand. */
/* The storyboard as the user writes it; see resolve-storyboard.ts for the resolved form. */

/**
 * Where to render: a profile name (emulator, openai, azure, vllm-omni, litellm, or one from shotlist.providers.yaml), or a block naming a profile and overriding any of its settings. Credentials never go here: they come from the environment variables the profile names (OPENAI_API_KEY, AZURE_OPENAI_API_KEY, SHOTLIST_API_KEY, ...).
 */
export type Provider = string | ProviderBlock;
/**
 * Output size, WIDTHxHEIGHT in pixels. Sora 2: 720x1280 or 1280x720; Sora 2 Pro also 1024x1792 and 1792x1024.
 */
export type Size = string;
/**
 * Duration in seconds. Sora 2: 4, 8 or 12.
 */
export type Seconds = number | string;
/**
 * The model to render with; the provider profile lists which it serves.
 */
export type Model = string;
/**
 * Seed of the generation, for servers that take one (vLLM-Omni; LiteLLM in extra_body): a whole number, or `auto` for one derived from the job id (the first 8 hex digits of sha256(job id), as an integer, masked to 31 bits). Recorded in the lockfile, so a lockfile can reproduce an output.
 */
export type Seed = number | 'auto';
/**
 * Frames to generate (vLLM-Omni: otherwise seconds x fps). Wan models want 4k+1 frames, e.g. 81.
 */
export type NumFrames = number;
/**
 * Frame rate of the output, for servers that take one (vLLM-Omni: default 24 or the model's own).
 */
export type Fps = number;
/**
 * What the video should not show, for servers that take one (open diffusion models).
 */
export type NegativePrompt = string;
/**
 * Diffusion steps, for servers that take them: more is slower and usually finer.
 */
export type NumInferenceSteps = number;
/**
 * Classifier-free guidance scale, for servers that take one: how closely the video follows the prompt.
 */
export type GuidanceScale = number;
/**
 * A value of a variant axis: a scalar, or a map named in job ids by its `id` (else `name`) key.
 */
export type AxisValue =
  | (string | number | boolean)
  | {
      [k: string]: unknown | undefined;
    };

/**
 * A shotlist storyboard (version 1): shots, variant matrices, remix chains and image-to-video jobs, rendered by `shotlist render` on any server that speaks /v1/videos.
 */
export interface ShotlistStoryboard {
  /**
   * The JSON Schema this file follows (lets editors without the modeline complete and check it).
   */
  $schema?: string;
  /**
   * Version of the storyboard language. Always 1.
   */
  version: 1;
  /**
   * The campaign's name: the default output folder is `renders/<name>/`.
   */
  name: string;
  provider?: Provider;
  /**
   * Other YAML files holding only `vars`, `partials` and `defaults`, relative to this file. This file wins on conflicts; later imports win over earlier ones.
   */
  import?: string[];
  defaults?: RequestFields;
  vars?: Vars;
  partials?: Partials;
  /**
   * The shots. Each becomes one job, or one job per variant combination.
   *
   * @minItems 1
   */
  shots: [Shot, ...Shot[]];
}
/**
 * A profile and the settings this storyboard overrides.
 */
export interface ProviderBlock {
  /**
   * The profile this block starts from: a built-in one or one from shotlist.providers.yaml.
   */
  profile: string;
  /**
   * The server's base URL, including /v1 (Azure: `https://<resource>.openai.azure.com/openai/v1`).
   */
  base_url?: string;
  /**
   * A pool of interchangeable servers of this profile, instead of one base_url (vLLM-Omni on several GPU machines). Each has its own cap of jobs in flight; a job goes to the least busy one. The lockfile records which server holds each video, and a remix always goes to the server holding its parent. Adding a server to the end of the list re-renders nothing: a pool is known by its first server.
   *
   * @minItems 1
   * @maxItems 64
   */
  servers?: [Server, ...Server[]];
  /**
   * Cap on jobs queued or running on the server at once (Sora: 2).
   */
  in_flight?: number;
  /**
   * Cap on job creations per minute (Azure: 2).
   */
  creates_per_minute?: number;
  /**
   * One line for `shotlist providers`.
   */
  description?: string;
  /**
   * How create and remix bodies are sent (vLLM-Omni: multipart only).
   */
  encoding?: 'json' | 'multipart';
  /**
   * How credentials are sent; the values come from the environment variables named here, never from a file.
   */
  auth?: {
    /**
     * `Authorization: Bearer`, Azure's `api-key` header, or nothing.
     */
    style?: 'bearer' | 'api-key' | 'none';
    /**
     * Environment variables tried in order for the key.
     */
    env?: string[];
    /**
     * Environment variables holding a bearer token (Azure Entra ID), tried when no key is set.
     */
    token_env?: string[];
    /**
     * Whether a run without a key stops before sending anything.
     */
    required?: boolean;
  };
  /**
   * Model sent when a job names none; null sends no model field.
   */
  default_model?: string | null;
  /**
   * Every job must name a model (LiteLLM routes by it).
   */
  requires_model?: boolean;
  /**
   * What the server renders when size or seconds is not sent (for prices and file names).
   */
  defaults?: {
    size?: Size;
    seconds?: Seconds;
  };
  /**
   * The models the server serves, replacing the profile's table (Azure: your deployment names). An empty map accepts any model.
   */
  models?: {
    [k: string]:
      | {
          /**
           * Accepted sizes, or any.
           */
          sizes?: 'any' | [Size, ...Size[]];
          /**
           * Accepted durations, or any.
           */
          seconds?: 'any' | [Seconds, ...Seconds[]];
          /**
           * USD per second of output by size; a size missing here has an unknown price (shown as $?).
           */
          price_per_second?: {
            [k: string]: number | undefined;
          };
        }
      | undefined;
  };
  /**
   * Which endpoints the server has; validation and planning refuse what it lacks before anything is sent.
   */
  features?: {
    /**
     * POST /videos/{id}/remix.
     */
    remix?: boolean;
    /**
     * DELETE /videos/{id}.
     */
    delete?: boolean;
    /**
     * GET /videos (needed to recover a create whose answer was lost).
     */
    list?: boolean;
    /**
     * Content variants the server has.
     */
    content_variants?: ('video' | 'thumbnail' | 'spritesheet')[];
    /**
     * Image-to-video.
     */
    input_reference?: boolean;
  };
  /**
   * Extra request fields the server takes.
   */
  extra_fields?: ('seed' | 'num_frames' | 'fps' | 'negative_prompt' | 'num_inference_steps' | 'guidance_scale')[];
  /**
   * Where extra fields go: beside prompt (vLLM-Omni) or inside extra_body (LiteLLM).
   */
  extra_placement?: 'flat' | 'extra_body';
  /**
   * Query parameters of every list call (LiteLLM: {custom_llm_provider: gemini}).
   */
  list_query?: {
    [k: string]: string | undefined;
  };
  /**
   * The server serves one model, named at GET /v1/models: a render checks the storyboard's model against it first.
   */
  discover_model?: boolean;
  /**
   * Server statuses that mean one of the four canonical ones (processing: in_progress).
   */
  status_aliases?: {
    [k: string]: 'queued' | 'in_progress' | 'completed' | 'failed' | undefined;
  };
  /**
   * How long a finished video stays downloadable; null: indefinitely.
   */
  retention_seconds?: number | null;
  /**
   * What the server's video ids look like; others are refused: video (video_ + letters, digits, _ or -; the default), video-base64 (LiteLLM), opaque (bare uuids).
   */
  video_id_form?: 'video' | 'video-base64' | 'opaque';
  /**
   * Longest a job may stay unfinished before the run gives up on it.
   */
  job_deadline_seconds?: number;
  /**
   * Shortest wait between polls of one job.
   */
  min_poll_ms?: number;
  /**
   * Never here: credentials come only from the environment variables the profile names.
   */
  api_key?: {
    [k: string]: unknown | undefined;
  };
}
export interface Server {
  /**
   * The server's base URL, including /v1 (Azure: `https://<resource>.openai.azure.com/openai/v1`).
   */
  base_url: string;
  /**
   * This server's cap on jobs in flight; default the block's in_flight, else the profile's.
   */
  in_flight?: number;
}
/**
 * Request fields applied to every shot that does not set them.
 */
export interface RequestFields {
  model?: Model;
  size?: Size;
  seconds?: Seconds;
  seed?: Seed;
  num_frames?: NumFrames;
  fps?: Fps;
  negative_prompt?: NegativePrompt;
  num_inference_steps?: NumInferenceSteps;
  guidance_scale?: GuidanceScale;
}
/**
 * Template variables, used in prompts as `{{name}}`. Variant bindings of the same name win over them.
 */
export interface Vars {
  [k: string]: unknown | undefined;
}
/**
 * Reusable Handlebars snippets, used as `{{> name}}`: inline text, or `{file: path}` read verbatim.
 */
export interface Partials {
  [k: string]:
    | string
    | {
        /**
         * Path relative to the file that declares the partial.
         */
        file: string;
      }
    | undefined;
}
export interface Shot {
  /**
   * Unique id of the shot; job ids derive from it.
   */
  id: string;
  /**
   * A note for humans; not sent anywhere.
   */
  description?: string;
  /**
   * The prompt, a Handlebars template (strict: every variable must be defined; no HTML escaping). At most 32,000 characters once rendered.
   */
  prompt: string;
  model?: Model;
  size?: Size;
  seconds?: Seconds;
  seed?: Seed;
  num_frames?: NumFrames;
  fps?: Fps;
  negative_prompt?: NegativePrompt;
  num_inference_steps?: NumInferenceSteps;
  guidance_scale?: GuidanceScale;
  /**
   * Id of the shot whose finished videos this shot edits: one remix job per job of that shot, with the same variant bindings. A remix sends only a prompt.
   */
  remix?: string;
  /**
   * Image-to-video: a JPEG, PNG or WebP file (a template, relative to the storyboard) whose pixel size equals the job's size. It becomes the first frame.
   */
  input_reference?: string;
  variants?: Variants;
  /**
   * Scheduled regeneration: render this shot's jobs again once their take is this old (`daily`, `weekly`, `12h`, `3d`), or on every run (`always`). `render` re-renders what is due.
   */
  refresh?: string;
  /**
   * An approved take: once rendered, this shot's jobs are never rendered again, not by a changed prompt, a refresh or --replace. A missing file is downloaded while the server still has the video.
   */
  frozen?: boolean;
}
/**
 * A matrix: one job per combination of the axes (in the order written), plus `include` and minus `exclude`. An axis named model, size or seconds, or like an extra field the provider takes (seed, fps, num_frames, ...), sets that request field: `seed: [1, 2, 3]` is a sweep of three takes.
 */
export interface Variants {
  /**
   * Extra combinations, each binding every axis (and possibly more keys).
   */
  include?: Binding[];
  /**
   * Combinations to drop: a job is dropped when its bindings match every key of an entry.
   */
  exclude?: Binding[];
  /**
   * @minItems 1
   * @maxItems 1000
   */
  [k: string]: [AxisValue, ...AxisValue[]] | Binding[] | undefined;
}
export interface Binding {
  [k: string]: AxisValue | undefined;
}
