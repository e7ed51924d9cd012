import { totalOf, type CostTotals } from '../providers/cost-totals.js';
import type { Money } from '../providers/money.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { VideoProtocolClient } from '../api/index.js';
import { EnvironmentError, errorCodeOf, errorMessageOf } from '../errors.js';
import { onEnvironment } from '../files/environment-error.js';
import { emptyLockfile, entryCost, type LockEntry } from '../lockfile/lockfile.js';
import type { PlannedJob } from '../plan/plan.js';
import type { StoryboardPlan } from '../plan/plan-storyboard.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import type { ClaimContext } from '../remote/claim-lease.js';
import type { Clock } from './clock.js';
import { createJobEffects, JobFailedError, ServerUnusableError, type JobState, type RunnerOptions, type Served } from './job-runner.js';
import { checkServedModel } from './check-served-model.js';
import { LockRecorder } from './lock-recorder.js';
import { fileStemOf, outputPathsOf } from './output-names.js';
import { framePathOf } from './last-frame.js';
import { applyMoves } from './move-outputs.js';
import { removeStaleFiles } from './stale-files.js';
import { runSchedule, type JobOutcome, type ScheduledJob, type SchedulerEvent } from './scheduler.js';

/**
 * Executes a plan: the jobs to render, resume or download go to the scheduler with the
 * provider's limits; the lockfile records every state change; orphans are pruned at the end of
 * a full run.
 */

/** A server of the run: its name (as the lockfile of a pool records it), its cap, its client. */
export interface RenderServer {
  readonly name: string;
  readonly inFlight: number;
  readonly client: VideoProtocolClient;
}

export interface RenderInput {
  readonly loaded: LoadedStoryboard;
  readonly planned: StoryboardPlan;
  /** The provider's servers, in the order written: one, or a pool. */
  readonly servers: readonly RenderServer[];
  /** Absolute output directory. */
  readonly outDir: string;
  readonly clock: Clock;
  readonly wallNow: () => number;
  readonly signal: AbortSignal;
  /** Stop starting new jobs but let those on the server finish and be recorded (watch mode). */
  readonly drain?: AbortSignal;
  /** Drop lockfile entries of jobs gone from the storyboard (not on `--only` runs). */
  readonly pruneOrphans: boolean;
  /** Concurrent downloads. */
  readonly downloads?: number;
  readonly onState: RunnerOptions['onState'];
  readonly onSettled?: (jobId: string, outcome: JobReport) => void;
  /** The remote's claims: one paid job per request across machines. Absent: no remote, or one that cannot hold them. */
  readonly claims?: ClaimContext | undefined;
  /** `--retry-ambiguous`: a create no search can find is sent again (see RunnerOptions). */
  readonly retryAmbiguous?: boolean | undefined;
  /** The run's lockfile writer, when the caller records in it too (the films of the cuts); default one made from the plan. */
  readonly recorder?: LockRecorder;
}

/**
 * How a job ended. `videoId`: the video this run made, resumed or downloaded for it (null when
 * none, e.g. refused at create or never started). `costUsd`: what this run paid for it: its
 * price when this run sent its create, else 0; null when the provider has no price for it.
 */
export type JobReport = { readonly job: PlannedJob; readonly costUsd: number | null } & (
  | { readonly status: 'completed'; readonly videoId: string | null; readonly outputs: JobOutputs; readonly pinned?: LockEntry['outputs'] }
  | { readonly status: 'failed'; readonly videoId: string | null; readonly reason: string }
  | { readonly status: 'skipped'; readonly videoId: null; readonly reason: string }
  | { readonly status: 'cancelled'; readonly videoId: string | null }
);

/** Absolute paths of a completed job's files. */
export interface JobOutputs {
  readonly video?: string;
  readonly thumbnail?: string;
}

export interface RenderResult {
  readonly reports: readonly JobReport[];
  readonly interrupted: boolean;
  /**
   * What the jobs this run created cost (their lockfile `cost_usd`, USD): every create the server
   * accepted is counted once, by the run that sent it, whatever became of the job (done, failed,
   * still in flight at an interrupt). A resumed job was paid by the run that created it; one whose
   * create's answer never came is counted by the run that finds it on the server.
   */
  readonly spentUsd: number;
  /** The same, per currency (a profile may price in EUR): never added across currencies. */
  readonly spent: CostTotals;
}

export async function renderStoryboard(input: RenderInput): Promise<RenderResult> {
  const { loaded, planned } = input;
  const { plan, graph, lockPath } = planned;
  const { provider } = loaded.storyboard;
  const recorder = input.recorder ?? recorderFor(loaded, planned);
  await onEnvironment('create the directory', input.outDir, () => mkdir(input.outDir, { recursive: true }));
  // Left by a render killed mid-write; this one holds the lock, so nobody else is writing them.
  await removeStaleFiles([
    lockPath,
    ...loaded.jobs.flatMap((job) => Object.values(outputPathsOf(input.outDir, fileStemOf(job.id)))),
    ...loaded.jobs.flatMap((job) => (job.parent?.kind === 'continue' ? [framePathOf(input.outDir, fileStemOf(job.id))] : [])),
  ]);
  // Adopted orphans move to their new job ids first: a remix of a moved parent finds its video there.
  await applyMoves(recorder, plan.moves, { outDir: input.outDir, lockDir: path.dirname(lockPath) });

  const work = plan.jobs.filter((job) => job.action === 'render' || job.action === 'resume' || job.action === 'download');
  const { servers } = input;
  const first = servers[0]!;
  for (const server of servers) await checkServedModel(server.client, provider.profile, work, input.signal, servers.length > 1 ? server.name : undefined);
  const lockOf = (id: string | null) => (id === null ? undefined : recorder.entry(id));
  const servedHere = new Set(work.filter((job) => job.action !== 'download').map((job) => job.id));
  // Bound to where the video is: a resume to its own server, a remix to its parent's, unless the
  // parent is served in this run (the remix then follows wherever the scheduler sends it).
  const boundTo = (job: PlannedJob): string | null => {
    if (job.action === 'resume') return serverHolding(lockOf(job.id), first);
    // An edit or an extension too needs its parent's video where it is; a continuation only its file.
    const onServer = job.parent !== null && job.parent.kind !== 'continue' ? job.parent.job : null;
    if (job.action === 'render' && onServer !== null && !servedHere.has(onServer)) return serverHolding(lockOf(onServer), first);
    return null;
  };
  const scheduled: ScheduledJob[] = work.map((job, index) => ({
    id: job.id,
    parentId: job.parent?.job ?? null,
    // A continuation resumed from `creating` may extract its frame again: it too waits for the parent's file.
    waitsForFile: job.action !== 'download' && job.parent?.kind === 'continue',
    priority: graph.remaining.get(job.id) ?? 0,
    index,
    resume: job.action === 'resume',
    needsServer: job.action !== 'download',
    server: boundTo(job),
  }));
  /** The video each job was last seen with in this run (an older video in the lockfile is not this run's). */
  const videoIds = new Map<string, string>();
  /** Jobs whose create this run sent: their cost is this run's spend. */
  const created = new Set<string>();
  const inputReferences = new Map(loaded.jobs.flatMap((job) => (job.inputReference ? [[job.id, job.inputReference.absPath] as const] : [])));
  const effects = createJobEffects({
    clients: new Map(servers.map((server) => [server.name, server.client])),
    firstServer: first.name,
    recordServer: provider.pool,
    profile: provider.profile,
    recorder,
    planned: new Map(work.map((job) => [job.id, job])),
    outDir: input.outDir,
    lockDir: path.dirname(lockPath),
    inputReferences,
    projectRoot: loaded.projectRoot,
    characters: castOf(loaded),
    fileStem: fileStemOf,
    clock: input.clock,
    wallNow: input.wallNow,
    onState: (id, state, detail) => {
      if (detail.videoId) videoIds.set(id, detail.videoId);
      input.onState(id, state, detail);
    },
    onCreated: (id) => created.add(id),
    claims: input.claims,
    retryAmbiguous: input.retryAmbiguous === true,
  });
  const byId = new Map(work.map((job) => [job.id, job]));
  const reports = new Map<string, JobReport>();
  // A server that cannot be used, or a machine that refuses the files (a full disk, a read-only
  // directory), stops the whole run, as Ctrl-C would: every other job would meet the same, and
  // jobs in flight stay recorded for the next run.
  const stop = new AbortController();
  let unusable: ServerUnusableError | EnvironmentError | null = null;
  const listenerErrors: unknown[] = [];
  const onEvent = (event: SchedulerEvent): void => {
    if (event.type === 'failed' && (event.error instanceof ServerUnusableError || event.error instanceof EnvironmentError) && !unusable) {
      unusable = event.error;
      stop.abort(event.error);
    }
    // Once the server is unusable the run ends with that one error, not a failure per job.
    if (unusable) return;
    const outcome = outcomeOf(event);
    if (outcome === null) return;
    // Said the moment the job settles, not when the whole run ends.
    const report = reportOf(byId.get(event.id)!, outcome, { recorder, lockDir: path.dirname(lockPath), videoIds, created });
    reports.set(event.id, report);
    try {
      if (report.status === 'failed' || report.status === 'skipped') input.onState(event.id, 'failed', { message: report.reason });
      input.onSettled?.(event.id, report);
    } catch (error) {
      // Thrown inside the scheduler it would stall the run; the run finishes and records first.
      listenerErrors.push(error);
    }
  };
  const outcomes = await runSchedule(
    scheduled,
    { ...effects, onEvent },
    {
      inFlight: provider.inFlight,
      servers: servers.map((server) => ({ name: server.name, inFlight: server.inFlight })),
      createsPerMinute: provider.createsPerMinute,
      downloads: input.downloads ?? 4,
      clock: input.clock,
      signal: AbortSignal.any([input.signal, stop.signal]),
      ...(input.drain ? { drain: input.drain } : {}),
    },
  );
  // Every state change was written (and awaited) by the job that made it; the scheduler has
  // waited for all of them, so the lockfile on disk is already final here.
  if (unusable) throw unusable;
  if (listenerErrors.length > 0) throw listenerErrors[0];

  // Every outcome was reported by its event; in the plan's order here.
  const interrupted = input.signal.aborted;
  if (input.pruneOrphans && !interrupted) await recorder.remove(plan.orphans.map((orphan) => orphan.id));
  const cents = [...created].reduce((sum, id) => sum + Math.round((recorder.entry(id)?.cost_usd ?? 0) * 100), 0);
  const spent = totalOf([...created].map((id) => entryCostOf(recorder.entry(id))));
  return { reports: [...outcomes.keys()].map((id) => reports.get(id)!), interrupted, spentUsd: cents / 100, spent };
}

/** Each declared character's clip, by name, as it was read and checked for the plan. */
function castOf(loaded: LoadedStoryboard): Map<string, { readonly absPath: string; readonly sha256: string }> {
  const cast = new Map<string, { readonly absPath: string; readonly sha256: string }>();
  for (const character of loaded.storyboard.characters) {
    const clip = loaded.characterClips.get(character.clip.absPath);
    if (clip?.status === 'ok') cast.set(character.name, { absPath: character.clip.absPath, sha256: clip.sha256 });
  }
  return cast;
}

/** The one writer of the lockfile for a run, starting from the plan's lockfile. */
export function recorderFor(loaded: LoadedStoryboard, planned: StoryboardPlan): LockRecorder {
  // A storyboard renamed since its last render: the lockfile records the name it has now.
  return new LockRecorder(planned.lockPath, planned.lockfile ? { ...planned.lockfile, name: loaded.storyboard.name } : emptyLockfile(loaded.storyboard.name));
}

/** The server holding a lockfile entry's video (the plan sent entries on unreachable servers to render anew). */
function serverHolding(entry: { readonly server?: string } | undefined, first: RenderServer): string | null {
  return entry === undefined ? null : (entry.server ?? first.name);
}

/**
 * A render with nothing to send: adopted orphans move to their new job ids (files renamed), and
 * a full render drops the entries of jobs gone from the storyboard.
 */
export async function recordWithoutSending(
  planned: StoryboardPlan,
  options: { readonly outDir: string; readonly pruneOrphans: boolean; readonly recorder?: LockRecorder },
): Promise<void> {
  if (planned.lockfile === null) return;
  const recorder = options.recorder ?? new LockRecorder(planned.lockPath, planned.lockfile);
  if (planned.plan.moves.length > 0) {
    await mkdir(options.outDir, { recursive: true });
    await applyMoves(recorder, planned.plan.moves, { outDir: options.outDir, lockDir: path.dirname(planned.lockPath) });
  }
  if (options.pruneOrphans) await recorder.remove(planned.plan.orphans.map((orphan) => orphan.id));
}

/** The outcome a scheduler event settles; null for events of a job still under way. */
function outcomeOf(event: SchedulerEvent): JobOutcome<Served> | null {
  switch (event.type) {
    case 'finished':
      return { status: 'completed', result: null };
    case 'failed':
      return { status: 'failed', stage: event.stage, error: event.error };
    case 'skipped':
      return { status: 'skipped', because: event.because };
    case 'cancelled':
      return { status: 'cancelled', result: null };
    default:
      return null;
  }
}

function reportOf(
  job: PlannedJob,
  outcome: JobOutcome<Served>,
  run: { readonly recorder: LockRecorder; readonly lockDir: string; readonly videoIds: ReadonlyMap<string, string>; readonly created: ReadonlySet<string> },
): JobReport {
  const videoId = run.videoIds.get(job.id) ?? null;
  const costUsd = run.created.has(job.id) ? (run.recorder.entry(job.id)?.cost_usd ?? null) : 0;
  switch (outcome.status) {
    case 'completed': {
      const entry = run.recorder.entry(job.id);
      const video = entry?.outputs.video && path.resolve(run.lockDir, entry.outputs.video.path);
      const thumbnail = entry?.outputs.thumbnail && path.resolve(run.lockDir, entry.outputs.thumbnail.path);
      return {
        status: 'completed',
        job,
        costUsd,
        videoId: entry?.video_id ?? videoId,
        outputs: { ...(video ? { video } : {}), ...(thumbnail ? { thumbnail } : {}) },
        ...(entry ? { pinned: entry.outputs } : {}),
      };
    }
    case 'failed':
      return { status: 'failed', job, costUsd, videoId, reason: failureReason(outcome.error) };
    case 'skipped':
      // The status beside it already says "skipped"; the reason says why.
      return { status: 'skipped', job, costUsd, videoId: null, reason: `not sent, because ${outcome.because} failed` };
    case 'cancelled':
      return { status: 'cancelled', job, costUsd, videoId };
  }
}

/**
 * Why a job failed, always as `<code>: <what happened>`: a job's own failure says it so already;
 * any other error (a download whose retries ran out, a disk that refused a write) gets its code
 * in front, so every failed job names a code the same way.
 */
function failureReason(error: unknown): string {
  return error instanceof JobFailedError ? error.message : `${errorCodeOf(error)}: ${errorMessageOf(error)}`;
}

export type { JobState };

function entryCostOf(entry: LockEntry | undefined): Money | null {
  return entry ? entryCost(entry) : null;
}
