import { fingerprintOfFilm } from '../cut/cut-fingerprint.js';
import { secondsOf, timelineOf } from '../cut/film-timeline.js';
import type { CutEntry, Lockfile } from '../lockfile/lockfile.js';
import { jobsOfCut, type ResolvedCut } from '../storyboard/cut.js';
import { filmOfCut } from '../storyboard/film-of-cut.js';
import type { OutputState, PlannedJob } from './plan.js';
import { globMatcher } from './job-glob.js';

/**
 * The films of a plan (SPEC §9): for each film of the storyboard's cuts, whether `render`
 * assembles it and why, given what the plan does with its clips, the lockfile's `cuts` and the
 * files on disk. A film costs nothing on the server. Pure.
 */

/** `cut`: assembled by this run (`+ cut` when the lockfile has never seen it, `~ cut` otherwise). */
export type CutAction = 'cut' | 'reuse' | 'blocked';

/** Why, as data; the CLI puts it in words (format-cut-plan.ts). */
export type CutReason =
  /** The lockfile has never seen the film. */
  | { readonly code: 'new' }
  /** `--replace` names it. */
  | { readonly code: 'replace' }
  /** These clips render (or resume) in this run: the film's fingerprint is known once they are on disk. */
  | { readonly code: 'clips-render'; readonly clips: readonly string[] }
  /** These clips are other files than the film was assembled from. */
  | { readonly code: 'clips-changed'; readonly clips: readonly string[] }
  /** Same clips, other settings: the sequence (trims, transitions, images) or the audio. */
  | { readonly code: 'settings-changed' }
  /** Its MP4 or `.otio` is not on disk as recorded. */
  | { readonly code: 'file-missing'; readonly file: 'video' | 'timeline' }
  | { readonly code: 'file-altered'; readonly file: 'video' | 'timeline' }
  | { readonly code: 'up-to-date' }
  /** A clip it plays will not exist after this run: `why` is what the plan does with that clip. */
  | { readonly code: 'clip-unavailable'; readonly clip: string; readonly why: 'failed' | 'blocked' | 'not-selected' };

export type CutReasonCode = CutReason['code'];

export interface PlannedCut {
  /** The film id, written like a job id: `spot[product=mug,size=1280x720]`. */
  readonly id: string;
  readonly action: CutAction;
  readonly reason: CutReason;
  /** `null` while a clip it plays is still to render. */
  readonly fingerprint: string | null;
  /**
   * The fingerprint with the clips still to render counted as unknown: tells two plans of a film
   * apart when a setting changed (a trim, the audio) while its clips render.
   */
  readonly shape: string;
  /** The jobs it plays, each once, in playing order: it starts once their files are on disk. */
  readonly clips: readonly string[];
  readonly size: string;
  /** The film's length: the trimmed entries minus the transitions, in whole frames. */
  readonly seconds: number;
  /** The lockfile's entry for the film, if any. */
  readonly entry: CutEntry | null;
  readonly cut: ResolvedCut;
}

export interface CutPlan {
  readonly cuts: readonly PlannedCut[];
  /** Lockfile entries of films gone from the storyboard. */
  readonly orphans: readonly string[];
  readonly totals: { readonly cut: number; readonly reuse: number; readonly blocked: number; readonly unselected: number };
}

export interface CutPlanInput {
  readonly cuts: readonly ResolvedCut[];
  /** The plan of the jobs, made with the jobs the selected films need pulled in (see `onlyWithCuts`). */
  readonly jobs: readonly PlannedJob[];
  readonly lockfile: Lockfile | null;
  /** Recorded output paths → what is on disk (read-outputs.ts). */
  readonly outputs: ReadonlyMap<string, OutputState>;
  /** `--only` globs, matched against film ids; empty: every film. */
  readonly only?: readonly string[];
  readonly replace?: readonly string[];
}

export function planCuts(input: CutPlanInput): CutPlan {
  const only = globMatcher(input.only ?? []);
  const replace = globMatcher(input.replace ?? []);
  const jobs = new Map(input.jobs.map((job) => [job.id, job]));
  const selected = input.cuts.filter((cut) => only === null || only(cut.id));
  const cuts = selected.map((cut) => planCut(cut, jobs, input, replace !== null && replace(cut.id)));
  const ids = new Set(input.cuts.map((cut) => cut.id));
  const orphans = Object.keys(input.lockfile?.cuts ?? {}).filter((id) => !ids.has(id));
  const count = (action: CutAction) => cuts.filter((cut) => cut.action === action).length;
  return { cuts, orphans, totals: { cut: count('cut'), reuse: count('reuse'), blocked: count('blocked'), unselected: input.cuts.length - selected.length } };
}

/**
 * `--only` with cuts: the globs as given, plus the exact ids of the jobs every film they select
 * plays, so that `--only 'spot*'` renders what the films need. Empty stays empty (everything).
 */
export function onlyWithCuts(only: readonly string[], cuts: readonly ResolvedCut[]): string[] {
  const matches = globMatcher(only);
  if (matches === null) return [];
  const needed = cuts.filter((cut) => matches(cut.id)).flatMap(jobsOfCut);
  return [...new Set([...only, ...needed])];
}

function planCut(cut: ResolvedCut, jobs: ReadonlyMap<string, PlannedJob>, input: CutPlanInput, forced: boolean): PlannedCut {
  const entry = input.lockfile?.cuts?.[cut.id] ?? null;
  const clips = jobsOfCut(cut);
  const known = new Map<string, string>();
  const pending: string[] = [];
  let unavailable: CutReason | null = null;
  for (const id of clips) {
    const job = jobs.get(id);
    const sha256 = job?.entry?.outputs.video?.sha256;
    if (job === undefined) unavailable ??= { code: 'clip-unavailable', clip: id, why: 'not-selected' };
    else if (job.action === 'failed' || job.action === 'blocked') unavailable ??= { code: 'clip-unavailable', clip: id, why: job.action };
    else if (job.action === 'render' || job.action === 'resume' || sha256 === undefined) pending.push(id);
    // reuse, move, download: the file is (or will be, as recorded) the one the lockfile names.
    else known.set(id, sha256);
  }
  const film = filmOfCut(cut, (id) => ({ path: '', sha256: known.get(id) ?? '' }));
  const timeline = timelineOf(film);
  const shape = fingerprintOfFilm(film);
  const make = (action: CutAction, reason: CutReason, fingerprint: string | null): PlannedCut => ({
    id: cut.id,
    action,
    reason,
    fingerprint,
    shape,
    clips,
    size: `${cut.width}x${cut.height}`,
    seconds: secondsOf(timeline.frames, timeline.rate),
    entry,
    cut,
  });
  if (unavailable !== null) return make('blocked', unavailable, null);
  const fingerprint = pending.length === 0 ? shape : null;
  if (entry === null) return make('cut', { code: 'new' }, fingerprint);
  if (forced) return make('cut', { code: 'replace' }, fingerprint);
  if (fingerprint === null) return make('cut', { code: 'clips-render', clips: pending }, null);
  if (entry.fingerprint !== fingerprint) {
    const changed = clips.filter((id) => entry.clips[id] !== known.get(id));
    return make('cut', changed.length > 0 ? { code: 'clips-changed', clips: changed } : { code: 'settings-changed' }, fingerprint);
  }
  for (const file of ['video', 'timeline'] as const) {
    const recorded = entry.outputs[file];
    const state = input.outputs.get(recorded.path) ?? null;
    if (state === null) return make('cut', { code: 'file-missing', file }, fingerprint);
    if (state.sha256 !== recorded.sha256) return make('cut', { code: 'file-altered', file }, fingerprint);
  }
  return make('reuse', { code: 'up-to-date' }, fingerprint);
}
