/**
 * Why the plan does what it does with a job, as data: a `code` and the details that code needs.
 * The planner decides; the sentences are made where reasons are shown (the CLI's plan table,
 * status notes, the run summary, `--json` events), so tests assert on the decision, and the
 * words can change without touching the planner.
 */

/** Why a recorded video can no longer be fetched or remixed. */
export type GoneVideo =
  /**
   * Expired (or expiring within the plan's safety margin). `secondsAgo`, where the reason says
   * when: seconds since it expired, negative while it is still within the margin.
   */
  | { readonly code: 'expired'; readonly secondsAgo?: number }
  /** Held by a server the run no longer reaches (dropped from the provider's pool). */
  | { readonly code: 'dropped'; readonly server: string };

/** A recorded failure, as the lockfile holds it; `null` when it recorded none. */
export type RecordedError = { readonly code: string; readonly message: string } | null;

/** Why a parent that `--only` left out cannot lend its recorded video to a selected remix. */
export type ParentUnusable =
  | { readonly code: 'no-video' }
  | { readonly code: 'video-gone'; readonly gone: GoneVideo }
  | { readonly code: 'in-flight' }
  /** A continuation starts from the parent's file, which must be downloaded first. */
  | { readonly code: 'file-missing' }
  /** It must render again first, for `reason`. */
  | { readonly code: 'renders'; readonly reason: PlanReason }
  /** Its last attempt failed for good with this error code. */
  | { readonly code: 'failed'; readonly error: string }
  | { readonly code: 'blocked'; readonly reason: PlanReason };

/** What a job that adopts an orphan's entry still has to do; the reason of a plain move is `null`. */
export type AdoptedState =
  | { readonly code: 'file-missing' }
  | { readonly code: 'file-altered' }
  | { readonly code: 'in-flight'; readonly videoId: string | null }
  | { readonly code: 'maybe-created' }
  | { readonly code: 'failed-for-good'; readonly error: RecordedError };

export type PlanReason =
  // render
  /** The lockfile has never seen the job. */
  | { readonly code: 'new' }
  /** `--replace` names it. */
  | { readonly code: 'replace' }
  /** Its recorded video is gone, and `remix` (a job that renders) edits it: it renders again first. */
  | { readonly code: 'remixed-video-gone'; readonly remix: string; readonly gone: GoneVideo }
  /** It remixes a parent that renders (again): its request names a video that does not exist yet. */
  | { readonly code: 'parent-renders' }
  /** The request changed; `changed` names the fields, empty when none is told apart. */
  | { readonly code: 'request-changed'; readonly changed: readonly string[] }
  /** In flight on a server no longer among the provider's servers. */
  | { readonly code: 'in-flight-dropped'; readonly server: string }
  /** The last attempt failed in a way a new attempt may not meet (error code). */
  | { readonly code: 'last-attempt-failed'; readonly error: string }
  /** The last attempt failed for good, and `--retry-failed` sends it again anyway. */
  | { readonly code: 'retry-failed'; readonly error: string }
  /** A create may have reached a server that cannot be searched for it, and `--retry-ambiguous` creates it again. */
  | { readonly code: 'retry-ambiguous' }
  /** `refresh: always`. */
  | { readonly code: 'refresh-always' }
  /** The take is older than its shot's `refresh:` (`every`, as written). */
  | { readonly code: 'refresh-due'; readonly every: string; readonly ageSeconds: number }
  /** The file is not on disk as recorded, and the server no longer has the video. */
  | { readonly code: 'take-gone'; readonly file: 'missing' | 'altered'; readonly gone: GoneVideo }
  // resume
  | { readonly code: 'in-flight'; readonly videoId: string | null }
  /** A create may have reached the server: it is looked for before any new create. */
  | { readonly code: 'maybe-created' }
  // blocked
  /** A create may have reached a server that cannot be searched for it (SPEC §10): not sent again without `--retry-ambiguous`. */
  | { readonly code: 'ambiguous-create' }
  // failed
  /** The last attempt failed in a way the same request would meet again: not sent again. */
  | { readonly code: 'failed-for-good'; readonly error: RecordedError }
  // reuse, download
  | { readonly code: 'up-to-date' }
  /** The files are missing or altered on disk, and the remote store holds them. */
  | { readonly code: 'on-remote'; readonly file: 'missing' | 'altered' }
  | { readonly code: 'file-missing' }
  | { readonly code: 'file-altered' }
  // move (and whatever the adopted entry still needs)
  | { readonly code: 'moved'; readonly from: string; readonly then: AdoptedState | null }
  // frozen: kept whatever changed (`changed`: the request fields that did)
  | { readonly code: 'frozen'; readonly file: 'intact' | 'missing' | 'altered'; readonly changed: readonly string[] }
  | { readonly code: 'frozen-take-gone'; readonly file: 'missing' | 'altered'; readonly gone: GoneVideo; readonly changed: readonly string[] }
  // blocked
  | { readonly code: 'parent-not-selected'; readonly parent: string; readonly why: ParentUnusable }
  | { readonly code: 'parent-blocked'; readonly parent: string }
  /** The parent failed for good (`error`: its error code) and is not sent again. */
  | { readonly code: 'parent-failed'; readonly parent: string; readonly error: string };

export type PlanReasonCode = PlanReason['code'];
