import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  ApiError,
  classifyError,
  CreateOutcomeUnknownError,
  isServerUnusable,
  isVerdictOnRequest,
  NotFoundError,
  type CreateRequest,
  type InputReference,
  type Video,
} from '../api/index.js';
import { ShotlistError } from '../errors.js';
import { buildIntentEntry, buildRefusedEntry, type RecordedRequest } from '../lockfile/entry-builder.js';
import type { JobRequest } from '../lockfile/fingerprint.js';
import { readInputImage, sniffImageType } from '../storyboard/read-input-references.js';
import { frameBytes } from './last-frame.js';
import { JobFailedError, recordGone, recordVideo, type JobContext, type On } from './job-context.js';

/**
 * Creating a job's video exactly once: the intent is recorded before the request leaves, the
 * video id the moment it returns; a create whose outcome is unknown is looked for on the server
 * and adopted before anything is created again.
 */

/** A job's create: the job, what it asks, and the scheduler's creates-per-minute permit. */
export interface CreateContext extends JobContext {
  readonly asked: RecordedRequest;
  readonly permit: () => Promise<void>;
}

/** What a search can tell apart (see `matches`): jobs whose requests share this key could adopt each other's videos on one server. */
export function requestKey(request: JobRequest, at: On): string {
  return JSON.stringify([
    at.server ?? null,
    request.prompt,
    request.model,
    request.size,
    request.seconds,
    request.remix_of?.video_id ?? null,
    request.parent?.kind ?? null,
    request.parent?.video_id ?? null,
  ]);
}

type Attempt = { readonly videoId: string } | { readonly unknown: CreateOutcomeUnknownError };

/** Sends the create (again only while that is safe, within the job retry policy) and returns the video id. */
export async function createOnce(job: CreateContext): Promise<string> {
  const { run, jobId, signal } = job;
  const { recorder, retry } = run;
  const before = recorder.entry(jobId);
  let unknown = 0;
  for (let attempt = 1; ; attempt++) {
    await job.permit();
    let outcome: Attempt;
    try {
      outcome = await run.sameRequest.run(requestKey(job.asked.request, job.at), () => attemptCreate(job));
    } catch (error) {
      // Failed before anything was sent (its input image changed): nothing to record or reconcile.
      if (error instanceof JobFailedError) throw error;
      // The video to remix is gone from the server: its job, not this one, must render anew.
      const source = job.asked.request.remix_of ?? (job.asked.request.parent?.kind === 'continue' ? undefined : job.asked.request.parent);
      if (error instanceof NotFoundError && source) await recordGone(run, source.job);
      if (isServerUnusable(error)) {
        // Nothing reached the server, or it refused the key: the job neither failed nor may exist.
        await (before ? recorder.record(jobId, before) : recorder.remove([jobId]));
        throw error;
      }
      if (retry.createRetryKinds.includes(classifyError(error)) && attempt < retry.maxCreateTries && !signal.aborted) continue;
      if (signal.aborted) throw error;
      // The server refused it: nothing was created, so the intent goes away with the failure.
      throw await recordRefusal(job, error);
    }
    if ('videoId' in outcome) return outcome.videoId;
    unknown++;
    if (unknown >= retry.maxUnknownCreates) throw await recordRefusal(job, outcome.unknown.cause);
    // Nothing turned up, so nothing was made and sending again is safe; but a server that keeps
    // failing creates must get fewer and fewer of them, not a tight loop.
    await run.clock.sleep(retry.unknownBackoffMs * 2 ** (unknown - 1), signal);
  }
}

/** One create: the intent recorded, the request sent, the video recorded; after an unknown outcome, the search for it. */
async function attemptCreate(job: CreateContext): Promise<Attempt> {
  const { run, jobId, at, asked } = job;
  const { request } = asked;
  // Read (and checked against the planned hash) before the intent is recorded: an image that
  // changed since the plan fails the job with nothing sent and nothing recorded.
  const send = request.remix_of
    ? remixer(job, request)
    : request.parent && request.parent.kind !== 'continue'
      ? fromVideo(job, request)
      : creator(job, await createBody(job, request));
  const startedAt = Math.floor(run.wallNow() / 1000);
  // The intent is on disk before the request leaves (with the server it goes to): a crash from
  // here on is reconciled there, never paid twice.
  await run.recorder.record(jobId, buildIntentEntry(asked, startedAt, at.server));
  run.onState(jobId, 'creating', {});
  try {
    const video = await send();
    run.onCreated?.(jobId);
    await recordVideo(job, request, asked.fingerprint, video);
    return { videoId: video.id };
  } catch (error) {
    if (!(error instanceof CreateOutcomeUnknownError)) throw error;
    const adopted = await search(job, startedAt);
    return adopted ? { videoId: adopted } : { unknown: error };
  }
}

function creator(job: CreateContext, body: CreateRequest): () => Promise<Video> {
  return () => job.at.client.create(body, { signal: job.signal });
}

/** The remix call, or (before anything is recorded or sent) the job's failure when the server cannot remix. */
function remixer(job: CreateContext, request: JobRequest): () => Promise<Video> {
  const { remix } = job.at.client;
  if (remix === undefined) {
    throw new JobFailedError(job.jobId, { code: 'unsupported', message: `provider "${job.run.profile.name}" cannot remix videos; nothing was sent` });
  }
  return () => remix(request.remix_of!.video_id!, request.prompt, { signal: job.signal });
}

/** The edit or extension call, or (before anything is recorded or sent) the job's failure when the server has no such endpoint. */
function fromVideo(job: CreateContext, request: JobRequest): () => Promise<Video> {
  const { client } = job.at;
  const { kind, video_id: videoId } = request.parent!;
  const call = kind === 'edit' ? client.edit : client.extend;
  if (call === undefined || videoId === null) {
    throw new JobFailedError(job.jobId, { code: 'unsupported', message: `provider "${job.run.profile.name}" cannot ${kind} videos; nothing was sent` });
  }
  if (kind === 'edit') return () => client.edit!(videoId, request.prompt, { signal: job.signal });
  return () => client.extend!(videoId, request.prompt, request.seconds, { signal: job.signal });
}

/** The reason of a job whose create may have reached the server, and whose search could not tell. */
const UNRESOLVED = 'outcome_unknown';

export function isUnresolved(error: unknown): error is JobFailedError {
  return error instanceof JobFailedError && error.reason.code === UNRESOLVED;
}

/**
 * `reconcile`, failing safe: when the search cannot finish (the listing failed, or went on past
 * its limits), nobody knows whether the create made a video, so the job fails with its intent
 * left `creating` in the lockfile. It is never created again blindly; the next run searches
 * again first.
 */
export async function search(job: CreateContext, since: number): Promise<string | null> {
  try {
    return await reconcile(job, since);
  } catch (error) {
    if (job.signal.aborted || isUnresolved(error)) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new JobFailedError(job.jobId, {
      code: UNRESOLVED,
      message: `a create may have reached the server, and the search for its video failed (${why}); not sent again: the next run searches again first (--replace '${job.jobId}' creates it anew)`,
    });
  }
}

/** Whether the server of `job` can be searched for a video a create made (it lists its videos). */
export function canSearch(job: JobContext): boolean {
  return listerOf(job) !== undefined;
}

/** The server's listing, where the provider has one to search. */
function listerOf(job: JobContext): JobContext['at']['client']['listAll'] {
  return job.run.profile.features.list ? job.at.client.listAll : undefined;
}

/**
 * After a create whose outcome is unknown: look for a video created since the attempt that
 * matches the request and no other job has claimed; adopt it. Returns its id, or null.
 */
async function reconcile(job: CreateContext, since: number): Promise<string | null> {
  const { run, asked } = job;
  const listAll = listerOf(job);
  if (listAll === undefined) {
    throw new JobFailedError(job.jobId, {
      code: UNRESOLVED,
      message: `a create may have reached ${run.profile.name}, which cannot be searched for it; not sent again to avoid paying twice (check the provider's dashboard, then --retry-ambiguous creates it again)`,
    });
  }
  const claimed = run.recorder.claimedVideoIds();
  let found: Video | null = null;
  for await (const video of listAll({ order: 'desc', createdAfter: since - run.retry.clockSkewSeconds }, { signal: job.signal })) {
    if (claimed.has(video.id) || !matches(video, asked.request, run.profile.echoesModel !== false)) continue;
    // The oldest match is the one this attempt made; later ones would be someone else's.
    if (!found || (video.createdAt ?? 0) < (found.createdAt ?? 0)) found = video;
  }
  if (!found) return null;
  // Made by an attempt whose answer never came, in this run or an interrupted one: nobody counted it yet.
  run.onCreated?.(job.jobId);
  await recordVideo(job, asked.request, asked.fingerprint, found);
  return found.id;
}

function matches(video: Video, request: JobRequest, compareModel: boolean): boolean {
  const parent = request.parent;
  // An extension's video is the whole stitched one; the server may or may not name its source.
  const seconds = parent?.kind === 'extend' ? (parent.total_seconds ?? null) : request.seconds;
  const source = video.remixedFromVideoId ?? null;
  const from =
    parent?.kind === 'extend'
      ? source === null || source === parent.video_id
      : source === (request.remix_of?.video_id ?? (parent?.kind === 'edit' ? parent.video_id : null));
  return (
    (video.prompt === null || video.prompt === request.prompt) &&
    (!compareModel || video.model === null || request.model === null || video.model === request.model) &&
    (video.size === null || video.size === request.size) &&
    (video.seconds === null || seconds === null || video.seconds === seconds) &&
    from
  );
}

/** Records the job as failed for `error`, and returns the error that fails it. */
async function recordRefusal(job: CreateContext, error: unknown): Promise<JobFailedError> {
  const { run, jobId } = job;
  // A verdict on the request itself (moderation, invalid) is kept as such: the next plan does not pay to hear it again.
  const reason = { ...refusalOf(error), ...(isVerdictOnRequest(error) ? { deterministic: true as const } : {}) };
  const createdAt = run.recorder.entry(jobId)?.created_at ?? Math.floor(run.wallNow() / 1000);
  await run.recorder.record(jobId, buildRefusedEntry(job.asked, createdAt, reason));
  return new JobFailedError(jobId, reason);
}

/**
 * Why a create was refused, as the lockfile keeps it: the server's own code (`moderation_blocked`)
 * is what the user acts on and what the next plan names, not shotlist's wrapper code.
 */
function refusalOf(error: unknown): { code: string; message: string } {
  // OpenAI's 5xx carry only a type (`server_error`), which says more than shotlist's `api-error`.
  const serverCode = error instanceof ApiError ? (error.serverCode ?? error.type) : null;
  if (error instanceof ApiError && serverCode !== null) return { code: serverCode, message: error.serverMessage ?? error.message };
  return { code: error instanceof ShotlistError ? error.code : 'create_failed', message: error instanceof Error ? error.message : String(error) };
}

async function createBody(job: JobContext, request: JobRequest): Promise<CreateRequest> {
  return {
    prompt: request.prompt,
    ...(request.model !== null ? { model: request.model } : {}),
    size: request.size,
    seconds: request.seconds,
    ...(request.extra ? { extra: request.extra } : {}),
    ...(request.input_reference ? { inputReference: await verifiedImage(job, request.input_reference) } : {}),
    ...(request.parent?.kind === 'continue' && request.parent.frame
      ? { inputReference: { bytes: await frameBytes(job, request.parent.frame), mimeType: 'image/png', fileName: path.basename(request.parent.frame.path) } }
      : {}),
    ...(request.characters && request.characters.length > 0 ? { characters: request.characters.map((character) => character.id!) } : {}),
  };
}

/**
 * The input image as sent: read again at create time the way it was read for the plan (inside
 * the project, a regular file, bounded), and sent only if its bytes still hash to what the plan
 * checked and the fingerprint recorded. An image swapped since (for a symlink out of the
 * project, or another picture) fails the job before anything is sent: the server only ever gets
 * the bytes that were validated, and the lockfile never records a hash of other bytes.
 */
async function verifiedImage(job: JobContext, planned: { readonly path: string; readonly sha256: string }): Promise<InputReference> {
  const { run, jobId } = job;
  const absPath = run.inputReferences.get(jobId);
  const changed = (what: string) =>
    new JobFailedError(jobId, {
      code: 'input_reference_changed',
      message: `input_reference ${planned.path} ${what} since it was checked; nothing was sent (run again to plan with the image as it is now)`,
    });
  if (absPath === undefined) throw changed('has no file');
  const read = await readInputImage(absPath, run.projectRoot);
  if (!read.ok) throw changed(read.info.status === 'outside' ? 'now leads outside the project directory' : `is now ${read.info.status.replace(/-/g, ' ')}`);
  if (createHash('sha256').update(read.bytes).digest('hex') !== planned.sha256) throw changed('changed (its sha256 differs)');
  const type = sniffImageType(read.bytes);
  if (type === null) throw changed('is no longer a JPEG, PNG or WebP image');
  return { bytes: read.bytes, mimeType: `image/${type}`, fileName: path.basename(absPath) };
}
