import { stat } from 'node:fs/promises';
import type { EmulatorContext } from './context.js';
import { resolveCast } from './cast-request.js';
import { createCharacter, getCharacter } from './character-handlers.js';
import { validateRemix } from './create-request.js';
import { editVideo, extendVideo } from './edit-handlers.js';
import { validateFlavoredCreate } from './flavor-requests.js';
import { ApiError, invalidRequest, invalidValue, serverError } from './errors.js';
import type { RouteClass } from './faults.js';
import type { JobRecord } from './job.js';
import { deriveState, isExpired, isInFlight, toVideoObject } from './lifecycle.js';
import { pageOf, parseListQuery } from './list-page.js';
import { jsonReply, type Reply } from './reply.js';
import type { VideoRouteName } from './routes.js';
import { admitAndCommit, completedSource, findLiveJob, type Handler, type VideoRequest } from './video-jobs.js';

/** The handlers of the `/v1/videos` contract, by route. An injected 5xx comes first, before any effect. */
export const videoHandlers: Readonly<Record<VideoRouteName, Handler>> = {
  create: withServerFault('create', createVideo),
  remix: withServerFault('remix', remixVideo),
  edit: withServerFault('edit', editVideo),
  extension: withServerFault('extension', extendVideo),
  createCharacter: withServerFault('character', createCharacter),
  getCharacter: withServerFault('character', getCharacter),
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
  const cast = create.characters === null ? null : resolveCast(create.characters, create.prompt, (id) => ctx.characters.get(id));
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
    ...(cast !== null ? { characters: cast.map((character) => character.id) } : {}),
  });
}

async function remixVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const found = findLiveJob(ctx, request.videoId);
  const { prompt } = validateRemix((await request.readBody()).fields);
  const source = completedSource(ctx, found, 'remixed');
  return admitAndCommit(ctx, 'remix', {
    prompt,
    model: source.model,
    size: source.size,
    seconds: source.seconds,
    remixedFrom: source.id,
    inputReferenceSha256: null,
  });
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
    throw invalidRequest(
      'custom_llm_provider is required to list videos: send the custom-llm-provider header or the custom_llm_provider query parameter.',
      'custom_llm_provider',
      '400',
    );
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
  const variantName = flavor.variants.length === 1 ? 'video' : (request.query.get('variant') ?? 'video');
  if (!(flavor.variants as readonly string[]).includes(variantName)) throw invalidValue('variant', variantName, flavor.variants);
  const variant = VARIANTS[variantName as keyof typeof VARIANTS];
  const job = findLiveJob(ctx, request.videoId);
  const nowMs = ctx.now();
  const { status } = deriveState(job, nowMs);
  if (flavor.vllmContentErrors && status === 'failed')
    throw new ApiError(422, 'Video generation failed. Check job status for error details.', 'invalid_request_error');
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
