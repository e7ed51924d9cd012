import type { EmulatorContext } from '../../context.js';
import type { JobRecord } from '../../job.js';
import { deriveState, hadStarted, isInFlight, startedAtMs, stoppedAtMs } from '../../lifecycle.js';
import { isoTime } from '../json.js';
import type { DetailItem } from './input-schema.js';

/** Where a fal request is, as its status route names it: a cancelled request counts as COMPLETED too (fal has no CANCELED status). */
export type FalStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';

/** What the queue keeps of a request, in the job's `wire`. */
export interface FalWire {
  endpointId: string;
  appPath: string;
  input: Record<string, unknown>;
  /** From `X-Fal-Object-Lifecycle-Preference`: seconds the output media live, null for no expiry, absent for the default. */
  expirationSeconds?: number | null;
  /** The CDN path token of the output file. */
  mediaToken: string;
  /** The seed the result reports, for models that return one. */
  seed?: number;
  /** A refused input: the 422's `detail`, given at the result. */
  rejection?: DetailItem[];
  /** `?fal_webhook=`: kept, not called (the emulator makes no outbound requests). */
  webhook?: string | null;
}

export function falWire(job: JobRecord): FalWire {
  return job.wire as unknown as FalWire;
}

export function falStatus(job: JobRecord, nowMs: number): FalStatus {
  if (isCancelled(job, nowMs)) return 'COMPLETED';
  const { status } = deriveState(job, nowMs);
  if (status === 'queued') return 'IN_QUEUE';
  if (status === 'in_progress') return 'IN_PROGRESS';
  return 'COMPLETED';
}

/** A request cancelled before it started: stopped, and never run. */
export function isCancelled(job: JobRecord, nowMs: number): boolean {
  const stopped = stoppedAtMs(job);
  return stopped !== null && nowMs >= stopped && !hadStarted(job, stopped);
}

/** The request's URLs on the emulator's origin, with only `{owner}/{alias}` (reference §2). */
export function requestUrls(ctx: EmulatorContext, job: JobRecord): { response_url: string; status_url: string; cancel_url: string } {
  const base = `${ctx.origin()}/${falWire(job).appPath}/requests/${job.id}`;
  return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
}

/** Requests ahead of this one in the queue: 0 when it is next. */
export function queuePosition(ctx: EmulatorContext, job: JobRecord, nowMs: number): number {
  return ctx.store.all().filter((other) => other.seq < job.seq && isInFlight(other, nowMs) && falStatus(other, nowMs) === 'IN_QUEUE').length;
}

/** The status body: queue position while queued, logs (with `?logs=1`) once running, metrics once done. */
export function statusBody(ctx: EmulatorContext, job: JobRecord, withLogs: boolean): Record<string, unknown> {
  const nowMs = ctx.now();
  const status = falStatus(job, nowMs);
  const body: Record<string, unknown> = { status, request_id: job.id, ...requestUrls(ctx, job) };
  if (status === 'IN_QUEUE') return { ...body, queue_position: queuePosition(ctx, job, nowMs) };
  if (withLogs) body['logs'] = logsOf(job, status);
  if (status === 'COMPLETED') {
    const { completedMs } = deriveState(job, nowMs);
    body['metrics'] = { inference_time: isCancelled(job, nowMs) || completedMs === null ? null : (completedMs - startedAtMs(job)) / 1000 };
  }
  return body;
}

function logsOf(job: JobRecord, status: FalStatus): Array<Record<string, string>> {
  const at = isoTime(startedAtMs(job));
  const logs = [{ message: `Generating ${job.seconds} s at ${job.size}`, level: 'INFO', source: 'USER', timestamp: at }];
  if (status === 'COMPLETED') logs.push({ message: 'Done', level: 'INFO', source: 'USER', timestamp: at });
  return logs;
}
