import { moderationBlocked } from './admission.js';
import type { CharacterRecord } from './character-store.js';
import type { EmulatorContext } from './context.js';
import { rejectUnknown } from './create-request.js';
import { readUpload } from './edit-request.js';
import { ApiError, invalidRequest, invalidType, missingParameter } from './errors.js';
import { isUploadedFile } from './request-body.js';
import { jsonReply, type Reply } from './reply.js';
import type { VideoRequest } from './video-jobs.js';

/** A character's `name`: 1–80 characters (reference §7). */
const MAX_NAME_LENGTH = 80;
/** "Short MP4s (2–4 s)": the clip's length, to a tenth of a second (an AAC track may overhang by a few ms). */
const MIN_CLIP_SECONDS = 2;
const MAX_CLIP_SECONDS = 4;

/**
 * `POST /videos/characters`: multipart only, a `name` and a `video` file (an MP4 of 2–4 s). The
 * answer is `{id, name, created_at}`, with no `object` and no status (reference §7). The
 * moderation fault's block pattern applies to the name, as the real server blocks human
 * likeness.
 */
export async function createCharacter(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const body = await request.readBody();
  if (body.encoding !== 'form') {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim() || 'none';
    throw invalidRequest(
      `Invalid Content-Type header (${type}), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')`,
    );
  }
  const { fields } = body;
  rejectUnknown(fields, ['name', 'video']);
  const name = validateName(fields['name']);
  const file = fields['video'];
  if (file === undefined) throw missingParameter('video');
  if (!isUploadedFile(file)) throw invalidType('video', 'a file', file);
  const video = await readUpload(file.bytes);
  const tenths = Math.round(video.duration * 10) / 10;
  if (tenths < MIN_CLIP_SECONDS || tenths > MAX_CLIP_SECONDS) {
    throw invalidRequest(
      `Invalid 'video': the character video lasts ${video.duration.toFixed(2)} seconds; expected from ${MIN_CLIP_SECONDS} to ${MAX_CLIP_SECONDS} seconds.`,
      'video',
      'invalid_value',
    );
  }
  if (ctx.faults.moderation(name) === 'block') throw moderationBlocked();
  const character: CharacterRecord = { id: ctx.settings.flavor.newCharacterId(ctx.random), name, createdMs: ctx.now(), video };
  ctx.characters.put(character);
  return jsonReply(200, characterObject(character));
}

/** `GET /videos/characters/{character_id}`. */
export async function getCharacter(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const id = request.videoId ?? '';
  const character = ctx.characters.get(id);
  if (!character) throw new ApiError(404, `Character with id '${id}' not found.`, 'invalid_request_error');
  return jsonReply(200, characterObject(character));
}

function characterObject(character: CharacterRecord): { id: string; name: string; created_at: number } {
  return { id: character.id, name: character.name, created_at: Math.floor(character.createdMs / 1000) };
}

function validateName(value: unknown): string {
  if (value === undefined) throw missingParameter('name');
  if (typeof value !== 'string') throw invalidType('name', 'a string', value);
  if (value.length === 0) {
    throw invalidRequest(
      "Invalid 'name': string too short. Expected a string with minimum length 1, but got an empty string instead.",
      'name',
      'string_below_min_length',
    );
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw invalidRequest(
      `Invalid 'name': string too long. Expected a string with maximum length ${MAX_NAME_LENGTH}, but got a string with length ${value.length} instead.`,
      'name',
      'string_above_max_length',
    );
  }
  return value;
}
