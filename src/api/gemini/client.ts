import { mapGeminiJob } from '../../providers/mapping/gemini.js';
import { ResponseFormatError, UnsupportedFeatureError } from '../errors.js';
import type { VideosClientOptions } from '../openai-videos/client.js';
import { quote } from '../openai-videos/response.js';
import type { VideoProtocolClient } from '../protocol.js';
import {
  checkedId,
  downloadUrl,
  getJson,
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
import { operationVideo, operationName, videoUriOf } from './operation.js';

/**
 * Google Veo through the Gemini API (shared/reference/gemini-veo.md): a create is `POST
 * /v1beta/models/{model}:predictLongRunning` answered with an operation's name (§5), which is
 * the video id; a poll is `GET /v1beta/{name}`; the video is the file URI of the finished
 * operation, fetched with the key, through Google's redirect to its download host (§2). No
 * cancel, delete or list of operations exists (§2, §10): a create whose answer was lost cannot
 * be found again, so the runner records it as unknown and asks before paying again.
 */
export function createGeminiClient(opts: VideosClientOptions): VideoProtocolClient {
  // The key travels in `x-goog-api-key` (never `?key=`, which would put it in URLs and logs), to
  // the base URL and to Google's own hosts the file URI redirects to.
  const ctx = kitContext(opts, opts.apiKey === null ? {} : { 'x-goog-api-key': opts.apiKey }, isGoogleHost);
  return {
    create: async (req, o) => {
      const { model, body } = mapped(ctx, req, mapGeminiJob);
      const url = new URL(`${ctx.endpoint.base}/models/${encodeURIComponent(model)}:predictLongRunning`);
      return postCreate(ctx, url, JSON.stringify(body), summaryOf(req), signalOf(o), async (ex) => {
        const json = await readJsonOk(ctx, ex);
        const name = parsed(ex, () => operationName(json, ctx.profile));
        // The create answers with the name only (§5): the job has just been queued.
        return parsed(ex, () => operationVideo(ctx, { name }, req));
      });
    },
    retrieve: async (videoId, o) => {
      const { json, ex } = await getJson(ctx, operationUrl(ctx, videoId), signalOf(o));
      const video = parsed(ex, () => operationVideo(ctx, json, null));
      if (video.id !== videoId)
        throw new ResponseFormatError(ex.call, ex.status, `answered with operation ${quote(video.id, ctx.redact)}, asked for ${videoId}`);
      return { video, pollAfterMs: null };
    },
    download: async (videoId, variant, destPath, o) => {
      if (variant !== 'video') throw new UnsupportedFeatureError(ctx.profile.name, `the ${variant} variant`, 'features.contentVariants: [video]');
      const signal = signalOf(o);
      const { json, ex } = await getJson(ctx, operationUrl(ctx, videoId), signal);
      const uri = parsed(ex, () => videoUriOf(json));
      if (uri === null) throw new ResponseFormatError(ex.call, ex.status, `operation ${videoId} has no video to download`);
      return downloadUrl(ctx, resultUrl(ctx, uri, ex.call), destPath, o ?? {});
    },
    close: () => ctx.close(),
  };
}

/** `GET /v1beta/{operation name}`: the name's form (models/…/operations/…) keeps it one path. */
function operationUrl(ctx: KitContext, videoId: string): URL {
  return new URL(`${ctx.endpoint.base}/${checkedId(ctx, videoId)}`);
}

/** Google's hosts, which take the key on the file's second hop (gemini-veo.md §2, "both hops require the API key"). */
function isGoogleHost(url: URL): boolean {
  return url.hostname === 'googleapis.com' || url.hostname.endsWith('.googleapis.com');
}
