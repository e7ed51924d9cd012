import { createHash } from 'node:crypto';
import { checkInFlight, rateLimited } from './admission.js';
import type { EmulatorContext } from './context.js';
import type { RouteClass } from './faults.js';
import type { JobFate, JobRecord } from './job.js';
import { isInFlight, plannedEndMs, planTiming } from './lifecycle.js';

/** What a create asks for, before the emulator gives it an id and a timeline. */
export type JobRequest = Pick<JobRecord, 'prompt' | 'model' | 'size' | 'seconds' | 'remixedFrom' | 'inputReferenceSha256' | 'extra'> &
  Partial<Pick<JobRecord, 'audio' | 'wire' | 'deadlineMs' | 'source' | 'extensions' | 'characters'>>;

/**
 * How jobs beyond the in-flight limit are met: `reject` answers 429 (OpenAI, Gemini), `queue`
 * takes every job and runs at most `inFlightLimit` at once, the rest waiting their turn (fal),
 * `serial` is a one-at-a-time queue (vLLM-Omni), `none` has no limit (Replicate publishes none).
 */
export type InFlightPolicy = 'reject' | 'queue' | 'serial' | 'none';

export type Admission = { kind: 'drop' } | { kind: 'job'; job: JobRecord; dropAfterCommit: boolean };

/**
 * The in-flight limit, the per-minute limit and the injected 429s, then dropped connections,
 * then the job. Moderation that refuses at once is the caller's (each protocol refuses in its
 * own words); `fail` makes the job fail later on moderation, `fail-input` as its run starts.
 */
export function admitJob(
  ctx: EmulatorContext,
  route: RouteClass,
  request: JobRequest,
  policy: InFlightPolicy,
  failure: 'fail' | 'fail-input' | null,
): Admission {
  try {
    if (policy === 'reject') checkInFlight(ctx.store.all(), ctx.now(), ctx.settings.inFlightLimit);
    checkCreateRate(ctx);
    const throttle = ctx.faults.rateLimit(route);
    if (throttle) {
      const waitMs = throttle.retryAfterSeconds === null ? null : throttle.retryAfterSeconds * 1000;
      throw rateLimited('Rate limit reached for video generation requests. Please try again later.', waitMs);
    }
  } catch (error) {
    ctx.stats.countRejected429();
    throw error;
  }
  const drop = ctx.faults.dropConnection(route);
  if (drop === 'beforeCommit') return { kind: 'drop' };
  const fate: JobFate =
    failure === 'fail-input' ? 'fail-input' : ctx.faults.stuck(request.prompt) ? 'stuck' : failure === 'fail' ? 'fail-moderation' : 'complete';
  return { kind: 'job', job: commitJob(ctx, request, fate, policy), dropAfterCommit: drop === 'afterCommit' };
}

function commitJob(ctx: EmulatorContext, request: JobRequest, fate: JobFate, policy: InFlightPolicy): JobRecord {
  const nowMs = ctx.now();
  // An input refused when the run starts takes no run time.
  const timing = { ...planTiming(request, ctx.settings.speed), ...(fate === 'fail-input' ? { runMs: 0 } : {}) };
  const job: JobRecord = {
    id: ctx.settings.flavor.newId(ctx.random, { model: request.model }),
    seq: ctx.store.allocateSeq(),
    ...request,
    requestHash: requestHash(request),
    createdMs: nowMs,
    ...timing,
    ...(policy === 'serial' ? { queueMs: Math.max(timing.queueMs, queueEndMs(ctx, nowMs) - nowMs) } : {}),
    ...(policy === 'queue' ? { queueMs: slotStartMs(ctx, nowMs, nowMs + timing.queueMs) - nowMs } : {}),
    fate,
    mediaReadyMs: null,
    renderError: null,
    deletedMs: null,
  };
  ctx.store.put(job);
  ctx.stats.countAccepted(ctx.store.all().filter((each) => isInFlight(each, nowMs)).length);
  if (fate !== 'fail-moderation' && fate !== 'fail-input') ctx.startRender(job);
  return job;
}

/** When the serial queue's last live job ends: one job at a time, this one after the last. */
function queueEndMs(ctx: EmulatorContext, nowMs: number): number {
  let end = nowMs;
  for (const job of ctx.store.all()) if (isInFlight(job, nowMs)) end = Math.max(end, plannedEndMs(job));
  return end;
}

/**
 * First-in first-out over `inFlightLimit` workers: the new job starts no earlier than every job
 * before it, at the first moment fewer than the limit are running. Jobs that will never start
 * (stuck) hold no worker.
 */
function slotStartMs(ctx: EmulatorContext, nowMs: number, earliestMs: number): number {
  const planned = ctx.store
    .all()
    .filter((job) => isInFlight(job, nowMs) && job.fate !== 'stuck')
    .map((job) => ({ start: job.createdMs + job.queueMs, end: plannedEndMs(job) }));
  const floor = Math.max(earliestMs, ...planned.map((each) => each.start));
  const candidates = [floor, ...planned.map((each) => each.end).filter((end) => end > floor)].sort((a, b) => a - b);
  for (const t of candidates) {
    if (planned.filter((each) => each.start <= t && t < each.end).length < ctx.settings.inFlightLimit) return t;
  }
  return floor;
}

/** A per-minute create limit on the virtual clock (Azure: 2), counting creates and remixes only. */
function checkCreateRate(ctx: EmulatorContext): void {
  const limit = ctx.settings.createsPerMinute;
  if (limit === null) return;
  const nowMs = ctx.now();
  const recent = ctx.recentCreates;
  while (recent.length > 0 && recent[0]! <= nowMs - 60_000) recent.shift();
  if (recent.length >= limit) {
    const waitMs = recent[0]! + 60_000 - nowMs;
    throw rateLimited(
      `Requests to the Create Video Job Operation have exceeded the rate limit of ${limit} per minute. Please retry after ${Math.ceil(waitMs / 1000)} seconds.`,
      waitMs,
    );
  }
  recent.push(nowMs);
}

/**
 * sha256 of the canonical request: identical requests render identical media and count as
 * duplicates. Extra fields (a seed), a cast and the source of an edit or an extension count only
 * when present, so the hashes of plain creates and remixes never change.
 */
export function requestHash(request: JobRequest): string {
  const base: unknown[] = [request.prompt, request.model, request.size, request.seconds, request.inputReferenceSha256, request.remixedFrom];
  if (request.extra) base.push(Object.fromEntries(Object.entries(request.extra).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  if (request.characters) base.push({ characters: request.characters });
  if (request.source) base.push({ [request.source.kind]: request.source.videoId ?? `upload:${request.source.upload?.sha256 ?? ''}` });
  return createHash('sha256').update(JSON.stringify(base)).digest('hex');
}
