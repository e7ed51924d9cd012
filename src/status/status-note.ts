import type { LockStatus } from '../lockfile/lockfile.js';
import type { PlanAction } from '../plan/plan.js';
import type { PlanReason } from '../plan/plan-reason.js';

/**
 * One fact `status` tells about a job, as data: a `code` and its details. The CLI puts notes in
 * words (format-status.ts); tests and `--json` consumers read the codes.
 */
export type StatusNote =
  /** An orphan: a full render drops it from the lockfile. */
  | { readonly code: 'orphan' }
  /** No entry yet; `blocked`: why the plan cannot render it either. */
  | { readonly code: 'not-rendered'; readonly blocked: PlanReason | null }
  /** The lockfile records a failure; `message`: the server's, when it gave one. */
  | { readonly code: 'failed'; readonly message: string | null }
  | { readonly code: 'in-flight'; readonly lock: LockStatus }
  | { readonly code: 'file-missing' }
  /** The file's sha256 differs from the lockfile's. */
  | { readonly code: 'file-altered' }
  /** Why the plan renders the job again, or blocks it. */
  | { readonly code: 'plan'; readonly reason: PlanReason }
  /** The entry was recorded under another job id, renamed since with the same request. */
  | { readonly code: 'renamed'; readonly from: string }
  /** What `render` would do with the job (any action but reuse). */
  | { readonly code: 'render-will'; readonly action: PlanAction }
  | { readonly code: 'thumbnail-missing' }
  | { readonly code: 'thumbnail-altered' }
  /** For a provider with a pool of servers: the one holding the video. */
  | { readonly code: 'held-by'; readonly server: string }
  /** A remote is named and lacks this recorded output (`shotlist push` uploads it). */
  | { readonly code: 'remote-missing'; readonly output: string }
  /**
   * The video as the server (`checked`) or, offline, the lockfile knows it. `secondsAgo`
   * (expired) and `inSeconds` (expiring) are `null` where the expiry time is not known.
   */
  | { readonly code: 'video-expired'; readonly checked: boolean; readonly secondsAgo: number | null }
  | { readonly code: 'video-expiring'; readonly checked: boolean; readonly inSeconds: number }
  /** The server answers 404 for it. */
  | { readonly code: 'video-gone' }
  | { readonly code: 'video-failed'; readonly checked: boolean }
  | { readonly code: 'video-rendering'; readonly checked: boolean }
  | { readonly code: 'video-completed'; readonly checked: boolean };

export type StatusNoteCode = StatusNote['code'];
