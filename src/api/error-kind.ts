import {
  ApiError,
  AuthError,
  CreateOutcomeUnknownError,
  ListingTooLongError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ResponseFormatError,
  TimeoutError,
  TruncatedBodyError,
  UnsupportedFeatureError,
} from './errors.js';

/**
 * The one place that decides what a failed call means: for the client (may a create have
 * started a job?), the runner (does the run stop, does a poll try again, is a refusal a verdict
 * on the request?), gc and the embedded emulator's probe. Callers ask by kind, never by class
 * or status.
 */
export type ErrorKind =
  /** Nothing reached the server: the connection was refused, DNS failed, connect timed out. */
  | 'not-sent'
  /** 401 or 403: the key is missing, wrong, or not allowed. */
  | 'auth'
  /** 429 `insufficient_quota`: the account has no money or credits left. */
  | 'quota'
  /** 429 otherwise: refused for now, nothing was done. */
  | 'rate-limited'
  /** 409: refused for now (a state conflict on the server), nothing was done. */
  | 'conflict'
  /** 404: no such video (deleted, expired, another server's) or no such route. */
  | 'gone'
  /** Another 4xx: the server's verdict on the request itself. */
  | 'refused'
  /** 5xx or 408: the server took the request and failed to answer it; it may have acted. */
  | 'server-error'
  /** The request may have been written, and the answer was lost: a timeout, a connection that broke. */
  | 'lost'
  /** A body shorter than its `Content-Length`. */
  | 'truncated'
  /** A 2xx that is not what the protocol promises (not JSON, not a Video, another video's id), or a listing that never ends. */
  | 'bad-response'
  /** A create or remix that may have started a job: the caller looks for it before creating again. */
  | 'maybe-created'
  /** The protocol or the provider's profile lacks the capability; nothing was sent. */
  | 'unsupported'
  /** Not a failure of the server that shotlist understands (a bug, an abort's reason, an odd status): never retried. */
  | 'unknown';

export function classifyError(error: unknown): ErrorKind {
  if (error instanceof CreateOutcomeUnknownError) return 'maybe-created';
  if (error instanceof UnsupportedFeatureError) return 'unsupported';
  if (error instanceof NetworkError) return error.beforeSend ? 'not-sent' : 'lost';
  if (error instanceof TimeoutError) return 'lost';
  if (error instanceof TruncatedBodyError) return 'truncated';
  if (error instanceof ResponseFormatError || error instanceof ListingTooLongError) return 'bad-response';
  if (error instanceof ApiError) return kindOfStatus(error);
  return 'unknown';
}

function kindOfStatus(error: ApiError): ErrorKind {
  if (error instanceof AuthError) return 'auth';
  if (error instanceof NotFoundError) return 'gone';
  if (error instanceof RateLimitError) return error.insufficientQuota ? 'quota' : 'rate-limited';
  if (error.status === 409) return 'conflict';
  if (error.status === 408 || error.status >= 500) return 'server-error';
  if (error.status >= 400 && error.status < 500) return 'refused';
  return 'unknown';
}

/**
 * Failures that may nonetheless have started a job when a create met them: the request may have
 * reached the server and no usable answer came back. (A truncated body is not among them, as
 * before this module: see the lane report.)
 */
const MAY_HAVE_CREATED: ReadonlySet<ErrorKind> = new Set(['server-error', 'lost', 'bad-response']);

/** Failures that do not depend on the job: every job would meet the same, so a run stops. */
const SERVER_UNUSABLE: ReadonlySet<ErrorKind> = new Set(['not-sent', 'auth', 'quota']);

/** Failures that say nothing about the job asked about: asked again later, they may pass. */
export const TRANSIENT_KINDS: readonly ErrorKind[] = ['rate-limited', 'conflict', 'server-error', 'lost', 'truncated'];

/** Whether the failure says nothing about what was asked: asked again later, it may pass. */
export function isTransient(error: unknown): boolean {
  return TRANSIENT_KINDS.includes(classifyError(error));
}

/** Whether a create that failed so may have started a (billable) job on the server. */
export function mayHaveCreated(error: unknown): boolean {
  return MAY_HAVE_CREATED.has(classifyError(error));
}

/** Whether the server cannot be used at all: nothing answers, it refuses the key, or the account is out of quota. */
export function isServerUnusable(error: unknown): boolean {
  return SERVER_UNUSABLE.has(classifyError(error));
}

/**
 * Whether a refused create is the server's verdict on the request itself, so that the same
 * request would be refused again: a 4xx other than those worth another try (408, 409, 429), a
 * missing or refused key (the run stops on those anyway) and a 404 (the video to remix is gone:
 * its parent renders anew, which changes the request). Any refusal the server marks
 * `x-should-retry: true` is a mishap, worth another try.
 *
 * A job that fails after the server accepted it is judged by its code instead (see
 * `isDeterministicFailure` in lockfile.ts: `moderation_blocked` is a verdict, `internal_error` is not).
 */
export function isVerdictOnRequest(error: unknown): boolean {
  return classifyError(error) === 'refused' && (error as ApiError).shouldRetry !== true;
}
