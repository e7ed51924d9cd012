import { ApiError, AuthError, NotFoundError, RateLimitError, ResponseFormatError, type ApiErrorDetails, type ServerErrorBody } from '../errors.js';
import { serverDelayMs } from '../retry-policy.js';
import { discard, header, type Exchange } from '../transport.js';

/**
 * Reading what a `/v1/videos` server answered: bounded JSON bodies, and the error envelope of a
 * non-2xx turned into the matching `ApiError` subclass.
 */

/** JSON answers are small (a Video, a page of 100); anything bigger is not a Video. */
export const MAX_JSON_BYTES = 1024 * 1024;
/** Server text quoted in a message is cut here. */
const MAX_QUOTED_CHARS = 500;

/** Removes secrets (the API key) from text a server sent back, before it reaches a message. */
export type Redact = (text: string) => string;

export interface ReadBody {
  readonly text: string;
  /** Parsed JSON, or `undefined` when the body is not JSON. */
  readonly json: unknown;
  readonly tooLarge: boolean;
}

/** Reads at most `MAX_JSON_BYTES`; a longer body is cut off and its connection dropped. */
export async function readBody(ex: Exchange): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of ex.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) {
        tooLarge = true;
        discard(ex);
        break;
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw ex.classify(error, size);
  } finally {
    ex.finish();
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return { text, json: tooLarge ? undefined : tryParse(text), tooLarge };
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The JSON of a 2xx, or a `ResponseFormatError` saying what was wrong with it. */
export function expectJson(ex: Exchange, body: ReadBody, redact: Redact): unknown {
  const type = header(ex.headers, 'content-type');
  if (body.tooLarge) throw new ResponseFormatError(ex.call, ex.status, `JSON body larger than ${MAX_JSON_BYTES} bytes`);
  if (type !== undefined && !isJsonType(type)) {
    throw new ResponseFormatError(ex.call, ex.status, `expected JSON, got content-type ${quote(type, redact)}: ${quote(body.text, redact)}`);
  }
  if (body.json === undefined) throw new ResponseFormatError(ex.call, ex.status, `body is not JSON: ${quote(body.text, redact)}`);
  return body.json;
}

function isJsonType(contentType: string): boolean {
  const mime = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mime === 'application/json' || mime.endsWith('+json');
}

/** The typed error for a non-2xx answer. */
export function apiErrorOf(ex: Exchange, body: ReadBody, redact: Redact, nowMs: number): ApiError {
  const details: ApiErrorDetails = {
    status: ex.status,
    body: errorBodyOf(body, redact),
    requestId: requestIdOf(ex, redact),
    retryAfterMs: serverDelayMs({ retryAfterMs: header(ex.headers, 'retry-after-ms'), retryAfter: header(ex.headers, 'retry-after') }, nowMs),
    shouldRetry: parseShouldRetry(header(ex.headers, 'x-should-retry')),
  };
  if (ex.status === 401 || ex.status === 403) return new AuthError(ex.call, details);
  if (ex.status === 404) return new NotFoundError(ex.call, details);
  if (ex.status === 429) return new RateLimitError(ex.call, details, isQuotaExhausted(details.body));
  return new ApiError(ex.call, details);
}

/** The server's request id, quoted in messages: a header is server text like any other. */
function requestIdOf(ex: Exchange, redact: Redact): string | null {
  const id = header(ex.headers, 'x-request-id') ?? header(ex.headers, 'apim-request-id');
  return id === undefined ? null : quote(id, redact);
}

function parseShouldRetry(raw: string | undefined): boolean | null {
  const v = raw?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : null;
}

export function isQuotaExhausted(body: ServerErrorBody): boolean {
  return body.code === 'insufficient_quota' || body.type === 'insufficient_quota';
}

/**
 * OpenAI's envelope `{"error": {message, type, param, code}}`; also Azure's `{error: {code,
 * message}}`, FastAPI's `{"detail": ...}`, a bare `{"message"}`, or text (a proxy's HTML page).
 */
function errorBodyOf(body: ReadBody, redact: Redact): ServerErrorBody {
  const json = body.json;
  const envelope = isRecord(json) ? (isRecord(json['error']) ? json['error'] : json) : undefined;
  if (envelope === undefined) {
    const text = body.text.trim();
    return { message: text === '' ? null : quote(text, redact), type: null, param: null, code: null };
  }
  const message = envelope['message'] ?? envelope['detail'] ?? (isRecord(json) ? json['error'] : undefined);
  return {
    message: message === undefined || message === null ? null : quote(asText(message), redact),
    type: optionalText(envelope['type'], redact),
    param: optionalText(envelope['param'], redact),
    code: optionalText(envelope['code'], redact),
  };
}

function optionalText(v: unknown, redact: Redact): string | null {
  return typeof v === 'string' || typeof v === 'number' ? quote(String(v), redact) : null;
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Server text fit for a message: secrets removed, cut short. */
export function quote(text: string, redact: Redact): string {
  const clean = redact(text);
  return clean.length > MAX_QUOTED_CHARS ? `${clean.slice(0, MAX_QUOTED_CHARS)}…` : clean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
