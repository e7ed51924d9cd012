import type { VideoStatus } from '../providers/profile.js';
import type { JobRequest } from './fingerprint.js';

/**
 * The lockfile (`campaign.lock.json` beside `campaign.yaml`): one entry per job id, what was
 * asked, which video answered, and the files saved. Committed with the storyboard, so its diff
 * shows reviewers which videos changed and why.
 */

export const LOCKFILE_VERSION = 1;

export interface OutputFile {
  /** Relative to the lockfile's directory, with `/` separators. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * `creating`: a create was about to be sent and no answer is recorded yet. The next run looks
 * for the video it may have made (list, match, adopt) before it ever creates again.
 */
export type LockStatus = VideoStatus | 'creating';

export interface LockEntry {
  readonly fingerprint: string;
  readonly request: JobRequest;
  /** `null` only while `creating`. */
  readonly video_id: string | null;
  /**
   * For a provider with a pool of servers: the one holding the video (or, while `creating`, the
   * one the create went to), named by its base URL. Absent: the provider's first server.
   */
  readonly server?: string;
  readonly remixed_from: string | null;
  readonly status: LockStatus;
  /** Unix seconds, as the server reported them; for `creating`, when the attempt started (this machine's clock). */
  readonly created_at: number | null;
  readonly expires_at: number | null;
  /** Estimated cost in USD from the provider's price table; `null` when the provider has no price, or prices in another currency. */
  readonly cost_usd: number | null;
  /**
   * The estimated cost in another currency than USD (SPEC §10: a profile has a currency); then
   * `cost_usd` is null. Absent for USD, so files written before currencies read as they were.
   */
  readonly cost?: { readonly amount: number; readonly currency: string };
  /** Why the job failed, for failed entries. */
  readonly error: LockError | null;
  readonly outputs: { readonly video?: OutputFile; readonly thumbnail?: OutputFile };
}

/** Why a job failed: the server's code and message. */
export interface LockError {
  readonly code: string;
  readonly message: string;
  /**
   * True when the same request would meet the same failure (a moderation block, a request the
   * server refused as invalid): the job is not sent again until its fingerprint changes, or with
   * `--retry-failed`. Absent for failures worth another try (a server error, a lost video).
   */
  readonly deterministic?: true;
}

/** Codes the protocol documents as a verdict on the request itself, for entries written before `deterministic` was recorded. */
const DETERMINISTIC_CODES: ReadonlySet<string> = new Set(['moderation_blocked']);

/** Whether a recorded failure would happen again for the same request. */
export function isDeterministicFailure(error: LockError | null): boolean {
  return error !== null && (error.deterministic === true || DETERMINISTIC_CODES.has(error.code));
}

export interface Lockfile {
  readonly lockfileVersion: typeof LOCKFILE_VERSION;
  /** The storyboard's `name`. */
  readonly name: string;
  readonly jobs: Readonly<Record<string, LockEntry>>;
  /** Characters created on providers, one per name, clip and provider. Absent when none. */
  readonly characters?: readonly LockCharacter[];
  /** The films of the storyboard's cuts, by film id; absent in lockfiles written before cuts (and when there are none). */
  readonly cuts?: Readonly<Record<string, CutEntry>>;
}

/**
 * A character as created: keyed by the clip's sha256 and the provider identity (a changed clip,
 * or another provider, makes a new one); its id is what creates cast.
 */
export interface LockCharacter {
  readonly name: string;
  readonly clip_sha256: string;
  readonly provider: string;
  readonly id: string;
  /** Unix seconds, as the server reported them. */
  readonly created_at: number | null;
}

/**
 * A film assembled from its clips (SPEC §9): built again only when its fingerprint (its inputs'
 * sha256 and its settings, see cut/cut-fingerprint.ts) changes or its files are not on disk as
 * recorded.
 */
export interface CutEntry {
  readonly fingerprint: string;
  /** Each job whose video the film plays → the sha256 of the file it was assembled from: tells which clip changed. */
  readonly clips: Readonly<Record<string, string>>;
  /** The MP4 and the `.otio` beside it, relative to the lockfile's directory. */
  readonly outputs: { readonly video: OutputFile; readonly timeline: OutputFile };
}

export function emptyLockfile(name: string): Lockfile {
  return { lockfileVersion: LOCKFILE_VERSION, name, jobs: {} };
}

/** `campaign.yaml` → `campaign.lock.json`, beside it. */
export function lockfilePathFor(storyboardPath: string): string {
  return storyboardPath.replace(/\.(ya?ml)$/i, '') + '.lock.json';
}

/** What an entry's create was estimated to cost, in its currency; `null` when unknown. */
export function entryCost(entry: Pick<LockEntry, 'cost_usd' | 'cost'>): { readonly currency: string; readonly micros: number } | null {
  if (entry.cost) return { currency: entry.cost.currency, micros: Math.round(entry.cost.amount * 1_000_000) };
  return entry.cost_usd === null ? null : { currency: 'USD', micros: Math.round(entry.cost_usd * 1_000_000) };
}
