import type { IncomingMessage } from 'node:http';
import { ApiError, invalidRequest } from './errors.js';

/** A file part of a multipart body. */
export interface UploadedFile {
  readonly kind: 'file';
  readonly bytes: Uint8Array;
  readonly type: string;
  readonly name: string;
}

/** A request body decoded into fields, whatever its encoding (the API accepts JSON and multipart on every POST). */
export interface ParsedBody {
  readonly encoding: 'json' | 'form' | 'empty';
  readonly fields: Readonly<Record<string, unknown>>;
}

/** image_url may be 20,971,520 characters; leave room for the multipart framing around it. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'file';
}

export async function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) {
      throw new ApiError(413, `Request body too large: the limit is ${limit} bytes.`, 'invalid_request_error');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function parseBody(contentType: string | undefined, bytes: Buffer): Promise<ParsedBody> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (bytes.length === 0 && type !== 'multipart/form-data') return { encoding: 'empty', fields: {} };
  if (type === 'application/json' || type === '') return { encoding: 'json', fields: parseJson(bytes) };
  if (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded') {
    return { encoding: 'form', fields: await parseForm(contentType ?? '', bytes) };
  }
  throw invalidRequest(`Unsupported content type '${type}'. Send application/json or multipart/form-data.`, null, 'unsupported_content_type');
}

const JSON_PARSE_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

function parseJson(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidRequest(JSON_PARSE_MESSAGE);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** undici's `Request.formData()` parses multipart and urlencoded bodies; no hand-rolled parser. */
async function parseForm(contentType: string, bytes: Buffer): Promise<Record<string, unknown>> {
  let form: FormData;
  try {
    form = await new Request('http://emulator.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: bytes,
    }).formData();
  } catch {
    throw invalidRequest('Could not parse the multipart/form-data body of your request.');
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    setBracketed(fields, bracketPath(key), typeof value === 'string' ? value : await toUploadedFile(value));
  }
  return fields;
}

async function toUploadedFile(file: File): Promise<UploadedFile> {
  return { kind: 'file', bytes: new Uint8Array(await file.arrayBuffer()), type: file.type, name: file.name };
}

/** `input_reference[image_url]` → `['input_reference', 'image_url']`; `characters[][id]` → `['characters', '', 'id']`. */
export function bracketPath(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return [key];
  const rest = [...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1] ?? '');
  return [match[1] ?? key, ...rest];
}

/**
 * Places a value at a bracket path, the way the SDKs flatten nested objects into form keys:
 * `[name]` is an object key, `[]` appends to an array (a new element when the last one
 * already holds the next key).
 */
export function setBracketed(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  if (rest[0] === '') {
    const list = Array.isArray(target[head]) ? (target[head] as unknown[]) : [];
    target[head] = list;
    appendToList(list, rest.slice(1), value);
    return;
  }
  const child = isPlainObject(target[head]) ? (target[head] as Record<string, unknown>) : {};
  target[head] = child;
  setBracketed(child, rest, value);
}

function appendToList(list: unknown[], path: readonly string[], value: unknown): void {
  const key = path[0];
  if (key === undefined) {
    list.push(value);
    return;
  }
  const last = list[list.length - 1];
  const element = isPlainObject(last) && !(key in last) ? last : {};
  if (element !== last) list.push(element);
  setBracketed(element, path, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isUploadedFile(value);
}
