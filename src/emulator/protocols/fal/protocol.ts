import { admitJob } from '../../commit-job.js';
import type { EmulatorContext } from '../../context.js';
import type { JobRecord } from '../../job.js';
import { deriveState } from '../../lifecycle.js';
import { jsonReply, type Reply } from '../../reply.js';
import { findJob, videoFileReply } from '../media-file.js';
import { headerValue, matchEntry, type Protocol, type ProtocolRequest, type RouteEntry } from '../protocol.js';
import { detailError, fromApiError, unmatched } from './errors.js';
import { listByEndpoint } from './listing.js';
import { falEndpoint } from './models.js';
import { falStatus, isCancelled, requestUrls, statusBody, falWire, queuePosition } from './request-view.js';
import { mediaExpiresMs, outcomeOf } from './result.js';
import { submitRequest } from './submit.js';

/**
 * fal.ai's queue (reference fal-queue.md): submit to the full endpoint id, then status, result
 * and cancel under `{owner}/{alias}`; results on a public "CDN" path; the Platform API's
 * request listing on the same origin.
 */
const APP = '((?:workflows/|comfy/)?[^/]+/[^/]+)';

const ROUTES: readonly RouteEntry[] = [
  {
    method: 'GET',
    pattern: /^\/v1\/models\/requests\/by-endpoint$/,
    params: [],
    route: {
      label: 'GET /v1/models/requests/by-endpoint',
      faultClass: 'list',
      auth: true,
      handle: async (ctx, request) => jsonReply(200, await listByEndpoint(ctx, request.url.searchParams)),
    },
  },
  {
    method: 'GET',
    pattern: /^\/fal-media\/files\/([a-z0-9]+)\/output\.mp4$/,
    params: ['token'],
    route: { label: 'GET /fal-media/files/{token}/output.mp4', faultClass: 'content', auth: false, handle: media },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/${APP}/requests/([^/]+)/status$`),
    params: ['app', 'id'],
    route: { label: 'GET /{owner}/{alias}/requests/{id}/status', faultClass: 'retrieve', auth: true, handle: status },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/${APP}/requests/([^/]+)$`),
    params: ['app', 'id'],
    route: { label: 'GET /{owner}/{alias}/requests/{id}', faultClass: 'retrieve', auth: true, handle: result },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/${APP}/requests/([^/]+)/cancel$`),
    params: ['app', 'id'],
    route: { label: 'PUT /{owner}/{alias}/requests/{id}/cancel', faultClass: 'delete', auth: true, handle: cancel },
  },
  {
    method: 'POST',
    pattern: /^\/([^/]+\/[^/]+(?:\/[^/]+)*)$/,
    params: ['endpoint'],
    route: { label: 'POST /{model_id}', faultClass: 'create', auth: true, handle: submit },
  },
];

export const falProtocol: Protocol = {
  match: (method, pathname) => matchEntry(ROUTES, method, pathname),
  unmatched,
  fromApiError,
  checkAuth,
};

/** `Authorization: Key <FAL_KEY>`; the key is never echoed. */
function checkAuth(ctx: EmulatorContext, request: ProtocolRequest): void {
  const expected = ctx.settings.apiKey;
  if (expected === null) return;
  const header = headerValue(request.headers, 'authorization');
  if (header === undefined || !header.startsWith('Key ')) throw detailError(401, 'Missing credentials: send Authorization: Key <FAL_KEY>.');
  if (header.slice('Key '.length).trim() !== expected) throw detailError(401, 'Invalid credentials.');
}

async function submit(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const endpointId = request.params['endpoint'] ?? '';
  const endpoint = falEndpoint(endpointId);
  if (endpoint === null) throw detailError(404, `Application '${endpointId}' not found.`);
  const create = submitRequest(ctx, endpoint, await request.readBody(), request.headers, request.url.searchParams);
  for (const image of create.images) await ctx.media.keepInput(image.sha256, image.bytes);
  const admission = admitJob(ctx, 'create', create.job, 'queue', create.failure);
  if (admission.kind === 'drop' || admission.dropAfterCommit) return { kind: 'drop' };
  const job = admission.job;
  return jsonReply(
    200,
    { status: 'IN_QUEUE', request_id: job.id, ...requestUrls(ctx, job), queue_position: queuePosition(ctx, job, ctx.now()) },
    { 'x-fal-request-id': job.id },
  );
}

/** The request named by the path, under the app it was submitted to; 404 otherwise. */
function requestOf(ctx: EmulatorContext, request: ProtocolRequest): JobRecord {
  const job = ctx.store.get(request.params['id'] ?? '');
  if (!job || job.deletedMs !== null || !job.wire || falWire(job).appPath !== request.params['app']) {
    throw detailError(404, `Request '${request.params['id'] ?? ''}' not found.`);
  }
  return job;
}

/** 202 while IN_QUEUE or IN_PROGRESS, 200 once COMPLETED (reference §4). */
async function status(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const job = requestOf(ctx, request);
  const logs = ['1', 'true'].includes(request.url.searchParams.get('logs') ?? '0');
  const body = statusBody(ctx, job, logs);
  return jsonReply(body['status'] === 'COMPLETED' ? 200 : 202, body, { 'x-fal-request-id': job.id });
}

/** The model's output once COMPLETED; before that, the reference's guess: 400 "Request is still in progress". */
async function result(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const job = requestOf(ctx, request);
  if (falStatus(job, ctx.now()) !== 'COMPLETED') throw detailError(400, 'Request is still in progress');
  const outcome = await outcomeOf(ctx, job);
  return jsonReply(outcome.status, outcome.body, { 'x-fal-request-id': job.id });
}

/** Only a request still IN_QUEUE can be cancelled; anything else is ALREADY_COMPLETED (reference §6). */
async function cancel(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const job = requestOf(ctx, request);
  const nowMs = ctx.now();
  if (falStatus(job, nowMs) !== 'IN_QUEUE' || isCancelled(job, nowMs)) return jsonReply(400, { status: 'ALREADY_COMPLETED' });
  ctx.store.put({ ...job, stoppedMs: nowMs });
  return jsonReply(202, { status: 'CANCELLATION_REQUESTED' });
}

/** The public media URL: no key, and gone (404) once the lifecycle's expiry passed. */
async function media(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const job = findJob(ctx, (each) => each.wire?.['mediaToken'] === request.params['token']);
  const expires = job === null ? null : mediaExpiresMs(ctx, job);
  const completed = job !== null && !isCancelled(job, ctx.now()) && deriveState(job, ctx.now()).status === 'completed';
  if (job === null || !completed || (expires !== null && ctx.now() >= expires)) throw detailError(404, 'File not found.');
  return videoFileReply(ctx, job);
}
