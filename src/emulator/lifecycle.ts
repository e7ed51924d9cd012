import { isProModel, parseSize } from './models.js';
import type { JobRecord, VideoObject, VideoStatus } from './job.js';

/** Assets live 24 h from `created_at` (reference §8). */
export const RETENTION_SECONDS = 86_400;

export const MODERATION_FAILURE = {
  code: 'moderation_blocked',
  message: 'Your video was blocked by our moderation system. Try again with a different prompt.',
} as const;

/** A moderated job fails halfway through generation, as a real refusal arrives after some work. */
const FAILURE_POINT = 0.5;
const QUEUE_SECONDS = 2;
const REFERENCE_PIXELS = 720 * 1280;

export interface JobState {
  status: VideoStatus;
  progress: number;
  completedMs: number | null;
  error: { code: string; message: string } | null;
}

/**
 * Simulated generation time at speed 1: tens of seconds, growing with the seconds generated
 * (an extension's new segment, not the stitched total) and pixel count, slower for pro. `speed`
 * divides it.
 */
export function planTiming(job: Pick<JobRecord, 'model' | 'size' | 'seconds' | 'source'>, speed: number): { queueMs: number; runMs: number } {
  const { width, height } = parseSize(job.size);
  const pixelFactor = (width * height) / REFERENCE_PIXELS;
  const modelFactor = isProModel(job.model) ? 1.5 : 1;
  const generated = Number(job.seconds) - (job.source?.kind === 'extension' ? job.source.sourceSeconds : 0);
  const runSeconds = (10 + 4 * generated) * pixelFactor * modelFactor;
  return { queueMs: Math.round((QUEUE_SECONDS * 1000) / speed), runMs: Math.round((runSeconds * 1000) / speed) };
}

/** The job's state at `nowMs`: a pure function of the record, so every reader sees the same thing. */
export function deriveState(job: JobRecord, nowMs: number): JobState {
  const elapsed = nowMs - job.createdMs;
  if (job.fate === 'stuck' || elapsed < job.queueMs) return running('queued', 0);
  const runElapsed = elapsed - job.queueMs;
  if (job.fate === 'fail-input') {
    return {
      status: 'failed',
      progress: 0,
      completedMs: job.createdMs + job.queueMs,
      error: { code: 'invalid_input', message: 'The model refused the input.' },
    };
  }
  if (job.fate === 'fail-moderation' && runElapsed >= job.runMs * FAILURE_POINT) {
    return {
      status: 'failed',
      progress: Math.floor(FAILURE_POINT * 100),
      completedMs: job.createdMs + job.queueMs + Math.round(job.runMs * FAILURE_POINT),
      error: { ...MODERATION_FAILURE },
    };
  }
  if (job.renderError !== null && runElapsed >= job.runMs) {
    return {
      status: 'failed',
      progress: 99,
      completedMs: plannedEndMs(job),
      error: { code: 'internal_error', message: 'Video generation failed due to an internal error.' },
    };
  }
  if (runElapsed < job.runMs || job.mediaReadyMs === null) {
    return running('in_progress', Math.min(99, Math.floor((100 * runElapsed) / Math.max(1, job.runMs))));
  }
  return { status: 'completed', progress: 100, completedMs: Math.max(plannedEndMs(job), job.mediaReadyMs), error: null };
}

function running(status: 'queued' | 'in_progress', progress: number): JobState {
  return { status, progress, completedMs: null, error: null };
}

export function plannedEndMs(job: JobRecord): number {
  return job.createdMs + job.queueMs + job.runMs;
}

export function isInFlight(job: JobRecord, nowMs: number): boolean {
  if (job.deletedMs !== null) return false;
  const stopped = stoppedAtMs(job);
  if (stopped !== null && nowMs >= stopped && !endedBefore(job, stopped)) return false;
  const { status } = deriveState(job, nowMs);
  return status === 'queued' || status === 'in_progress';
}

/** When a cancel or a deadline stops the job, whichever comes first; null when neither is set. */
export function stoppedAtMs(job: JobRecord): number | null {
  const times = [job.stoppedMs ?? null, job.deadlineMs ?? null].filter((time): time is number => time !== null);
  return times.length === 0 ? null : Math.min(...times);
}

/** The job had already ended (completed or failed) at `atMs`: a later stop changes nothing. */
export function endedBefore(job: JobRecord, atMs: number): boolean {
  const { status } = deriveState(job, atMs);
  return status === 'completed' || status === 'failed';
}

/** When the job leaves the queue for a worker (planned: a stuck job never does). */
export function startedAtMs(job: JobRecord): number {
  return job.createdMs + job.queueMs;
}

/** The job had left the queue for a worker by `atMs`. */
export function hadStarted(job: JobRecord, atMs: number): boolean {
  return job.fate !== 'stuck' && atMs >= startedAtMs(job);
}

export function createdAtSeconds(job: JobRecord): number {
  return Math.floor(job.createdMs / 1000);
}

export function expiresAtSeconds(job: JobRecord): number {
  return createdAtSeconds(job) + RETENTION_SECONDS;
}

export function isExpired(job: JobRecord, nowMs: number): boolean {
  return nowMs >= expiresAtSeconds(job) * 1000;
}

export function toVideoObject(job: JobRecord, nowMs: number): VideoObject {
  const state = deriveState(job, nowMs);
  const completed = state.status === 'completed';
  return {
    id: job.id,
    object: 'video',
    model: job.model,
    status: state.status,
    progress: state.progress,
    created_at: createdAtSeconds(job),
    completed_at: state.completedMs === null ? null : Math.floor(state.completedMs / 1000),
    expires_at: completed ? expiresAtSeconds(job) : null,
    prompt: job.prompt,
    size: job.size,
    seconds: job.seconds,
    remixed_from_video_id: job.remixedFrom,
    error: state.error,
  };
}
