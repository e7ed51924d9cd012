import { mapFalJob } from '../../providers/mapping/fal.js';
import { ApiError, ResponseFormatError, UnsupportedFeatureError } from '../errors.js';
import type { VideosClientOptions } from '../openai-videos/client.js';
import { apiErrorOf, quote, readBody } from '../openai-videos/response.js';
import type { VideoProtocolClient } from '../protocol.js';
import {
  checkedId,
  downloadUrl,
  getJson,
  idempotent,
  isRecord,
  kitContext,
  mapped,
  parsed,
  postCreate,
  readJsonOk,
  resultUrl,
  signalOf,
  summaryOf,
  type KitContext,
} from '../protocol-kit.js';
import { serverId } from '../protocol-video.js';
import { sendRequest } from '../transport.js';
import type { Video } from '../video.js';
import { appOf, falOutcome, falStatusVideo, type FalOutcome } from './request.js';

/**
 * fal.ai's queue (shared/reference/fal-queue.md): submit the model's input as a bare JSON object
 * to the endpoint id (§1, §2), then status and result under `{owner}/{alias}` only (§2), so the
 * video id is `{owner}/{alias}/requests/{request_id}`. A failed request still reaches COMPLETED
 * (§4): its failure is the result's status and body (§7). Cancel works only while queued (§6)
 * and stands for delete. The Platform API's listing (§11) may list only finished requests, so it
 * cannot prove that a lost submit made nothing: an ambiguous submit is recorded as unknown.
 */
export function createFalClient(opts: VideosClientOptions): VideoProtocolClient {
  const ctx = kitContext(opts, opts.apiKey === null ? {} : { authorization: `Key ${opts.apiKey}` });
  // The result of each request polled to its end, so a download right after does not ask again.
  const outcomes = new Map<string, FalOutcome>();
  const outcome = async (videoId: string, signal: AbortSignal): Promise<FalOutcome> => {
    const known = outcomes.get(videoId);
    if (known) return known;
    const found = await readResult(ctx, videoId, signal);
    outcomes.set(videoId, found);
    return found;
  };
  return {
    create: async (req, o) => {
      const { endpoint, body } = mapped(ctx, req, mapFalJob);
      const url = new URL(`${ctx.endpoint.base}/${endpoint.split('/').map(encodeURIComponent).join('/')}`);
      // `normal` is what fal's own client always sends (§1).
      return postCreate(
        ctx,
        url,
        JSON.stringify(body),
        summaryOf(req),
        signalOf(o),
        async (ex) => {
          const json = await readJsonOk(ctx, ex);
          const requestId = isRecord(json) ? json['request_id'] : undefined;
          if (typeof requestId !== 'string') throw new ResponseFormatError(ex.call, ex.status, 'expected a queue answer with a "request_id"');
          const id = parsed(ex, () => serverId(ctx.profile, `${appOf(endpoint)}/requests/${requestId}`));
          return parsed(ex, () => falStatusVideo(ctx, { status: 'IN_QUEUE' }, id, req));
        },
        { 'x-fal-queue-priority': 'normal' },
      );
    },
    retrieve: async (videoId, o) => {
      const signal = signalOf(o);
      const { json, ex } = await getJson(ctx, requestUrl(ctx, videoId, '/status'), signal);
      const video = parsed(ex, () => falStatusVideo(ctx, json, videoId, null));
      if (video.status !== 'completed') return { video, pollAfterMs: null };
      // COMPLETED says only that the request ended: its result says how (§4, §7).
      return { video: withOutcome(video, await outcome(videoId, signal)), pollAfterMs: null };
    },
    download: async (videoId, variant, destPath, o) => {
      if (variant !== 'video') throw new UnsupportedFeatureError(ctx.profile.name, `the ${variant} variant`, 'features.contentVariants: [video]');
      const result = await outcome(videoId, signalOf(o));
      if (result.kind !== 'video')
        throw new ResponseFormatError(
          { method: 'GET', path: requestUrl(ctx, videoId, '').pathname },
          result.status,
          `request ${videoId} has no video: ${result.message}`,
        );
      return downloadUrl(ctx, resultUrl(ctx, result.url, { method: 'GET', path: requestUrl(ctx, videoId, '').pathname }), destPath, o ?? {});
    },
    ...(ctx.profile.features.delete ? { delete: (videoId: string, o?: { signal?: AbortSignal }) => cancel(ctx, videoId, signalOf(o)) } : {}),
    close: () => ctx.close(),
  };
}

/** `{base}/{owner}/{alias}/requests/{id}{suffix}`. */
function requestUrl(ctx: KitContext, videoId: string, suffix: string): URL {
  return new URL(`${ctx.endpoint.base}/${checkedId(ctx, videoId)}${suffix}`);
}

/** The result: 200 with the output, or the request's own failure (a 4xx or a 500 with a `detail`); an infrastructure error is thrown (retried). */
async function readResult(ctx: KitContext, videoId: string, signal: AbortSignal): Promise<FalOutcome> {
  const url = requestUrl(ctx, videoId, '');
  return idempotent(ctx, signal, async () => {
    const ex = await sendRequest(ctx.transport, { method: 'GET', url, headers: { accept: 'application/json' }, followRedirects: true }, signal);
    if (ex.status >= 200 && ex.status < 300) {
      const json = await readJsonOk(ctx, ex);
      return parsed(ex, () => falOutcome(ctx, ex.status, json));
    }
    const body = await readBody(ex);
    const error = apiErrorOf(ex, body, ctx.redact, Date.now());
    if (!isRequestFailure(ex.status, ex.headers)) throw error;
    return falOutcome(ctx, ex.status, body.json ?? { detail: body.text });
  });
}

/**
 * Whether a non-2xx result is the request's own end rather than the queue's trouble: fal marks
 * infrastructure errors with `X-Fal-Error-Type` (§7), and auth, 404, 408, 429, 502–504 are the
 * API's answers about the call, not the job.
 */
function isRequestFailure(status: number, headers: Record<string, unknown>): boolean {
  if (headers['x-fal-error-type'] !== undefined) return false;
  if ([401, 403, 404, 408, 429, 502, 503, 504].includes(status)) return false;
  return status >= 400 && status < 600;
}

function withOutcome(video: Video, result: FalOutcome): Video {
  if (result.kind === 'video') return video;
  return { ...video, status: 'failed', error: { code: result.code, message: result.message } };
}

/** `PUT …/cancel`: only a request still queued can be cancelled (§6); anything else is the API's refusal. */
async function cancel(ctx: KitContext, videoId: string, signal: AbortSignal): Promise<void> {
  const url = requestUrl(ctx, videoId, '/cancel');
  await idempotent(ctx, signal, async () => {
    const ex = await sendRequest(ctx.transport, { method: 'PUT', url, headers: { accept: 'application/json' } }, signal);
    const body = await readBody(ex);
    if (ex.status < 200 || ex.status >= 300) throw apiErrorOf(ex, body, ctx.redact, Date.now());
    const status = isRecord(body.json) ? body.json['status'] : undefined;
    if (status !== undefined && status !== 'CANCELLATION_REQUESTED')
      throw new ApiError(ex.call, {
        status: ex.status,
        body: { message: `cancel answered ${quote(String(status), ctx.redact)}`, type: null, param: null, code: null },
        requestId: null,
        retryAfterMs: null,
        shouldRetry: false,
      });
  });
}
