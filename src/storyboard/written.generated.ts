/* Generated from schemas/storyboard.schema.json by `npm run gen:types`. Do not edit by hand. */
/* The storyboard as the user writes it; see resolve-storyboard.ts for the resolved form. */

/**
 * Where to render: a profile name (emulator, openai, azure), or a block naming a profile and overriding its base URL and limits. Credentials never go here: they come from OPENAI_API_KEY, AZURE_OPENAI_API_KEY or SHOTLIST_API_KEY.
 *
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "provider".
 */
export type Provider = string | ProviderBlock;
/**
 * The model to render with; the provider profile lists which it serves.
 *
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "model".
 */
export type Model = string;
/**
 * Output size, WIDTHxHEIGHT in pixels. Sora 2: 720x1280 or 1280x720; Sora 2 Pro also 1024x1792 and 1792x1024.
 *
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "size".
 */
export type Size = string;
/**
 * Duration in seconds. Sora 2: 4, 8 or 12.
 *
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "seconds".
 */
export type Seconds = number | string;
/**
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "shot".
 */
export type Shot = {
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
};
/**
 * A value of a variant axis: a scalar, or a map named in job ids by its `id` (else `name`) key.
 *
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "axisValue".
 */
export type AxisValue =
  | (string | number | boolean)
  | {
      [k: string]: unknown | undefined;
    };
/**
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "slug".
 */
export type Slug = string;
/**
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "identifier".
 */
export type Identifier = string;

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
   * The campaign's name: the default output folder is renders/<name>/.
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
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "providerBlock".
 */
export interface ProviderBlock {
  /**
   * The profile this block starts from.
   */
  profile: string;
  /**
   * The server's base URL, including /v1 (Azure: https://<resource>.openai.azure.com/openai/v1).
   */
  base_url?: string;
  /**
   * Cap on jobs queued or running on the server at once (Sora: 2).
   */
  in_flight?: number;
  /**
   * Cap on job creations per minute (Azure: 2).
   */
  creates_per_minute?: number;
  api_key?: {
    [k: string]: unknown | undefined;
  };
}
/**
 * Request fields applied to every shot that does not set them.
 */
export interface RequestFields {
  model?: Model;
  size?: Size;
  seconds?: Seconds;
}
/**
 * Template variables, used in prompts as {{name}}. Variant bindings of the same name win over them.
 *
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "vars".
 */
export interface Vars {
  [k: string]: unknown | undefined;
}
/**
 * Reusable Handlebars snippets, used as {{> name}}: inline text, or {file: path} read verbatim.
 *
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "partials".
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
/**
 * A matrix: one job per combination of the axes (in the order written), plus `include` and minus `exclude`. An axis named model, size or seconds sets that request field.
 *
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "variants".
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
/**
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "binding".
 */
export interface Binding {
  [k: string]: AxisValue | undefined;
}
/**
 * This interface was referenced by `ShotlistStoryboard`'s JSON-Schema
 * via the `definition` "requestFields".
 */
export interface RequestFields1 {
  model?: Model;
  size?: Size;
  seconds?: Seconds;
}
