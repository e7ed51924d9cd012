import { formatMoney } from '../providers/money.js';
import path from 'node:path';
import { entryCost, type LockEntry, type Lockfile } from '../lockfile/lockfile.js';
import { CHILD_VERB } from '../storyboard/parent-link.js';
import type { Binding, ResolvedJob } from '../storyboard/job.js';
import type { FilmCard } from './film-cards.js';

/**
 * What the contact sheet shows, computed from the storyboard's jobs, the lockfile and which
 * recorded files exist. Pure: `write-report.ts` gathers the inputs, `render-report.ts` turns
 * this into HTML.
 */

export type CardStatus = 'completed' | 'failed' | 'skipped' | 'cancelled' | 'in_flight' | 'not_rendered';

/** How the last run ended for a job it did not complete (what `render` passes at the end of a run). */
export type RunOutcome =
  /** `message`: the run's own account (the server's error, or which parent failed). */
  | { readonly status: 'failed' | 'skipped'; readonly message: string }
  /** Not started: the run was interrupted first. */
  | { readonly status: 'cancelled' };

/** Why a card has no video to show, as data; the page puts it in words (render-report.ts). */
export type CardReason =
  | { readonly code: 'not-rendered' }
  /** The lockfile records a failure; `error`: the server's, `null` when it gave none. */
  | { readonly code: 'failed'; readonly error: { readonly code: string; readonly message: string } | null }
  | { readonly code: 'in-flight'; readonly lock: 'creating' | 'queued' | 'in_progress' }
  /** Completed, but a recorded file is not on disk: render downloads it while the server keeps the video. */
  | { readonly code: 'file-missing'; readonly file: 'video' | 'thumbnail' }
  /** The last run failed or skipped it, and said why. */
  | { readonly code: 'run'; readonly message: string }
  | { readonly code: 'interrupted' };

export interface CardLink {
  readonly id: string;
  /** The linked card's HTML id; `null` when that job has no card. */
  readonly anchor: string | null;
}

export interface ReportCard {
  /** HTML id of the card (`job-3`): job ids hold characters that make poor fragment identifiers. */
  readonly anchor: string;
  readonly id: string;
  readonly shot: string;
  readonly bindings: readonly { readonly axis: string; readonly value: string }[];
  /** The prompt the video was made with, or, not rendered yet, the one it will be made with. */
  readonly prompt: string;
  /** The storyboard's prompt differs from the rendered one: the next render makes a new take. */
  readonly promptChanged: boolean;
  readonly model: string | null;
  readonly size: string;
  readonly seconds: string;
  readonly status: CardStatus;
  /** Why the job has no video to show (failed, skipped, not rendered, file missing). */
  readonly reason: CardReason | null;
  readonly videoId: string | null;
  readonly remixOf: CardLink | null;
  /** An edit, an extension or a continuation: of which job, and how (`edits`, `extends`, `continues`). */
  readonly follows?: { readonly verb: string; readonly link: CardLink };
  readonly remixes: readonly CardLink[];
  readonly costUsd: number | null;
  /** The estimated cost in its currency (`$1.20`, `0.50 EUR`); null when unknown. */
  readonly cost: string | null;
  /** Unix seconds. */
  readonly createdAt: number | null;
  readonly expiresAt: number | null;
  /** URL relative to the report (each segment percent-encoded), or `null` when there is no file to show. */
  readonly thumbnail: string | null;
  readonly video: string | null;
}

export interface ReportAxis {
  readonly axis: string;
  readonly values: readonly string[];
}

export interface ReportData {
  readonly name: string;
  /** Unix seconds, when the report was made. */
  readonly generatedAt: number;
  readonly cards: readonly ReportCard[];
  /** Shot ids in storyboard order. */
  readonly shots: readonly string[];
  /** Every variant axis and its values, in first-seen order. */
  readonly axes: readonly ReportAxis[];
  /** The films of the storyboard's cuts (film-cards.ts); absent or empty without cuts. */
  readonly films?: readonly FilmCard[];
}

/** The parts of a job the sheet shows. */
export type ReportJob = Pick<ResolvedJob, 'id' | 'shotId' | 'prompt' | 'model' | 'size' | 'seconds' | 'remixOf'> & {
  readonly bindings: readonly Pick<Binding, 'axis' | 'label'>[];
  readonly parent?: ResolvedJob['parent'];
};

export interface ReportInput {
  readonly name: string;
  readonly jobs: readonly ReportJob[];
  readonly lockfile: Lockfile | null;
  /** Absolute directory of the lockfile (recorded paths are relative to it). */
  readonly lockDir: string;
  /** Absolute directory the report is written to (its links are relative to it). */
  readonly reportDir: string;
  /** Recorded output paths (as in the lockfile) whose files exist. */
  readonly present: ReadonlySet<string>;
  readonly outcomes?: ReadonlyMap<string, RunOutcome>;
  /** Unix seconds. */
  readonly now: number;
}

export function buildReportData(input: ReportInput): ReportData {
  const anchors = new Map(input.jobs.map((job, index) => [job.id, `job-${index}`]));
  const link = (id: string): CardLink => ({ id, anchor: anchors.get(id) ?? null });
  const children = new Map<string, string[]>();
  for (const job of input.jobs) if (job.remixOf !== null) children.set(job.remixOf, [...(children.get(job.remixOf) ?? []), job.id]);
  const cards = input.jobs.map((job): ReportCard => {
    const entry = input.lockfile?.jobs[job.id] ?? null;
    const { status, reason } = statusOf(entry, input.outcomes?.get(job.id));
    const thumbnail = fileUrl(entry?.outputs.thumbnail?.path, input);
    const video = fileUrl(entry?.outputs.video?.path, input);
    const missing: CardReason | null =
      status === 'completed' && (video === null || thumbnail === null) ? { code: 'file-missing', file: video === null ? 'video' : 'thumbnail' } : null;
    return {
      anchor: anchors.get(job.id)!,
      id: job.id,
      shot: job.shotId,
      bindings: job.bindings.map((b) => ({ axis: b.axis, value: b.label })),
      prompt: entry?.request.prompt ?? job.prompt,
      promptChanged: entry !== null && entry.request.prompt !== job.prompt,
      model: entry?.request.model ?? job.model?.value ?? null,
      size: entry?.request.size ?? job.size.value,
      seconds: entry?.request.seconds ?? job.seconds.value,
      status,
      reason: reason ?? missing,
      videoId: entry?.video_id ?? null,
      remixOf: job.remixOf === null ? null : link(job.remixOf),
      ...(job.parent && job.parent.kind !== 'remix' ? { follows: { verb: CHILD_VERB[job.parent.kind], link: link(job.parent.job) } } : {}),
      remixes: (children.get(job.id) ?? []).map(link),
      costUsd: entry?.cost_usd ?? null,
      cost: entry ? formatEntryCost(entry) : null,
      createdAt: entry?.created_at ?? null,
      expiresAt: entry?.expires_at ?? null,
      thumbnail,
      video,
    };
  });
  return { name: input.name, generatedAt: input.now, cards, shots: unique(input.jobs.map((job) => job.shotId)), axes: axesOf(input.jobs) };
}

function statusOf(entry: LockEntry | null, outcome: RunOutcome | undefined): { status: CardStatus; reason: CardReason | null } {
  // The last run's word wins for a job it did not complete: a skipped remix keeps no entry, or an older one.
  if (outcome) return { status: outcome.status, reason: outcome.status === 'cancelled' ? { code: 'interrupted' } : { code: 'run', message: outcome.message } };
  if (entry === null) return { status: 'not_rendered', reason: { code: 'not-rendered' } };
  switch (entry.status) {
    case 'completed':
      return { status: 'completed', reason: null };
    case 'failed':
      return { status: 'failed', reason: { code: 'failed', error: entry.error ? { code: entry.error.code, message: entry.error.message } : null } };
    default:
      return { status: 'in_flight', reason: { code: 'in-flight', lock: entry.status } };
  }
}

/** A recorded file as a link relative to the report, when the file exists. */
function fileUrl(recorded: string | undefined, input: ReportInput): string | null {
  if (recorded === undefined || !input.present.has(recorded)) return null;
  const relative = path.relative(input.reportDir, path.resolve(input.lockDir, recorded));
  return relative
    .split(path.sep)
    .map((segment) => (segment === '..' ? segment : encodeURIComponent(segment)))
    .join('/');
}

function axesOf(jobs: readonly ReportJob[]): ReportAxis[] {
  const axes = new Map<string, string[]>();
  for (const job of jobs) {
    for (const binding of job.bindings) {
      const values = axes.get(binding.axis) ?? [];
      if (!values.includes(binding.label)) values.push(binding.label);
      axes.set(binding.axis, values);
    }
  }
  return [...axes].map(([axis, values]) => ({ axis, values }));
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function formatEntryCost(entry: LockEntry): string | null {
  const cost = entryCost(entry);
  return cost === null ? null : formatMoney(cost);
}
