import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { VideosClient } from '../api/index.js';
import { EnvironmentError } from '../errors.js';
import { onEnvironment } from '../files/environment-error.js';
import { emptyLockfile } from '../lockfile/lockfile.js';
import type { PlannedJob } from '../plan/plan.js';
import type { StoryboardPlan } from '../plan/plan-storyboard.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import type { Clock } from './clock.js';
import { createJobEffects, JobFailedError, ServerUnusableError, type JobState, type RunnerOptions, type Served } from './job-runner.js';
import { checkServedModel } from './check-served-model.js';
import { LockRecorder } from './lock-recorder.js';
import { fileStemOf, outputPathsOf } from './output-names.js';
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
  readonly client: VideosClient;
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
}

export type JobReport =
  | { readonly status: 'completed'; readonly job: PlannedJob }
  | { readonly status: 'failed'; readonly job: PlannedJob; readonly reason: string }
  | { readonly status: 'skipped'; readonly job: PlannedJob; readonly reason: string }
  | { readonly status: 'cancelled'; readonly job: PlannedJob };

export interface RenderResult {
  readonly reports: readonly JobReport[];
  readonly interrupted: boolean;
}

export async function renderStoryboard(input: RenderInput): Promise<RenderResult> {
  const { loaded, planned } = input;
  const { plan, graph, lockPath } = planned;
  const { provider } = loaded.storyboard;
  // A storyboard renamed since its last render: the lockfile records the name it has now.
  const recorder = new LockRecorder(lockPath, planned.lockfile ? { ...planned.lockfile, name: loaded.storyboard.name } : emptyLockfile(loaded.storyboard.name));
  await onEnvironment('create the directory', input.outDir, () => mkdir(input.outDir, { recursive: true }));
  // Left by a render killed mid-write; this one holds the lock, so nobody else is writing them.
  await removeStaleFiles([lockPath, ...loaded.jobs.flatMap((job) => Object.values(outputPathsOf(input.outDir, fileStemOf(job.id))))]);

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
    if (job.action === 'render' && job.remixOf !== null && !servedHere.has(job.remixOf)) return serverHolding(lockOf(job.remixOf), first);
    return null;
  };
  const scheduled: ScheduledJob[] = work.map((job, index) => ({
    id: job.id,
    parentId: job.remixOf,
    priority: graph.remaining.get(job.id) ?? 0,
    index,
    resume: job.action === 'resume',
    needsServer: job.action !== 'download',
    server: boundTo(job),
  }));
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
    fileStem: fileStemOf,
    clock: input.clock,
    wallNow: input.wallNow,
    onState: input.onState,
  });
  const byId = new Map(work.map((job) => [job.id, job]));
  // A server that cannot be used, or a machine that refuses the files (a full disk, a read-only
  // directory), stops the whole run, as Ctrl-C would: every other job would meet the same, and
  // jobs in flight stay recorded for the next run.
  const stop = new AbortController();
  let unusable: ServerUnusableError | EnvironmentError | null = null;
  const onEvent = (event: SchedulerEvent): void => {
    if (event.type !== 'failed' || !(event.error instanceof ServerUnusableError || event.error instanceof EnvironmentError) || unusable) return;
    unusable = event.error;
    stop.abort(event.error);
  };
  const outcomes = await runSchedule(scheduled, { ...effects, onEvent }, {
    inFlight: provider.inFlight,
    servers: servers.map((server) => ({ name: server.name, inFlight: server.inFlight })),
    createsPerMinute: provider.createsPerMinute,
    downloads: input.downloads ?? 4,
    clock: input.clock,
    signal: AbortSignal.any([input.signal, stop.signal]),
    ...(input.drain ? { drain: input.drain } : {}),
  });
  // Every state change was written (and awaited) by the job that made it; the scheduler has
  // waited for all of them, so the lockfile on disk is already final here.
  if (unusable) throw unusable;

  const reports = [...outcomes].map(([id, outcome]) => reportOf(byId.get(id)!, outcome));
  for (const report of reports) {
    if (report.status === 'failed' || report.status === 'skipped') input.onState(report.job.id, 'failed', { message: report.reason });
    input.onSettled?.(report.job.id, report);
  }
  const interrupted = input.signal.aborted;
  if (input.pruneOrphans && !interrupted) await recorder.remove(plan.orphans.map((orphan) => orphan.id));
  return { reports, interrupted };
}

/** The server holding a lockfile entry's video (the plan sent entries on unreachable servers to render anew). */
function serverHolding(entry: { readonly server?: string } | undefined, first: RenderServer): string | null {
  return entry === undefined ? null : entry.server ?? first.name;
}

/** A full render with nothing to send: only the entries of jobs gone from the storyboard leave the lockfile. */
export async function dropOrphans(planned: StoryboardPlan): Promise<void> {
  if (planned.lockfile === null || planned.plan.orphans.length === 0) return;
  await new LockRecorder(planned.lockPath, planned.lockfile).remove(planned.plan.orphans.map((orphan) => orphan.id));
}

function reportOf(job: PlannedJob, outcome: JobOutcome<Served>): JobReport {
  switch (outcome.status) {
    case 'completed':
      return { status: 'completed', job };
    case 'failed':
      return { status: 'failed', job, reason: outcome.error instanceof JobFailedError ? outcome.error.message : describe(outcome.error) };
    case 'skipped':
      // The status beside it already says "skipped"; the reason says why.
      return { status: 'skipped', job, reason: `not sent, because ${outcome.because} failed` };
    case 'cancelled':
      return { status: 'cancelled', job };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type { JobState };
