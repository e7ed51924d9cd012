import { defaultJobRetryPolicy, isServerUnusable } from '../api/index.js';
import { fingerprintOf } from '../lockfile/fingerprint.js';
import { createClaimed } from './claimed-create.js';
import { createOnce, requestKey, search, type CreateContext } from './create-once.js';
import { downloadJob } from './download-job.js';
import { finalRequest } from './final-request.js';
import { holding, on, ServerUnusableError, type Runner, type RunnerOptions, type Served } from './job-context.js';
import { createKeyedMutex } from './keyed-mutex.js';
import { pollJob } from './poll-job.js';
import type { ScheduledJob, SchedulerEffects, ServeContext } from './scheduler.js';

export { JobFailedError, ServerUnusableError, type JobState, type RunnerOptions, type Served } from './job-context.js';

/**
 * What a render does for one job, as effects for the scheduler, in stages: create once
 * (create-once.ts), poll to a terminal state (poll-job.ts), download (download-job.ts). A job
 * whose create had an unknown outcome is looked for on the server and adopted before anything
 * is created again.
 */
export function createJobEffects(options: RunnerOptions): SchedulerEffects<Served> {
  const run: Runner = { ...options, retry: options.retry ?? defaultJobRetryPolicy, sameRequest: createKeyedMutex(), makingCharacters: new Map() };
  return {
    serve: (job, ctx) => unusableAsFatal(serve(run, job, ctx)),
    finish: (job, result, signal) => unusableAsFatal(finish(run, job, result, signal)),
  };
}

function unusableAsFatal<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    throw isServerUnusable(error) ? new ServerUnusableError(error as Error) : error;
  });
}

async function serve(run: Runner, scheduled: ScheduledJob, ctx: ServeContext<Served>): Promise<Served> {
  const planned = run.planned.get(scheduled.id)!;
  const entry = run.recorder.entry(scheduled.id);
  // The scheduler sent a resume to the server holding it, and a remix to its parent's.
  const job = { run, jobId: scheduled.id, at: on(run, ctx.server), signal: ctx.signal };
  if (planned.action === 'resume' && entry?.video_id && entry.status !== 'creating') {
    return pollJob(job, entry.video_id);
  }
  const request = await finalRequest(job, planned, ctx.parent);
  const create: CreateContext = {
    ...job,
    asked: { request, fingerprint: fingerprintOf(request), costUsd: costOf(run, scheduled.id), ...otherCurrencyCost(run, scheduled.id) },
    permit: ctx.permit,
  };
  // `--retry-ambiguous` said to create again what no search can find: searching would only fail the job again.
  const searchable = planned.reason.code !== 'retry-ambiguous';
  if (searchable && entry?.status === 'creating' && entry.fingerprint === create.asked.fingerprint && entry.created_at !== null) {
    const since = entry.created_at;
    const adopted = await run.sameRequest.run(requestKey(request, job.at), () => search(create, since));
    if (adopted) return pollJob(job, adopted);
  }
  if (!run.claims) return pollJob(job, await createOnce(create));
  const made = await createClaimed(create, run.claims, entry?.video_id ?? null);
  return pollJob({ ...job, at: made.at }, made.videoId);
}

/** Downloads a job's files from the server holding its video. */
async function finish(run: Runner, scheduled: ScheduledJob, result: Served | null, signal: AbortSignal): Promise<void> {
  const entry = run.recorder.entry(scheduled.id)!;
  await downloadJob({ run, jobId: scheduled.id, at: holding(run, entry), signal }, result?.videoId ?? entry.video_id!);
}

/** The price of a create in a currency other than USD, as the lockfile records it (`cost`); nothing for USD. */
function otherCurrencyCost(run: Runner, jobId: string): { cost?: { amount: number; currency: string } } {
  const planned = run.planned.get(jobId);
  const recorded = run.recorder.entry(jobId)?.cost;
  if (planned?.action !== 'render') return recorded ? { cost: recorded } : {};
  const cost = planned.cost;
  return cost === null || cost.currency === 'USD' ? {} : { cost: { amount: cost.micros / 1_000_000, currency: cost.currency } };
}

/** What a create for the job costs: the plan's price for a render; for a resume, the price recorded when its render was planned. */
function costOf(run: Runner, jobId: string): number | null {
  const planned = run.planned.get(jobId);
  if (planned?.action === 'render') return planned.costUsd;
  return run.recorder.entry(jobId)?.cost_usd ?? planned?.costUsd ?? null;
}
