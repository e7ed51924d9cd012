/** The `/v1/videos` client: the one module that talks HTTP to video servers. */
export {
  createVideosClient,
  LIST_LIMITS,
  type CallOptions,
  type DownloadOptions,
  type ListAllOptions,
  type ListOptions,
  type VideosClient,
  type VideosClientOptions,
} from './client.js';
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
export type { CreateRequest, InputReference } from './request-body.js';
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
export { normalizeStatus, parseVideo, parseVideoList, VideoShapeError, type Video, type VideoList } from './video.js';
