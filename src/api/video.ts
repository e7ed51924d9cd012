import type { VideoStatus } from '../providers/profile.js';
import { describeVideoIdForm, isVideoId, type VideoIdForm } from '../providers/video-id.js';
import { redact } from '../untrusted/redactor.js';

/**
 * The Video object as shotlist uses it, normalized from whatever a server sent: statuses mapped
 * to the four canonical ones, `seconds` as text, nullable keys that a server omitted as `null`,
 * unknown keys ignored. The wire object is snake_case; this one is camelCase, converted here only.
 */
export interface Video {
  readonly id: string;
  readonly status: VideoStatus;
  /** The status string the server sent (`processing`, `cancelled`, ...), for messages. */
  readonly serverStatus: string;
  readonly model: string | null;
  /** Percent complete, 0–100; `null` when the server does not report it. */
  readonly progress: number | null;
  /** Unix seconds; `null` when the server does not report it. */
  readonly createdAt: number | null;
  readonly completedAt: number | null;
  readonly expiresAt: number | null;
  readonly prompt: string | null;
  readonly size: string | null;
  /** Duration as the protocol writes it (`"8"`); servers that send a number are normalized. */
  readonly seconds: string | null;
  readonly remixedFromVideoId: string | null;
  /** Why a job failed; `code` is opaque text (vLLM-Omni's integer codes are stringified). */
  readonly error: { readonly code: string | null; readonly message: string } | null;
}

export interface VideoList {
  readonly data: readonly Video[];
  readonly firstId: string | null;
  readonly lastId: string | null;
  /** `false` when the server does not say (some servers have no cursors). */
  readonly hasMore: boolean;
}

/** Why a JSON value is not a Video; turned into a `ResponseFormatError` by the caller. */
export class VideoShapeError extends Error {}

const CANONICAL: readonly string[] = ['queued', 'in_progress', 'completed', 'failed'];

/**
 * A server status as one of the four canonical ones: itself, or the profile's alias. Anything
 * else (`cancelled`, `canceled`, `expired`, `deleted`, ...) is a terminal failure: a job in an
 * unknown state must not be polled forever nor downloaded.
 */
export function normalizeStatus(raw: string, aliases: Readonly<Record<string, VideoStatus>>): VideoStatus {
  if (CANONICAL.includes(raw)) return raw as VideoStatus;
  return Object.hasOwn(aliases, raw) ? (aliases[raw] as VideoStatus) : 'failed';
}

type Json = Record<string, unknown>;

/**
 * Everything a server says is untrusted, and this is where it enters: the text a server wrote for
 * people (its status word, a failure's code and message) is redacted here, before it can reach a
 * message, the lockfile or the report; an id that holds a credential is refused, since a redacted
 * id would name another video. Fields only compared with shotlist's own request (prompt, model,
 * size, seconds) are neither stored nor shown. Its ids (`id`, `remixed_from_video_id`) must also
 * have the protocol's form (`idForm`, see providers/video-id.ts): they go into URL paths and the
 * lockfile, and a server answering `../../x` for an id must not steer either. Default `opaque`,
 * the loosest safe form.
 */
export function parseVideo(value: unknown, aliases: Readonly<Record<string, VideoStatus>>, idForm: VideoIdForm = 'opaque'): Video {
  if (!isObject(value)) throw new VideoShapeError(`expected a Video object, found ${kindOf(value)}`);
  if (value['object'] !== undefined && value['object'] !== 'video') {
    throw new VideoShapeError(`expected "object": "video", found ${kindOf(value['object'])}`);
  }
  const id = videoId(withoutCredential(requiredString(value, 'id'), 'id'), 'id', idForm);
  const remixedFrom = withoutCredential(nullableString(value, 'remixed_from_video_id'), 'remixed_from_video_id');
  const serverStatus = requiredString(value, 'status');
  return {
    id,
    status: normalizeStatus(serverStatus, aliases),
    serverStatus: redact(serverStatus),
    model: nullableString(value, 'model'),
    progress: nullableNumber(value, 'progress'),
    createdAt: nullableNumber(value, 'created_at'),
    completedAt: nullableNumber(value, 'completed_at'),
    expiresAt: nullableNumber(value, 'expires_at'),
    prompt: nullableString(value, 'prompt'),
    size: nullableString(value, 'size'),
    seconds: nullableSeconds(value),
    remixedFromVideoId: remixedFrom === null ? null : videoId(remixedFrom, 'remixed_from_video_id', idForm),
    error: nullableJobError(value),
  };
}

export function parseVideoList(value: unknown, aliases: Readonly<Record<string, VideoStatus>>, idForm: VideoIdForm = 'opaque'): VideoList {
  if (!isObject(value) || !Array.isArray(value['data'])) {
    throw new VideoShapeError(`expected a list object with a "data" array, found ${kindOf(value)}`);
  }
  const data = value['data'].map((item, i) => {
    try {
      return parseVideo(item, aliases, idForm);
    } catch (error) {
      throw new VideoShapeError(`data[${i}]: ${(error as Error).message}`);
    }
  });
  const hasMore = value['has_more'];
  if (hasMore !== undefined && hasMore !== null && typeof hasMore !== 'boolean') {
    throw new VideoShapeError(`"has_more" must be a boolean, found ${kindOf(hasMore)}`);
  }
  const firstId = nullableString(value, 'first_id');
  const lastId = nullableString(value, 'last_id');
  return {
    data,
    firstId: firstId === null ? null : videoId(firstId, 'first_id', idForm),
    lastId: lastId === null ? null : videoId(lastId, 'last_id', idForm),
    hasMore: hasMore === true,
  };
}

function videoId(id: string, key: string, form: VideoIdForm): string {
  if (!isVideoId(form, id)) throw new VideoShapeError(`"${key}" must be a video id (${describeVideoIdForm(form)}), found ${kindOf(id)}`);
  return id;
}

function requiredString(o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new VideoShapeError(`"${key}" must be a non-empty string, found ${kindOf(v)}`);
  return v;
}

function nullableString(o: Json, key: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new VideoShapeError(`"${key}" must be a string or null, found ${kindOf(v)}`);
  return v;
}

function nullableNumber(o: Json, key: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new VideoShapeError(`"${key}" must be a number or null, found ${kindOf(v)}`);
  return v;
}

/** The contract says string; SGLang-style servers send an integer. */
function nullableSeconds(o: Json): string | null {
  const v = o['seconds'];
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return nullableString(o, 'seconds');
}

function nullableJobError(o: Json): Video['error'] {
  const v = o['error'];
  if (v === undefined || v === null) return null;
  if (!isObject(v) || typeof v['message'] !== 'string') {
    throw new VideoShapeError(`"error" must be {code, message} or null, found ${kindOf(v)}`);
  }
  const code = v['code'];
  return { code: typeof code === 'string' || typeof code === 'number' ? redact(String(code)) : null, message: redact(v['message']) };
}

function withoutCredential<T extends string | null>(id: T, key: string): T {
  if (id !== null && redact(id) !== id) throw new VideoShapeError(`"${key}" holds what looks like a credential`);
  return id;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') {
    // Redacted before it is cut: a key cut in half is no longer found.
    const text = redact(v);
    return `the string ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`;
  }
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
