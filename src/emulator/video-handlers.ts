import { stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { moderationBlocked } from './admission.js';
import { admitJob, type JobRequest } from './commit-job.js';
import type { EmulatorContext } from './context.js';
import { validateRemix } from './create-request.js';
import { validateFlavoredCreate } from './flavor-requests.js';
import { ApiError, invalidRequest, invalidValue, serverError, videoNotFound } from './errors.js';
import type { RouteClass } from './faults.js';
import type { JobRecord } from './job.js';
import { deriveState, isExpired, isInFlight, toVideoObject } from './lifecycle.js';
import { pageOf, parseListQuery } from './list-page.js';
import type { ParsedBody } from './request-body.js';
import { jsonReply, type Reply } from './reply.js';

export interface VideoRequest {
  videoId: string | null;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
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
  const { flavor, guide2026, flavorSettings } = ctx.settings;
  const create = validateFlavoredCreate(flavor, await request.readBody(), ctx.table, guide2026, flavorSettings);
  if (create.inputReference) await ctx.media.keepInput(create.inputReference.sha256, create.inputReference.bytes);
  return admitAndCommit(ctx, 'create', {
    prompt: create.prompt,
    model: create.model,
    size: create.size,
    seconds: create.seconds,
    remixedFrom: null,
    inputReferenceSha256: create.inputReference?.sha256 ?? null,
    // Kept only when sent, so an OpenAI job's record is unchanged.
    ...(create.extra !== null ? { extra: create.extra } : {}),
  });
}

async function remixVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const source = findLiveJob(ctx, request.videoId);
  const { prompt } = validateRemix((await request.readBody()).fields);
  const nowMs = ctx.now();
  if (ctx.settings.flavor.expires && isExpired(source, nowMs)) throw new ApiError(404, `Video '${source.id}' has expired and can no longer be remixed.`, 'invalid_request_error');
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

/** Moderation that refuses at once, then the shared admission; the reply is the new Video object. */
function admitAndCommit(ctx: EmulatorContext, route: RouteClass, request: JobRequest): Reply {
  const moderation = ctx.faults.moderation(request.prompt);
  if (moderation === 'block') throw moderationBlocked();
  // A serial queue (vLLM-Omni) takes every job and never answers 429.
  const admission = admitJob(ctx, route, request, ctx.settings.flavor.serial ? 'serial' : 'reject', moderation);
  if (admission.kind === 'drop' || admission.dropAfterCommit) return { kind: 'drop' };
  return jsonReply(200, toVideoObject(admission.job, ctx.now()));
}

/** The Video object in the flavor's dialect; the contract's own for `openai`. */
function present(ctx: EmulatorContext, job: JobRecord, nowMs: number): Record<string, unknown> {
  const contract = toVideoObject(job, nowMs);
  const video: Record<string, unknown> = { ...contract };
  const { flavor } = ctx.settings;
  if (contract.status === 'in_progress' && flavor.runningStatus === 'processing') video['status'] = 'processing';
  if (flavor.progress === 'binary') video['progress'] = contract.status === 'completed' ? 100 : 0;
  if (!flavor.expires) video['expires_at'] = null;
  if (flavor.errors === 'vllm-omni' && contract.error) video['error'] = { code: flavor.failedJobStatus ?? 500, message: contract.error.message };
  if (flavor.name === 'vllm-omni' && contract.status === 'completed') {
    // Keys newer vLLM-Omni builds add: a client must ignore them.
    video['inference_time_s'] = Math.round(job.runMs / 10) / 100;
    video['peak_memory_mb'] = 20480;
  }
  return video;
}

async function retrieveVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const job = findLiveJob(ctx, request.videoId);
  const nowMs = ctx.now();
  const { status } = deriveState(job, nowMs);
  const video = present(ctx, job, nowMs);
  // vLLM-Omni answers for a failed job with a non-2xx whose body is still the job.
  if (status === 'failed' && ctx.settings.flavor.failedJobStatus !== null) return jsonReply(ctx.settings.flavor.failedJobStatus, video);
  const running = status === 'queued' || status === 'in_progress';
  return jsonReply(200, video, running ? { 'openai-poll-after-ms': String(ctx.settings.pollAfterMs) } : {});
}

async function listVideos(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const { flavor } = ctx.settings;
  if (flavor.list === 'needs-hint' && request.query.get('custom_llm_provider') === null && request.headers['custom-llm-provider'] === undefined) {
    throw invalidRequest('custom_llm_provider is required to list videos: send the custom-llm-provider header or the custom_llm_provider query parameter.', 'custom_llm_provider', '400');
  }
  const query = parseListQuery(request.query);
  // vLLM-Omni lists the whole server unless a limit is sent.
  const wholeServer = flavor.list === 'whole-server' && request.query.get('limit') === null;
  const { items, hasMore } = pageOf(ctx.store.all(), wholeServer ? { ...query, limit: Number.MAX_SAFE_INTEGER } : query);
  const nowMs = ctx.now();
  return jsonReply(200, {
    object: 'list',
    data: items.map((job) => present(ctx, job, nowMs)),
    first_id: items[0]?.id ?? null,
    last_id: items[items.length - 1]?.id ?? null,
    has_more: hasMore,
  });
}

async function deleteVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const job = findLiveJob(ctx, request.videoId);
  const nowMs = ctx.now();
  if (ctx.settings.flavor.delete === 'cancel' && isInFlight(job, nowMs)) return cancelJob(ctx, job, nowMs);
  if (isInFlight(job, nowMs)) {
    const { status } = deriveState(job, nowMs);
    throw invalidRequest(`Video '${job.id}' is ${status}; only a completed or failed video can be deleted.`, null, 'invalid_video_status');
  }
  ctx.store.put({ ...job, deletedMs: nowMs });
  return jsonReply(200, { id: job.id, object: 'video.deleted', deleted: true });
}

/**
 * vLLM-Omni's DELETE cancels: a queued job at once; a running one asks the worker to abort,
 * which takes longer than the server waits (409), and a DELETE after that finds it cancelled.
 */
function cancelJob(ctx: EmulatorContext, job: JobRecord, nowMs: number): Reply {
  const { status } = deriveState(job, nowMs);
  if (status === 'in_progress' && (job.cancelRequestedMs ?? null) === null) {
    ctx.store.put({ ...job, cancelRequestedMs: nowMs });
    throw new ApiError(409, 'Cancellation in progress. Please try again later.', 'invalid_request_error');
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
  const { flavor } = ctx.settings;
  // A server with only the MP4 has no `variant` parameter: it ignores one.
  const variantName = flavor.variants.length === 1 ? 'video' : request.query.get('variant') ?? 'video';
  if (!(flavor.variants as readonly string[]).includes(variantName)) throw invalidValue('variant', variantName, flavor.variants);
  const variant = VARIANTS[variantName as keyof typeof VARIANTS];
  const job = findLiveJob(ctx, request.videoId);
  const nowMs = ctx.now();
  const { status } = deriveState(job, nowMs);
  if (flavor.vllmContentErrors && status === 'failed') throw new ApiError(422, 'Video generation failed. Check job status for error details.', 'invalid_request_error');
  if (flavor.vllmContentErrors && status !== 'completed') throw new ApiError(404, 'Generation is still in-progress', 'invalid_request_error');
  if (status === 'failed') {
    throw invalidRequest(`Video '${job.id}' failed; a failed video has no content. See the job's error for details.`, null, 'invalid_video_status');
  }
  if (status !== 'completed') {
    throw invalidRequest(`Video '${job.id}' is ${status}; content is available once its status is 'completed'.`, null, 'invalid_video_status');
  }
  if (flavor.expires && isExpired(job, nowMs)) {
    throw new ApiError(404, `The content of video '${job.id}' has expired: assets are kept for 24 hours after creation.`, 'invalid_request_error');
  }
  const files = await ctx.ensureMedia(job);
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
