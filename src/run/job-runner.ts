import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { CreateRequest, InputReference, Video, VideosClient } from '../api/index.js';
import { ApiError, classifyError, CreateOutcomeUnknownError, defaultJobRetryPolicy, DOWNLOAD_LIMITS, isServerUnusable, isVerdictOnRequest, NotFoundError, videoByteLimit, type JobRetryPolicy } from '../api/index.js';
import { InternalError, ShotlistError } from '../errors.js';
import { fingerprintOf, type JobRequest } from '../lockfile/fingerprint.js';
import type { LockEntry, OutputFile } from '../lockfile/lockfile.js';
import type { PlannedJob } from '../plan/plan.js';
import type { ProviderProfile } from '../providers/profile.js';
import { readInputImage, sniffImageType } from '../storyboard/read-input-references.js';
import type { Clock } from './clock.js';
import { createKeyedMutex, type KeyedMutex } from './keyed-mutex.js';
import type { LockRecorder } from './lock-recorder.js';
import { outputPathsOf } from './output-names.js';
import type { ScheduledJob, SchedulerEffects, ServeContext } from './scheduler.js';

/**
 * What a render does for one job, as effects for the scheduler: create exactly once (the
 * intent is recorded before the request leaves, the video id the moment it returns), poll to
 * a terminal state, download. A job whose create had an unknown outcome is looked for on the
 * server and adopted before anything is created again.
 */

/** A job's server-side result: the completed video. */
export interface Served {
  readonly videoId: string;
}

/** A job the server failed (moderation, generation error); its remixes are skipped. */
export class JobFailedError extends ShotlistError {
  constructor(
    readonly jobId: string,
    readonly reason: { readonly code: string; readonly message: string },
  ) {
    super('job-failed', `${reason.code}: ${reason.message}`);
  }
}

/**
 * The server cannot be used at all: nothing answers, or it refuses the credentials. Every job
 * would meet the same, so the run stops (exit 5) instead of failing each job in turn.
 */
export class ServerUnusableError extends ShotlistError {
  constructor(cause: Error) {
    super('server-unusable', `the server cannot be used: ${cause.message}`, { cause });
  }
}

function unusableAsFatal<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    throw isServerUnusable(error) ? new ServerUnusableError(error as Error) : error;
  });
}

export type JobState = 'creating' | 'queued' | 'in_progress' | 'completed' | 'downloading' | 'done' | 'failed';

export interface RunnerOptions {
  /** A client per server, by the name the scheduler and the lockfile use. */
  readonly clients: ReadonlyMap<string, VideosClient>;
  /** The server of lockfile entries that name none. */
  readonly firstServer: string;
  /** A pool: every entry records which server holds its video. */
  readonly recordServer: boolean;
  readonly profile: ProviderProfile;
  readonly recorder: LockRecorder;
  readonly planned: ReadonlyMap<string, PlannedJob>;
  /** Absolute output directory, and the lockfile's directory (output paths are recorded relative to it). */
  readonly outDir: string;
  readonly lockDir: string;
  /** Job id → absolute path of its input_reference image. */
  readonly inputReferences: ReadonlyMap<string, string>;
  /** The directory input images must lie in (through every symlink), as when they were checked. */
  readonly projectRoot: string;
  readonly fileStem: (jobId: string) => string;
  readonly clock: Clock;
  /** Unix milliseconds, for timestamps the lockfile keeps. */
  readonly wallNow: () => number;
  readonly onState: (jobId: string, state: JobState, detail: { readonly videoId?: string | null; readonly progress?: number | null; readonly message?: string }) => void;
  /** The server holds a job this run created: its create was answered, or found by the search after an unknown outcome. */
  readonly onCreated?: (jobId: string) => void;
  /** What a job does once the client's retries are spent. Default `defaultJobRetryPolicy`. */
  readonly retry?: JobRetryPolicy;
}

export function createJobEffects(options: RunnerOptions): SchedulerEffects<Served> {
  const runner: Runner = { ...options, retry: options.retry ?? defaultJobRetryPolicy, sameRequest: createKeyedMutex() };
  return {
    serve: (job, ctx) => unusableAsFatal(serve(runner, job, ctx)),
    finish: (job, result, signal) => unusableAsFatal(finish(runner, job, result, signal)),
  };
}

/** One server of the run, as a job's effects use it. */
interface On {
  readonly client: VideosClient;
  /** Its name, as lockfile entries of a pool record it; undefined when entries record none. */
  readonly server: string | undefined;
}

function on(options: RunnerOptions, server: string): On {
  const client = options.clients.get(server);
  if (!client) throw new InternalError(`no client for server ${server}`);
  return { client, server: options.recordServer ? server : undefined };
}

/** The server holding an entry's video. */
function holding(options: RunnerOptions, entry: LockEntry): On {
  return on(options, entry.server ?? options.firstServer);
}

async function serve(options: Runner, job: ScheduledJob, ctx: ServeContext<Served>): Promise<Served> {
  const { recorder } = options;
  const planned = options.planned.get(job.id)!;
  const entry = recorder.entry(job.id);
  // The scheduler sent a resume to the server holding it, and a remix to its parent's.
  const at = on(options, ctx.server);
  if (planned.action === 'resume' && entry?.video_id && entry.status !== 'creating') {
    return poll(options, at, job.id, entry.video_id, ctx.signal);
  }
  const request = finalRequest(options, planned, ctx.parent);
  const fingerprint = fingerprintOf(request);
  if (entry?.status === 'creating' && entry.fingerprint === fingerprint && entry.created_at !== null) {
    const since = entry.created_at;
    const adopted = await options.sameRequest.run(requestKey(request, at), () => search(options, at, job.id, request, fingerprint, since, ctx.signal));
    if (adopted) return poll(options, at, job.id, adopted, ctx.signal);
  }
  const videoId = await createOnce(options, at, job.id, request, fingerprint, ctx);
  return poll(options, at, job.id, videoId, ctx.signal);
}

/** The request as sent: a remix points at the video its parent has now. */
function finalRequest(options: Runner, planned: PlannedJob, parent: Served | null): JobRequest {
  if (planned.remixOf === null) return planned.request;
  const videoId = parent?.videoId ?? options.recorder.entry(planned.remixOf)?.video_id ?? null;
  if (videoId === null) throw new JobFailedError(planned.id, { code: 'parent_missing', message: `parent ${planned.remixOf} has no video to remix` });
  return { ...planned.request, remix_of: { job: planned.remixOf, video_id: videoId } };
}

/** The effects' own state for one run, beside the options. */
interface Runner extends RunnerOptions {
  readonly retry: JobRetryPolicy;
  /** Keyed by `requestKey`: a create and the search after it are never interleaved with another job's identical ones. */
  readonly sameRequest: KeyedMutex;
}

/** What a search can tell apart (see `matches`): jobs whose requests share this key could adopt each other's videos on one server. */
function requestKey(request: JobRequest, at: On): string {
  return JSON.stringify([at.server ?? null, request.prompt, request.model, request.size, request.seconds, request.remix_of?.video_id ?? null]);
}

type Attempt = { readonly videoId: string } | { readonly unknown: CreateOutcomeUnknownError };

async function createOnce(runner: Runner, at: On, jobId: string, request: JobRequest, fingerprint: string, ctx: ServeContext<Served>): Promise<string> {
  const { recorder } = runner;
  const before = recorder.entry(jobId);
  let unknown = 0;
  for (let attempt = 1; ; attempt++) {
    await ctx.permit();
    let outcome: Attempt;
    try {
      outcome = await runner.sameRequest.run(requestKey(request, at), () => attemptCreate(runner, at, jobId, request, fingerprint, ctx.signal));
    } catch (error) {
      // Failed before anything was sent (its input image changed): nothing to record or reconcile.
      if (error instanceof JobFailedError) throw error;
      // A create may have reached the server and the search for it did not finish: its intent stays recorded, for the next run to search again.
      if (isUnresolved(error)) throw error;
      // The video to remix is gone from the server: its job, not this one, must render anew.
      if (error instanceof NotFoundError && request.remix_of) await recordGone(runner, request.remix_of.job);
      if (isServerUnusable(error)) {
        // Nothing reached the server, or it refused the key: the job neither failed nor may exist.
        await (before ? recorder.record(jobId, before) : recorder.remove([jobId]));
        throw error;
      }
      if (runner.retry.createRetryKinds.includes(classifyError(error)) && attempt < runner.retry.maxCreateTries && !ctx.signal.aborted) continue;
      if (ctx.signal.aborted) throw error;
      // The server refused it: nothing was created, so the intent goes away with the failure.
      throw await recordRefusal(runner, jobId, request, fingerprint, error);
    }
    if ('videoId' in outcome) return outcome.videoId;
    unknown++;
    if (unknown >= runner.retry.maxUnknownCreates) throw await recordRefusal(runner, jobId, request, fingerprint, outcome.unknown.cause);
    // Nothing turned up, so nothing was made and sending again is safe; but a server that keeps
    // failing creates must get fewer and fewer of them, not a tight loop.
    await runner.clock.sleep(runner.retry.unknownBackoffMs * 2 ** (unknown - 1), ctx.signal);
  }
}

/** One create: the intent recorded, the request sent, the video recorded; after an unknown outcome, the search for it. */
async function attemptCreate(options: Runner, at: On, jobId: string, request: JobRequest, fingerprint: string, signal: AbortSignal): Promise<Attempt> {
  const { recorder } = options;
  const { client } = at;
  // Read (and checked against the planned hash) before the intent is recorded: an image that
  // changed since the plan fails the job with nothing sent and nothing recorded.
  const body = request.remix_of ? null : await createBody(options, jobId, request);
  const startedAt = Math.floor(options.wallNow() / 1000);
  // The intent is on disk before the request leaves (with the server it goes to): a crash from
  // here on is reconciled there, never paid twice.
  await recorder.record(jobId, entryFor(request, fingerprint, costOf(options, jobId), { status: 'creating', video_id: null, created_at: startedAt, server: at.server }));
  options.onState(jobId, 'creating', {});
  try {
    const video = body === null ? await client.remix(request.remix_of!.video_id!, request.prompt, { signal }) : await client.create(body, { signal });
    options.onCreated?.(jobId);
    await recordVideo(options, at, jobId, request, fingerprint, video);
    return { videoId: video.id };
  } catch (error) {
    if (!(error instanceof CreateOutcomeUnknownError)) throw error;
    const adopted = await search(options, at, jobId, request, fingerprint, startedAt, signal);
    return adopted ? { videoId: adopted } : { unknown: error };
  }
}

/** The reason of a job whose create may have reached the server, and whose search could not tell. */
const UNRESOLVED = 'outcome_unknown';

function isUnresolved(error: unknown): error is JobFailedError {
  return error instanceof JobFailedError && error.reason.code === UNRESOLVED;
}

/**
 * `reconcile`, failing safe: when the search cannot finish (the listing failed, or went on past
 * its limits), nobody knows whether the create made a video, so the job fails with its intent
 * left `creating` in the lockfile. It is never created again blindly; the next run searches
 * again first.
 */
async function search(options: Runner, at: On, jobId: string, request: JobRequest, fingerprint: string, since: number, signal: AbortSignal): Promise<string | null> {
  try {
    return await reconcile(options, at, jobId, request, fingerprint, since, signal);
  } catch (error) {
    if (signal.aborted || isUnresolved(error)) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new JobFailedError(jobId, { code: UNRESOLVED, message: `a create may have reached the server, and the search for its video failed (${why}); not sent again: the next run searches again first (--replace '${jobId}' creates it anew)` });
  }
}

/** Records the job as failed for `error`, and returns the error that fails it. */
async function recordRefusal(options: Runner, jobId: string, request: JobRequest, fingerprint: string, error: unknown): Promise<JobFailedError> {
  // A verdict on the request itself (moderation, invalid) is kept as such: the next plan does not pay to hear it again.
  const reason = { ...refusalOf(error), ...(isVerdictOnRequest(error) ? { deterministic: true as const } : {}) };
  const createdAt = options.recorder.entry(jobId)?.created_at ?? Math.floor(options.wallNow() / 1000);
  await options.recorder.record(jobId, entryFor(request, fingerprint, costOf(options, jobId), { status: 'failed', video_id: null, created_at: createdAt, error: reason }));
  return new JobFailedError(jobId, reason);
}

/**
 * Why a create was refused, as the lockfile keeps it: the server's own code (`moderation_blocked`)
 * is what the user acts on and what the next plan names, not shotlist's wrapper code.
 */
function refusalOf(error: unknown): { code: string; message: string } {
  // OpenAI's 5xx carry only a type (`server_error`), which says more than shotlist's `api-error`.
  const serverCode = error instanceof ApiError ? error.serverCode ?? error.type : null;
  if (error instanceof ApiError && serverCode !== null) return { code: serverCode, message: error.serverMessage ?? error.message };
  return { code: error instanceof ShotlistError ? error.code : 'create_failed', message: error instanceof Error ? error.message : String(error) };
}

async function createBody(options: Runner, jobId: string, request: JobRequest): Promise<CreateRequest> {
  return {
    prompt: request.prompt,
    ...(request.model !== null ? { model: request.model } : {}),
    size: request.size,
    seconds: request.seconds,
    ...(request.extra ? { extra: request.extra } : {}),
    ...(request.input_reference ? { inputReference: await verifiedImage(options, jobId, request.input_reference) } : {}),
  };
}

/**
 * The input image as sent: read again at create time the way it was read for the plan (inside
 * the project, a regular file, bounded), and sent only if its bytes still hash to what the plan
 * checked and the fingerprint recorded. An image swapped since (for a symlink out of the
 * project, or another picture) fails the job before anything is sent: the server only ever gets
 * the bytes that were validated, and the lockfile never records a hash of other bytes.
 */
async function verifiedImage(options: Runner, jobId: string, planned: { readonly path: string; readonly sha256: string }): Promise<InputReference> {
  const absPath = options.inputReferences.get(jobId);
  const changed = (what: string) => new JobFailedError(jobId, { code: 'input_reference_changed', message: `input_reference ${planned.path} ${what} since it was checked; nothing was sent (run again to plan with the image as it is now)` });
  if (absPath === undefined) throw changed('has no file');
  const read = await readInputImage(absPath, options.projectRoot);
  if (!read.ok) throw changed(read.info.status === 'outside' ? 'now leads outside the project directory' : `is now ${read.info.status.replace(/-/g, ' ')}`);
  if (createHash('sha256').update(read.bytes).digest('hex') !== planned.sha256) throw changed('changed (its sha256 differs)');
  const type = sniffImageType(read.bytes);
  if (type === null) throw changed('is no longer a JPEG, PNG or WebP image');
  return { bytes: read.bytes, mimeType: `image/${type}`, fileName: path.basename(absPath) };
}

/**
 * After a create whose outcome is unknown: look for a video created since the attempt that
 * matches the request and no other job has claimed; adopt it. Returns its id, or null.
 */
async function reconcile(options: Runner, at: On, jobId: string, request: JobRequest, fingerprint: string, since: number, signal: AbortSignal): Promise<string | null> {
  if (!options.profile.features.list) {
    throw new JobFailedError(jobId, { code: UNRESOLVED, message: `a create may have reached ${options.profile.name}, which cannot list videos to check; not sent again to avoid paying twice` });
  }
  const claimed = options.recorder.claimedVideoIds();
  let found: Video | null = null;
  for await (const video of at.client.listAll({ order: 'desc', createdAfter: since - options.retry.clockSkewSeconds }, { signal })) {
    if (claimed.has(video.id) || !matches(video, request, options.profile.echoesModel !== false)) continue;
    // The oldest match is the one this attempt made; later ones would be someone else's.
    if (!found || (video.createdAt ?? 0) < (found.createdAt ?? 0)) found = video;
  }
  if (!found) return null;
  // Made by an attempt whose answer never came, in this run or an interrupted one: nobody counted it yet.
  options.onCreated?.(jobId);
  await recordVideo(options, at, jobId, request, fingerprint, found);
  return found.id;
}

function matches(video: Video, request: JobRequest, compareModel: boolean): boolean {
  return (
    (video.prompt === null || video.prompt === request.prompt) &&
    (!compareModel || video.model === null || request.model === null || video.model === request.model) &&
    (video.size === null || video.size === request.size) &&
    (video.seconds === null || video.seconds === request.seconds) &&
    (video.remixedFromVideoId ?? null) === (request.remix_of?.video_id ?? null)
  );
}

async function recordVideo(options: Runner, at: On, jobId: string, request: JobRequest, fingerprint: string, video: Video): Promise<void> {
  await options.recorder.record(jobId, entryFromVideo(request, fingerprint, video, options.recorder.entry(jobId), at.server));
  options.onState(jobId, video.status === 'in_progress' ? 'in_progress' : 'queued', { videoId: video.id, progress: video.progress });
}

/** Polls until the job is terminal; status changes are recorded, progress is only shown. */
async function poll(options: Runner, at: On, jobId: string, videoId: string, signal: AbortSignal): Promise<Served> {
  const { recorder, clock } = options;
  const { client } = at;
  const started = clock.now();
  const deadline = started + options.profile.limits.jobDeadlineSeconds * 1000;
  for (;;) {
    let video: Video;
    let pollAfterMs: number | null;
    try {
      ({ video, pollAfterMs } = await client.retrieve(videoId, { signal }));
    } catch (error) {
      if (error instanceof NotFoundError) {
        const reason = { code: 'video_gone', message: `${videoId} is no longer on the server` };
        // Recorded, so the next run renders the job anew instead of resuming a video that will never answer.
        await recorder.record(jobId, { ...recorder.entry(jobId)!, status: 'failed', error: reason });
        throw new JobFailedError(jobId, reason);
      }
      // The job is still on the server: a poll that failed even after the client's retries (a
      // burst of 5xx, a timeout) is asked again later, until the job's deadline, rather than
      // failing a job the server may finish. A server that cannot be reached at all still stops the run.
      if (!options.retry.pollRetryKinds.includes(classifyError(error)) || signal.aborted || clock.now() > deadline) throw error;
      await clock.sleep(pollDelayMs(options, clock.now() - started, options.retry.pollAfterFailureMs), signal);
      continue;
    }
    const entry = recorder.entry(jobId)!;
    if (video.status !== entry.status || (video.status === 'completed' && entry.expires_at !== video.expiresAt)) {
      await recorder.record(jobId, entryFromVideo(entry.request, entry.fingerprint, video, entry, at.server));
    }
    if (video.status === 'completed') {
      options.onState(jobId, 'completed', { videoId, progress: 100 });
      return { videoId };
    }
    if (video.status === 'failed') {
      throw new JobFailedError(jobId, { code: video.error?.code ?? 'failed', message: video.error?.message ?? `the server reports ${video.serverStatus}` });
    }
    options.onState(jobId, video.status, { videoId, progress: video.progress });
    if (clock.now() > deadline) {
      // Left in flight in the lockfile: the next run resumes it by id.
      throw new JobFailedError(jobId, { code: 'deadline', message: `still ${video.status} after ${options.profile.limits.jobDeadlineSeconds} s; run again to keep waiting for ${videoId}` });
    }
    await clock.sleep(pollAfterMs ?? pollDelayMs(options, clock.now() - started), signal);
  }
}

/** The wait before the next poll when the server names none: short at first, longer as the job ages, never under `leastMs`. */
function pollDelayMs(options: Runner, ageMs: number, leastMs = 0): number {
  return Math.min(options.retry.maxPollDelayMs, Math.max(options.profile.limits.minPollMs, leastMs, ageMs / 10));
}

/** Downloads the video (and its thumbnail, where the server has one) and records the files. */
async function finish(options: Runner, job: ScheduledJob, result: Served | null, signal: AbortSignal): Promise<void> {
  const { recorder } = options;
  const entry = recorder.entry(job.id)!;
  const videoId = result?.videoId ?? entry.video_id!;
  const at = holding(options, entry);
  const dest = outputPathsOf(options.outDir, options.fileStem(job.id));
  options.onState(job.id, 'downloading', { videoId });
  const outputs: { video?: OutputFile; thumbnail?: OutputFile } = {};
  const seconds = entry.request.seconds;
  try {
    outputs.video = await save(options, at, videoId, 'video', dest.video, signal, seconds);
    if (options.profile.features.contentVariants.includes('thumbnail')) {
      outputs.thumbnail = await save(options, at, videoId, 'thumbnail', dest.thumbnail, signal, seconds);
    }
  } catch (error) {
    // A video saved but never recorded (its thumbnail failed) is not kept: the next run downloads it with its thumbnail.
    if (outputs.video) await rm(dest.video, { force: true });
    if (error instanceof NotFoundError) {
      await recordGone(options, job.id);
      throw new JobFailedError(job.id, { code: 'content_gone', message: `the server no longer has the files of ${videoId} (expired?); run again to render it anew` });
    }
    throw error;
  }
  await recorder.record(job.id, { ...recorder.entry(job.id)!, outputs });
  options.onState(job.id, 'done', { videoId });
}

/**
 * The server answered 404 for a job's completed video: its retention ran out before the one the
 * lockfile counts on (or the server lost it). Recorded as expired now, so the next plan renders
 * the job anew, and its remixes against the new video, instead of failing on it forever.
 */
async function recordGone(options: Runner, jobId: string): Promise<void> {
  const entry = options.recorder.entry(jobId);
  if (!entry) return;
  const now = Math.floor(options.wallNow() / 1000);
  if (entry.expires_at !== null && entry.expires_at <= now) return;
  await options.recorder.record(jobId, { ...entry, expires_at: now });
}

async function save(options: Runner, at: On, videoId: string, variant: 'video' | 'thumbnail', dest: string, signal: AbortSignal, seconds: string): Promise<OutputFile> {
  // As large as a video of the job's length can be; anything beyond is refused mid-stream.
  const maxBytes = variant === 'video' ? videoByteLimit(Number(seconds)) : DOWNLOAD_LIMITS.imageBytes;
  const { sha256, bytes } = await at.client.download(videoId, variant, dest, { signal, maxBytes });
  return { path: path.relative(options.lockDir, dest).split(path.sep).join('/'), sha256, bytes };
}

/** What a create for the job costs: the plan's price for a render; for a resume, the price recorded when its render was planned. */
function costOf(options: Runner, jobId: string): number | null {
  const planned = options.planned.get(jobId);
  if (planned?.action === 'render') return planned.costUsd;
  return options.recorder.entry(jobId)?.cost_usd ?? planned?.costUsd ?? null;
}

function entryFor(
  request: JobRequest,
  fingerprint: string,
  costUsd: number | null,
  fields: Pick<LockEntry, 'status' | 'video_id' | 'created_at'> & { error?: LockEntry['error']; server?: string | undefined },
): LockEntry {
  return {
    fingerprint,
    request,
    video_id: fields.video_id,
    ...(fields.server !== undefined ? { server: fields.server } : {}),
    remixed_from: request.remix_of?.video_id ?? null,
    status: fields.status,
    created_at: fields.created_at,
    expires_at: null,
    cost_usd: costUsd,
    error: fields.error ?? null,
    outputs: {},
  };
}

function entryFromVideo(request: JobRequest, fingerprint: string, video: Video, previous: LockEntry | undefined, server: string | undefined): LockEntry {
  return {
    fingerprint,
    request,
    video_id: video.id,
    ...(server !== undefined ? { server } : {}),
    remixed_from: video.remixedFromVideoId ?? request.remix_of?.video_id ?? null,
    status: video.status,
    created_at: video.createdAt ?? previous?.created_at ?? null,
    expires_at: video.expiresAt,
    cost_usd: previous?.cost_usd ?? null,
    error: video.error ? { code: video.error.code ?? 'failed', message: video.error.message } : null,
    outputs: previous?.video_id === video.id ? previous.outputs : {},
  };
}
