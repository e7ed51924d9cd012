import { ShotlistError, UserError } from '../errors.js';

/**
 * Errors of the `/v1/videos` client. Each says what was called (method and path, never the
 * base URL's credentials nor the API key) and what came back. The API key is redacted from any
 * server text before it reaches a message.
 */

/** What was called: enough to say so in a message, nothing secret. */
export interface CallSite {
  readonly method: string;
  /** URL path and query, e.g. `/v1/videos/video_123/content?variant=video`. */
  readonly path: string;
}

/** A failure of the network or the server while talking to a provider. */
export class ProviderError extends ShotlistError {
  readonly method: string;
  readonly path: string;

  constructor(code: string, call: CallSite, message: string, options?: { cause?: unknown }) {
    super(code, `${call.method} ${call.path}: ${message}`, options);
    this.method = call.method;
    this.path = call.path;
  }
}

/** The server's error envelope (`{"error": {message, type, param, code}}`), as far as it was given. */
export interface ServerErrorBody {
  readonly message: string | null;
  readonly type: string | null;
  readonly param: string | null;
  /** The server's own code (`invalid_value`, `insufficient_quota`); vLLM-Omni sends an int, kept as text. */
  readonly code: string | null;
}

export interface ApiErrorDetails {
  readonly status: number;
  readonly body: ServerErrorBody;
  readonly requestId: string | null;
  /** The delay the server asked for (`retry-after-ms`, `retry-after`), uncapped; `null` if none. */
  readonly retryAfterMs: number | null;
  /** `x-should-retry: true|false`, or `null` when the server did not say. */
  readonly shouldRetry: boolean | null;
}

/** The server answered with a non-2xx status. */
export class ApiError extends ProviderError {
  readonly status: number;
  readonly serverMessage: string | null;
  readonly type: string | null;
  readonly param: string | null;
  /** The server's `error.code`; `code` is shotlist's own stable code. */
  readonly serverCode: string | null;
  readonly requestId: string | null;
  readonly retryAfterMs: number | null;
  readonly shouldRetry: boolean | null;

  constructor(call: CallSite, details: ApiErrorDetails, code = 'api-error') {
    super(code, call, describeApiError(details));
    this.status = details.status;
    this.serverMessage = details.body.message;
    this.type = details.body.type;
    this.param = details.body.param;
    this.serverCode = details.body.code;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
    this.shouldRetry = details.shouldRetry;
  }
}

function describeApiError(d: ApiErrorDetails): string {
  const tags = [d.body.type, d.body.code, d.body.param === null ? null : `param ${d.body.param}`].filter((t): t is string => t !== null).join(', ');
  const what = d.body.message ?? 'no error message in the response';
  return `HTTP ${d.status}: ${what}${tags === '' ? '' : ` (${tags})`}${d.requestId === null ? '' : ` [request ${d.requestId}]`}`;
}

/** 429. `insufficientQuota` (the account is out of money or credits) is never retried. */
export class RateLimitError extends ApiError {
  readonly insufficientQuota: boolean;

  constructor(call: CallSite, details: ApiErrorDetails, insufficientQuota: boolean) {
    super(call, details, insufficientQuota ? 'insufficient-quota' : 'rate-limited');
    this.insufficientQuota = insufficientQuota;
  }
}

/** 401 or 403: the key is missing, wrong, or not allowed to do this. */
export class AuthError extends ApiError {
  constructor(call: CallSite, details: ApiErrorDetails) {
    super(call, details, 'auth-failed');
  }
}

/** 404: no such video (deleted, expired, another server's id) or no such route on this server. */
export class NotFoundError extends ApiError {
  constructor(call: CallSite, details: ApiErrorDetails) {
    super(call, details, 'not-found');
  }
}

/** The connection failed. `beforeSend` is true only when nothing can have reached the server. */
export class NetworkError extends ProviderError {
  readonly beforeSend: boolean;

  constructor(call: CallSite, message: string, beforeSend: boolean, options?: { cause?: unknown }) {
    super('network', call, message, options);
    this.beforeSend = beforeSend;
  }
}

/** A fixed-length body ended early (`Content-Length` larger than what arrived). Retryable. */
export class TruncatedBodyError extends ProviderError {
  readonly expectedBytes: number | null;
  readonly receivedBytes: number;

  constructor(call: CallSite, expectedBytes: number | null, receivedBytes: number, options?: { cause?: unknown }) {
    const expected = expectedBytes === null ? 'the announced length' : `${expectedBytes} bytes`;
    super('truncated-body', call, `body ended after ${receivedBytes} bytes, expected ${expected}`, options);
    this.expectedBytes = expectedBytes;
    this.receivedBytes = receivedBytes;
  }
}

/** The per-request deadline passed (headers, or the body going idle). */
export class TimeoutError extends ProviderError {
  readonly timeoutMs: number;

  constructor(call: CallSite, timeoutMs: number, options?: { cause?: unknown }) {
    super('timeout', call, `no complete answer within ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A 2xx whose body is not what the protocol promises: not JSON, the wrong content type, too
 * large, a Video without an id, a download that is not an MP4. Never retried.
 */
export class ResponseFormatError extends ProviderError {
  readonly status: number | null;

  constructor(call: CallSite, status: number | null, message: string, options?: { cause?: unknown }) {
    super('bad-response', call, status === null ? message : `HTTP ${status}: ${message}`, options);
    this.status = status;
  }
}

/**
 * A list of videos that does not end: more pages or videos than shotlist follows (a server that
 * always answers `has_more` with a new cursor). Nothing listed can be trusted to be complete.
 */
export class ListingTooLongError extends ProviderError {
  constructor(call: CallSite, limit: string) {
    super('listing-too-long', call, `the list of videos goes on past ${limit}, the most shotlist follows; the server keeps answering has_more`);
  }
}

/** What a create or remix asked for, to match it against listed videos when reconciling. */
export interface CreateSummary {
  readonly kind: 'create' | 'remix' | 'edit' | 'extend' | 'character';
  readonly prompt: string;
  readonly model: string | null;
  readonly size: string | null;
  readonly seconds: string | null;
  /** For a remix, an edit or an extension: the source video. */
  readonly remixOf: string | null;
  readonly inputReference: { readonly fileName: string; readonly mimeType: string; readonly bytes: number } | null;
}

/**
 * A create or remix may or may not have started a (billable) job: the request may have reached
 * the server, but no usable answer came back (timeout after sending, connection reset, 5xx,
 * 408, a malformed 2xx, an abort in flight). It is never resent automatically; the caller lists
 * videos created since `attemptStartedAt` (minus clock skew) and adopts a match before
 * creating again.
 */
export class CreateOutcomeUnknownError extends ProviderError {
  readonly request: CreateSummary;
  /** Client clock, when the ambiguous attempt started. */
  readonly attemptStartedAt: Date;

  constructor(call: CallSite, request: CreateSummary, attemptStartedAt: Date, cause: unknown) {
    super(
      'create-outcome-unknown',
      call,
      `outcome unknown (${describeCause(cause)}); a video may have been created. ` +
        `Look for it among videos created since ${attemptStartedAt.toISOString()} before creating again`,
      { cause },
    );
    this.request = request;
    this.attemptStartedAt = attemptStartedAt;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof ProviderError) return cause.message.slice(cause.method.length + cause.path.length + 3);
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/** The profile says its servers lack this endpoint (`features.*`); nothing was sent. */
export class UnsupportedFeatureError extends ShotlistError {
  constructor(profileName: string, what: string, feature: string) {
    super('unsupported-by-provider', `provider "${profileName}" does not support ${what} (its profile sets ${feature})`);
  }
}

/** Plain `http://` to a host other than this machine, without the opt-in. */
export class InsecureHttpError extends UserError {
  constructor(origin: string) {
    super('insecure-http', `refusing plain HTTP to ${origin}: the API key and the videos would cross the network unencrypted`, {
      hint: 'use an https:// base URL, or pass --allow-insecure-http for a trusted network',
    });
  }
}
