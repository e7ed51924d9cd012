/* Generated from schemas/storyboard.schema.json ($defs/providerBlock) by `npm run gen:types`. Do not edit by hand. */
/* A provider profile's settings as written in a `provider:` block or in shotlist.providers.yaml. */

/**
 * Output size, WIDTHxHEIGHT in pixels. Sora 2: 720x1280 or 1280x720; Sora 2 Pro also 1024x1792 and 1792x1024.
 */
export type Size = string;
/**
 * Duration in seconds. Sora 2: 4, 8 or 12.
 */
export type Seconds = number | string;

/**
 * A profile and the settings this storyboard overrides.
 */
export interface WrittenProviderBlock {
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
   * The currency of the profile's prices (ISO 4217; default USD). Plan totals and --max-cost are per currency, never summed across currencies.
   */
  currency?: string;
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
           * Price per second of output in the profile's currency (USD unless currency says otherwise), by size, by resolution (720p, 1080p, 4k: a size's shorter side) or * for every size; a size with no price is unknown (shown as ?, never as zero).
           */
          price_per_second?: {
            [k: string]: number | undefined;
          };
          /**
           * Flat price per video, whatever its length, in the profile's currency, keyed like price_per_second (a reseller's €0.50 a generation: {"*": 0.5} with currency: EUR). Added to price_per_second when both are set.
           */
          price_per_generation?: {
            [k: string]: number | undefined;
          };
          /**
           * Durations some sizes are made at only (Veo 3.1: 1080p and 4k at 8 s), by size.
           */
          seconds_by_size?: {
            /**
             * @minItems 1
             */
            [k: string]: [Seconds, ...Seconds[]] | undefined;
          };
          /**
           * How the model is asked for a job on the gemini, fal and replicate protocols: the request fields each size and duration sets, where an input_reference image goes, and the extra fields it takes under its own names. Every size and duration the model lists needs its fields.
           */
          request?: {
            /**
             * Fields each size sets, by size: {1280x720: {aspect_ratio: "16:9", resolution: 720p}}.
             */
            size_fields: {
              [k: string]:
                | {
                    [k: string]: string | number | boolean | undefined;
                  }
                | undefined;
            };
            /**
             * Fields each duration sets, by seconds, typed as the model's schema types them: {"5": {duration: "5"}} on fal's Kling, {"8": {duration: 8}} on Replicate.
             */
            seconds_fields: {
              [k: string]:
                | {
                    [k: string]: string | number | boolean | undefined;
                  }
                | undefined;
            };
            /**
             * Where an input_reference image goes (null: the model takes none).
             */
            image?: null | {
              /**
               * The input field of the image (image_url, start_image, first_frame_image).
               */
              field: string;
              /**
               * fal: the endpoint id that takes the image, when not the model's own (its image-to-video endpoint).
               */
              endpoint?: string;
              /**
               * Size fields not sent with an image, when the video takes the image's aspect ratio.
               */
              omit_with_image?: string[];
            };
            /**
             * The storyboard's extra fields the model takes, and the model's name for each (negative_prompt: negativePrompt).
             */
            extra_fields?: {
              seed?: string;
              num_frames?: string;
              fps?: string;
              negative_prompt?: string;
              num_inference_steps?: string;
              guidance_scale?: string;
              generate_audio?: string;
            };
            /**
             * Fields sent with every job of this model.
             */
            fixed_fields?: {
              [k: string]: string | number | boolean | undefined;
            };
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
     * POST /videos/edits (shots with `edit:`).
     */
    edit?: boolean;
    /**
     * POST /videos/extensions (shots with `extend:`).
     */
    extend?: boolean;
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
    /**
     * Most characters one video may cast (POST /videos/characters, then `characters` on a create; OpenAI: 2); 0: none.
     */
    characters?: number;
  };
  /**
   * Extra request fields the server takes.
   */
  extra_fields?: (
    'seed' | 'num_frames' | 'fps' | 'negative_prompt' | 'num_inference_steps' | 'guidance_scale' | 'generate_audio'
  )[];
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
