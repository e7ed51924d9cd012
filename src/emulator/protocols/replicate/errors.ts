import type { ApiError } from '../../errors.js';
import { ProtocolError } from '../protocol.js';

/** RFC 7807 problem details, `{title, detail, status}` (reference §7). */
export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Readonly<Record<string, string>> = {},
): ProtocolError {
  return new ProtocolError(status, { title, detail, status, ...extra }, headers);
}

/** A 429 is `{"detail": "Request was throttled. …"}` with `Retry-After` (reference §7, quoted); 5xx and the rest as problem details. */
export function fromApiError(error: ApiError): ProtocolError {
  if (error.status === 429) {
    const seconds = Number(error.headers['retry-after'] ?? 30);
    const headers = error.headers['retry-after'] === undefined ? {} : { 'retry-after': error.headers['retry-after'] };
    return new ProtocolError(429, { detail: `Request was throttled. Your rate limit resets in ~${seconds}s.` }, headers);
  }
  if (error.status >= 500) return problem(error.status, 'Internal Server Error', 'An unexpected error occurred. Please try again.');
  return problem(error.status, 'Bad Request', error.message);
}

export function notFound(): ProtocolError {
  return problem(404, 'Not found', 'The requested resource could not be found.');
}
