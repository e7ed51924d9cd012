import type { JobRecord, VideoStatus } from './job.js';
import { createdAtSeconds, deriveState, endedBefore, isInFlight, stoppedAtMs } from './lifecycle.js';

export interface StatsJob {
  id: string;
  prompt: string;
  model: string;
  size: string;
  seconds: string;
  remixed_from: string | null;
  /** `cancelled`: stopped by a cancel or a deadline before it ended (fal, Replicate). */
  status: VideoStatus | 'deleted' | 'cancelled';
  created_at: number;
  request_hash: string;
  /** Fields beyond the contract the job was created with (`seed`, ...), on flavors that take them. */
  extra?: Readonly<Record<string, string | number>>;
  /** An edit or an extension: of which video of this server (`video_id`), or of an upload (`video_id: null`). */
  source?: { kind: 'edit' | 'extension'; video_id: string | null };
  /** The characters a create cast, by id. */
  characters?: readonly string[];
}

/** What tests (and `GET /_emulator/stats`) read to check a client's behaviour from the server's side. */
export interface EmulatorStats {
  /** Most jobs queued or in progress at once, ever. */
  maxInFlight: number;
  inFlight: number;
  createsAccepted: number;
  /** Creates, remixes, edits and extensions refused with 429, by a limit or by an injected fault. */
  createsRejected429: number;
  /** Requests seen per route, e.g. `POST /v1/videos`; dropped and failed ones included. */
  requestsByRoute: Record<string, number>;
  /** Every job ever created, deleted ones with status `deleted`, in creation order. */
  jobs: StatsJob[];
  /** Server-side jobs per identical request (by request hash): anything above 1 means paying twice. */
  jobsPerRequest: Record<string, number>;
  /** Wall-clock milliseconds of each ffmpeg encode. */
  encodeMs: number[];
}

/** Counters that only the server can see; job-derived numbers are computed at snapshot time. */
export class StatsCounter {
  private maxInFlight = 0;
  private createsAccepted = 0;
  private createsRejected429 = 0;
  private readonly requestsByRoute: Record<string, number> = {};

  countRequest(route: string): void {
    this.requestsByRoute[route] = (this.requestsByRoute[route] ?? 0) + 1;
  }

  countAccepted(inFlightAfter: number): void {
    this.createsAccepted += 1;
    this.maxInFlight = Math.max(this.maxInFlight, inFlightAfter);
  }

  countRejected429(): void {
    this.createsRejected429 += 1;
  }

  snapshot(jobs: readonly JobRecord[], nowMs: number, encodeMs: readonly number[]): EmulatorStats {
    const jobsPerRequest: Record<string, number> = {};
    for (const job of jobs) jobsPerRequest[job.requestHash] = (jobsPerRequest[job.requestHash] ?? 0) + 1;
    return {
      maxInFlight: this.maxInFlight,
      inFlight: jobs.filter((job) => isInFlight(job, nowMs)).length,
      createsAccepted: this.createsAccepted,
      createsRejected429: this.createsRejected429,
      requestsByRoute: { ...this.requestsByRoute },
      jobs: jobs.map((job) => statsJob(job, nowMs)),
      jobsPerRequest,
      encodeMs: [...encodeMs],
    };
  }
}

function statsJob(job: JobRecord, nowMs: number): StatsJob {
  return {
    id: job.id,
    prompt: job.prompt,
    model: job.model,
    size: job.size,
    seconds: job.seconds,
    remixed_from: job.remixedFrom,
    status: job.deletedMs !== null ? 'deleted' : wasStopped(job, nowMs) ? 'cancelled' : deriveState(job, nowMs).status,
    created_at: createdAtSeconds(job),
    request_hash: job.requestHash,
    ...(job.extra ? { extra: job.extra } : {}),
    ...(job.source ? { source: { kind: job.source.kind, video_id: job.source.videoId } } : {}),
    ...(job.characters ? { characters: job.characters } : {}),
  };
}

function wasStopped(job: JobRecord, nowMs: number): boolean {
  const stopped = stoppedAtMs(job);
  return stopped !== null && nowMs >= stopped && !endedBefore(job, stopped);
}
