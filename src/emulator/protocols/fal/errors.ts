import type { ApiError } from '../../errors.js';
import { ProtocolError } from '../protocol.js';

/**
 * fal's two error shapes (reference §7): a model's `{"detail": [items]}` (422) or a plain
 * `{"detail": "…"}`, and the platform's infrastructure errors `{"detail", "error_type"}` with
 * the same type in `X-Fal-Error-Type`.
 */
export function detailError(status: number, detail: unknown, headers: Readonly<Record<string, string>> = {}): ProtocolError {
  return new ProtocolError(status, { detail }, headers);
}

export function infrastructureError(status: number, detail: string, errorType: string): ProtocolError {
  return new ProtocolError(status, { detail, error_type: errorType }, { 'x-fal-error-type': errorType });
}

/** Injected 5xx as the infrastructure errors of the table (500 and 502 are the emulator's choice of type); a 429 as a plain detail with `Retry-After`. */
export function fromApiError(error: ApiError): ProtocolError {
  if (error.status === 503) return infrastructureError(503, 'Runner scheduling failure', 'runner_scheduling_failure');
  if (error.status === 504) return infrastructureError(504, 'Request timed out', 'request_timeout');
  if (error.status >= 500) return infrastructureError(error.status, 'Internal server error', 'internal_server_error');
  if (error.status === 429) return detailError(429, 'Too many requests: try again later.', error.headers);
  return detailError(error.status, error.message, error.headers);
}

export function unmatched(): ProtocolError {
  return detailError(404, 'Not Found');
}
