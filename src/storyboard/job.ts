import type { Origin } from '../source/issue.js';
import type { JobParent } from './parent-link.js';
import type { Refresh } from './refresh.js';

/** A variant value as written: a scalar, or a map named by its `id` or `name`. */
export type AxisValue = string | number | boolean | Readonly<Record<string, unknown>>;

/** One axis bound to one value, for one job. */
export interface Binding {
  readonly axis: string;
  readonly value: AxisValue;
  /** How the value is named in the job id. */
  readonly label: string;
  readonly origin: Origin;
}

/** The video a job makes: its length, and how many extensions made it. */
export interface VideoLength {
  readonly seconds: number;
  readonly extensions: number;
}

/** A request field's value and where it was set. */
export interface FieldValue {
  readonly value: string;
  /** `null` when the value is the provider's default. */
  readonly origin: Origin | null;
}

/** One video to exist: a shot with its variant bindings applied, templates rendered. */
export interface ResolvedJob {
  /** Stable, readable id: `hero[product=mug,size=1280x720]`. */
  readonly id: string;
  readonly shotId: string;
  /** Index of the shot in the storyboard. */
  readonly shotIndex: number;
  /** Parent bindings first (for a remix, edit, extension or continuation), then the shot's own axes. */
  readonly bindings: readonly Binding[];
  /** The rendered prompt. */
  readonly prompt: string;
  /** Model, size and seconds: the job's own, or for a remix its parent's. `model` null means the server's default. */
  readonly model: FieldValue | null;
  readonly size: FieldValue;
  readonly seconds: FieldValue;
  /** Extra request fields (`seed`, `num_frames`, ...) with `seed: auto` resolved; `null` when none (always for a remix). */
  readonly extra: Readonly<Record<string, string | number | boolean>> | null;
  /** Image-to-video: the image, relative to the storyboard's directory (posix separators). */
  readonly inputReference: { readonly path: string; readonly absPath: string } | null;
  /** For a remix: the id of the job whose video it edits (`parent.job` when `parent.kind` is `remix`). */
  readonly remixOf: string | null;
  /**
   * The job whose video this one starts from, and how (remix, edit, extend, continue); `null`
   * for a job of its own. The job graph orders jobs by it. For an extension, `seconds` is the
   * length it adds; `video` says how long the video it makes is.
   */
  readonly parent: JobParent | null;
  /**
   * The video the job makes. A create's (a continuation is one) lasts `seconds`, with no
   * extensions; a remix or an edit keeps its parent video's length and count (the count goes
   * through a remix too: the reference is silent, and refusing a chain early costs less than
   * one refused half-way); an extension adds `seconds` and one to the count.
   */
  readonly video: VideoLength;
  /** Names of the characters the job casts (the storyboard's `characters`), in the order written. */
  readonly characters: readonly string[];
  /** Scheduled regeneration of the shot, if any. */
  readonly refresh: Refresh | null;
  /** An approved take: never rendered again once it exists. */
  readonly frozen: boolean;
  /** The shot in the storyboard. */
  readonly origin: Origin;
}

/** `hero` + bindings → `hero[product=mug,size=1280x720]`; a shot without variants is its bare id. */
export function formatJobId(shotId: string, bindings: readonly Pick<Binding, 'axis' | 'label'>[]): string {
  if (bindings.length === 0) return shotId;
  return `${shotId}[${bindings.map((b) => `${b.axis}=${b.label}`).join(',')}]`;
}

/** Characters that would make a job id ambiguous or unsafe in a file name. */
export const LABEL_FORBIDDEN = /[[\]=,/\\\u0000-\u001f\u007f]/;
