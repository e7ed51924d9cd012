/** The api layer: one client per protocol behind `VideoProtocolClient`; errors, their classification and retry policy as data. */
export { capabilitiesOf, OPTIONAL_CAPABILITIES, type Capability, type ProtocolName, type VideoProtocolClient } from './protocol.js';
export { createOpenAiVideosProtocol, openAiVideosProtocol } from './openai-videos/protocol-client.js';
export { createProtocolClient } from './open-protocol-client.js';
export { createVideosClient, type CallOptions, type DownloadOptions, type VideosClient, type VideosClientOptions } from './openai-videos/client.js';
export { LIST_LIMITS, type ListAllOptions, type ListOptions } from './list-all.js';
export {
  ApiError,
  AuthError,
  CreateOutcomeUnknownError,
  InsecureHttpError,
  ListingTooLongError,
  NetworkError,
  NotFoundError,
  ProviderError,
  RateLimitError,
  ResponseFormatError,
  TimeoutError,
  TruncatedBodyError,
  UnsupportedFeatureError,
  type CallSite,
  type CreateSummary,
  type ServerErrorBody,
} from './errors.js';
export { DOWNLOAD_LIMITS, hasSignature, videoByteLimit, type ContentKind, type DownloadResult } from './download.js';
export type { CreateRequest, InputReference } from './openai-videos/request-body.js';
export { classifyError, isServerUnusable, isTransient, isVerdictOnRequest, mayHaveCreated, TRANSIENT_KINDS, type ErrorKind } from './error-kind.js';
export {
  backoffDelayMs,
  decideRetry,
  defaultJobRetryPolicy,
  defaultRetryPolicy,
  serverDelayMs,
  type AttemptOutcome,
  type JobRetryPolicy,
  type RetryPolicy,
} from './retry-policy.js';
export { abortableSleep, type RetryInfo, type Sleep } from './retry.js';
export { CHARACTER_ID_FORM, isCharacterId, parseCharacter, type Character } from './character.js';
export { normalizeStatus, parseVideo, parseVideoList, VideoShapeError, type Video, type VideoList } from './video.js';
