import { FormData } from 'undici';
import { InternalError } from '../../errors.js';
import type { ProviderProfile } from '../../providers/profile.js';
import type { CreateSummary } from '../errors.js';
import type { RequestBody } from '../transport.js';

/** Bodies of create and remix, encoded per `profile.encoding`. */

/** An image for image-to-video, sent as the `input_reference` file part. */
export interface InputReference {
  readonly bytes: Uint8Array;
  /** `image/jpeg`, `image/png` or `image/webp`. */
  readonly mimeType: string;
  readonly fileName: string;
}

/**
 * A create, exactly as it will be sent: the client adds no defaults (the plan resolved them).
 * `seconds` always goes on the wire as a string, as the contract says.
 */
export interface CreateRequest {
  readonly prompt: string;
  readonly model?: string;
  readonly size?: string;
  readonly seconds?: string | number;
  readonly inputReference?: InputReference;
  /**
   * Server-specific fields (`seed`, `num_frames`, ...), placed per the profile's
   * `extraFields.placement`: beside `prompt` (multipart sends them as text), or inside
   * `extra_body` (an object in JSON, a JSON string in multipart).
   */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
  /** Characters cast (ids from `POST /videos/characters`), sent as `characters: [{id}]` (in a form, `characters[][id]`). */
  readonly characters?: readonly string[];
}

export interface EncodedBody {
  readonly body: RequestBody;
  /** Content type to set; `undefined` for multipart, whose boundary undici writes. */
  readonly contentType: string | undefined;
}

const CORE_FIELDS = new Set(['prompt', 'model', 'size', 'seconds', 'input_reference', 'characters']);

type ExtraPlacement = ProviderProfile['extraFields']['placement'];

export function encodeCreate(req: CreateRequest, encoding: ProviderProfile['encoding'], placement: ExtraPlacement): EncodedBody {
  const fields = createFields(req, placement);
  // A file can only travel in multipart, whatever the profile prefers.
  const cast = req.characters ?? [];
  if (encoding === 'multipart' || req.inputReference !== undefined) {
    const body = multipart(fields, req.inputReference);
    // The Node SDK's flattening of an array of objects (reference §3.2): repeated `characters[][id]`.
    for (const id of cast) (body.body as FormData).append('characters[][id]', id);
    return body;
  }
  return { body: JSON.stringify(cast.length > 0 ? { ...fields, characters: cast.map((id) => ({ id })) } : fields), contentType: 'application/json' };
}

/**
 * An edit (`POST /videos/edits`) or an extension (`POST /videos/extensions`) of a video of the
 * server: the prompt, the source as `video: {id}` (in a form `video[id]`), and for an extension
 * the `seconds` of the new segment (reference §7).
 */
export function encodeFromVideo(videoId: string, prompt: string, seconds: string | null, encoding: ProviderProfile['encoding']): EncodedBody {
  const fields = { prompt, ...(seconds !== null ? { seconds } : {}) };
  if (encoding === 'multipart') {
    const body = multipart(fields, undefined);
    (body.body as FormData).append('video[id]', videoId);
    return body;
  }
  return { body: JSON.stringify({ ...fields, video: { id: videoId } }), contentType: 'application/json' };
}

/** A character (`POST /videos/characters`, multipart only): its name and its clip, an MP4. */
export function encodeCharacter(name: string, clip: Uint8Array, fileName: string): EncodedBody {
  const form = new FormData();
  form.append('name', name);
  form.append('video', new Blob([clip], { type: 'video/mp4' }), fileName);
  return { body: form, contentType: undefined };
}

export function encodeRemix(prompt: string, encoding: ProviderProfile['encoding']): EncodedBody {
  if (encoding === 'multipart') return multipart({ prompt }, undefined);
  return { body: JSON.stringify({ prompt }), contentType: 'application/json' };
}

type FieldValue = string | number | boolean | Readonly<Record<string, string | number | boolean>>;

function createFields(req: CreateRequest, placement: ExtraPlacement): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = { prompt: req.prompt };
  if (req.model !== undefined) fields['model'] = req.model;
  if (req.size !== undefined) fields['size'] = req.size;
  if (req.seconds !== undefined) fields['seconds'] = String(req.seconds);
  const extra = Object.entries(req.extra ?? {});
  if (placement === 'extra_body') {
    if (extra.length > 0) fields['extra_body'] = Object.fromEntries(extra);
    return fields;
  }
  for (const [key, value] of extra) {
    if (CORE_FIELDS.has(key)) throw new InternalError(`extra field "${key}" would overwrite a request field`);
    fields[key] = value;
  }
  return fields;
}

function multipart(fields: Readonly<Record<string, FieldValue>>, file: InputReference | undefined): EncodedBody {
  const form = new FormData();
  // A nested object (LiteLLM's `extra_body`) travels as a JSON string in a form.
  for (const [key, value] of Object.entries(fields)) form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  if (file !== undefined) {
    form.append('input_reference', new Blob([file.bytes], { type: file.mimeType }), file.fileName);
  }
  return { body: form, contentType: undefined };
}

export function summarizeCreate(req: CreateRequest): CreateSummary {
  const ref = req.inputReference;
  return {
    kind: 'create',
    prompt: req.prompt,
    model: req.model ?? null,
    size: req.size ?? null,
    seconds: req.seconds === undefined ? null : String(req.seconds),
    remixOf: null,
    inputReference: ref === undefined ? null : { fileName: ref.fileName, mimeType: ref.mimeType, bytes: ref.bytes.byteLength },
  };
}

/** An edit or an extension, for reconciling: `remixOf` names the source video. */
export function summarizeFromVideo(kind: 'edit' | 'extend', videoId: string, prompt: string, seconds: string | null): CreateSummary {
  return { kind, prompt, model: null, size: null, seconds, remixOf: videoId, inputReference: null };
}

export function summarizeRemix(videoId: string, prompt: string): CreateSummary {
  return { kind: 'remix', prompt, model: null, size: null, seconds: null, remixOf: videoId, inputReference: null };
}
