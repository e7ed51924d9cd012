import { NotFoundError } from '../api/index.js';
import { buildEntryFromVideo } from '../lockfile/entry-builder.js';
import { ClaimLostError, meetClaim, type ClaimContext, type ClaimOutcome } from '../remote/claim-lease.js';
import { EXPIRY_MARGIN_SECONDS } from '../plan/entry-state.js';
import { canSearch, createOnce, search, type CreateContext } from './create-once.js';
import { on, ServerUnusableError, type On } from './job-context.js';
import { RemoteError } from '../remote/errors.js';
import { serverName } from '../providers/profile.js';

/**
 * One paid job per request across machines (SPEC §8): before a create, the run meets the claim
 * of the request's fingerprint on the remote. It creates only while it holds the claim (and
 * records the video id there the moment the create returns); a run that meets another's claim
 * with a video adopts that video (polled, downloaded and recorded like its own, at no cost); a
 * live claim without a video is waited for; a lapsed one is taken over only after the reconcile
 * search finds no job made from it.
 */

/** The remote's claims cannot be read or written: the run stops (exit 5) before creating anything more. */
export class RemoteUnusableError extends ServerUnusableError {
  constructor(cause: RemoteError) {
    super(cause);
    this.message = `the remote cannot hold this run's claims: ${cause.message}`;
  }
}

/** How often a run waiting on another's claim reads it again: a claim read is one small GET. */
const CLAIM_LOOK_AGAIN_MS = 2_000;

/** How far back the reconcile after taking over an unreadable claim looks: a day, the shortest retention. */
const UNKNOWN_SINCE_SECONDS = 24 * 3600;

/**
 * The video id for the job: adopted from another run's claim, or created under this run's own.
 * `staleVideo`: the video the job's lockfile entry already has, which the plan judged unusable
 * (expired, forced to render again): a claim naming it is taken over, not adopted.
 */
export async function createClaimed(
  job: CreateContext,
  claims: ClaimContext,
  staleVideo: string | null,
): Promise<{ readonly videoId: string; readonly at: On }> {
  const { run, jobId, signal } = job;
  const unusable = new Set<string>(staleVideo === null ? [] : [staleVideo]);
  for (;;) {
    signal.throwIfAborted();
    const outcome = await meetClaim({ ...claims, signal }, job.asked.fingerprint, { videoGone: (videoId) => unusable.has(videoId) }).catch((error: unknown) => {
      // Claims that cannot be read or written stop the run, as an unreachable server does: every
      // job would meet the same, and none may be created without its claim.
      throw error instanceof RemoteError ? new RemoteUnusableError(error) : error;
    });
    if ('kind' in outcome) {
      const created = await createOwned(job, outcome);
      if (created !== null) return { videoId: created, at: job.at };
      continue;
    }
    if (outcome.action === 'adopt') {
      // On a pool, the video is polled and downloaded where the claim says it is; a server this run does not reach cannot give it.
      const at = outcome.server === null ? job.at : run.clients.has(serverName(outcome.server)) ? on(run, serverName(outcome.server)) : null;
      if (at !== null && (await adopt({ ...job, at }, outcome.videoId))) return { videoId: outcome.videoId, at };
      unusable.add(outcome.videoId);
      continue;
    }
    const holder = outcome.holder === null ? 'another run' : `${outcome.holder.host} (pid ${outcome.holder.pid})`;
    run.onState(jobId, 'queued', { message: `${holder} is rendering the same request; waiting for its video` });
    // The holder records its video id the moment its create returns: look again soon, whatever the lease allows.
    await run.clock.sleep(Math.min(outcome.retryAfterMs, CLAIM_LOOK_AGAIN_MS), signal);
  }
}

/** Creates under the claim this run holds; `null` when the claim was lost before anything was sent (meet it again). */
async function createOwned(job: CreateContext, owned: Extract<ClaimOutcome, { kind: 'owned' }>): Promise<string | null> {
  const { run, jobId } = job;
  const { lease } = owned;
  const server = job.at.server ?? null;
  const stop = lease.keepAlive();
  // A claim whose owner's create may have reached the server stays as it is found while that is
  // unresolved: released, the next run would take it at once and create the request again.
  let unresolved = false;
  try {
    // A lapsed claim left without a video: the job its owner may have made is looked for first;
    // where the provider cannot be searched, only `--retry-ambiguous` lets it be created again.
    if (owned.reconcile && (canSearch(job) || run.retryAmbiguous !== true)) {
      const since = owned.since === null ? Math.floor(run.wallNow() / 1000) - UNKNOWN_SINCE_SECONDS : Math.floor(Date.parse(owned.since) / 1000);
      unresolved = true;
      const found = await search(job, since);
      unresolved = false;
      if (found !== null) {
        await lease.recordVideo(found, server);
        return found;
      }
    }
    // Past half a lease without a renewal another run may be taking over: renew (or learn it is lost) first.
    if (!lease.isHeld()) await lease.renew();
    const videoId = await createOnce(job);
    // Paid for: whatever becomes of the claim now, the video is this job's.
    await lease.recordVideo(videoId, server).catch(() => undefined);
    return videoId;
  } catch (error) {
    if (error instanceof ClaimLostError && run.recorder.entry(jobId)?.status !== 'creating') return null;
    // Nothing was created (refused, or stopped before sending): another run may take the request at once.
    // A create whose outcome is unknown keeps the claim, to lapse and be reconciled.
    if (unresolved) await lease.leaveUnresolved(owned.previous ?? null).catch(() => undefined);
    else if (run.recorder.entry(jobId)?.status !== 'creating') await lease.release().catch(() => undefined);
    throw error;
  } finally {
    stop();
  }
}

/** Records another run's video as this job's (at no cost to this run); false when the server no longer has it, or it failed. */
async function adopt(job: CreateContext, videoId: string): Promise<boolean> {
  const { run, jobId, asked } = job;
  let video;
  try {
    ({ video } = await job.at.client.retrieve(videoId, { signal: job.signal }));
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
  // A failed video, or one expiring before it could be downloaded, is no take to adopt: the request is made again.
  if (video.status === 'failed') return false;
  if (video.expiresAt !== null && video.expiresAt <= Math.floor(run.wallNow() / 1000) + EXPIRY_MARGIN_SECONDS) return false;
  const entry = buildEntryFromVideo(asked.request, asked.fingerprint, video, run.recorder.entry(jobId), job.at.server);
  await run.recorder.record(jobId, { ...entry, cost_usd: asked.costUsd });
  run.onState(jobId, video.status === 'completed' ? 'completed' : video.status === 'in_progress' ? 'in_progress' : 'queued', {
    videoId,
    progress: video.progress,
    message: 'made by another run holding the claim; adopted',
  });
  return true;
}
