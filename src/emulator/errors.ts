/**
 * The OpenAI error envelope and the exact messages of the real API (reference §9). Handlers
 * throw `ApiError`; the server turns it into `{"error":{message,type,param,code}}` with all
 * four keys present, because clients key off `type` and `code`, never the status alone.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers, e.g. `retry-after` on a 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function toEnvelope(error: ApiError): ErrorEnvelope {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`: the list style of OpenAI's "Supported values". */
export function quoteList(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 1) return quoted.join('');
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param, code);
}

/** `Invalid value: '10'. Supported values are: '4', '8', and '12'.` */
export function invalidValue(param: string, value: string, supported: readonly string[]): ApiError {
  return invalidRequest(`Invalid value: '${value}'. Supported values are: ${quoteList(supported)}.`, param, 'invalid_value');
}

export function invalidType(param: string, expected: string, found: unknown): ApiError {
  return invalidRequest(`Invalid type for '${param}': expected ${expected}, but got ${describeType(found)} instead.`, param, 'invalid_type');
}

export function missingParameter(param: string): ApiError {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

export function unknownParameter(param: string): ApiError {
  return invalidRequest(`Unknown parameter: '${param}'.`, param, 'unknown_parameter');
}

export function videoNotFound(id: string): ApiError {
  return new ApiError(404, `Video with id '${id}' not found.`, 'invalid_request_error', null, null);
}

export function invalidUrl(method: string, path: string): ApiError {
  return new ApiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null, null);
}

export function serverError(status: number): ApiError {
  return new ApiError(status, 'The server had an error while processing your request. Sorry about that!', 'server_error', null, null);
}

/** `a string`, `an integer`, `an object`: the article-and-noun style of OpenAI's type errors. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}
