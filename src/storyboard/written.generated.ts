/* Generated from schemas/storyboard.schema.json by `npm run gen:types`. Do not edit by hand. */
/* The storyboard as the user writes it; see resolve-storyboard.ts for the resolved form. */
import type {WrittenProviderBlock} from '../providers/written-provider.generated.js';

/**
 * Where to render: a profile name (emulator, openai, azure, vllm-omni, litellm, or one from shotlist.providers.yaml), or a block naming a profile and overriding any of its settings. Credentials never go here: they come from the environment variables the profile names (OPENAI_API_KEY, AZURE_OPENAI_API_KEY, SHOTLIST_API_KEY, ...).
 */
export type Provider = string | ProviderBlock;
/**
 * A profile and the settings this storyboard overrides.
 */
export type ProviderBlock = WrittenProviderBlock;
/**
 * The model to render with; the provider profile lists which it serves.
 */
export type Model = string;
/**
 * Output size, WIDTHxHEIGHT in pixels. Sora 2: 720x1280 or 1280x720; Sora 2 Pro also 1024x1792 and 1792x1024.
 */
export type Size = string;
/**
 * Duration in seconds. Sora 2: 4, 8 or 12.
 */
export type Seconds = number | string;
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
 * Whether the model makes sound with the video, for models that take the switch (fal's and Replicate's Veo 3 and 3.1, which make sound unless it is false). Veo on the Gemini API always makes sound and takes no switch.
 */
export type GenerateAudio = boolean;
/**
 * Recurring characters, each created once per provider from its clip and recorded in the lockfile. A shot casts them by name in its own `characters:`, and each name must appear verbatim in that shot's prompt (providers: emulator, openai, litellm).
 *
 * @minItems 1
 * @maxItems 100
 */
export type Characters = [Character, ...Character[]];
/**
 * A character's name, 1 to 80 characters, written in prompts exactly as here.
 */
export type CharacterName = string;
/**
 * A value of a variant axis: a scalar, or a map named in job ids by its `id` (else `name`) key.
 */
export type AxisValue =
  | (string | number | boolean)
  | {
      [k: string]: unknown | undefined;
    };
/**
 * Frames per second of the film and its `.otio`; clips at another rate are resampled. Default: the clips' `fps` when they all set the same one, else 24.
 */
export type CutFps = number | (23.976 | 29.97 | 59.94);
/**
 * An entry of a film: a shot's id (the whole clip of the job whose bindings agree with the film's), a shot with a trim and a transition, or an image.
 */
export type CutEntry = string | CutEntryBlock;
/**
 * How the entry begins: `cut` (the default), `{crossfade: S}` (a dissolve of S seconds, picture and sound) or `{fade: S}` (a dip to black). Either overlaps this entry and the one before by S seconds, so it must be shorter than both; the first entry has none.
 */
export type Transition =
  | 'cut'
  | {
      /**
       * A dissolve of this many seconds, picture and sound.
       */
      crossfade?: number;
      /**
       * A dip to black of this many seconds: the entry before fades out over the first half, this one in over the second.
       */
      fade?: number;
    };

/**
 * A shotlist storyboard (version 1): shots, variant matrices, remix, edit and extension chains, continuity, characters and image-to-video jobs, rendered by `shotlist render` on any server that speaks /v1/videos, and cuts: finished films assembled from them.
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
  characters?: Characters;
  /**
   * The shots. Each becomes one job, or one job per variant combination.
   *
   * @minItems 1
   */
  shots: [Shot, ...Shot[]];
  /**
   * Finished films assembled from the shots with ffmpeg, once their clips exist (they cost nothing on the server): one per cut and variant combination, written to `renders/<name>/cuts/<cut id>.mp4` with an OpenTimelineIO `.otio` timeline beside it.
   *
   * @maxItems 1000
   */
  cuts?: Cut[];
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
  generate_audio?: GenerateAudio;
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
/**
 * A recurring character: a name and a short clip showing it.
 */
export interface Character {
  name: CharacterName;
  /**
   * The clip the character is made from: an MP4 of 2 to 4 seconds inside the project, relative to the storyboard (non-human subjects; 16:9 or 9:16, 720p to 1080p). A changed clip makes a new character.
   */
  clip: string;
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
  generate_audio?: GenerateAudio;
  /**
   * Id of the shot whose finished videos this shot edits: one remix job per job of that shot, with the same variant bindings. A remix sends only a prompt.
   */
  remix?: string;
  /**
   * Id of the shot whose finished videos this shot edits through the edits endpoint (which replaces remix): one edit per job of that shot, with the same variant bindings. An edit sends only a prompt; model, size and seconds are its parent's.
   */
  edit?: string;
  /**
   * Id of the shot whose finished videos this shot extends: one extension per job of that shot, with the same variant bindings. `seconds` is the length of the new segment (at most 20); the video becomes its parent followed by that many seconds. A chain holds at most 6 extensions and 120 seconds in all.
   */
  extend?: string;
  /**
   * Continuity: id of the shot this one carries on from. One job per job of that shot, with the same variant bindings; each starts on the last frame of its parent's video (taken at the job's size, as its input_reference). model and size default to the parent's; seconds is the shot's own, else defaults. Needs a provider that takes image input.
   */
  continue?: string;
  /**
   * Image-to-video: a JPEG, PNG or WebP file (a template, relative to the storyboard) whose pixel size equals the job's size. It becomes the first frame.
   */
  input_reference?: string;
  /**
   * Characters cast in this shot, by the names declared in the storyboard's `characters:`. Each name must appear verbatim in the rendered prompt; a provider casts at most a few per video (OpenAI: 2).
   *
   * @minItems 1
   */
  characters?: [CharacterName, ...CharacterName[]];
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
 * A matrix: one job (in a cut, one film) per combination of the axes (in the order written), plus `include` and minus `exclude`. An axis named model, size or seconds, or like an extra field the provider takes (seed, fps, num_frames, ...), sets that request field: `seed: [1, 2, 3]` is a sweep of three takes. In a cut, size sets the film's size, and a shot entry plays the job whose bindings agree with the film's.
 */
export interface Variants {
  /**
   * Extra combinations, each binding every axis (and possibly more keys).
   *
   * @maxItems 1000
   */
  include?: Binding[];
  /**
   * Combinations to drop: a job is dropped when its bindings match every key of an entry.
   *
   * @maxItems 1000
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
/**
 * A film: a sequence of shots and images, with one sound mix, per variant combination.
 */
export interface Cut {
  /**
   * Unique id of the cut. Each film is named like a job: `spot`, or `spot[product=mug,size=1280x720]` with variants.
   */
  id: string;
  /**
   * A note for humans; not used.
   */
  description?: string;
  variants?: Variants;
  /**
   * Output size, WIDTHxHEIGHT in pixels. Sora 2: 720x1280 or 1280x720; Sora 2 Pro also 1024x1792 and 1792x1024.
   */
  size?: string;
  fps?: CutFps;
  /**
   * The entries in playing order: a shot (`hero`, or `{shot: hero, from: 0.5, to: 6, transition: {crossfade: 0.5}}`) or an image held on screen (`{image: assets/endcard-{{size}}.png, seconds: 2}`).
   *
   * @minItems 1
   * @maxItems 1000
   */
  sequence: [CutEntry, ...CutEntry[]];
  audio?: CutAudio;
}
/**
 * A shot (`shot`, with `from`, `to`) or an image (`image`, with `seconds`), and how it begins (`transition`).
 */
export interface CutEntryBlock {
  /**
   * The shot whose job plays here: the one whose variant bindings agree with the film's (a remix has its parent's).
   */
  shot?: string;
  /**
   * Seconds into the clip where the entry starts; default 0.
   */
  from?: number;
  /**
   * Seconds into the clip where the entry ends; default the clip's end (its `seconds`).
   */
  to?: number;
  /**
   * A still held on screen (an end card, a title): a JPEG, PNG or WebP file (a template, relative to the storyboard) whose pixel size equals the film's.
   */
  image?: string;
  /**
   * How long the image is on screen, its transitions included.
   */
  seconds?: number;
  transition?: Transition;
}
/**
 * The film's sound: each entry's own audio follows its picture (silence under an image), an optional music bed is mixed under it, and the mix is normalised to `loudness`.
 */
export interface CutAudio {
  /**
   * A music bed: an audio file ffmpeg reads (M4A, MP3, WAV, ...; a template, relative to the storyboard, inside the project), looped or cut to the film's length and faded out over its last second.
   */
  music?: string;
  /**
   * Gain of the music bed before it is mixed under the clips, in dB; default -14.
   */
  music_gain_db?: number;
  /**
   * Integrated loudness of the mix, in LUFS (EBU R128); default -14.
   */
  loudness?: number;
}
