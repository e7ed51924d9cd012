import type { ApiError } from '../../errors.js';
import { ProtocolError } from '../protocol.js';

/**
 * Google's JSON error envelope, `{"error": {"code": 400, "message": "…", "status":
 * "INVALID_ARGUMENT"}}` (reference §7). The status names are google.rpc.Code's; the messages
 * are Google's where the reference quotes one, the emulator's own (and marked so) elsewhere.
 */
const STATUS_OF: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleError(code: number, message: string, headers: Readonly<Record<string, string>> = {}): ProtocolError {
  return new ProtocolError(code, { error: { code, message, status: STATUS_OF[code] ?? 'UNKNOWN' } }, headers);
}

export function invalidArgument(message: string): ProtocolError {
  return googleError(400, message);
}

/** The shared errors (limits, injected faults) in Google's words: a 429 is RESOURCE_EXHAUSTED, a 5xx INTERNAL or UNAVAILABLE. */
export function fromApiError(error: ApiError): ProtocolError {
  if (error.status === 429) return googleError(429, 'Resource has been exhausted (e.g. check quota).', error.headers);
  if (error.status === 503) return googleError(503, 'The service is currently unavailable.');
  if (error.status >= 500)
    return googleError(error.status, 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
  return googleError(error.status, error.message, error.headers);
}

/** Not a route of the Gemini API (no list, cancel or delete of operations): 404, as Google answers an unknown path. */
export function unmatched(method: string, pathname: string): ProtocolError {
  return googleError(404, `Method not found: ${method} ${pathname}.`);
}
