/**
 * Claims: one paid job per request across machines (SPEC §8). Before a create, a run writes a
 * claim for the request's fingerprint to the remote, create-only; a run elsewhere that meets it
 * adopts its video instead of creating, or waits for one. This file holds the record, its
 * (untrusted) parsing and the pure decision of what to do on meeting a claim; the writes live
 * in claim-lease.ts and the stores.
 */

/**
 * How long a claim without a video id stays live after its last renewal: 2 minutes. The owner
 * renews every `CLAIM_RENEW_MS`, so a live owner misses three renewals before it can lapse.
 */
export const CLAIM_LEASE_MS = 120_000;
/** How often an owner renews its claim: 30 s. */
export const CLAIM_RENEW_MS = 30_000;
/**
 * A claim whose `renewed_at` is older than the lease plus this, by the reader's clock, has
 * lapsed without waiting to watch it (1 h: clocks of a team's machines and CI agree far better).
 * Younger claims lapse only once this reader has seen the same version for a whole lease, so a
 * machine whose clock runs ahead never takes over a live claim.
 */
export const CLAIM_CLOCK_SKEW_MS = 3_600_000;
/** Larger claim documents are not read: a claim is a few hundred bytes. */
export const CLAIM_MAX_BYTES = 16 * 1024;

export const CLAIM_FORMAT_VERSION = 1;

export interface ClaimRecord {
  readonly claim_version: typeof CLAIM_FORMAT_VERSION;
  /** The request's fingerprint, `sha256:…`, as in the lockfile. */
  readonly fingerprint: string;
  /** A random token of the process that holds the claim; the claim is theirs while it matches. */
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
  /** ISO times, by the owner's clock. */
  readonly created_at: string;
  readonly renewed_at: string;
  /** The video made for the request, once the create returned; then the claim never lapses while the video exists. */
  readonly video_id: string | null;
  /** For a provider with a pool of servers: the base URL holding the video; `null` for the first server. */
  readonly server: string | null;
  /** The owner gave up without a usable video (interrupted before the create, the job failed): anyone may take it. */
  readonly released: boolean;
}

/** Who this process is, as a claim says it. */
export interface ClaimIdentity {
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
}

/** A claim as a store returned it: the parsed record (`null` when unreadable) and its version (ETag, generation). */
export interface ObservedClaim {
  readonly record: ClaimRecord | null;
  readonly version: string;
}

export function newClaimRecord(fingerprint: string, me: ClaimIdentity, nowMs: number): ClaimRecord {
  const at = new Date(nowMs).toISOString();
  return {
    claim_version: CLAIM_FORMAT_VERSION,
    fingerprint,
    owner: me.owner,
    host: me.host,
    pid: me.pid,
    created_at: at,
    renewed_at: at,
    video_id: null,
    server: null,
    released: false,
  };
}

/** The document written to the remote: fixed key order, one line. */
export function serializeClaim(record: ClaimRecord): string {
  const ordered: ClaimRecord = {
    claim_version: record.claim_version,
    fingerprint: record.fingerprint,
    owner: record.owner,
    host: record.host,
    pid: record.pid,
    created_at: record.created_at,
    renewed_at: record.renewed_at,
    video_id: record.video_id,
    server: record.server,
    released: record.released,
  };
  return `${JSON.stringify(ordered)}\n`;
}

const TOKEN = /^[0-9a-f]{16,64}$/;
const VIDEO_ID = /^[\x21-\x7e]{1,256}$/;
const HOST = /^[\x20-\x7e]{0,255}$/;

/**
 * A claim read from the remote, checked field by field: the remote is shared and untrusted, so
 * anything malformed (or written by a newer shotlist) is `null`, an unreadable claim, which is
 * never adopted and lapses only by being watched.
 */
export function parseClaim(text: string, fingerprint: string): ClaimRecord | null {
  if (text.length > CLAIM_MAX_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const ok =
    v['claim_version'] === CLAIM_FORMAT_VERSION &&
    v['fingerprint'] === fingerprint &&
    typeof v['owner'] === 'string' &&
    TOKEN.test(v['owner']) &&
    typeof v['host'] === 'string' &&
    HOST.test(v['host']) &&
    Number.isSafeInteger(v['pid']) &&
    (v['pid'] as number) >= 0 &&
    isIsoTime(v['created_at']) &&
    isIsoTime(v['renewed_at']) &&
    (v['video_id'] === null || (typeof v['video_id'] === 'string' && VIDEO_ID.test(v['video_id']))) &&
    (v['server'] === null || (typeof v['server'] === 'string' && isServerUrl(v['server']))) &&
    typeof v['released'] === 'boolean';
  return ok ? (v as unknown as ClaimRecord) : null;
}

function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 40 && /^\d{4}-\d\d-\d\dT/.test(value) && Number.isFinite(Date.parse(value));
}

/** An http(s) base URL without credentials, query or fragment. */
export function isServerUrl(text: string): boolean {
  if (text.length > 2048) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

/** What a run does on meeting the claim (or its absence) for a request it is about to create. */
export type ClaimDecision =
  /** No claim: write one, create-only. */
  | { readonly action: 'create' }
  /** The claim is this process's own. */
  | { readonly action: 'own' }
  /** Another run made the video: adopt it (poll it, download it, or pull its blob); never create. */
  | { readonly action: 'adopt'; readonly videoId: string; readonly server: string | null; readonly holder: ClaimHolder }
  /** Another run holds a live claim and has no video yet: look again after `retryAfterMs`. */
  | { readonly action: 'wait'; readonly retryAfterMs: number; readonly holder: ClaimHolder | null }
  /**
   * Replace the claim (conditionally, on its version). After `reconcile`, the run first looks
   * for a job the lapsed owner may have created (SPEC §5: list recent videos, match the
   * request, created since `since`) and adopts it; only if none turns up does it create.
   */
  | {
      readonly action: 'take-over';
      readonly reason: 'released' | 'lapsed' | 'unreadable' | 'video-gone';
      readonly reconcile: boolean;
      readonly since: string | null;
    };

export interface ClaimHolder {
  readonly host: string;
  readonly pid: number;
  readonly since: string;
}

export interface ClaimMeeting {
  /** The claim found, or `null` when there is none. */
  readonly claim: ObservedClaim | null;
  readonly me: ClaimIdentity;
  /** This reader's clock. */
  readonly nowMs: number;
  /** When this reader first saw `claim.version` (its own clock): a version unchanged for a lease has lapsed. */
  readonly firstSeenMs: number;
  /** The claim's video is known to be gone (expired or deleted on its server, and its blob not on the remote). */
  readonly videoGone?: boolean;
}

export function decideOnClaim(meeting: ClaimMeeting): ClaimDecision {
  const { claim, me, nowMs } = meeting;
  if (claim === null) return { action: 'create' };
  const record = claim.record;
  const watchedMs = nowMs - meeting.firstSeenMs;
  if (record === null) {
    return watchedMs >= CLAIM_LEASE_MS
      ? { action: 'take-over', reason: 'unreadable', reconcile: true, since: null }
      : { action: 'wait', retryAfterMs: waitMs(watchedMs), holder: null };
  }
  if (record.released) return { action: 'take-over', reason: 'released', reconcile: false, since: null };
  if (record.owner === me.owner) return { action: 'own' };
  const holder = { host: record.host, pid: record.pid, since: record.created_at };
  if (record.video_id !== null) {
    if (meeting.videoGone === true) return { action: 'take-over', reason: 'video-gone', reconcile: false, since: null };
    return { action: 'adopt', videoId: record.video_id, server: record.server, holder };
  }
  const renewedAgoMs = nowMs - Date.parse(record.renewed_at);
  const lapsed = watchedMs >= CLAIM_LEASE_MS || renewedAgoMs >= CLAIM_LEASE_MS + CLAIM_CLOCK_SKEW_MS;
  if (lapsed) return { action: 'take-over', reason: 'lapsed', reconcile: true, since: record.created_at };
  return { action: 'wait', retryAfterMs: waitMs(watchedMs), holder };
}

/** Look again at the next renewal, or when the watched lease runs out, whichever is first. */
function waitMs(watchedMs: number): number {
  return Math.max(1_000, Math.min(CLAIM_RENEW_MS, CLAIM_LEASE_MS - watchedMs));
}
