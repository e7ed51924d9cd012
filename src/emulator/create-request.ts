import { createHash } from 'node:crypto';
import { validateCast, type CastRequest } from './cast-request.js';
import { invalidRequest, invalidType, invalidValue, missingParameter, unknownParameter } from './errors.js';
import { readImageInfo, type ImageFormat } from './image-info.js';
import { DEFAULT_MODEL, DEFAULT_SECONDS, DEFAULT_SIZE, parseSize, type ModelTable } from './models.js';
import { isUploadedFile } from './request-body.js';

/** A create request after validation: defaults filled, `seconds` a string, the image checked. */
export interface CreateRequest {
  prompt: string;
  model: string;
  size: string;
  seconds: string;
  inputReference: InputReference | null;
  /** guide-2026 mode: the characters cast (at most 2), still to be looked up; null when none. */
  characters: CastRequest | null;
}

export interface InputReference {
  format: ImageFormat;
  sha256: string;
  bytes: Uint8Array;
}

export const MAX_PROMPT_LENGTH = 32_000;
const MAX_IMAGE_URL_LENGTH = 20_971_520;
const CREATE_FIELDS = ['prompt', 'model', 'seconds', 'size', 'input_reference'];
/** The March-2026 guide's character fields: accepted only in guide-2026 mode (decision 7). */
const GUIDE_2026_FIELDS = ['characters', 'character_ids'];

/**
 * Validates a create body field by field in the order the API reports them, throwing the
 * first problem as an `ApiError` with the real API's message.
 */
export function validateCreate(fields: Readonly<Record<string, unknown>>, table: ModelTable, guide2026: boolean): CreateRequest {
  rejectUnknown(fields, guide2026 ? [...CREATE_FIELDS, ...GUIDE_2026_FIELDS] : CREATE_FIELDS);
  const prompt = validatePrompt(fields.prompt);
  const model = validateEnum('model', fields.model, DEFAULT_MODEL, table.models);
  const seconds = validateSeconds(fields.seconds, table.seconds);
  const size = validateEnum('size', fields.size, DEFAULT_SIZE, table.sizesFor(model));
  const inputReference = validateInputReference(fields.input_reference, size);
  const characters = guide2026 ? validateCast(fields) : null;
  return { prompt, model, size, seconds, inputReference, characters };
}

/** A remix body holds only a prompt: model, size and seconds come from the source video. */
export function validateRemix(fields: Readonly<Record<string, unknown>>): { prompt: string } {
  rejectUnknown(fields, ['prompt']);
  return { prompt: validatePrompt(fields.prompt) };
}

export function rejectUnknown(fields: Readonly<Record<string, unknown>>, allowed: readonly string[]): void {
  const unknown = Object.keys(fields).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw unknownParameter(unknown);
}

export function validatePrompt(value: unknown): string {
  if (value === undefined) throw missingParameter('prompt');
  if (typeof value !== 'string') throw invalidType('prompt', 'a string', value);
  if (value.length === 0) {
    throw invalidRequest(
      "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string instead.",
      'prompt',
      'string_below_min_length',
    );
  }
  if (value.length > MAX_PROMPT_LENGTH) {
    throw invalidRequest(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${MAX_PROMPT_LENGTH}, but got a string with length ${value.length} instead.`,
      'prompt',
      'string_above_max_length',
    );
  }
  return value;
}

export function validateEnum(param: string, value: unknown, fallback: string, allowed: readonly string[]): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw invalidType(param, 'a string', value);
  if (!allowed.includes(value)) throw invalidValue(param, value, allowed);
  return value;
}

/** `seconds` is a string in the contract; JSON clients often send a number, which is accepted. */
export function validateSeconds(value: unknown, allowed: readonly string[]): string {
  if (typeof value === 'number' && Number.isFinite(value)) return validateEnum('seconds', String(value), DEFAULT_SECONDS, allowed);
  return validateEnum('seconds', value, DEFAULT_SECONDS, allowed);
}

function validateInputReference(value: unknown, size: string): InputReference | null {
  if (value === undefined) return null;
  if (typeof value === 'string') throw invalidType('input_reference', 'a file', value);
  if (isUploadedFile(value)) return validateImage(value.bytes, size);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidType('input_reference', 'a file', value);
  }
  return validateImage(resolveReferenceObject(value as Record<string, unknown>), size);
}

/** `{image_url}` or `{file_id}`, exactly one. The emulator has no Files API and fetches no URLs. */
function resolveReferenceObject(reference: Record<string, unknown>): Uint8Array {
  const unknown = Object.keys(reference).find((key) => key !== 'image_url' && key !== 'file_id');
  if (unknown !== undefined) throw unknownParameter(`input_reference.${unknown}`);
  const { image_url: imageUrl, file_id: fileId } = reference;
  if ((imageUrl === undefined) === (fileId === undefined)) {
    throw invalidRequest("Invalid 'input_reference': provide exactly one of 'image_url' or 'file_id'.", 'input_reference', 'invalid_value');
  }
  if (fileId !== undefined) {
    if (typeof fileId !== 'string') throw invalidType('input_reference.file_id', 'a string', fileId);
    throw invalidRequest(`No such File object: ${fileId}`, 'input_reference.file_id', null);
  }
  return decodeImageUrl(imageUrl);
}

function decodeImageUrl(imageUrl: unknown): Uint8Array {
  if (typeof imageUrl !== 'string') throw invalidType('input_reference.image_url', 'a string', imageUrl);
  if (imageUrl.length > MAX_IMAGE_URL_LENGTH) {
    throw invalidRequest(
      `Invalid 'input_reference.image_url': string too long. Expected a string with maximum length ${MAX_IMAGE_URL_LENGTH}, but got a string with length ${imageUrl.length} instead.`,
      'input_reference.image_url',
      'string_above_max_length',
    );
  }
  const match = /^data:[^;,]*;base64,(.*)$/s.exec(imageUrl);
  if (!match) {
    throw invalidRequest(
      "Invalid 'input_reference.image_url': the emulator works offline and accepts only base64 data URLs (data:image/png;base64,...).",
      'input_reference.image_url',
      'invalid_value',
    );
  }
  return new Uint8Array(Buffer.from(match[1] ?? '', 'base64'));
}

function validateImage(bytes: Uint8Array, size: string): InputReference {
  const info = readImageInfo(bytes);
  if (!info) {
    throw invalidRequest(
      "Invalid file format for 'input_reference'. Supported formats are: 'image/jpeg', 'image/png', and 'image/webp'.",
      'input_reference',
      'invalid_image_format',
    );
  }
  const { width, height } = parseSize(size);
  if (info.width !== width || info.height !== height) {
    throw invalidRequest('Inpaint image must match the requested width and height');
  }
  return { format: info.format, sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
}
