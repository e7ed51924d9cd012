import { UsageError } from '../../errors.js';
import type { ProviderProfile } from '../../providers/profile.js';
import { isCharacterId, parseCharacter, type Character } from '../character.js';
import { videosUrl, type Endpoint } from '../endpoint.js';
import { ResponseFormatError, UnsupportedFeatureError, type CreateSummary } from '../errors.js';
import type { Exchange } from '../transport.js';
import type { Video } from '../video.js';
import { encodeCharacter, encodeFromVideo, summarizeFromVideo, type EncodedBody } from './request-body.js';
import { quote, type Redact } from './response.js';

/**
 * The March-2026 endpoints of `/v1/videos` (reference §7): edits and extensions of a video of
 * the server, and characters. They are sent by the client's own machinery (given here, so this
 * file needs nothing of client.ts): a create's never-resent POST, an idempotent GET.
 */
export interface ChildCalls {
  readonly profile: ProviderProfile;
  readonly endpoint: Endpoint;
  readonly redact: Redact;
  /** A create's POST: never resent once it may have reached the server; `read` parses a 2xx. */
  post<T>(
    url: URL,
    encode: () => EncodedBody,
    summary: CreateSummary,
    signal: AbortSignal,
    check: (made: T) => string | null,
    read: (ex: Exchange) => Promise<T>,
  ): Promise<T>;
  /** An idempotent GET, retried per the policy; `read` parses the answer. */
  get<T>(url: URL, signal: AbortSignal, read: (ex: Exchange) => Promise<T>): Promise<T>;
  /** The JSON of a 2xx; a non-2xx becomes its typed `ApiError`. */
  readJson(ex: Exchange): Promise<unknown>;
  readVideo(ex: Exchange): Promise<Video>;
  /** The id, refused unless it has the provider's video id form. */
  checkedId(videoId: string): string;
}

/**
 * An edit or an extension: a new video, never the source itself. An edit names its source in
 * `remixed_from_video_id` (edits replace remixes); an extension's `seconds` is the whole video's.
 */
export async function fromVideo(
  calls: ChildCalls,
  kind: 'edit' | 'extend',
  videoId: string,
  prompt: string,
  seconds: string | null,
  signal: AbortSignal,
): Promise<Video> {
  if (calls.profile.features[kind] !== true)
    throw new UnsupportedFeatureError(calls.profile.name, kind === 'edit' ? 'edits' : 'extensions', `features.${kind}: false`);
  const url = videosUrl(calls.endpoint, [kind === 'edit' ? 'edits' : 'extensions']);
  calls.checkedId(videoId);
  const check = (video: Video): string | null =>
    video.id === videoId
      ? `answered with the id of the video to ${kind} (${videoId}) instead of a new one`
      : video.remixedFromVideoId !== null && video.remixedFromVideoId !== videoId
        ? `answered with a video made from ${video.remixedFromVideoId}, asked to ${kind} ${videoId}`
        : null;
  return calls.post(
    url,
    () => encodeFromVideo(videoId, prompt, seconds, calls.profile.encoding),
    summarizeFromVideo(kind, videoId, prompt, seconds),
    signal,
    check,
    (ex) => calls.readVideo(ex),
  );
}

/**
 * A character: sent like a create (never resent once it may have reached the server), but
 * there is no listing of characters to look for one whose answer was lost: the caller decides.
 */
export async function createCharacter(
  calls: ChildCalls,
  clip: { readonly bytes: Uint8Array; readonly fileName: string },
  name: string,
  signal: AbortSignal,
): Promise<Character> {
  if ((calls.profile.features.characters ?? 0) <= 0) throw new UnsupportedFeatureError(calls.profile.name, 'characters', 'features.characters: 0');
  const url = videosUrl(calls.endpoint, ['characters']);
  const summary: CreateSummary = { kind: 'character', prompt: name, model: null, size: null, seconds: null, remixOf: null, inputReference: null };
  return calls.post(
    url,
    () => encodeCharacter(name, clip.bytes, clip.fileName),
    summary,
    signal,
    () => null,
    (ex) => readCharacter(calls, ex),
  );
}

export async function getCharacter(calls: ChildCalls, characterId: string, signal: AbortSignal): Promise<Character> {
  if (!isCharacterId(characterId)) throw new UsageError(`${quote(characterId, calls.redact)} is not a character id`);
  const url = videosUrl(calls.endpoint, ['characters', characterId]);
  return calls.get(url, signal, async (ex) => {
    const character = await readCharacter(calls, ex);
    if (character.id !== characterId)
      throw new ResponseFormatError(ex.call, ex.status, `answered with character ${quote(character.id, calls.redact)}, asked for ${characterId}`);
    return character;
  });
}

async function readCharacter(calls: ChildCalls, ex: Exchange): Promise<Character> {
  const parsed = parseCharacter(await calls.readJson(ex));
  if (typeof parsed === 'string') throw new ResponseFormatError(ex.call, ex.status, parsed);
  return parsed;
}
