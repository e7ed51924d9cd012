import { Agent } from 'undici';
import { UsageError } from '../errors.js';
import { videoIdFormOf, type ProviderProfile } from '../providers/profile.js';
import { describeVideoIdForm, isVideoId } from '../providers/video-id.js';
import { redact, rememberSecrets } from '../untrusted/redactor.js';
import type { JobToMap, MappingRefusal } from '../providers/mapping/job-request.js';
import { onAbort } from './abort-link.js';
import { defaultByteLimit, DOWNLOAD_LIMITS, saveContent, type DownloadResult } from './download.js';
import { checkTransport, isLoopback, pathOf, resolveEndpoint, type Endpoint } from './endpoint.js';
import { mayHaveCreated } from './error-kind.js';
import { CreateOutcomeUnknownError, ResponseFormatError, TimeoutError, type CreateSummary } from './errors.js';
import type { VideosClientOptions } from './openai-videos/client.js';
import { summarizeCreate, type CreateRequest } from './openai-videos/request-body.js';
import { apiErrorOf, expectJson, quote, readBody, type Redact } from './openai-videos/response.js';
import type { DownloadOptions } from './protocol.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry-policy.js';
import { abortableSleep, withRetries, type RetryInfo, type Sleep } from './retry.js';
import { discard, sendRequest, type Exchange, type TransportOptions } from './transport.js';
import { VideoShapeError } from './video.js';

/**
 * What the job APIs other than `/v1/videos` (Gemini, fal, Replicate) share: one transport per
 * client with its key only to the provider's own hosts, the retry policy, creates that are never
 * re-sent once they may have reached the server, bounded JSON, the redaction of server text, and
 * downloads of result URLs that a server named (untrusted: checked before anything is fetched).
 */

export interface KitContext {
  readonly profile: ProviderProfile;
  readonly endpoint: Endpoint;
  readonly transport: TransportOptions;
  readonly policy: RetryPolicy;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
  readonly redact: Redact;
  readonly downloadDeadlineMs: number;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 5;

/** A client's context: `authHeaders` go to the base URL's origin, and to the hosts `authAlsoTo` accepts (https only). */
export function kitContext(opts: VideosClientOptions, authHeaders: Readonly<Record<string, string>>, authAlsoTo?: (url: URL) => boolean): KitContext {
  const endpoint = resolveEndpoint(opts.baseUrl, opts.allowInsecureHttp ?? false);
  const own = opts.dispatcher === undefined ? new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 10_000 } }) : null;
  return {
    profile: opts.profile,
    endpoint,
    transport: {
      endpoint,
      dispatcher: opts.dispatcher ?? (own as Agent),
      authHeaders: opts.apiKey === null ? {} : authHeaders,
      userAgent: opts.userAgent ?? 'shotlist',
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRedirects: MAX_REDIRECTS,
      ...(authAlsoTo ? { authAlsoTo } : {}),
    },
    policy: opts.retry ?? defaultRetryPolicy,
    sleep: opts.sleep ?? abortableSleep,
    random: opts.random ?? Math.random,
    onRetry: opts.onRetry,
    redact: redactorFor(opts.apiKey),
    downloadDeadlineMs: opts.downloadDeadlineMs ?? DOWNLOAD_LIMITS.deadlineMs,
    close: async () => {
      await own?.close();
    },
  };
}

/** The process's redactor, which knows this key from now on; a short key is still never quoted back. */
function redactorFor(apiKey: string | null): Redact {
  rememberSecrets([apiKey], true);
  if (apiKey === null || apiKey === '') return (text) => redact(text);
  return (text) => redact(text.split(apiKey).join('[redacted]'));
}

export function signalOf(o: { readonly signal?: AbortSignal } | undefined): AbortSignal {
  return o?.signal ?? new AbortController().signal;
}

/** A GET, DELETE or PUT that may be sent again: retried per the policy. */
export function idempotent<T>(ctx: KitContext, signal: AbortSignal, attempt: () => Promise<T>): Promise<T> {
  return withRetries({ policy: ctx.policy, idempotent: true, sleep: ctx.sleep, random: ctx.random, signal, onRetry: ctx.onRetry }, attempt);
}

/**
 * Posts a create. No protocol here takes an idempotency key (gemini-veo.md §10, fal-queue.md
 * §11, replicate.md §10), so it is retried only when it surely created nothing (a connection
 * never made, a 429); any answer that may hide a started, billable job throws
 * `CreateOutcomeUnknownError` for the runner to reconcile or to record as unknown.
 */
export async function postCreate<T>(
  ctx: KitContext,
  url: URL,
  body: string,
  summary: CreateSummary,
  signal: AbortSignal,
  read: (ex: Exchange) => Promise<T>,
  headers: Readonly<Record<string, string>> = {},
): Promise<T> {
  signal.throwIfAborted();
  let startedAt = new Date();
  let abortedInFlight = false;
  const attempt = async (): Promise<T> => {
    startedAt = new Date();
    try {
      const ex = await sendRequest(
        ctx.transport,
        { method: 'POST', url, headers: { accept: 'application/json', 'content-type': 'application/json', ...headers }, body },
        signal,
      );
      return await read(ex);
    } catch (error) {
      abortedInFlight = signal.aborted && error === signal.reason;
      throw error;
    }
  };
  try {
    return await withRetries({ policy: ctx.policy, idempotent: false, sleep: ctx.sleep, random: ctx.random, signal, onRetry: ctx.onRetry }, attempt);
  } catch (error) {
    if (abortedInFlight || (!signal.aborted && mayHaveCreated(error))) {
      throw new CreateOutcomeUnknownError({ method: 'POST', path: pathOf(url) }, summary, startedAt, error);
    }
    throw error;
  }
}

/** The create as messages and the ambiguous-create error describe it (as for `/v1/videos`). */
export const summaryOf = summarizeCreate;

/** The JSON of a 2xx; a non-2xx becomes its typed `ApiError` (the envelope read as `apiErrorOf` reads them all). */
export async function readJsonOk(ctx: KitContext, ex: Exchange): Promise<unknown> {
  const body = await readBody(ex);
  if (ex.status < 200 || ex.status >= 300) throw apiErrorOf(ex, body, ctx.redact, Date.now());
  return expectJson(ex, body, ctx.redact);
}

/** A GET of JSON, retried per the policy. */
export function getJson(ctx: KitContext, url: URL, signal: AbortSignal): Promise<{ json: unknown; ex: Exchange }> {
  return idempotent(ctx, signal, async () => {
    const ex = await sendRequest(ctx.transport, { method: 'GET', url, headers: { accept: 'application/json' }, followRedirects: true }, signal);
    return { json: await readJsonOk(ctx, ex), ex };
  });
}

/** Runs a parse of server JSON; a shape it refuses is the server's `ResponseFormatError`. */
export function parsed<T>(ex: Exchange, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof VideoShapeError) throw new ResponseFormatError(ex.call, ex.status, error.message, { cause: error });
    throw error;
  }
}

/**
 * A video id about to go into a URL path has the profile's form: ids from servers and lockfiles
 * are untrusted, and one that is not of the form could steer a path.
 */
export function checkedId(ctx: KitContext, videoId: string): string {
  const form = videoIdFormOf(ctx.profile);
  if (!isVideoId(form, videoId))
    throw new UsageError(`${quote(videoId, ctx.redact)} is not a video id of provider "${ctx.profile.name}" (${describeVideoIdForm(form)})`);
  return videoId;
}

/**
 * A result URL a server named: https, or plain http only to this machine when the base URL is
 * this machine too (the emulator). No credentials in it. Checked before anything is fetched.
 */
export function resultUrl(ctx: KitContext, raw: string, call: Exchange['call']): URL {
  const url = URL.canParse(raw) ? new URL(raw) : null;
  const localBase = isLoopback(new URL(ctx.endpoint.base).hostname);
  const fine =
    url !== null &&
    url.username === '' &&
    url.password === '' &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && ((localBase && isLoopback(url.hostname)) || ctx.endpoint.allowInsecureHttp)));
  if (!fine) throw new ResponseFormatError(call, null, `the result URL ${quote(JSON.stringify(raw.slice(0, 200)), ctx.redact)} is not an https URL`);
  checkTransport(url, ctx.endpoint.allowInsecureHttp);
  return url;
}

/**
 * Streams a result file to `destPath` within the byte limit, the redirects bounded as every GET
 * is, and one deadline for the whole download, retries included.
 */
export async function downloadUrl(ctx: KitContext, url: URL, destPath: string, opts: DownloadOptions): Promise<DownloadResult> {
  const kind = opts.expect ?? 'mp4';
  const maxBytes = opts.maxBytes ?? defaultByteLimit(kind);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError({ method: 'GET', path: pathOf(url) }, ctx.downloadDeadlineMs)), ctx.downloadDeadlineMs);
  timer.unref();
  const parent = signalOf(opts);
  const unlink = onAbort(parent, () => controller.abort(parent.reason));
  try {
    return await idempotent(ctx, controller.signal, async () => {
      const ex = await sendRequest(
        ctx.transport,
        { method: 'GET', url, headers: { accept: 'video/mp4, */*;q=0.1' }, followRedirects: true },
        controller.signal,
      );
      if (ex.status < 200 || ex.status >= 300) throw apiErrorOf(ex, await readBody(ex), ctx.redact, Date.now());
      if (ex.status !== 200) {
        discard(ex);
        throw new ResponseFormatError(ex.call, ex.status, 'expected 200 with the file');
      }
      return saveContent(ex, destPath, kind, ctx.redact, maxBytes);
    });
  } finally {
    clearTimeout(timer);
    unlink();
  }
}

/** Server text fit for a message or the lockfile: redacted, cut short. */
export function serverText(ctx: KitContext, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return quote(typeof value === 'string' ? value : JSON.stringify(value), ctx.redact);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A create in the storyboard's terms, as the protocol mappings take it (providers/mapping/): the
 * model defaulted, seconds as text. A job the mapping refuses was not validated (validation
 * refuses each of these first, located); it fails with nothing sent.
 */
export function mapped<T>(ctx: KitContext, req: CreateRequest, map: (profile: ProviderProfile, job: JobToMap) => T | { readonly refusal: MappingRefusal }): T {
  // Booleans stay booleans (`generate_audio: false`): the models' schemas type them so.
  const extra = { ...req.extra };
  const job: JobToMap = {
    prompt: req.prompt,
    model: req.model ?? ctx.profile.defaultModel ?? '',
    size: req.size ?? ctx.profile.defaults.size,
    seconds: req.seconds === undefined ? ctx.profile.defaults.seconds : String(req.seconds),
    extra: Object.keys(extra).length > 0 ? extra : null,
    image: req.inputReference ? { mimeType: req.inputReference.mimeType, bytes: req.inputReference.bytes } : null,
  };
  const result = map(ctx.profile, job);
  if (isRecord(result) && 'refusal' in result) {
    const { refusal } = result as { refusal: MappingRefusal };
    throw new UsageError(`${refusal.message} (${refusal.code}); nothing was sent`);
  }
  return result as T;
}
