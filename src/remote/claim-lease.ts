import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { claimName } from './blob-key.js';
import {
  CLAIM_LEASE_MS,
  CLAIM_RENEW_MS,
  decideOnClaim,
  isServerUrl,
  newClaimRecord,
  parseClaim,
  serializeClaim,
  type ClaimDecision,
  type ClaimIdentity,
  type ClaimRecord,
  type ObservedClaim,
} from './claim.js';
import { defaultRemoteRetry, withRemoteRetries, type RemoteRetry } from './remote-retry.js';
import type { ClaimStore, StoredClaim } from './store.js';

/**
 * Claims as a run uses them: meet the claim of a request (create it, adopt its video, wait, or
 * take it over), then hold it as a lease (renewed while the job is worked on, the video id
 * recorded the moment the create returns, released if the run gives up). Every write is
 * conditional on the version last seen, so a lease that was taken over is lost, never
 * overwritten.
 */

export function createClaimIdentity(options: { host?: string; pid?: number; token?: string } = {}): ClaimIdentity {
  return { owner: options.token ?? randomBytes(16).toString('hex'), host: options.host ?? os.hostname(), pid: options.pid ?? process.pid };
}

/**
 * When this reader first saw each claim version, by its own clock: a claim lapses when its
 * version stays the same for a whole lease, whatever the owner's clock says.
 */
export class ClaimWatch {
  private readonly firstSeen = new Map<string, { version: string; atMs: number }>();

  seen(name: string, version: string, nowMs: number): number {
    const known = this.firstSeen.get(name);
    if (known?.version === version) return known.atMs;
    this.firstSeen.set(name, { version, atMs: nowMs });
    return nowMs;
  }
}

export type ClaimOutcome =
  /** This run holds the claim: create (after reconciling, when `reconcile` says so), then `recordVideo`. */
  | {
      readonly kind: 'owned';
      readonly lease: ClaimLease;
      readonly reconcile: boolean;
      readonly since: string | null;
      /** The claim this run took over when it had lapsed (`null`: none, or one that could not be read): what `leaveUnresolved` puts back. */
      readonly previous?: ClaimRecord | null;
    }
  | Extract<ClaimDecision, { action: 'adopt' }>
  | Extract<ClaimDecision, { action: 'wait' }>;

export interface ClaimContext {
  readonly claims: ClaimStore;
  readonly me: ClaimIdentity;
  readonly watch: ClaimWatch;
  readonly now: () => number;
  readonly retry?: Partial<RemoteRetry> | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Meets the claim of `fingerprint` once: writes it if there is none (or takes over a released
 * or lapsed one), else says whom to adopt from or how long to wait. Races with other runs are
 * settled by the store's conditional writes; the loser looks again.
 */
export async function meetClaim(
  ctx: ClaimContext,
  fingerprint: string,
  options: { readonly videoGone?: boolean | ((videoId: string) => boolean) } = {},
): Promise<ClaimOutcome> {
  const name = claimName(fingerprint);
  const retried = <T>(attempt: () => Promise<T>) => withRemoteRetries({ ...defaultRemoteRetry, ...ctx.retry, signal: ctx.signal }, attempt);
  let current = await retried(() => ctx.claims.read(name, { signal: ctx.signal }));
  // Each lost race means another run wrote meanwhile; a handful of rounds settles any real contention.
  for (let round = 0; round < 8; round++) {
    const nowMs = ctx.now();
    const observed = current === null ? null : observe(current, fingerprint);
    // Keyed by content too: a claim removed and made again can start over at the same version.
    const firstSeenMs =
      current === null ? nowMs : ctx.watch.seen(name, `${current.version}\0${createHash('sha256').update(current.text).digest('hex')}`, nowMs);
    const gone =
      typeof options.videoGone === 'function' ? observed?.record?.video_id != null && options.videoGone(observed.record.video_id) : options.videoGone;
    const decision = decideOnClaim({ claim: observed, me: ctx.me, nowMs, firstSeenMs, ...(gone === undefined ? {} : { videoGone: gone }) });
    switch (decision.action) {
      case 'adopt':
      case 'wait':
        return decision;
      case 'own':
        return { kind: 'owned', lease: new ClaimLease(ctx, name, observed!.record!, current!.version), reconcile: false, since: null };
      case 'create': {
        const record = newClaimRecord(fingerprint, ctx.me, nowMs);
        const result = await retried(() => ctx.claims.create(name, serializeClaim(record), { signal: ctx.signal }));
        if (result.created) return { kind: 'owned', lease: new ClaimLease(ctx, name, record, result.version), reconcile: false, since: null };
        current = result.current;
        break;
      }
      case 'take-over': {
        const record = newClaimRecord(fingerprint, ctx.me, nowMs);
        const result = await retried(() => ctx.claims.replace(name, serializeClaim(record), current!.version, { signal: ctx.signal }));
        if (result.replaced)
          return {
            kind: 'owned',
            lease: new ClaimLease(ctx, name, record, result.version),
            reconcile: decision.reconcile,
            since: decision.since,
            previous: observed?.record ?? null,
          };
        current = result.current;
        break;
      }
    }
  }
  return { action: 'wait', retryAfterMs: 1_000, holder: null };
}

function observe(stored: StoredClaim, fingerprint: string): ObservedClaim {
  return { record: parseClaim(stored.text, fingerprint), version: stored.version };
}

/** Thrown by a lease operation when another run holds the claim now: stop, and never create for it. */
export class ClaimLostError extends Error {
  constructor(readonly fingerprint: string) {
    super(`the claim on ${fingerprint} was taken over by another run`);
  }
}

/** A claim this run holds. Operations are serialized: a renewal never races the recording of the video id. */
export class ClaimLease {
  private chain: Promise<unknown> = Promise.resolve();
  private lastRenewedMs: number;
  private lost = false;

  constructor(
    private readonly ctx: ClaimContext,
    private readonly name: string,
    private record: ClaimRecord,
    private version: string,
  ) {
    this.lastRenewedMs = ctx.now();
  }

  get current(): ClaimRecord {
    return this.record;
  }

  /**
   * Whether the lease is safely held: renewed within half a lease. A run checks this (or
   * renews) right before it sends a create; past it, another run may already be taking over.
   */
  isHeld(nowMs = this.ctx.now()): boolean {
    return !this.lost && nowMs - this.lastRenewedMs < CLAIM_LEASE_MS / 2;
  }

  /** Renews the lease. Throws `ClaimLostError` if another run holds the claim now. */
  renew(): Promise<void> {
    return this.update((record, at) => ({ ...record, renewed_at: at }));
  }

  /** Records the video the create returned (and the pool server holding it); from then on the claim never lapses. */
  recordVideo(videoId: string, server: string | null = null): Promise<void> {
    // A server URL is written only without credentials, query or fragment; anything else is left out.
    const safeServer = server !== null && isServerUrl(server) ? server : null;
    return this.update((record, at) => ({ ...record, renewed_at: at, video_id: videoId, server: safeServer }));
  }

  /** Gives the claim up (the run stopped before creating, or the job failed): another run may take it at once. */
  release(): Promise<void> {
    return this.update((record, at) => ({ ...record, renewed_at: at, released: true }));
  }

  /**
   * After a lapsed claim was taken over and the search for the job its owner may have made could
   * not settle it (the provider cannot be searched, or the search failed): puts the claim back as
   * it was found, so the next run meets the same unresolved claim (and searches again), never a
   * released one it would create for at once. A claim that could not be read goes back as one
   * lapsed a day ago, searched over that day. The lease ends with it.
   */
  async leaveUnresolved(previous: ClaimRecord | null): Promise<void> {
    const dayAgo = new Date(this.ctx.now() - 24 * 3600_000).toISOString();
    await this.update((record) => previous ?? { ...record, created_at: dayAgo, renewed_at: dayAgo });
    this.lost = true;
  }

  /**
   * Renews every `intervalMs` (default `CLAIM_RENEW_MS`) until the returned function is called
   * or the lease is lost (`onLost`). A renewal that fails for a transient reason is tried again
   * at the next tick; `isHeld` turns false if they keep failing.
   */
  keepAlive(
    options: { readonly intervalMs?: number; readonly onLost?: (error: ClaimLostError) => void; readonly onError?: (error: unknown) => void } = {},
  ): () => void {
    const timer = setInterval(() => {
      this.renew().catch((error: unknown) => {
        if (error instanceof ClaimLostError) {
          clearInterval(timer);
          options.onLost?.(error);
        } else options.onError?.(error);
      });
    }, options.intervalMs ?? CLAIM_RENEW_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  private update(change: (record: ClaimRecord, at: string) => ClaimRecord): Promise<void> {
    const next = this.chain.then(() => this.write(change));
    this.chain = next.catch(() => {});
    return next;
  }

  private async write(change: (record: ClaimRecord, at: string) => ClaimRecord): Promise<void> {
    if (this.lost) throw new ClaimLostError(this.record.fingerprint);
    const nowMs = this.ctx.now();
    const record = change(this.record, new Date(nowMs).toISOString());
    const text = serializeClaim(record);
    const result = await withRemoteRetries({ ...defaultRemoteRetry, ...this.ctx.retry, signal: this.ctx.signal }, () =>
      this.ctx.claims.replace(this.name, text, this.version, { signal: this.ctx.signal }),
    );
    // A write whose answer was lost and then retried meets its own result: that is success.
    const landed = result.replaced ? result.version : result.current?.text === text ? result.current.version : null;
    if (landed === null) {
      this.lost = true;
      throw new ClaimLostError(this.record.fingerprint);
    }
    this.record = record;
    this.version = landed;
    this.lastRenewedMs = nowMs;
  }
}
