import { setTimeout as sleep } from 'node:timers/promises';
import { admitJob } from '../../commit-job.js';
import type { EmulatorContext } from '../../context.js';
import type { JobRecord } from '../../job.js';
import { plannedEndMs } from '../../lifecycle.js';
import { jsonReply, type Reply } from '../../reply.js';
import { findJob, videoFileReply } from '../media-file.js';
import { headerValue, matchEntry, type Protocol, type ProtocolRequest, type RouteEntry } from '../protocol.js';
import { modelFromVersion, parseBody, readCreate, type ReplicateCreate } from './create.js';
import { fromApiError, notFound, problem } from './errors.js';
import { createFile, getFile } from './files.js';
import { listPredictions } from './list.js';
import { replicateModel } from './models.js';
import { dataRemovedAtMs, phaseOf, predictionOf, TERMINAL } from './prediction.js';

/**
 * Replicate's predictions (reference replicate.md): create by model or by version, get, cancel,
 * list; outputs on a delivery path of the emulator that outlives the prediction's data by
 * nothing (both go after an hour).
 */
const ROUTES: readonly RouteEntry[] = [
  {
    method: 'POST',
    pattern: /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/,
    params: ['owner', 'name'],
    route: { label: 'POST /v1/models/{owner}/{name}/predictions', faultClass: 'create', auth: true, handle: createByModel },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/predictions$/,
    params: [],
    route: { label: 'POST /v1/predictions', faultClass: 'create', auth: true, handle: createByVersion },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/predictions$/,
    params: [],
    route: {
      label: 'GET /v1/predictions',
      faultClass: 'list',
      auth: true,
      handle: async (ctx, request) => jsonReply(200, listPredictions(ctx, request.url.searchParams)),
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/predictions\/([^/]+)$/,
    params: ['id'],
    route: {
      label: 'GET /v1/predictions/{id}',
      faultClass: 'retrieve',
      auth: true,
      handle: async (ctx, request) => jsonReply(200, predictionOf(ctx, predictionNamed(ctx, request))),
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/predictions\/([^/]+)\/cancel$/,
    params: ['id'],
    route: { label: 'POST /v1/predictions/{id}/cancel', faultClass: 'delete', auth: true, handle: cancel },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/files$/,
    params: [],
    route: { label: 'POST /v1/files', faultClass: 'retrieve', auth: true, handle: createFile },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/files\/([^/]+)$/,
    params: ['id'],
    route: { label: 'GET /v1/files/{id}', faultClass: 'retrieve', auth: true, handle: getFile },
  },
  {
    // Delivery URLs have long answered without a token; one sent is accepted too (reference §5).
    method: 'GET',
    pattern: /^\/replicate-delivery\/([a-z0-9]+)\/output\.mp4$/,
    params: ['token'],
    route: { label: 'GET /replicate-delivery/{token}/output.mp4', faultClass: 'content', auth: false, handle: delivery },
  },
];

export const replicateProtocol: Protocol = {
  match: (method, pathname) => matchEntry(ROUTES, method, pathname),
  unmatched: () => notFound(),
  fromApiError,
  checkAuth,
};

/** `Authorization: Bearer <token>` (Replicate also takes `Token <token>`); the token is never echoed. */
function checkAuth(ctx: EmulatorContext, request: ProtocolRequest): void {
  const expected = ctx.settings.apiKey;
  if (expected === null) return;
  const match = /^(?:Bearer|Token) (.+)$/.exec(headerValue(request.headers, 'authorization') ?? '');
  if (!match || match[1]!.trim() !== expected) throw problem(401, 'Unauthenticated', 'You did not pass a valid authentication token');
}

async function createByModel(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const model = replicateModel(`${request.params['owner']}/${request.params['name']}`);
  if (model === null) throw problem(404, 'Model not found', 'The requested model could not be found.');
  return admit(ctx, request, readCreate(ctx, model, parseBody(await request.readBody()), request.headers));
}

async function createByVersion(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const body = parseBody(await request.readBody());
  const model = modelFromVersion(body['version']);
  return admit(ctx, request, readCreate(ctx, model, body, request.headers));
}

/** 201 with the prediction; with `Prefer: wait`, held until it finishes or the wait runs out. */
async function admit(ctx: EmulatorContext, request: ProtocolRequest, create: ReplicateCreate): Promise<Reply> {
  for (const image of create.images) await ctx.media.keepInput(image.sha256, image.bytes);
  const admission = admitJob(ctx, 'create', create.job, 'none', create.failure);
  if (admission.kind === 'drop' || admission.dropAfterCommit) return { kind: 'drop' };
  if (create.waitSeconds === null) {
    // The prediction as accepted: on a slow reply (a loaded machine) the clock has moved on,
    // and Replicate answers a create with the prediction it made, `starting`.
    return jsonReply(201, predictionOf(ctx, admission.job, admission.job.createdMs));
  }
  await waitUntilDone(ctx, admission.job.id, create.waitSeconds, request.signal);
  return jsonReply(201, predictionOf(ctx, ctx.store.get(admission.job.id)!));
}

/**
 * Waits on the emulator's scaled timeline (`wait=60` at speed 1000 holds about 60 ms), except
 * that a prediction whose simulated work is done is also waited for while its MP4 encodes, which
 * takes real time; never longer than the `n` seconds asked for.
 */
async function waitUntilDone(ctx: EmulatorContext, id: string, seconds: number, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  const scaledEnd = started + (seconds * 1000) / ctx.settings.speed;
  const hardEnd = started + seconds * 1000;
  while (Date.now() < hardEnd && !signal.aborted) {
    const job = ctx.store.get(id);
    if (!job || TERMINAL.includes(phaseOf(job, ctx.now()).status)) return;
    const encoding = plannedEndMs(job) <= ctx.now() && job.mediaReadyMs === null && job.renderError === null;
    if (Date.now() >= scaledEnd && !encoding) return;
    await sleep(20, undefined, { signal }).catch(() => undefined);
  }
}

function predictionNamed(ctx: EmulatorContext, request: ProtocolRequest): JobRecord {
  const job = ctx.store.get(request.params['id'] ?? '');
  if (!job || job.deletedMs !== null) throw notFound();
  return job;
}

/** Stops a prediction that has not finished (`canceled`); a finished one is returned as it is. */
async function cancel(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const job = predictionNamed(ctx, request);
  const nowMs = ctx.now();
  if (!TERMINAL.includes(phaseOf(job, nowMs).status)) ctx.store.put({ ...job, stoppedMs: nowMs });
  return jsonReply(200, predictionOf(ctx, ctx.store.get(job.id)!));
}

/** The output file while the prediction's data lives; 404 once removed. */
async function delivery(ctx: EmulatorContext, request: ProtocolRequest): Promise<Reply> {
  const job = findJob(ctx, (each) => each.wire?.['deliveryToken'] === request.params['token']);
  const removedAt = job === null ? null : dataRemovedAtMs(ctx, job);
  if (job === null || phaseOf(job, ctx.now()).status !== 'succeeded' || removedAt === null || ctx.now() >= removedAt) throw notFound();
  return videoFileReply(ctx, job);
}
