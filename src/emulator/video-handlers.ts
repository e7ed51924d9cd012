import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { checkInFlight, moderationBlocked, rateLimited } from './admission.js';
import type { EmulatorContext } from './context.js';
import { mediaSpecFor } from './context.js';
import { validateCreate, validateRemix } from './create-request.js';
import { ApiError, invalidRequest, invalidValue, serverError, videoNotFound } from './errors.js';
import type { RouteClass } from './faults.js';
import { newVideoId } from './ids.js';
import type { JobFate, JobRecord } from './job.js';
import { deriveState, isExpired, isInFlight, planTiming, toVideoObject } from './lifecycle.js';
import { pageOf, parseListQuery } from './list-page.js';
import type { ParsedBody } from './request-body.js';
import { jsonReply, type Reply } from './reply.js';

export interface VideoRequest {
  videoId: string | null;
  query: URLSearchParams;
  readBody(): Promise<ParsedBody>;
}

type Handler = (ctx: EmulatorContext, request: VideoRequest) => Promise<Reply>;

/** The handlers of the `/v1/videos` contract, by route class. An injected 5xx comes first, before any effect. */
export const videoHandlers: Readonly<Record<RouteClass, Handler>> = {
  create: withServerFault('create', createVideo),
  remix: withServerFault('remix', remixVideo),
  retrieve: withServerFault('retrieve', retrieveVideo),
  list: withServerFault('list', listVideos),
  delete: withServerFault('delete', deleteVideo),
  content: withServerFault('content', videoContent),
};

function withServerFault(route: RouteClass, handler: Handler): Handler {
  return async (ctx, request) => {
    const status = ctx.faults.serverError(route);
    if (status !== null) throw serverError(status);
    return handler(ctx, request);
  };
}

async function createVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const { fields } = await request.readBody();
  const create = validateCreate(fields, ctx.table, ctx.settings.guide2026);
  return admitAndCommit(ctx, 'create', {
    prompt: create.prompt,
    model: create.model,
    size: create.size,
    seconds: create.seconds,
    remixedFrom: null,
    inputReferenceSha256: create.inputReference?.sha256 ?? null,
  });
}

async function remixVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const source = findLiveJob(ctx, request.videoId);
  const { prompt } = validateRemix((await request.readBody()).fields);
  const nowMs = ctx.now();
  if (isExpired(source, nowMs)) throw new ApiError(404, `Video '${source.id}' has expired and can no longer be remixed.`, 'invalid_request_error');
  const { status } = deriveState(source, nowMs);
  if (status !== 'completed') {
    throw invalidRequest(`Video '${source.id}' is ${status}; only a completed video can be remixed.`, null, 'invalid_video_status');
  }
  return admitAndCommit(ctx, 'remix', {
    prompt,
    model: source.model,
    size: source.size,
    seconds: source.seconds,
    remixedFrom: source.id,
    inputReferenceSha256: null,
  });
}

type JobRequest = Pick<JobRecord, 'prompt' | 'model' | 'size' | 'seconds' | 'remixedFrom' | 'inputReferenceSha256'>;

/** Moderation, the in-flight limit, throttling faults and dropped connections, then the job. */
function admitAndCommit(ctx: EmulatorContext, route: RouteClass, request: JobRequest): Reply {
  const moderation = ctx.faults.moderation(request.prompt);
  if (moderation === 'block') throw moderationBlocked();
  try {
    checkInFlight(ctx.store.all(), ctx.now(), ctx.settings.inFlightLimit);
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
  const fate: JobFate = ctx.faults.stuck(request.prompt) ? 'stuck' : moderation === 'fail' ? 'fail-moderation' : 'complete';
  const job = commitJob(ctx, request, fate);
  return drop === 'afterCommit' ? { kind: 'drop' } : jsonReply(200, toVideoObject(job, ctx.now()));
}

function commitJob(ctx: EmulatorContext, request: JobRequest, fate: JobFate): JobRecord {
  const nowMs = ctx.now();
  const job: JobRecord = {
    id: newVideoId(ctx.random),
    seq: ctx.store.allocateSeq(),
    ...request,
    requestHash: requestHash(request),
    createdMs: nowMs,
    ...planTiming(request, ctx.settings.speed),
    fate,
    mediaReadyMs: null,
    renderError: null,
    deletedMs: null,
  };
  ctx.store.put(job);
  ctx.stats.countAccepted(ctx.store.all().filter((each) => isInFlight(each, nowMs)).length);
  if (fate !== 'fail-moderation') ctx.startRender(job);
  return job;
}

/** sha256 of the canonical request: identical requests render identical media and count as duplicates. */
export function requestHash(request: JobRequest): string {
  const canonical = JSON.stringify([
    request.prompt,
    request.model,
    request.size,
    request.seconds,
    request.inputReferenceSha256,
    request.remixedFrom,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

async function retrieveVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const video = toVideoObject(findLiveJob(ctx, request.videoId), ctx.now());
  const running = video.status === 'queued' || video.status === 'in_progress';
  return jsonReply(200, video, running ? { 'openai-poll-after-ms': String(ctx.settings.pollAfterMs) } : {});
}

async function listVideos(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const { items, hasMore } = pageOf(ctx.store.all(), parseListQuery(request.query));
  const nowMs = ctx.now();
  return jsonReply(200, {
    object: 'list',
    data: items.map((job) => toVideoObject(job, nowMs)),
    first_id: items[0]?.id ?? null,
    last_id: items[items.length - 1]?.id ?? null,
    has_more: hasMore,
  });
}

async function deleteVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const job = findLiveJob(ctx, request.videoId);
  const nowMs = ctx.now();
  if (isInFlight(job, nowMs)) {
    const { status } = deriveState(job, nowMs);
    throw invalidRequest(`Video '${job.id}' is ${status}; only a completed or failed video can be deleted.`, null, 'invalid_video_status');
  }
  ctx.store.put({ ...job, deletedMs: nowMs });
  return jsonReply(200, { id: job.id, object: 'video.deleted', deleted: true });
}

const VARIANTS = {
  video: { file: 'video', contentType: 'video/mp4' },
  thumbnail: { file: 'thumbnail', contentType: 'image/webp' },
  spritesheet: { file: 'spritesheet', contentType: 'image/jpeg' },
} as const;

async function videoContent(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const variantName = request.query.get('variant') ?? 'video';
  if (!Object.hasOwn(VARIANTS, variantName)) throw invalidValue('variant', variantName, Object.keys(VARIANTS));
  const variant = VARIANTS[variantName as keyof typeof VARIANTS];
  const job = findLiveJob(ctx, request.videoId);
  const nowMs = ctx.now();
  const { status } = deriveState(job, nowMs);
  if (status === 'failed') {
    throw invalidRequest(`Video '${job.id}' failed; a failed video has no content. See the job's error for details.`, null, 'invalid_video_status');
  }
  if (status !== 'completed') {
    throw invalidRequest(`Video '${job.id}' is ${status}; content is available once its status is 'completed'.`, null, 'invalid_video_status');
  }
  if (isExpired(job, nowMs)) {
    throw new ApiError(404, `The content of video '${job.id}' has expired: assets are kept for 24 hours after creation.`, 'invalid_request_error');
  }
  const files = await ctx.media.ensure(mediaSpecFor(job, ctx.settings.fps));
  const path = files[variant.file];
  const { size } = await stat(path);
  return { kind: 'file', path, size, contentType: variant.contentType };
}

/** The job behind a path id; unknown and deleted ids are the same 404. */
function findLiveJob(ctx: EmulatorContext, id: string | null): JobRecord {
  const job = id === null ? undefined : ctx.store.get(id);
  if (!job || job.deletedMs !== null) throw videoNotFound(id ?? '');
  return job;
}
