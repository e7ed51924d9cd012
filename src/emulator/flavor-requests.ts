import { createHash } from 'node:crypto';
import { ApiError, invalidRequest, invalidType, missingParameter } from './errors.js';
import { validateCreate, validatePrompt, type CreateRequest } from './create-request.js';
import { EXTRA_FIELD_TYPES, type Flavor } from './flavor.js';
import { readImageInfo } from './image-info.js';
import type { ModelTable } from './models.js';
import type { ParsedBody } from './request-body.js';
import { isUploadedFile } from './request-body.js';

/** A create as a flavor reads it: the contract's fields (Azure: `model` is the model behind the deployment), plus the extras the server takes. */
export interface FlavoredCreate extends CreateRequest {
  /** Extra fields as received (`seed`, ... or LiteLLM's `extra_body`); `null` when none. */
  readonly extra: Readonly<Record<string, string | number>> | null;
}

export interface FlavorSettings {
  /** vLLM-Omni: the one model the server serves. */
  readonly servedModel: string;
  /** Azure: deployment name → model. */
  readonly deployments: Readonly<Record<string, string>>;
}

/** Sizes an open model renders: any WIDTHxHEIGHT, in steps of 16 (what diffusion models and the encoder need), at most 1920. */
const OPEN_SIZE = /^([1-9]\d{1,3})x([1-9]\d{1,3})$/;
const OPEN_SECONDS = /^[1-9]\d{0,2}$/;

export function validateFlavoredCreate(flavor: Flavor, body: ParsedBody, table: ModelTable, guide2026: boolean, settings: FlavorSettings): FlavoredCreate {
  if (flavor.encodings === 'multipart' && body.encoding === 'json') {
    throw new ApiError(415, 'Unsupported Media Type: this server accepts multipart/form-data only.', 'invalid_request_error');
  }
  const fields = body.fields;
  switch (flavor.requests) {
    case 'sora':
      return { ...validateCreate(fields, table, guide2026), extra: null };
    case 'azure':
      return azureCreate(fields, table, guide2026, settings);
    case 'vllm-omni':
      return openCreate(fields, settings.servedModel, false, flatExtras(fields));
    case 'litellm':
      return openCreate(fields, null, true, extraBody(fields['extra_body']));
  }
}

/** `model` is the deployment name; the response says the model behind it. */
function azureCreate(fields: Readonly<Record<string, unknown>>, table: ModelTable, guide2026: boolean, settings: FlavorSettings): FlavoredCreate {
  const deployment = fields['model'];
  if (deployment === undefined) throw missingParameter('model');
  if (typeof deployment !== 'string') throw invalidType('model', 'a string', deployment);
  const model = Object.hasOwn(settings.deployments, deployment) ? settings.deployments[deployment]! : null;
  if (model === null) {
    throw new ApiError(
      404,
      `The API deployment '${deployment}' for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.`,
      'invalid_request_error',
      null,
      'DeploymentNotFound',
    );
  }
  return { ...validateCreate({ ...fields, model }, table, guide2026), extra: null };
}

/** vLLM-Omni and LiteLLM: any size in the model's steps, whole seconds; the model checked against what the server routes. */
function openCreate(
  fields: Readonly<Record<string, unknown>>,
  servedModel: string | null,
  modelRequired: boolean,
  extra: FlavoredCreate['extra'],
): FlavoredCreate {
  const prompt = validatePrompt(fields['prompt']);
  const model = fields['model'];
  if (model === undefined && modelRequired) throw missingParameter('model');
  if (model !== undefined && typeof model !== 'string') throw invalidType('model', 'a string', model);
  if (servedModel !== null && model !== undefined && model !== servedModel) {
    throw new ApiError(404, `The model \`${model}\` does not exist.`, 'NotFoundError', 'model', 'model_not_found');
  }
  const size = fields['size'] === undefined ? '832x480' : String(fields['size']);
  const match = OPEN_SIZE.exec(size);
  if (!match || Number(match[1]) % 16 !== 0 || Number(match[2]) % 16 !== 0 || Number(match[1]) > 1920 || Number(match[2]) > 1920) {
    throw invalidRequest(`Invalid size '${size}': expected WIDTHxHEIGHT with both sides multiples of 16, at most 1920.`, 'size', 'invalid_value');
  }
  const seconds = fields['seconds'] === undefined ? '4' : String(fields['seconds']);
  if (!OPEN_SECONDS.test(seconds)) throw invalidRequest(`Invalid seconds '${seconds}': expected a whole number of seconds.`, 'seconds', 'invalid_value');
  const reference = fields['input_reference'];
  let inputReference: CreateRequest['inputReference'] = null;
  if (reference !== undefined) {
    if (!isUploadedFile(reference)) throw invalidType('input_reference', 'a file', reference);
    const info = readImageInfo(reference.bytes);
    if (!info) throw invalidRequest("Invalid file format for 'input_reference'.", 'input_reference', 'invalid_image_format');
    // Open models resize the image to the output size: no exact-size rule here.
    inputReference = { format: info.format, sha256: createHash('sha256').update(reference.bytes).digest('hex'), bytes: reference.bytes };
  }
  const name = typeof model === 'string' ? model : (servedModel ?? 'unknown');
  // vLLM-Omni has no cast, and LiteLLM's OpenAI upstream forwards only the contract's create fields (reference §14): a cast is dropped.
  return { prompt, model: name, size, seconds, inputReference, characters: null, extra };
}

/** vLLM-Omni's flat form fields, typed as its request model types them. */
function flatExtras(fields: Readonly<Record<string, unknown>>): FlavoredCreate['extra'] {
  const extra: Record<string, string | number> = {};
  for (const [key, type] of Object.entries(EXTRA_FIELD_TYPES)) {
    const value = fields[key];
    if (value === undefined) continue;
    extra[key] = typedExtra(key, type, value);
  }
  return Object.keys(extra).length > 0 ? extra : null;
}

/** LiteLLM's `extra_body`: an object in JSON, a JSON string in a form. Top-level knobs are not forwarded upstream, so they are not kept. */
function extraBody(value: unknown): FlavoredCreate['extra'] {
  if (value === undefined) return null;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalidRequest('Invalid JSON in form field.', 'extra_body', 'invalid_value');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidType('extra_body', 'an object', parsed);
  const extra: Record<string, string | number> = {};
  for (const [key, item] of Object.entries(parsed)) {
    const type = EXTRA_FIELD_TYPES[key];
    extra[key] = type === undefined ? String(item) : typedExtra(`extra_body.${key}`, type, item);
  }
  return Object.keys(extra).length > 0 ? extra : null;
}

function typedExtra(param: string, type: 'int' | 'number' | 'string', value: unknown): string | number {
  if (type === 'string') {
    if (typeof value !== 'string') throw invalidType(param, 'a string', value);
    return value;
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || (type === 'int' && !Number.isInteger(n))) throw invalidType(param, type === 'int' ? 'an integer' : 'a number', value);
  return n;
}
