import type { AttemptOutcome } from '../api/retry-policy.js';
import { serverDelayMs } from '../api/retry-policy.js';
import { truncate } from '../source/describe.js';
import { RemoteError } from './errors.js';
import type { Redactor } from './redact-credentials.js';

/**
 * An AWS SDK error as a `RemoteError`: the operation, the key, the service's error code and
 * status, and its message after redaction. The SDK error itself is not kept (not even as a
 * `cause`): its fields hold the access key id, the string that was signed, raw headers.
 */

interface SdkErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly headers?: Record<string, string | undefined> };
}

/** The HTTP status of an SDK error, if the service answered. */
export function statusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
}

/** The service's error code (`NoSuchKey`, `PreconditionFailed`, …) or the network error's code. */
export function errorCodeOf(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  return e.Code ?? e.code ?? e.name ?? 'Error';
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);

export function outcomeOfSdkError(error: unknown, nowMs = Date.now()): AttemptOutcome {
  const status = statusOf(error);
  const e = (error ?? {}) as SdkErrorShape;
  if (status !== undefined && status > 0) {
    const headers = e.$response?.headers ?? {};
    return {
      kind: 'status',
      status,
      serverCodes: [errorCodeOf(error)],
      shouldRetry: null,
      serverDelayMs: serverDelayMs({ retryAfterMs: headers['retry-after-ms'], retryAfter: headers['retry-after'] }, nowMs),
    };
  }
  const code = e.code ?? '';
  if (NOT_SENT.has(code)) return { kind: 'not-sent' };
  if (CONNECTION_LOST.has(code) || /socket hang up/i.test(e.message ?? '')) return { kind: 'connection-lost' };
  if (e.name === 'TimeoutError' || code === 'ETIMEDOUT' || e.name === 'RequestTimeout') return { kind: 'timeout' };
  return { kind: 'other' };
}

const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);

/** `op`: what was being done, e.g. `PUT blobs/sha256/ab/cd…`; `remote`: the store's description. */
export function s3Failure(remote: string, op: string, error: unknown, redact: Redactor): RemoteError {
  const status = statusOf(error);
  const code = errorCodeOf(error);
  // The SDK says `UnknownError` for a HEAD, which has no body to carry a message.
  const raw = (error as SdkErrorShape | null)?.message ?? '';
  const said = raw === '' || raw === 'UnknownError' ? '' : `: ${truncate(redact(raw).replace(/\s+/g, ' '), 200)}`;
  const where = `${op} on ${remote}`;
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(raw)) {
    return new RemoteError('remote-auth', `${where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`);
  }
  if (/Region is missing/i.test(raw)) return new RemoteError('remote-invalid', `${where}: no AWS region; set AWS_REGION`);
  const detail = `${redact(code)}${status === undefined ? '' : ` (HTTP ${status})`}${said}`;
  if (AUTH_CODES.has(code) || status === 403)
    return new RemoteError(
      'remote-auth',
      `${where}: refused: ${detail}; check the AWS credentials and their permissions on this bucket`,
      outcomeOfSdkError(error),
    );
  if (code === 'NoSuchBucket') return new RemoteError('remote-missing', `${where}: the bucket does not exist: ${detail}`);
  return new RemoteError('remote-io', `${where}: ${detail}`, outcomeOfSdkError(error));
}
