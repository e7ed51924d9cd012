import { request, type Dispatcher, type FormData } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { onAbort } from './abort-link.js';
import { checkTransport, pathOf, type Endpoint } from './endpoint.js';
import { NetworkError, ResponseFormatError, TimeoutError, TruncatedBodyError, type CallSite } from './errors.js';

/**
 * One HTTP exchange: headers (auth only to the configured origin), a deadline, redirects, and
 * undici's failures turned into shotlist's error types. No retries here (see `retry.ts`).
 */

export interface TransportOptions {
  readonly endpoint: Endpoint;
  readonly dispatcher: Dispatcher;
  /** Credential headers, sent only to `endpoint.origin`. */
  readonly authHeaders: Readonly<Record<string, string>>;
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  /**
   * Other hosts that are the provider's own and take its key (Gemini's download host, Replicate's
   * file host: gemini-veo.md §2, replicate.md §5); https only. Default: the endpoint's origin alone.
   */
  readonly authAlsoTo?: (url: URL) => boolean;
}

export type RequestBody = string | FormData;

export interface OutgoingRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestBody;
  /** Redirects are followed for GETs only: a POST is never re-sent somewhere else. */
  readonly followRedirects?: boolean;
}

export interface Exchange {
  readonly call: CallSite;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Dispatcher.ResponseData['body'];
  /**
   * Ends the headers-and-body deadline. Downloads call it once the headers are in and then rely
   * on the idle timeout between chunks, so a large file is not cut off at `timeoutMs`.
   */
  finish(): void;
  /** Turns an error met while reading `body` into a shotlist error (or the caller's abort reason). */
  classify(error: unknown, receivedBytes?: number): unknown;
}

/** Connection failures that happen before any byte of the request is written. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/** The connection broke or the server spoke garbage: the request may have been received. */
const CONNECTION_LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

class DeadlinePassed extends Error {}

export async function sendRequest(t: TransportOptions, req: OutgoingRequest, signal: AbortSignal): Promise<Exchange> {
  const call: CallSite = { method: req.method, path: pathOf(req.url) };
  const cancel = linkedAbort(signal, t.timeoutMs);
  const classify = (error: unknown, receivedBytes = 0): unknown =>
    classifyFailure(error, { call, signal, deadline: cancel.deadline, timeoutMs: t.timeoutMs, receivedBytes });
  try {
    const res = await followRedirects(t, req, cancel.signal, call);
    // The caller's signal stays linked until the body is done with, however it ends.
    res.body.once('close', cancel.unlink);
    return { call, status: res.statusCode, headers: res.headers, body: res.body, finish: cancel.endDeadline, classify };
  } catch (error) {
    cancel.unlink();
    throw error instanceof ResponseFormatError ? error : classify(error);
  }
}

/**
 * One signal for undici that fires on the caller's abort or at the deadline. Linked through
 * `onAbort` rather than with `AbortSignal.any`, so that a long-lived root signal (a whole watch
 * session) holds no reference to finished requests, and requests side by side share one listener.
 */
function linkedAbort(parent: AbortSignal, timeoutMs: number) {
  const controller = new AbortController();
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort();
    controller.abort(new DeadlinePassed());
  }, timeoutMs);
  timer.unref();
  const endDeadline = (): void => clearTimeout(timer);
  const unlinkParent = onAbort(parent, () => controller.abort(parent.reason));
  return {
    signal: controller.signal,
    deadline: deadline.signal,
    endDeadline,
    unlink: (): void => {
      endDeadline();
      unlinkParent();
    },
  };
}

async function followRedirects(t: TransportOptions, req: OutgoingRequest, signal: AbortSignal, call: CallSite): Promise<Dispatcher.ResponseData> {
  let url = req.url;
  for (let hop = 0; ; hop++) {
    const res = await request(url, {
      method: req.method,
      headers: headersFor(t, url, req.headers),
      body: req.body ?? null,
      signal,
      dispatcher: t.dispatcher,
      headersTimeout: t.timeoutMs,
      bodyTimeout: t.timeoutMs,
    });
    const location = header(res.headers, 'location');
    if (req.followRedirects !== true || !isRedirect(res.statusCode) || location === undefined) return res;
    await res.body.dump();
    if (hop >= t.maxRedirects) throw new ResponseFormatError(call, res.statusCode, `more than ${t.maxRedirects} redirects`);
    url = redirectTarget(url, location, t, call);
  }
}

function redirectTarget(from: URL, location: string, t: TransportOptions, call: CallSite): URL {
  const to = URL.canParse(location, from.href) ? new URL(location, from) : null;
  if (to === null || (to.protocol !== 'https:' && to.protocol !== 'http:')) {
    throw new ResponseFormatError(call, null, `redirected to an unusable location ${JSON.stringify(location.slice(0, 200))}`);
  }
  checkTransport(to, t.endpoint.allowInsecureHttp);
  return to;
}

function headersFor(t: TransportOptions, url: URL, extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  // A redirect to a CDN or a storage bucket must not receive the key.
  const own = url.origin === t.endpoint.origin || (url.protocol === 'https:' && t.authAlsoTo?.(url) === true);
  const auth = own ? t.authHeaders : {};
  return { 'user-agent': t.userAgent, ...extra, ...auth };
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Drops a body we will not read; its connection closes, and the abort it causes is nobody's error. */
export function discard(ex: Exchange): void {
  ex.finish();
  ex.body.on('error', () => undefined);
  ex.body.destroy();
}

/** First value of a response header. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface FailureContext {
  readonly call: CallSite;
  readonly signal: AbortSignal;
  readonly deadline: AbortSignal;
  readonly timeoutMs: number;
  readonly receivedBytes: number;
}

function classifyFailure(error: unknown, ctx: FailureContext): unknown {
  // The caller's own abort is not a failure of the server: hand back its reason untouched.
  if (ctx.signal.aborted) return ctx.signal.reason;
  if (ctx.deadline.aborted || error instanceof DeadlinePassed) return new TimeoutError(ctx.call, ctx.timeoutMs, { cause: error });
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new TimeoutError(ctx.call, ctx.timeoutMs, { cause: error });
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return new TruncatedBodyError(ctx.call, null, ctx.receivedBytes, { cause: error });
  }
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) {
    return new NetworkError(ctx.call, `could not connect (${code})`, true, { cause: error });
  }
  if (typeof code === 'string' && (CONNECTION_LOST_CODES.has(code) || code.startsWith('HPE_'))) {
    return new NetworkError(ctx.call, `connection lost (${(error as Error).message})`, false, { cause: error });
  }
  return error;
}
