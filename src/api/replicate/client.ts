import { FormData } from 'undici';
import { mapReplicateJob } from '../../providers/mapping/replicate.js';
import { ListingTooLongError, NotFoundError, ResponseFormatError, UnsupportedFeatureError, type CallSite } from '../errors.js';
import { LIST_LIMITS, type ListAllOptions } from '../list-all.js';
import type { VideosClientOptions } from '../openai-videos/client.js';
import { quote } from '../openai-videos/response.js';
import type { CallOptions, VideoProtocolClient } from '../protocol.js';
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
import { sendRequest } from '../transport.js';
import type { Video } from '../video.js';
import { outputUrlOf, predictionVideo } from './prediction.js';
import type { ImageInput } from '../../providers/mapping/job-request.js';

/**
 * Replicate's predictions on official models (shared/reference/replicate.md): create with `POST
 * /v1/models/{owner}/{name}/predictions`, poll `GET /v1/predictions/{id}`, cancel (standing for
 * delete), and the account's listing, newest first, by which a create whose answer was lost is
 * found again (§10). The output URL expires an hour after the end (§5): the runner downloads at
 * once. An image over 256 kB is uploaded first (the Files API) and sent as its URL (§2).
 */
export function createReplicateClient(opts: VideosClientOptions): VideoProtocolClient {
  // The docs ask for the token on output files too (§5): sent to Replicate's file host, https only.
  const ctx = kitContext(opts, opts.apiKey === null ? {} : { authorization: `Bearer ${opts.apiKey}` }, isReplicateFileHost);
  return {
    create: async (req, o) => {
      const signal = signalOf(o);
      const create = mapped(ctx, req, mapReplicateJob);
      const input = { ...create.body.input };
      // Before the create's intent matters: an upload creates no prediction, and is idempotent enough to retry.
      if (create.upload) input[create.upload.field] = await upload(ctx, create.upload.image, signal);
      const [owner = '', name = ''] = create.model.split('/');
      const url = new URL(`${ctx.endpoint.base}/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/predictions`);
      return postCreate(ctx, url, JSON.stringify({ input }), summaryOf(req), signal, async (ex) => {
        const json = await readJsonOk(ctx, ex);
        return parsed(ex, () => predictionVideo(ctx, json, req));
      });
    },
    retrieve: async (videoId, o) => {
      const { json, ex } = await getJson(ctx, predictionUrl(ctx, videoId), signalOf(o));
      const video = parsed(ex, () => predictionVideo(ctx, json, null));
      if (video.id !== videoId)
        throw new ResponseFormatError(ex.call, ex.status, `answered with prediction ${quote(video.id, ctx.redact)}, asked for ${videoId}`);
      return { video, pollAfterMs: null };
    },
    download: async (videoId, variant, destPath, o) => {
      if (variant !== 'video') throw new UnsupportedFeatureError(ctx.profile.name, `the ${variant} variant`, 'features.contentVariants: [video]');
      const { json, ex } = await getJson(ctx, predictionUrl(ctx, videoId), signalOf(o));
      const uri = outputUrlOf(json);
      if (uri === null && isRecord(json) && json['data_removed'] === true) throw outputRemoved(ex.call, videoId);
      if (uri === null) throw new ResponseFormatError(ex.call, ex.status, `prediction ${videoId} has no output`);
      return downloadUrl(ctx, resultUrl(ctx, uri, ex.call), destPath, o ?? {});
    },
    ...(ctx.profile.features.list ? { listAll: (query?: ListAllOptions, o?: CallOptions) => listAll(ctx, query ?? {}, signalOf(o)) } : {}),
    ...(ctx.profile.features.delete ? { delete: (videoId: string, o?: CallOptions) => cancel(ctx, videoId, signalOf(o)) } : {}),
    close: () => ctx.close(),
  };
}

function predictionUrl(ctx: KitContext, videoId: string, suffix = ''): URL {
  return new URL(`${ctx.endpoint.base}/predictions/${encodeURIComponent(checkedId(ctx, videoId))}${suffix}`);
}

/** `*.replicate.delivery`, where outputs are served (§5). */
function isReplicateFileHost(url: URL): boolean {
  return url.hostname === 'replicate.delivery' || url.hostname.endsWith('.replicate.delivery');
}

/**
 * The account's predictions since `createdAfter` (`created_after`, §6), page after page by the
 * `next` URL, which must stay on the API's origin (it is server text; following it elsewhere
 * would send the token there), within the listing limits.
 */
async function* listAll(ctx: KitContext, query: ListAllOptions, signal: AbortSignal): AsyncGenerator<Video> {
  const first = new URL(`${ctx.endpoint.base}/predictions`);
  if (query.createdAfter !== undefined) first.searchParams.set('created_after', new Date(query.createdAfter * 1000).toISOString());
  const maxPages = query.maxPages ?? LIST_LIMITS.pages;
  const maxVideos = query.maxVideos ?? LIST_LIMITS.videos;
  const tooLong = () => new ListingTooLongError({ method: 'GET', path: first.pathname }, `${maxPages} pages or ${maxVideos} videos`);
  const seen = new Set<string>();
  let url: URL | null = first;
  let listed = 0;
  for (let pages = 0; url !== null; pages++) {
    if (pages >= maxPages) throw tooLong();
    const { json, ex } = await getJson(ctx, url, signal);
    const results = isRecord(json) ? json['results'] : undefined;
    if (!Array.isArray(results)) throw new ResponseFormatError(ex.call, ex.status, 'expected a page with a "results" array');
    listed += results.length;
    if (listed > maxVideos) throw tooLong();
    for (const item of results) {
      // Its input is gone an hour after it ended (§5): nothing tells whose it was, so it is never adopted.
      if (isRecord(item) && item['data_removed'] === true) continue;
      yield parsed(ex, () => predictionVideo(ctx, item, null));
    }
    const next = isRecord(json) ? json['next'] : null;
    if (typeof next !== 'string' || results.length === 0 || seen.has(next)) return;
    seen.add(next);
    const nextUrl = URL.canParse(next) ? new URL(next) : null;
    if (nextUrl === null || nextUrl.origin !== ctx.endpoint.origin)
      throw new ResponseFormatError(ex.call, ex.status, "the next page is not on the API's origin");
    url = nextUrl;
  }
}

/** `POST /predictions/{id}/cancel`: stops a prediction that has not finished; a finished one answers as it is. */
async function cancel(ctx: KitContext, videoId: string, signal: AbortSignal): Promise<void> {
  const url = predictionUrl(ctx, videoId, '/cancel');
  await idempotent(ctx, signal, async () => {
    const ex = await sendRequest(ctx.transport, { method: 'POST', url, headers: { accept: 'application/json' } }, signal);
    await readJsonOk(ctx, ex);
  });
}

/** Uploads a file with the Files API (`POST /v1/files`, multipart `content`) and returns its URL (`urls.get`). */
async function upload(ctx: KitContext, image: ImageInput, signal: AbortSignal): Promise<string> {
  const url = new URL(`${ctx.endpoint.base}/files`);
  return idempotent(ctx, signal, async () => {
    const form = new FormData();
    const extension = image.mimeType.split('/')[1] ?? 'bin';
    form.set('content', new Blob([image.bytes], { type: image.mimeType }), `input.${extension}`);
    const ex = await sendRequest(ctx.transport, { method: 'POST', url, headers: { accept: 'application/json' }, body: form }, signal);
    const json = await readJsonOk(ctx, ex);
    const urls = isRecord(json) ? json['urls'] : undefined;
    const get = isRecord(urls) ? urls['get'] : undefined;
    if (typeof get !== 'string' || !URL.canParse(get)) throw new ResponseFormatError(ex.call, ex.status, 'expected a file with "urls.get"');
    return resultUrl(ctx, get, ex.call).href;
  });
}

/** The output is gone with the prediction's data, an hour after it ended (§5): the video is gone, as a 404 says elsewhere. */
function outputRemoved(call: CallSite, videoId: string): NotFoundError {
  const message = `the output of prediction ${videoId} was removed with its data (an hour after it ended)`;
  return new NotFoundError(call, {
    status: 404,
    body: { message, type: null, param: null, code: 'data_removed' },
    requestId: null,
    retryAfterMs: null,
    shouldRetry: false,
  });
}
