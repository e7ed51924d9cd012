import { changedFields, fingerprintOf, type JobRequest } from '../lockfile/fingerprint.js';
import { isDeterministicFailure, type LockEntry, type Lockfile } from '../lockfile/lockfile.js';
import { totalOf, type CostTotals } from '../providers/cost-totals.js';
import type { Money } from '../providers/money.js';
import { costOf, currencyOf, roundCents, type ProviderProfile } from '../providers/profile.js';
import { findsLostCreates } from '../providers/protocol.js';
import type { ResolvedJob } from '../storyboard/job.js';
import type { JobParent } from '../storyboard/parent-link.js';
import { requestOf } from './request-of.js';
import type { InputReferenceInfo } from '../storyboard/read-input-references.js';
import { droppedServer, fileState, goneSince, isDue, recordedError, unreachable } from './entry-state.js';
import type { JobGraph } from './graph.js';
import { adoptionOf, OrphanPool, type Adoption, type Orphan } from './orphan-pool.js';
import { globMatcher } from './job-glob.js';
import type { ParentUnusable, PlanReason } from './plan-reason.js';

/**
 * The plan: for every job, given the storyboard, the lockfile and the files on disk, what
 * `render` would do and why, with its cost. Pure.
 */

/**
 * `move`: the job adopts an orphan entry with the identical request (a renamed variant label or
 * shot): its video id and files are kept and renamed, nothing is sent. `failed`: the last
 * attempt failed in a way the same request would meet again (moderation, invalid request); it
 * is not sent again until the request changes, or with `--retry-failed`. `pull`: the files are
 * missing on disk and the remote store holds every one of them (SPEC §8): fetched from it, at no
 * cost, whatever the server still has.
 */
export type PlanAction = 'render' | 'resume' | 'download' | 'pull' | 'reuse' | 'move' | 'failed' | 'blocked';

export interface PlannedJob {
  readonly id: string;
  readonly shotId: string;
  readonly action: PlanAction;
  /** Why, as data (see plan-reason.ts); the CLI puts it in words. */
  readonly reason: PlanReason;
  /** For a changed job, the request fields that changed. */
  readonly changed: readonly string[];
  /** The request as it will be sent; a remix's `video_id` is `null` while its parent is still to render. */
  readonly request: JobRequest;
  /** `null` when it depends on a parent video that does not exist yet. */
  readonly fingerprint: string | null;
  readonly seconds: number;
  /** USD, for `render` only; `null` when the provider has no price for this model and size, or prices in another currency. */
  readonly costUsd: number | null;
  /** What a `render` costs, in the provider's currency (0 for other actions); `null` when unknown. */
  readonly cost: Money | null;
  /** The lockfile's entry for this job, if any; for a job that adopts an orphan, the orphan's entry. */
  readonly entry: LockEntry | null;
  readonly remixOf: string | null;
  /** The job whose video this one starts from, and how (remix, edit, extend, continue). */
  readonly parent: JobParent | null;
  /** The orphan whose entry (video id, files) this job adopts; `null` when it adopts none. */
  readonly movedFrom: string | null;
}

/**
 * A lockfile entry to move to another job id before anything is sent, its files renamed with it.
 * With `from` equal to `to`, only the entry's request is rewritten: the job is unchanged, but the
 * names its request records (the parent job of a remix, the image's path) were renamed.
 */
export interface PlannedMove {
  /** The orphan's job id. */
  readonly from: string;
  readonly to: string;
  /** The orphan's entry, as recorded. */
  readonly entry: LockEntry;
  /** The adopting job's request: the same fingerprint, with its own job names (`remix_of.job`, the image's path). */
  readonly request: JobRequest;
}

export interface PlanTotals {
  readonly jobs: number;
  readonly render: number;
  readonly resume: number;
  readonly download: number;
  /** Jobs whose missing files the remote store holds. */
  readonly pull: number;
  readonly reuse: number;
  /** Jobs that adopt an orphan's video and files and have nothing else to do (an adopting job that downloads or resumes counts there). */
  readonly move: number;
  /** Jobs whose last attempt failed for good, not sent again. */
  readonly failed: number;
  readonly blocked: number;
  readonly orphan: number;
  /** Jobs left out by `--only`. */
  readonly unselected: number;
  /** Seconds of video to render. */
  readonly seconds: number;
  /** Known cost of the renders in USD (the renders priced in other currencies are in `costs`). */
  readonly costUsd: number;
  /** Renders whose price the provider does not list. */
  readonly unpriced: number;
  /** Known cost of the renders per currency, never added across currencies (SPEC §10). */
  readonly costs: CostTotals;
}

export interface Plan {
  readonly jobs: readonly PlannedJob[];
  /** Lockfile entries whose job is gone from the storyboard, and which no job adopts. */
  readonly orphans: readonly Orphan[];
  /**
   * Entries that move to the job adopting them: those of the planned jobs, and of the parents
   * left out by `--only` whose video a selected remix builds on.
   */
  readonly moves: readonly PlannedMove[];
  readonly totals: PlanTotals;
}

/** A file recorded in the lockfile, as found on disk now. */
/** A recorded file on disk: its size and sha256 (`null` when its size alone shows it altered), or `null` when there is none. */
export type OutputState = { readonly sha256: string | null; readonly bytes: number } | null;

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
  /** `--retry-failed`: send again jobs whose last attempt failed for good (moderation, invalid request). */
  readonly retryFailed?: boolean;
  /** The sha256 of recorded outputs the remote store holds (those asked about: files missing on disk). Absent: no remote. */
  readonly remoteBlobs?: ReadonlySet<string>;
  /** Each declared character's id on this provider, by name, as the lockfile records it for its clip; absent: not created yet. */
  readonly characterIds?: ReadonlyMap<string, string>;
  /** `--retry-ambiguous`: create again jobs whose create may have reached a server that cannot be searched for it. */
  readonly retryAmbiguous?: boolean;
}

const NONE: readonly string[] = Object.freeze([]);
// The reasons without details, made once: a plan of 10,000 jobs mostly reuses or renders anew.
const NEW: PlanReason = Object.freeze({ code: 'new' });
const UP_TO_DATE: PlanReason = Object.freeze({ code: 'up-to-date' });
const PARENT_RENDERS: PlanReason = Object.freeze({ code: 'parent-renders' });

export { EXPIRY_MARGIN_SECONDS } from './entry-state.js';

export function planJobs(input: PlanInput): Plan {
  const byId = new Map(input.jobs.map((job) => [job.id, job]));
  const only = globMatcher(input.only ?? []);
  const replace = globMatcher(input.replace ?? []);
  const orphaned = Object.entries(input.lockfile?.jobs ?? {})
    .filter(([id]) => !byId.has(id))
    .map(([id, entry]) => ({ id, entry }));
  // A remix needs its parent's video on the server. A parent kept only as a file whose video
  // expired must render again first; passes repeat until no more parents are pulled in.
  const pulledIn = new Map<string, PlanReason>();
  for (;;) {
    const pass: Pass = { planned: new Map(), context: new Map(), orphans: new OrphanPool(orphaned) };
    let unselected = 0;
    for (const id of input.graph.order) {
      const job = byId.get(id)!;
      if (only && !only(id)) {
        unselected++;
        // Left out by --only, but a selected remix of it builds on its recorded video: planned as
        // that remix's context, never run.
        if (input.graph.childrenOf.get(id)!.length > 0) pass.context.set(id, planJob(job, input, pass, { selected: false, forced: null }));
        continue;
      }
      const forced: PlanReason | null = replace !== null && replace(id) ? { code: 'replace' } : (pulledIn.get(id) ?? null);
      pass.planned.set(id, planJob(job, input, pass, { selected: true, forced }));
    }
    const before = pulledIn.size;
    for (const job of pass.planned.values()) {
      // A continuation starts from the parent's file, not its video on the server.
      const parent = job.parent === null || job.parent.kind === 'continue' ? undefined : pass.planned.get(job.parent.job);
      const kept = parent?.action === 'reuse' || parent?.action === 'move' || parent?.action === 'pull';
      const gone = job.action === 'render' && kept ? unreachable(parent.entry!, input) : null;
      if (gone !== null) pulledIn.set(parent!.id, { code: 'remixed-video-gone', remix: job.id, gone });
    }
    if (pulledIn.size > before) continue;
    const jobs = input.jobs.filter((job) => pass.planned.has(job.id)).map((job) => pass.planned.get(job.id)!);
    const moves = movesOf(jobs, pass);
    const moved = new Set(moves.map((move) => move.from));
    const orphans = orphaned.filter((orphan) => !moved.has(orphan.id));
    return { jobs, orphans, moves, totals: totalsOf(jobs, orphans.length, unselected) };
  }
}

/** One planning pass: the selected jobs, the parents they build on that --only left out, and the orphans not yet adopted. */
interface Pass {
  readonly planned: Map<string, PlannedJob>;
  readonly context: Map<string, PlannedJob>;
  readonly orphans: OrphanPool;
}

/** The moves of the planned jobs, and of the left-out parents up each selected remix's chain (its request names their video). */
function movesOf(jobs: readonly PlannedJob[], pass: Pass): PlannedMove[] {
  const moves = new Map<string, PlannedMove>();
  const add = (job: PlannedJob): void => {
    if (job.movedFrom !== null && job.entry !== null) moves.set(job.id, { from: job.movedFrom, to: job.id, entry: job.entry, request: job.request });
  };
  for (const job of jobs) {
    add(job);
    if (job.movedFrom === null && job.entry !== null && job.entry.fingerprint === job.fingerprint && renamedIn(job.entry.request, job.request)) {
      moves.set(job.id, { from: job.id, to: job.id, entry: job.entry, request: job.request });
    }
    for (let up = job.parent === null ? undefined : pass.context.get(job.parent.job); up; up = up.parent === null ? undefined : pass.context.get(up.parent.job))
      add(up);
  }
  return [...moves.values()];
}

/** Whether the same request names another parent job or image path: what a moved parent, or a renamed image of the same bytes, leaves behind. */
function renamedIn(recorded: JobRequest, now: JobRequest): boolean {
  return (
    (recorded.remix_of?.job ?? null) !== (now.remix_of?.job ?? null) ||
    (recorded.parent?.job ?? null) !== (now.parent?.job ?? null) ||
    (recorded.input_reference?.path ?? null) !== (now.input_reference?.path ?? null)
  );
}

/** How a job is planned: `selected` by --only (else only as context for its remixes), `forced` to render (and why). */
interface Selection {
  readonly selected: boolean;
  readonly forced: PlanReason | null;
}

function planJob(job: ResolvedJob, input: PlanInput, pass: Pass, { selected, forced }: Selection): PlannedJob {
  const entry = input.lockfile?.jobs[job.id] ?? null;
  const parentId = job.parent?.job ?? null;
  const parent = parentId === null ? null : (pass.planned.get(parentId) ?? pass.context.get(parentId) ?? null);
  const parentVideo = parent !== null && holdsVideo(parent) ? (parent.entry?.video_id ?? null) : null;
  const request = requestOf(job, input, parentVideo, entry);
  const fingerprint = fingerprintOf(request);
  const seconds = Number(job.seconds.value);
  // What a job that sends no create costs, in the provider's currency.
  const nothing: Money = { currency: currencyOf(input.profile), micros: 0 };
  // One object shape for every planned job: 10,000 of them are made per plan.
  const make = (
    action: PlanAction,
    reason: PlanReason,
    changed: readonly string[],
    known: string | null,
    cost: Money | null,
    adopted: Orphan | null = null,
    sent: JobRequest = request,
  ): PlannedJob => ({
    id: job.id,
    shotId: job.shotId,
    action,
    reason,
    changed,
    request: sent,
    fingerprint: known,
    seconds,
    costUsd: cost === null || cost.currency !== 'USD' ? null : roundCents(cost.micros / 1_000_000),
    cost,
    entry: adopted?.entry ?? entry,
    remixOf: job.remixOf,
    parent: job.parent,
    movedFrom: adopted?.id ?? null,
  });
  const render = (reason: PlanReason, changed: readonly string[] = NONE, known: string | null = fingerprint): PlannedJob =>
    make('render', reason, changed, known, job.model === null ? null : costOf(input.profile, job.model.value, job.size.value, seconds, job.extra));
  const keep = (action: PlanAction, reason: PlanReason): PlannedJob => make(action, reason, NONE, fingerprint, nothing);
  const blocked = (reason: PlanReason): PlannedJob => make('blocked', reason, NONE, null, nothing);

  if (parentId !== null) {
    if (!parent) return blocked({ code: 'parent-not-selected', parent: parentId, why: { code: 'no-video' } });
    const outside = !pass.planned.has(parent.id)
      ? (parentUnusable(parent, input) ?? (job.parent?.kind === 'continue' && parent.action === 'download' ? { code: 'file-missing' as const } : null))
      : null;
    if (outside !== null) return blocked({ code: 'parent-not-selected', parent: parent.id, why: outside });
    if (parent.action === 'blocked') return blocked({ code: 'parent-blocked', parent: parent.id });
    if (parent.action === 'failed') return blocked({ code: 'parent-failed', parent: parent.id, error: parent.entry?.error?.code ?? 'failed' });
  }
  if (job.frozen && entry?.status === 'completed' && entry.video_id !== null) return planFrozen(job, entry, input, fingerprint, make);
  // A remix of a parent that renders again edits a video that does not exist yet.
  const parentRenders = parent?.action === 'render' || (parentId !== null && parentVideo === null);
  // Nothing is paid for twice that exists: an orphan with this very request is adopted.
  const adopt = (): PlannedJob | null => {
    if (forced !== null || parentRenders) return null;
    const judge = (orphan: Orphan) => adoptionOf(orphan.entry, job, input, selected);
    const moved = (found: { readonly orphan: Orphan; readonly how: Adoption }, known: string, sent: JobRequest): PlannedJob =>
      make(found.how.action, { code: 'moved', from: found.orphan.id, then: found.how.then }, NONE, known, nothing, found.orphan, sent);
    const found = pass.orphans.take(fingerprint, judge);
    if (found) return moved(found, fingerprint, request);
    // A continuation under a new name knows no frame yet (it is extracted under the job's name):
    // with the frame an orphan recorded for this very parent video, its request may be the orphan's.
    if (job.parent?.kind !== 'continue' || request.parent?.frame != null) return null;
    for (const orphan of pass.orphans.remaining()) {
      if (orphan.entry.request.parent?.kind !== 'continue') continue;
      const theirs = requestOf(job, input, parentVideo, orphan.entry);
      const known = fingerprintOf(theirs);
      if (known !== orphan.entry.fingerprint) continue;
      const taken = pass.orphans.take(known, judge);
      if (taken) return moved(taken, known, theirs);
    }
    return null;
  };
  if (!entry) return adopt() ?? render(NEW, NONE, parentRenders ? null : fingerprint);
  if (forced !== null) return render(forced, NONE, parentRenders ? null : fingerprint);
  if (parentRenders) return render(PARENT_RENDERS, ['parent video'], null);

  if (entry.fingerprint !== fingerprint) {
    const changed = changedFields(entry.request, request);
    return adopt() ?? render({ code: 'request-changed', changed }, changed);
  }
  const inFlight = entry.status === 'queued' || entry.status === 'in_progress' || entry.status === 'creating';
  const dropped = inFlight ? droppedServer(entry, input) : null;
  if (dropped !== null) return render({ code: 'in-flight-dropped', server: dropped });
  if (entry.status === 'queued' || entry.status === 'in_progress') return keep('resume', { code: 'in-flight', videoId: entry.video_id });
  if (entry.status === 'creating') {
    // Looked for first where the server can be searched; elsewhere only the user can say a second payment is fine.
    if (findsLostCreates(input.profile)) return keep('resume', { code: 'maybe-created' });
    return input.retryAmbiguous === true ? render({ code: 'retry-ambiguous' }) : blocked({ code: 'ambiguous-create' });
  }
  if (entry.status === 'failed') {
    const code = entry.error?.code ?? 'failed';
    if (!isDeterministicFailure(entry.error)) return render({ code: 'last-attempt-failed', error: code });
    if (input.retryFailed !== true) return keep('failed', { code: 'failed-for-good', error: recordedError(entry) });
    return render({ code: 'retry-failed', error: code });
  }

  // A job left out by --only is not refreshed: its remixes use the take it has.
  if (selected && job.refresh && isDue(entry, job.refresh.everySeconds, input.now)) {
    return render(
      job.refresh.everySeconds === 0
        ? { code: 'refresh-always' }
        : { code: 'refresh-due', every: job.refresh.label, ageSeconds: input.now - entry.created_at! },
    );
  }
  const file = fileState(entry, input);
  if (file === 'intact') return keep('reuse', UP_TO_DATE);
  if (onRemote(entry, input)) return keep('pull', { code: 'on-remote', file });
  const gone = unreachable(entry, input);
  if (gone !== null) return render({ code: 'take-gone', file, gone: goneSince(gone, entry, input.now) });
  return keep('download', { code: file === 'missing' ? 'file-missing' : 'file-altered' });
}

/** Actions after which the job's entry holds the video its remixes edit. */
function holdsVideo(job: PlannedJob): boolean {
  return job.action === 'reuse' || job.action === 'download' || job.action === 'pull' || job.action === 'resume' || job.action === 'move';
}

/** Whether the remote store holds every file the entry records (the video at least). */
function onRemote(entry: LockEntry, input: Pick<PlanInput, 'remoteBlobs'>): boolean {
  const held = input.remoteBlobs;
  if (held === undefined || !entry.outputs.video) return false;
  return Object.values(entry.outputs).every((output) => output === undefined || held.has(output.sha256));
}

/**
 * Why a parent that --only left out cannot lend its recorded video to a selected remix; null
 * while it can (completed, its request current, still on a server the run reaches).
 */
function parentUnusable(parent: PlannedJob, input: PlanInput): ParentUnusable | null {
  switch (parent.action) {
    case 'reuse':
    case 'download':
    case 'pull':
    case 'move': {
      if (parent.entry === null || parent.entry.video_id === null) return { code: 'no-video' };
      const gone = unreachable(parent.entry, input);
      return gone === null ? null : { code: 'video-gone', gone };
    }
    case 'resume':
      return { code: 'in-flight' };
    case 'render':
      return parent.entry === null ? { code: 'no-video' } : { code: 'renders', reason: parent.reason };
    case 'failed':
      return { code: 'failed', error: parent.entry?.error?.code ?? 'failed' };
    case 'blocked':
      return { code: 'blocked', reason: parent.reason };
  }
}

/**
 * An approved take is kept whatever changed in the storyboard, and whatever `--replace` says:
 * reused, or downloaded while the server has it; when it is gone from both, the job is blocked
 * rather than silently rendered anew.
 */
function planFrozen(job: ResolvedJob, entry: LockEntry, input: PlanInput, fingerprint: string, make: MakePlanned): PlannedJob {
  const changed =
    entry.fingerprint === fingerprint
      ? []
      : changedFields(entry.request, requestOf(job, input, entry.request.remix_of?.video_id ?? entry.request.parent?.video_id ?? null, entry));
  const keep = (action: PlanAction, reason: PlanReason): PlannedJob => ({
    ...make(action, reason, changed, entry.fingerprint, { currency: currencyOf(input.profile), micros: 0 }),
    request: entry.request,
  });
  const file = fileState(entry, input);
  if (file === 'intact') return keep('reuse', { code: 'frozen', file, changed });
  if (onRemote(entry, input)) return keep('pull', { code: 'frozen', file, changed });
  const gone = unreachable(entry, input);
  if (gone === null) return keep('download', { code: 'frozen', file, changed });
  return keep('blocked', { code: 'frozen-take-gone', file, gone, changed });
}

type MakePlanned = (action: PlanAction, reason: PlanReason, changed: readonly string[], known: string | null, cost: Money | null) => PlannedJob;

function totalsOf(jobs: readonly PlannedJob[], orphan: number, unselected: number): PlanTotals {
  const count = (action: PlanAction) => jobs.filter((job) => job.action === action).length;
  const renders = jobs.filter((job) => job.action === 'render');
  const cents = renders.reduce((sum, job) => sum + Math.round((job.costUsd ?? 0) * 100), 0);
  return {
    jobs: jobs.length,
    render: renders.length,
    resume: count('resume'),
    download: count('download'),
    pull: count('pull'),
    reuse: count('reuse'),
    move: count('move'),
    failed: count('failed'),
    blocked: count('blocked'),
    orphan,
    unselected,
    seconds: renders.reduce((sum, job) => sum + job.seconds, 0),
    costUsd: cents / 100,
    unpriced: renders.filter((job) => job.cost === null).length,
    costs: totalOf(renders.map((job) => job.cost)),
  };
}
