import type { JobRetryPolicy, Video, VideoProtocolClient } from '../api/index.js';
import { InternalError, ShotlistError } from '../errors.js';
import { buildEntryFromVideo, buildExpiredEntry } from '../lockfile/entry-builder.js';
import type { JobRequest } from '../lockfile/fingerprint.js';
import type { LockEntry } from '../lockfile/lockfile.js';
import type { PlannedJob } from '../plan/plan.js';
import type { ProviderProfile } from '../providers/profile.js';
import type { Clock } from './clock.js';
import type { KeyedMutex } from './keyed-mutex.js';
import type { LockRecorder } from './lock-recorder.js';
import type { ClaimContext } from '../remote/claim-lease.js';

/**
 * What every stage of a job (create once, poll, download) shares: the run's options, and one
 * context per job (which job, on which server, under which signal) instead of a row of
 * positional parameters.
 */

/** A job's server-side result: the completed video. */
export interface Served {
  readonly videoId: string;
}

export type JobState = 'creating' | 'queued' | 'in_progress' | 'completed' | 'downloading' | 'done' | 'failed';

/** A job the server failed (moderation, generation error); its remixes are skipped. */
export class JobFailedError extends ShotlistError {
  constructor(
    readonly jobId: string,
    readonly reason: { readonly code: string; readonly message: string },
  ) {
    super('job-failed', `${reason.code}: ${reason.message}`);
  }
}

/**
 * The server cannot be used at all: nothing answers, or it refuses the credentials. Every job
 * would meet the same, so the run stops (exit 5) instead of failing each job in turn.
 */
export class ServerUnusableError extends ShotlistError {
  constructor(cause: Error) {
    super('server-unusable', `the server cannot be used: ${cause.message}`, { cause });
  }
}

export interface RunnerOptions {
  /** A client per server, by the name the scheduler and the lockfile use. */
  readonly clients: ReadonlyMap<string, VideoProtocolClient>;
  /** The server of lockfile entries that name none. */
  readonly firstServer: string;
  /** A pool: every entry records which server holds its video. */
  readonly recordServer: boolean;
  readonly profile: ProviderProfile;
  readonly recorder: LockRecorder;
  readonly planned: ReadonlyMap<string, PlannedJob>;
  /** Absolute output directory, and the lockfile's directory (output paths are recorded relative to it). */
  readonly outDir: string;
  readonly lockDir: string;
  /** Job id → absolute path of its input_reference image. */
  readonly inputReferences: ReadonlyMap<string, string>;
  /** The directory input images must lie in (through every symlink), as when they were checked. */
  readonly projectRoot: string;
  /** Each declared character's clip by name, with the sha256 it had when checked. Absent: none. */
  readonly characters?: ReadonlyMap<string, { readonly absPath: string; readonly sha256: string }>;
  readonly fileStem: (jobId: string) => string;
  readonly clock: Clock;
  /** Unix milliseconds, for timestamps the lockfile keeps. */
  readonly wallNow: () => number;
  readonly onState: (
    jobId: string,
    state: JobState,
    detail: { readonly videoId?: string | null; readonly progress?: number | null; readonly message?: string },
  ) => void;
  /** The server holds a job this run created: its create was answered, or found by the search after an unknown outcome. */
  readonly onCreated?: (jobId: string) => void;
  /** What a job does once the client's retries are spent. Default `defaultJobRetryPolicy`. */
  readonly retry?: JobRetryPolicy;
  /** The remote's claims, when the run has a remote that can hold them: every create goes through one (claimed-create.ts). */
  readonly claims?: ClaimContext | undefined;
  /**
   * `--retry-ambiguous`: where a create's outcome is unknown and the provider cannot be searched
   * for it (its own earlier attempt, or a lapsed claim another machine left without a video),
   * the user has checked and says to create it again. Default false: such a job is not sent.
   */
  readonly retryAmbiguous?: boolean;
}

/** The effects' own state for one run, beside the options. */
export interface Runner extends RunnerOptions {
  readonly retry: JobRetryPolicy;
  /** Keyed by `requestKey`: a create and the search after it are never interleaved with another job's identical ones. */
  readonly sameRequest: KeyedMutex;
  /** Characters being made in this run, by name, provider and clip: one request each, however many jobs cast it. */
  readonly makingCharacters: Map<string, Promise<string>>;
}

/** One server of the run, as a job's effects use it. */
export interface On {
  readonly client: VideoProtocolClient;
  /** Its name, as lockfile entries of a pool record it; undefined when entries record none. */
  readonly server: string | undefined;
}

/** One job at one stage: everything its steps need besides what they compute. */
export interface JobContext {
  readonly run: Runner;
  readonly jobId: string;
  readonly at: On;
  readonly signal: AbortSignal;
}

export function on(options: RunnerOptions, server: string): On {
  const client = options.clients.get(server);
  if (!client) throw new InternalError(`no client for server ${server}`);
  return { client, server: options.recordServer ? server : undefined };
}

/** The server holding an entry's video. */
export function holding(options: RunnerOptions, entry: LockEntry): On {
  return on(options, entry.server ?? options.firstServer);
}

/** Records the server's report of the job's video, and shows its state. */
export async function recordVideo(job: JobContext, request: JobRequest, fingerprint: string, video: Video): Promise<void> {
  const { recorder } = job.run;
  await recorder.record(job.jobId, buildEntryFromVideo(request, fingerprint, video, recorder.entry(job.jobId), job.at.server));
  job.run.onState(job.jobId, video.status === 'in_progress' ? 'in_progress' : 'queued', { videoId: video.id, progress: video.progress });
}

/**
 * The server answered 404 for a job's completed video: its retention ran out before the one the
 * lockfile counts on (or the server lost it). Recorded as expired now, so the next plan renders
 * the job anew, and its remixes against the new video, instead of failing on it forever.
 */
export async function recordGone(run: Runner, jobId: string): Promise<void> {
  const entry = run.recorder.entry(jobId);
  if (!entry) return;
  const now = Math.floor(run.wallNow() / 1000);
  if (entry.expires_at !== null && entry.expires_at <= now) return;
  await run.recorder.record(jobId, buildExpiredEntry(entry, now));
}
