import { createHash } from 'node:crypto';
import { rejectUnknown, validateEnum, validatePrompt, validateSeconds } from './create-request.js';
import { invalidRequest, invalidType, missingParameter, unknownParameter } from './errors.js';
import type { UploadedVideo } from './job.js';
import { DEFAULT_MODEL, type ModelTable } from './models.js';
import { isUploadedFile, type ParsedBody } from './request-body.js';
import { readVideoInfo } from './video-info.js';

/**
 * The bodies of `POST /videos/edits` and `POST /videos/extensions` (reference §7): a prompt and
 * the source `video`, which is `{id}` (JSON, or `video[id]` in a form) or an uploaded MP4 (a form
 * only). An extension adds the required `seconds` of the new segment.
 */

/** Where an edit or an extension starts: a video of this server, or an uploaded MP4 (bytes kept by the caller). */
export type VideoReference = { kind: 'id'; id: string } | { kind: 'upload'; bytes: Uint8Array; video: UploadedVideo };

export interface EditRequest {
  prompt: string;
  video: VideoReference;
  /** An upload's model ("set `model` explicitly", default `sora-2`); null for a video of this server, which keeps its own (decision 10). */
  model: string | null;
}

export interface ExtensionRequest {
  prompt: string;
  video: VideoReference;
  /** Seconds of the new segment: the contract's enum, 16 and 20 in guide-2026 mode (decision 7). */
  seconds: string;
}

export async function validateEdit(body: ParsedBody, table: ModelTable): Promise<EditRequest> {
  const { fields } = body;
  rejectUnknown(fields, ['prompt', 'video', 'model']);
  const prompt = validatePrompt(fields['prompt']);
  const video = await validateVideoReference(fields['video'], body.encoding);
  // Accepted and ignored for a video of this server; for an upload it names the model to render with.
  const model = video.kind === 'upload' ? validateEnum('model', fields['model'], DEFAULT_MODEL, table.models) : null;
  if (video.kind === 'id' && fields['model'] !== undefined && typeof fields['model'] !== 'string') throw invalidType('model', 'a string', fields['model']);
  return { prompt, video, model };
}

export async function validateExtension(body: ParsedBody, table: ModelTable): Promise<ExtensionRequest> {
  const { fields } = body;
  // "Extensions do not support characters or image references": the schema has no such fields.
  rejectUnknown(fields, ['prompt', 'video', 'seconds']);
  const prompt = validatePrompt(fields['prompt']);
  const video = await validateVideoReference(fields['video'], body.encoding);
  if (fields['seconds'] === undefined) throw missingParameter('seconds');
  return { prompt, video, seconds: validateSeconds(fields['seconds'], table.seconds) };
}

async function validateVideoReference(value: unknown, encoding: ParsedBody['encoding']): Promise<VideoReference> {
  if (value === undefined) throw missingParameter('video');
  if (isUploadedFile(value)) return { kind: 'upload', bytes: value.bytes, video: await readUpload(value.bytes) };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidType('video', encoding === 'json' ? "an object with an 'id'" : "a file or an object with an 'id'", value);
  }
  const unknown = Object.keys(value).find((key) => key !== 'id');
  if (unknown !== undefined) throw unknownParameter(`video.${unknown}`);
  const { id } = value as { id?: unknown };
  if (id === undefined) throw missingParameter('video.id');
  if (typeof id !== 'string') throw invalidType('video.id', 'a string', id);
  if (id === '')
    throw invalidRequest(
      "Invalid 'video.id': string too short. Expected a string with minimum length 1, but got an empty string instead.",
      'video.id',
      'string_below_min_length',
    );
  return { kind: 'id', id };
}

/** An uploaded video must be an MP4 the emulator can read; its size and length are checked by the route. */
export async function readUpload(bytes: Uint8Array, param = 'video'): Promise<UploadedVideo> {
  const info = await readVideoInfo(bytes);
  if (!info) throw invalidRequest(`Invalid file format for '${param}'. Supported formats are: 'video/mp4'.`, param, 'invalid_file_format');
  return { sha256: createHash('sha256').update(bytes).digest('hex'), ...info };
}
