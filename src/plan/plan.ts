import { changedFields, fingerprintOf, type JobRequest } from '../lockfile/fingerprint.js';
import type { LockEntry, Lockfile } from '../lockfile/lockfile.js';
import { priceOf, type ProviderProfile } from '../providers/profile.js';
import type { ResolvedJob } from '../storyboard/job.js';
import type { InputReferenceInfo } from '../storyboard/read-input-references.js';
import type { JobGraph } from './graph.js';
import { compileJobGlob, matchesJobGlob } from './job-glob.js';

/**
 * The plan: for every job, given the storyboard, the lockfile and the files on disk, what
 * `render` would do and why, with its cost. Pure.
 */

export type PlanAction = 'render' | 'resume' | 'download' | 'reuse' | 'blocked';

export interface PlannedJob {
  readonly id: string;
  readonly shotId: string;
  readonly action: PlanAction;
  /** Why, in words: `new job`, `prompt changed`, `file missing`, … */
  readonly reason: string;
  /** For a changed job, the request fields that changed. */
  readonly changed: readonly string[];
  /** The request as it will be sent; a remix's `video_id` is `null` while its parent is still to render. */
  readonly request: JobRequest;
  /** `null` when it depends on a parent video that does not exist yet. */
  readonly fingerprint: string | null;
  readonly seconds: number;
  /** USD, for `render` only; `null` when the provider has no price for this model and size. */
  readonly costUsd: number | null;
  /** The lockfile's entry for this job, if any. */
  readonly entry: LockEntry | null;
  readonly remixOf: string | null;
}

export interface PlanTotals {
  readonly jobs: number;
  readonly render: number;
  readonly resume: number;
  readonly download: number;
  readonly reuse: number;
  readonly blocked: number;
  readonly orphan: number;
  /** Jobs left out by `--only`. */
  readonly unselected: number;
  /** Seconds of video to render. */
  readonly seconds: number;
  /** Known cost of the renders, USD. */
  readonly costUsd: number;
  /** Renders whose price the provider does not list. */
  readonly unpriced: number;
}

export interface Plan {
  readonly jobs: readonly PlannedJob[];
  /** Lockfile entries whose job is gone from the storyboard. */
  readonly orphans: readonly { readonly id: string; readonly entry: LockEntry }[];
  readonly totals: PlanTotals;
}

/** A file recorded in the lockfile, as found on disk now. */
export type OutputState = { readonly sha256: string; readonly bytes: number } | null;

export interface PlanInput {
  readonly jobs: readonly ResolvedJob[];
  readonly graph: JobGraph;
  readonly profile: ProviderProfile;
  /** The fingerprint's provider identity (see `providerIdentity`). */
  readonly providerId: string;
  readonly inputReferences: ReadonlyMap<string, InputReferenceInfo>;
  readonly lockfile: Lockfile | null;
  /** Recorded output paths (as in the lockfile) → what is on disk. A path not in the map counts as missing. */
  readonly outputs: ReadonlyMap<string, OutputState>;
  /** Unix seconds. */
  readonly now: number;
  /** `--only`: globs of job ids to consider; empty means all. */
  readonly only?: readonly string[];
  /** `--replace`: globs of job ids to render again even when up to date. */
  readonly replace?: readonly string[];
  /**
   * The servers this run can reach, by name (`serverName`). A lockfile entry naming another
   * (a server dropped from the pool) counts as a video that is gone. Absent: every entry's
   * server is reachable.
   */
  readonly servers?: ReadonlySet<string>;
}

const NONE: readonly string[] = Object.freeze([]);

/** A video this close to expiry is treated as expired: the download might not finish in time. */
export const EXPIRY_MARGIN_SECONDS = 600;

export function planJobs(input: PlanInput): Plan {
  const byId = new Map(input.jobs.map((job) => [job.id, job]));
  const only = globMatcher(input.only ?? []);
  const replace = globMatcher(input.replace ?? []);
  // A remix needs its parent's video on the server. A parent kept only as a file whose video
  // expired must render again first; passes repeat until no more parents are pulled in.
  const pulledIn = new Map<string, string>();
  for (;;) {
    const planned = new Map<string, PlannedJob>();
    let unselected = 0;
    for (const id of input.graph.order) {
      if (only && !only(id)) {
        unselected++;
        continue;
      }
      const forced = replace !== null && replace(id) ? 'forced by --replace' : pulledIn.get(id) ?? null;
      planned.set(id, planJob(byId.get(id)!, input, planned, forced));
    }
    const before = pulledIn.size;
    for (const job of planned.values()) {
      const parent = job.remixOf === null ? undefined : planned.get(job.remixOf);
      const gone = job.action === 'render' && parent?.action === 'reuse' ? unreachable(parent.entry!, input) : null;
      if (gone !== null) pulledIn.set(parent!.id, `its video ${goneText(gone)}${gone === 'expired' ? '' : ','} and ${job.id} remixes it`);
    }
    if (pulledIn.size > before) continue;
    const jobs = input.jobs.filter((job) => planned.has(job.id)).map((job) => planned.get(job.id)!);
    const orphans = Object.entries(input.lockfile?.jobs ?? {})
      .filter(([id]) => !byId.has(id))
      .map(([id, entry]) => ({ id, entry }));
    return { jobs, orphans, totals: totalsOf(jobs, orphans.length, unselected) };
  }
}

function isExpired(entry: LockEntry, now: number): boolean {
  return entry.expires_at !== null && entry.expires_at <= now + EXPIRY_MARGIN_SECONDS;
}

/** Why a video can no longer be fetched or remixed: expired, or on a server the run does not reach. */
type Gone = 'expired' | { readonly server: string };

/** Why the entry's video is gone; null while it can still be fetched or remixed. */
function unreachable(entry: LockEntry, input: PlanInput): Gone | null {
  const server = droppedServer(entry, input);
  if (server !== null) return { server };
  return isExpired(entry, input.now) ? 'expired' : null;
}

/** The server holding the entry's video, when the run no longer reaches it (dropped from the pool); null otherwise. */
function droppedServer(entry: LockEntry, input: PlanInput): string | null {
  return entry.server !== undefined && input.servers !== undefined && !input.servers.has(entry.server) ? entry.server : null;
}

/** `unreachable`'s answer as the end of a sentence about the video; given the entry and the time, it says when it expired. */
function goneText(gone: Gone, when?: { readonly entry: LockEntry; readonly now: number }): string {
  if (gone !== 'expired') return `is on ${gone.server}, no longer among the provider's servers`;
  if (!when) return 'expired on the server';
  const { entry, now } = when;
  return entry.expires_at! <= now ? `expired on the server ${ago(now - entry.expires_at!)}` : 'expires on the server within minutes';
}

function planJob(job: ResolvedJob, input: PlanInput, planned: ReadonlyMap<string, PlannedJob>, forced: string | null): PlannedJob {
  const entry = input.lockfile?.jobs[job.id] ?? null;
  const parent = job.remixOf === null ? null : planned.get(job.remixOf) ?? null;
  const parentEntry = job.remixOf === null ? null : input.lockfile?.jobs[job.remixOf] ?? null;
  const parentVideo = parent && (parent.action === 'render' || parent.action === 'blocked') ? null : parentEntry?.video_id ?? null;
  const request = requestOf(job, input, parentVideo);
  const fingerprint = fingerprintOf(request);
  const seconds = Number(job.seconds.value);
  // One object shape for every planned job: 10,000 of them are made per plan.
  const make = (action: PlanAction, reason: string, changed: readonly string[], known: string | null, costUsd: number | null): PlannedJob => ({
    id: job.id,
    shotId: job.shotId,
    action,
    reason,
    changed,
    request,
    fingerprint: known,
    seconds,
    costUsd,
    entry,
    remixOf: job.remixOf,
  });
  const render = (reason: string, changed: readonly string[] = NONE, known: string | null = fingerprint): PlannedJob =>
    make('render', reason, changed, known, job.model === null ? null : priceOf(input.profile, job.model.value, job.size.value, seconds));
  const keep = (action: PlanAction, reason: string): PlannedJob => make(action, reason, NONE, fingerprint, 0);

  if (job.remixOf !== null) {
    if (!parent) return make('blocked', `parent ${job.remixOf} is not selected by --only and has no video yet`, NONE, null, 0);
    if (parent.action === 'blocked') return make('blocked', `parent ${parent.id} is blocked`, NONE, null, 0);
  }
  if (job.frozen && entry?.status === 'completed' && entry.video_id !== null) return planFrozen(job, entry, input, fingerprint, make);
  // A remix of a parent that renders again edits a video that does not exist yet.
  const parentRenders = parent?.action === 'render' || (job.remixOf !== null && parentVideo === null);
  if (!entry) return render('new job', NONE, parentRenders ? null : fingerprint);
  if (forced !== null) return render(forced, NONE, parentRenders ? null : fingerprint);
  if (parentRenders) return render('parent renders again', ['parent video'], null);

  if (entry.fingerprint !== fingerprint) {
    const changed = changedFields(entry.request, request);
    return render(changed.length > 0 ? `${changed.join(', ')} changed` : 'request changed', changed);
  }
  const inFlight = entry.status === 'queued' || entry.status === 'in_progress' || entry.status === 'creating';
  const dropped = inFlight ? droppedServer(entry, input) : null;
  if (dropped !== null) return render(`in flight on ${dropped}, no longer among the provider's servers`);
  if (entry.status === 'queued' || entry.status === 'in_progress') return keep('resume', `in flight as ${entry.video_id}; resumed, never created again`);
  if (entry.status === 'creating') return keep('resume', 'a create may have reached the server; looked for before any new create');
  if (entry.status === 'failed') return render(`the last attempt failed${entry.error ? ` (${entry.error.code})` : ''}`);

  if (job.refresh && isDue(entry, job.refresh.everySeconds, input.now)) {
    return render(job.refresh.everySeconds === 0 ? 'refresh: always' : `refresh due (${job.refresh.label}; the take is ${age(input.now - entry.created_at!)} old)`);
  }
  const file = fileState(entry, input);
  if (file === 'intact') return keep('reuse', 'up to date');
  const what = file === 'missing' ? 'file missing' : 'file altered on disk';
  const gone = unreachable(entry, input);
  if (gone !== null) return render(`${what} and the video ${goneText(gone, { entry, now: input.now })}`);
  return keep('download', what);
}

/**
 * An approved take is kept whatever changed in the storyboard, and whatever `--replace` says:
 * reused, or downloaded while the server has it; when it is gone from both, the job is blocked
 * rather than silently rendered anew.
 */
function planFrozen(job: ResolvedJob, entry: LockEntry, input: PlanInput, fingerprint: string, make: MakePlanned): PlannedJob {
  const changed = entry.fingerprint === fingerprint ? [] : changedFields(entry.request, requestOf(job, input, entry.request.remix_of?.video_id ?? null));
  const note = changed.length > 0 ? ` (kept although ${changed.join(', ')} changed)` : '';
  const keep = (action: PlanAction, reason: string): PlannedJob => ({ ...make(action, reason + note, changed, entry.fingerprint, 0), request: entry.request });
  const file = fileState(entry, input);
  if (file === 'intact') return keep('reuse', 'frozen');
  const gone = unreachable(entry, input);
  if (gone === null) return keep('download', `frozen; file ${file}`);
  return keep('blocked', `frozen, but the take is gone: file ${file} and the video ${goneText(gone)}`);
}

type MakePlanned = (action: PlanAction, reason: string, changed: readonly string[], known: string | null, costUsd: number | null) => PlannedJob;

function fileState(entry: LockEntry, input: PlanInput): 'intact' | 'missing' | 'altered' {
  const file = entry.outputs.video ? input.outputs.get(entry.outputs.video.path) ?? null : null;
  if (file === null) return 'missing';
  return file.sha256 === entry.outputs.video!.sha256 ? 'intact' : 'altered';
}

function isDue(entry: LockEntry, everySeconds: number, now: number): boolean {
  return everySeconds === 0 || (entry.created_at !== null && entry.created_at + everySeconds <= now);
}

function age(seconds: number): string {
  return seconds < 172_800 ? `${Math.round(seconds / 3600)} h` : `${Math.round(seconds / 86_400)} days`;
}

/** The request a job sends, with its input image counted by its bytes. */
export function requestOf(job: ResolvedJob, input: Pick<PlanInput, 'providerId' | 'inputReferences'>, parentVideo: string | null): JobRequest {
  const info = job.inputReference ? input.inputReferences.get(job.inputReference.absPath) : undefined;
  return {
    provider: input.providerId,
    model: job.model?.value ?? null,
    size: job.size.value,
    seconds: job.seconds.value,
    prompt: job.prompt,
    ...(job.extra !== null ? { extra: job.extra } : {}),
    ...(job.inputReference && info?.status === 'ok' ? { input_reference: { path: job.inputReference.path, sha256: info.sha256 } } : {}),
    ...(job.remixOf !== null ? { remix_of: { job: job.remixOf, video_id: parentVideo } } : {}),
  };
}

function totalsOf(jobs: readonly PlannedJob[], orphan: number, unselected: number): PlanTotals {
  const count = (action: PlanAction) => jobs.filter((job) => job.action === action).length;
  const renders = jobs.filter((job) => job.action === 'render');
  const cents = renders.reduce((sum, job) => sum + Math.round((job.costUsd ?? 0) * 100), 0);
  return {
    jobs: jobs.length,
    render: renders.length,
    resume: count('resume'),
    download: count('download'),
    reuse: count('reuse'),
    blocked: count('blocked'),
    orphan,
    unselected,
    seconds: renders.reduce((sum, job) => sum + job.seconds, 0),
    costUsd: cents / 100,
    unpriced: renders.filter((job) => job.costUsd === null).length,
  };
}

/**
 * Matches job ids against globs (see job-glob.ts: `*`, `?`, `{a,b}`, a leading `!`), in time
 * linear in each. Brackets are literal (job ids contain them), so `--only 'hero[product=mug,*'`
 * works as written.
 */
export function globMatcher(globs: readonly string[]): ((id: string) => boolean) | null {
  if (globs.length === 0) return null;
  const matchers = globs.map(compileJobGlob);
  return (id) => globs.includes(id) || matchers.some((glob) => matchesJobGlob(glob, id));
}

function ago(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}
