import type { Dispatcher } from 'undici';
import { UsageError } from '../../errors.js';
import { videoIdFormOf, type ContentVariant, type ProviderProfile } from '../../providers/profile.js';
import { describeVideoIdForm, isVideoId } from '../../providers/video-id.js';
import { pathOf, videosUrl } from '../endpoint.js';
import { CreateOutcomeUnknownError, ListingTooLongError, ResponseFormatError, TimeoutError, UnsupportedFeatureError, type CreateSummary } from '../errors.js';
import { onAbort } from '../abort-link.js';
import type { CallOptions, DownloadOptions } from '../protocol.js';
import { listAllPages, type ListAllOptions, type ListOptions } from '../list-all.js';
import { mayHaveCreated } from '../error-kind.js';
import { defaultByteLimit, saveContent, type ContentKind, type DownloadResult } from '../download.js';
import { encodeCreate, encodeRemix, summarizeCreate, summarizeRemix, type CreateRequest, type EncodedBody } from './request-body.js';
import type { Character } from '../character.js';
import { createCharacter, fromVideo, getCharacter, type ChildCalls } from './children.js';
import { apiErrorOf, expectJson, quote, readBody } from './response.js';
import type { RetryPolicy } from '../retry-policy.js';
import { withRetries, type RetryInfo, type Sleep } from '../retry.js';
import { discard, header, sendRequest, type Exchange } from '../transport.js';
import { parseVideo, parseVideoList, VideoShapeError, type Video, type VideoList } from '../video.js';
import { kitContext, signalOf, type KitContext } from '../protocol-kit.js';

export interface VideosClientOptions {
  readonly profile: ProviderProfile;
  /** Including the `/v1` (or `/openai/v1`) prefix. */
  readonly baseUrl: string;
  /** Sent per `profile.auth.style` (or `authStyle`); never logged, never in a message. `null` sends no credentials. */
  readonly apiKey: string | null;
  /** How `apiKey` is sent when not per the profile (an Entra token is a bearer on Azure). Default: `profile.auth.style`. */
  readonly authStyle?: 'bearer' | 'api-key';
  /** Default: `defaultRetryPolicy` (4 retries, 0.5–8 s backoff, server delays capped at 60 s). */
  readonly retry?: RetryPolicy;
  /** Deadline for a request's headers and JSON body; for downloads, the longest idle gap. Default 60 s. */
  readonly timeoutMs?: number;
  /** The longest a download may take in all, retries included. Default `DOWNLOAD_LIMITS.deadlineMs` (30 min). */
  readonly downloadDeadlineMs?: number;
  /** Default: a real, abortable timer. Tests inject one that does not wait. */
  readonly sleep?: Sleep;
  /** Jitter source in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /** Default: one keep-alive `Agent` owned (and closed) by this client. */
  readonly dispatcher?: Dispatcher;
  /** Default `shotlist`. */
  readonly userAgent?: string;
  /** Plain `http://` to a host other than this machine is refused unless true. Default false. */
  readonly allowInsecureHttp?: boolean;
  readonly onRetry?: (info: RetryInfo) => void;
}

export type { CallOptions, DownloadOptions } from '../protocol.js';

/** The `/v1/videos` client: every endpoint, whether the profile has it or not (see `openAiVideosProtocol` for the capabilities declared). */
export interface VideosClient {
  create(req: CreateRequest, opts?: CallOptions): Promise<Video>;
  remix(videoId: string, prompt: string, opts?: CallOptions): Promise<Video>;
  /** `POST /videos/edits` of a video of the server. */
  edit(videoId: string, prompt: string, opts?: CallOptions): Promise<Video>;
  /** `POST /videos/extensions`: the video followed by `seconds` more; the new video is the whole. */
  extend(videoId: string, prompt: string, seconds: string, opts?: CallOptions): Promise<Video>;
  /** `POST /videos/characters`: a character from a 2–4 s MP4. */
  createCharacter(clip: { readonly bytes: Uint8Array; readonly fileName: string }, name: string, opts?: CallOptions): Promise<Character>;
  getCharacter(characterId: string, opts?: CallOptions): Promise<Character>;
  /** `pollAfterMs` is the server's `openai-poll-after-ms`, clamped to the profile's `minPollMs`–60 s, or `null`. */
  retrieve(videoId: string, opts?: CallOptions): Promise<{ video: Video; pollAfterMs: number | null }>;
  list(query?: ListOptions, opts?: CallOptions): Promise<VideoList>;
  listAll(query?: ListAllOptions, opts?: CallOptions): AsyncIterable<Video>;
  delete(videoId: string, opts?: CallOptions): Promise<void>;
  /** Model ids the server serves (`GET /v1/models`, under the base URL), for servers of one model. */
  listModels(opts?: CallOptions): Promise<string[]>;
  download(videoId: string, variant: ContentVariant, destPath: string, opts?: DownloadOptions): Promise<DownloadResult>;
  /** Closes the client's own connection pool (an injected dispatcher is left to its owner). */
  close(): Promise<void>;
}

const POLL_AFTER_MAX_MS = 60_000;
const KIND_OF_VARIANT: Readonly<Record<ContentVariant, ContentKind>> = { video: 'mp4', thumbnail: 'webp', spritesheet: 'jpeg' };

/** The shared machinery of every call: where, how, and how often to try (the same for every protocol's client). */
type Context = KitContext;

export function createVideosClient(opts: VideosClientOptions): VideosClient {
  const ctx: Context = kitContext(opts, authHeaders(opts.authStyle ?? opts.profile.auth.style, opts.apiKey));
  const children = childCalls(ctx);
  return {
    create: (req, o) => createVideo(ctx, req, signalOf(o)),
    remix: (videoId, prompt, o) => remixVideo(ctx, videoId, prompt, signalOf(o)),
    edit: (videoId, prompt, o) => fromVideo(children, 'edit', videoId, prompt, null, signalOf(o)),
    extend: (videoId, prompt, seconds, o) => fromVideo(children, 'extend', videoId, prompt, seconds, signalOf(o)),
    createCharacter: (clip, name, o) => createCharacter(children, clip, name, signalOf(o)),
    getCharacter: (characterId, o) => getCharacter(children, characterId, signalOf(o)),
    retrieve: (videoId, o) => retrieveVideo(ctx, videoId, signalOf(o)),
    list: (query, o) => listVideos(ctx, query ?? {}, signalOf(o)),
    listAll: (query, o) => listAllVideos(ctx, query ?? {}, signalOf(o)),
    delete: (videoId, o) => deleteVideo(ctx, videoId, signalOf(o)),
    listModels: (o) => listModels(ctx, signalOf(o)),
    download: (videoId, variant, destPath, o) => downloadContent(ctx, videoId, variant, destPath, o ?? {}),
    close: () => ctx.close(),
  };
}

function authHeaders(style: ProviderProfile['auth']['style'], apiKey: string | null): Record<string, string> {
  if (apiKey === null || style === 'none') return {};
  return style === 'api-key' ? { 'api-key': apiKey } : { authorization: `Bearer ${apiKey}` };
}

// ---- creates: never resent once they may have reached the server ----

/**
 * Creates a video. Not idempotent (servers take no idempotency key), so the only automatic
 * retries are those that surely created nothing: a connection that never carried the request,
 * and a 429 other than `insufficient_quota`. Any outcome that may have started a billable job
 * (a timeout or reset after sending, a 5xx or 408, a 2xx that is not a Video, an abort in
 * flight) throws `CreateOutcomeUnknownError` for the caller to reconcile by listing videos.
 * Other 4xx are definite refusals and throw `ApiError`.
 */
async function createVideo(ctx: Context, req: CreateRequest, signal: AbortSignal): Promise<Video> {
  const url = videosUrl(ctx.endpoint, []);
  return postCreate(ctx, url, () => encodeCreate(req, ctx.profile.encoding, ctx.profile.extraFields.placement), summarizeCreate(req), signal);
}

async function remixVideo(ctx: Context, videoId: string, prompt: string, signal: AbortSignal): Promise<Video> {
  requireFeature(ctx, ctx.profile.features.remix, 'remix', 'features.remix: false');
  const url = videosUrl(ctx.endpoint, [checkedId(ctx, videoId), 'remix']);
  // A remix is a new video of the one asked for: an answer about another source, or the source itself, is not one.
  const check = (video: Video): string | null =>
    video.id === videoId
      ? `answered with the id of the video to remix (${videoId}) instead of a new one`
      : video.remixedFromVideoId !== null && video.remixedFromVideoId !== videoId
        ? `answered with a remix of ${video.remixedFromVideoId}, asked to remix ${videoId}`
        : null;
  return postCreate(ctx, url, () => encodeRemix(prompt, ctx.profile.encoding), summarizeRemix(videoId, prompt), signal, check);
}

/** What the March-2026 endpoints (children.ts) send with. */
function childCalls(ctx: Context): ChildCalls {
  return {
    profile: ctx.profile,
    endpoint: ctx.endpoint,
    redact: ctx.redact,
    post: (url, encode, summary, signal, check, read) => postCreate(ctx, url, encode, summary, signal, check, (_ctx, ex) => read(ex)),
    get: (url, signal, read) =>
      idempotent(ctx, signal, async () =>
        read(await sendRequest(ctx.transport, { method: 'GET', url, headers: { accept: 'application/json' }, followRedirects: true }, signal)),
      ),
    readJson: (ex) => readJsonOk(ctx, ex),
    readVideo: (ex) => readVideo(ctx, ex),
    checkedId: (videoId) => checkedId(ctx, videoId),
  };
}

async function postCreate<T = Video>(
  ctx: Context,
  url: URL,
  encode: () => EncodedBody,
  summary: CreateSummary,
  signal: AbortSignal,
  check: (made: T) => string | null = () => null,
  read: (ctx: Context, ex: Exchange) => Promise<T> = readVideo as unknown as (ctx: Context, ex: Exchange) => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  let attemptStartedAt = new Date();
  let abortedInFlight = false;
  const attempt = async (): Promise<T> => {
    attemptStartedAt = new Date();
    try {
      // A fresh body per attempt: a FormData stream is consumed by sending it.
      const { body, contentType } = encode();
      const headers = { accept: 'application/json', ...(contentType === undefined ? {} : { 'content-type': contentType }) };
      const ex = await sendRequest(ctx.transport, { method: 'POST', url, headers, body }, signal);
      const video = await read(ctx, ex);
      const wrong = check(video);
      if (wrong !== null) throw new ResponseFormatError(ex.call, ex.status, wrong);
      return video;
    } catch (error) {
      abortedInFlight = signal.aborted && error === signal.reason;
      throw error;
    }
  };
  try {
    return await withRetries(loopFor(ctx, false, signal), attempt);
  } catch (error) {
    // An abort during a backoff wait (not in flight) follows a refused attempt: nothing was created.
    if (abortedInFlight || (!signal.aborted && mayHaveCreated(error))) {
      throw new CreateOutcomeUnknownError({ method: 'POST', path: pathOf(url) }, summary, attemptStartedAt, error);
    }
    throw error;
  }
}

// ---- idempotent calls: retried per the policy ----

async function retrieveVideo(ctx: Context, videoId: string, signal: AbortSignal): Promise<{ video: Video; pollAfterMs: number | null }> {
  const url = videosUrl(ctx.endpoint, [checkedId(ctx, videoId)]);
  return idempotent(ctx, signal, async () => {
    const ex = await sendRequest(ctx.transport, { method: 'GET', url, headers: { accept: 'application/json' }, followRedirects: true }, signal);
    const video = ex.status >= 200 && ex.status < 300 ? await readVideo(ctx, ex) : await readFailedJob(ctx, ex, videoId);
    // Another video's state must never be taken for this one's (recorded, downloaded, adopted).
    if (video.id !== videoId) throw new ResponseFormatError(ex.call, ex.status, `answered with video ${quote(video.id, ctx.redact)}, asked for ${videoId}`);
    return { video, pollAfterMs: pollAfterOf(ex, ctx.profile) };
  });
}

/**
 * A video id about to go into a URL path: it has the protocol's form (ids from servers and
 * lockfiles are checked where they are read; this keeps any other caller from steering a path).
 */
function checkedId(ctx: Context, videoId: string): string {
  const form = videoIdFormOf(ctx.profile);
  if (!isVideoId(form, videoId))
    throw new UsageError(`${quote(videoId, ctx.redact)} is not a video id of provider "${ctx.profile.name}" (${describeVideoIdForm(form)})`);
  return videoId;
}

/**
 * vLLM-Omni answers the GET of a failed job with a non-2xx whose body is the job itself: that is
 * a Video in state `failed`, not an HTTP failure. Any other non-2xx is an error.
 */
async function readFailedJob(ctx: Context, ex: Exchange, videoId: string): Promise<Video> {
  const body = await readBody(ex);
  const video = tryParseVideo(ctx, body.json);
  if (video !== null && video.id === videoId && video.status === 'failed') return video;
  throw apiErrorOf(ex, body, ctx.redact, Date.now());
}

function tryParseVideo(ctx: Context, json: unknown): Video | null {
  try {
    return json === undefined ? null : parseVideo(json, ctx.profile.statusAliases, videoIdFormOf(ctx.profile));
  } catch {
    return null;
  }
}

/** The server's `openai-poll-after-ms`, clamped to the profile's floor and a minute. */
function pollAfterOf(ex: Exchange, profile: ProviderProfile): number | null {
  const raw = header(ex.headers, 'openai-poll-after-ms');
  if (raw === undefined || !/^\s*\d+\s*$/.test(raw)) return null;
  return Math.min(Math.max(Number(raw), profile.limits.minPollMs), POLL_AFTER_MAX_MS);
}

async function listVideos(ctx: Context, query: ListOptions, signal: AbortSignal): Promise<VideoList> {
  requireFeature(ctx, ctx.profile.features.list, 'listing videos', 'features.list: false');
  const url = videosUrl(ctx.endpoint, [], {
    ...ctx.profile.listQuery,
    limit: query.limit === undefined ? undefined : String(query.limit),
    order: query.order,
    after: query.after,
  });
  return idempotent(ctx, signal, async () => {
    const ex = await sendRequest(ctx.transport, { method: 'GET', url, headers: { accept: 'application/json' }, followRedirects: true }, signal);
    const json = await readJsonOk(ctx, ex);
    return parseOrThrow(ex, () => parseVideoList(json, ctx.profile.statusAliases, videoIdFormOf(ctx.profile)));
  });
}

/** Every video, page after page, within the limits (see `list-all.ts`). */
function listAllVideos(ctx: Context, query: ListAllOptions, signal: AbortSignal): AsyncGenerator<Video> {
  const tooLong = (limit: string): ListingTooLongError => new ListingTooLongError({ method: 'GET', path: pathOf(videosUrl(ctx.endpoint, [])) }, limit);
  return listAllPages((page) => listVideos(ctx, page, signal), query, tooLong);
}

async function deleteVideo(ctx: Context, videoId: string, signal: AbortSignal): Promise<void> {
  requireFeature(ctx, ctx.profile.features.delete, 'deleting videos', 'features.delete: false');
  const url = videosUrl(ctx.endpoint, [checkedId(ctx, videoId)]);
  await idempotent(ctx, signal, async () => {
    const ex = await sendRequest(ctx.transport, { method: 'DELETE', url, headers: { accept: 'application/json' } }, signal);
    const answered = ((await readJsonOk(ctx, ex)) as { id?: unknown } | null)?.id;
    if (typeof answered === 'string' && answered !== videoId)
      throw new ResponseFormatError(ex.call, ex.status, `answered about video ${quote(answered, ctx.redact)}, asked to delete ${videoId}`);
  });
}

async function listModels(ctx: Context, signal: AbortSignal): Promise<string[]> {
  const url = new URL(`${ctx.endpoint.base}/models`);
  return idempotent(ctx, signal, async () => {
    const ex = await sendRequest(ctx.transport, { method: 'GET', url, headers: { accept: 'application/json' }, followRedirects: true }, signal);
    const json = await readJsonOk(ctx, ex);
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new ResponseFormatError(ex.call, ex.status, 'expected a model list with a "data" array');
    // Server text, shown in messages (see parseVideo).
    return data.flatMap((item) => (typeof (item as { id?: unknown } | null)?.id === 'string' ? [ctx.redact((item as { id: string }).id)] : []));
  });
}

async function downloadContent(ctx: Context, videoId: string, variant: ContentVariant, destPath: string, opts: DownloadOptions): Promise<DownloadResult> {
  const variants = ctx.profile.features.contentVariants;
  requireFeature(ctx, variants.includes(variant), `the ${variant} variant`, `features.contentVariants: [${variants.join(', ')}]`);
  const kind = opts.expect ?? KIND_OF_VARIANT[variant];
  const maxBytes = opts.maxBytes ?? defaultByteLimit(kind);
  const url = videosUrl(ctx.endpoint, [checkedId(ctx, videoId), 'content'], { variant });
  // One deadline for the whole download, retries included: a body that trickles never goes idle.
  const deadline = withDeadline(signalOf(opts), ctx.downloadDeadlineMs, () => new TimeoutError({ method: 'GET', path: pathOf(url) }, ctx.downloadDeadlineMs));
  try {
    return await idempotent(ctx, deadline.signal, async () => {
      const ex = await sendRequest(
        ctx.transport,
        { method: 'GET', url, headers: { accept: `${MIME_OF_KIND[kind]}, */*;q=0.1` }, followRedirects: true },
        deadline.signal,
      );
      if (ex.status < 200 || ex.status >= 300) throw apiErrorOf(ex, await readBody(ex), ctx.redact, Date.now());
      if (ex.status !== 200) {
        discard(ex);
        throw new ResponseFormatError(ex.call, ex.status, 'expected 200 with the file');
      }
      return saveContent(ex, destPath, kind, ctx.redact, maxBytes);
    });
  } finally {
    deadline.clear();
  }
}

/** A signal that follows `parent` and also aborts, with `reason()`, after `ms`. */
function withDeadline(parent: AbortSignal, ms: number, reason: () => Error): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(reason()), ms);
  timer.unref();
  const unlink = onAbort(parent, () => controller.abort(parent.reason));
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      unlink();
    },
  };
}

const MIME_OF_KIND: Readonly<Record<ContentKind, string>> = { mp4: 'video/mp4', webp: 'image/webp', jpeg: 'image/jpeg' };

// ---- shared steps ----

/** Fails fast, before any request, when the profile says the server has no such endpoint. */
function requireFeature(ctx: Context, supported: boolean, what: string, setting: string): void {
  if (!supported) throw new UnsupportedFeatureError(ctx.profile.name, what, setting);
}

function idempotent<T>(ctx: Context, signal: AbortSignal, attempt: () => Promise<T>): Promise<T> {
  return withRetries(loopFor(ctx, true, signal), attempt);
}

function loopFor(ctx: Context, isIdempotent: boolean, signal: AbortSignal) {
  return { policy: ctx.policy, idempotent: isIdempotent, sleep: ctx.sleep, random: ctx.random, signal, onRetry: ctx.onRetry };
}

/** The JSON of a 2xx; a non-2xx becomes its typed `ApiError`. */
async function readJsonOk(ctx: Context, ex: Exchange): Promise<unknown> {
  const body = await readBody(ex);
  if (ex.status < 200 || ex.status >= 300) throw apiErrorOf(ex, body, ctx.redact, Date.now());
  return expectJson(ex, body, ctx.redact);
}

async function readVideo(ctx: Context, ex: Exchange): Promise<Video> {
  const json = await readJsonOk(ctx, ex);
  return parseOrThrow(ex, () => parseVideo(json, ctx.profile.statusAliases, videoIdFormOf(ctx.profile)));
}

function parseOrThrow<T>(ex: Exchange, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof VideoShapeError) throw new ResponseFormatError(ex.call, ex.status, error.message, { cause: error });
    throw error;
  }
}
