import type { Character } from './character.js';
import type { ContentVariant } from '../providers/profile.js';
import type { ContentKind, DownloadResult } from './download.js';
import type { CreateRequest } from './openai-videos/request-body.js';
import type { Video, VideoList } from './video.js';
import type { ListAllOptions, ListOptions } from './list-all.js';

/** Options every call takes. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface DownloadOptions extends CallOptions {
  /** The format the bytes must have. Default: `mp4` for `video`, `webp` for `thumbnail`, `jpeg` for `spritesheet`. */
  readonly expect?: ContentKind;
  /** The most bytes accepted (a job's: `videoByteLimit(seconds)`). Default: `defaultByteLimit` of the format (1 GiB for a video, 32 MiB for an image). */
  readonly maxBytes?: number;
}

/**
 * What the runner, status and gc ask of a video server, whatever protocol it speaks. Each
 * protocol (`openai-videos` today; `gemini`, `fal`, `replicate` next) implements it in its own
 * folder beside this file, mapping its wire format to `Video` and its failures to the error
 * classes `classifyError` reads. Nothing outside `api/` knows a protocol's paths or bodies.
 *
 * The core (create, retrieve, download) every protocol has. The rest are capabilities: a
 * protocol, or a provider's profile, without one leaves the member absent, so a caller checks
 * for it (and the type checker makes it) instead of meeting an error mid-run.
 */
export interface VideoProtocolClient {
  /** Starts a job. Never resent once it may have reached the server: see `CreateOutcomeUnknownError`. */
  create(req: CreateRequest, opts?: CallOptions): Promise<Video>;
  /** `pollAfterMs` is the server's own hint for the next poll, clamped, or `null`. */
  retrieve(videoId: string, opts?: CallOptions): Promise<{ video: Video; pollAfterMs: number | null }>;
  download(videoId: string, variant: ContentVariant, destPath: string, opts?: DownloadOptions): Promise<DownloadResult>;
  /** Closes the client's own connections. */
  close(): Promise<void>;

  /** A new video from a finished one and a prompt. */
  readonly remix?: (videoId: string, prompt: string, opts?: CallOptions) => Promise<Video>;
  /** One page of the account's videos. */
  readonly list?: (query?: ListOptions, opts?: CallOptions) => Promise<VideoList>;
  /** Every video, page after page, within `LIST_LIMITS`: how a lost create is found again. */
  readonly listAll?: (query?: ListAllOptions, opts?: CallOptions) => AsyncIterable<Video>;
  readonly delete?: (videoId: string, opts?: CallOptions) => Promise<void>;
  /** The models a server of one model serves. */
  readonly listModels?: (opts?: CallOptions) => Promise<string[]>;
  /** A new video: the finished one edited per the prompt (its length kept). */
  readonly edit?: (videoId: string, prompt: string, opts?: CallOptions) => Promise<Video>;
  /** A new video: the finished one followed by `seconds` more; the new video is the whole, its `seconds` the total. */
  readonly extend?: (videoId: string, prompt: string, seconds: string, opts?: CallOptions) => Promise<Video>;
  /** A recurring character from a short clip (an MP4 of 2–4 s), cast by id on later creates. */
  readonly createCharacter?: (clip: { readonly bytes: Uint8Array; readonly fileName: string }, name: string, opts?: CallOptions) => Promise<Character>;
  readonly getCharacter?: (characterId: string, opts?: CallOptions) => Promise<Character>;
}

/** The protocols shotlist speaks; a provider's profile names one. */
export type { ProtocolName } from '../providers/protocol.js';

/** The optional capabilities, by the member that offers each. */
export const OPTIONAL_CAPABILITIES = ['remix', 'edit', 'extend', 'createCharacter', 'getCharacter', 'list', 'listAll', 'delete', 'listModels'] as const;
export type Capability = (typeof OPTIONAL_CAPABILITIES)[number];

/** The optional capabilities a client has, in a stable order (for `shotlist providers` and messages). */
export function capabilitiesOf(client: VideoProtocolClient): Capability[] {
  return OPTIONAL_CAPABILITIES.filter((name) => client[name] !== undefined);
}
