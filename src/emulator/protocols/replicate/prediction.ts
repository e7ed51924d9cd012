import type { EmulatorContext } from '../../context.js';
import type { JobRecord } from '../../job.js';
import { deriveState, endedBefore, hadStarted, startedAtMs, stoppedAtMs } from '../../lifecycle.js';
import { isoTime } from '../json.js';

export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

export const TERMINAL: readonly PredictionStatus[] = ['succeeded', 'failed', 'canceled', 'aborted'];

/** Input, output and logs of API predictions are removed an hour after they finish (reference §5). */
export const REPLICATE_DATA_SECONDS = 3600;

/** Replicate's sensitive-content refusal; the text of hosted models' refusals varies (reference §7). */
export const SENSITIVE_ERROR = 'The input or output was flagged as sensitive. Please try again with different inputs. (E005)';

/** What the prediction keeps beyond the shared job, in its `wire`. */
export interface ReplicateWire {
  input: Record<string, unknown>;
  /** The delivery path token of the output file. */
  deliveryToken: string;
  webhook?: string;
  webhookEventsFilter?: string[];
  /** A model rule the input broke: the failed prediction's error. */
  runtimeError?: string;
}

export function replicateWire(job: JobRecord): ReplicateWire {
  return job.wire as unknown as ReplicateWire;
}

interface Phase {
  status: PredictionStatus;
  startedMs: number | null;
  completedMs: number | null;
}

/**
 * starting → processing → succeeded | failed, or stopped: a cancel gives `canceled`, a
 * `Cancel-After` deadline `aborted` before the model started and `canceled` after (reference §3).
 */
export function phaseOf(job: JobRecord, nowMs: number): Phase {
  const stop = stoppedAtMs(job);
  const started = startedAtMs(job);
  if (stop !== null && nowMs >= stop && !endedBefore(job, stop)) {
    const byDeadline = job.stoppedMs === null || job.stoppedMs === undefined || (job.deadlineMs ?? Infinity) < job.stoppedMs;
    const beforeStart = !hadStarted(job, stop);
    return { status: byDeadline && beforeStart ? 'aborted' : 'canceled', startedMs: beforeStart ? null : started, completedMs: stop };
  }
  const state = deriveState(job, nowMs);
  if (state.status === 'queued') return { status: 'starting', startedMs: null, completedMs: null };
  if (state.status === 'in_progress') return { status: 'processing', startedMs: started, completedMs: null };
  return { status: state.status === 'completed' ? 'succeeded' : 'failed', startedMs: started, completedMs: state.completedMs };
}

/** When input, output and logs are removed: the retention after completion; null while running. */
export function dataRemovedAtMs(ctx: EmulatorContext, job: JobRecord): number | null {
  const { completedMs } = phaseOf(job, ctx.now());
  return completedMs === null ? null : completedMs + (ctx.settings.retentionSeconds ?? REPLICATE_DATA_SECONDS) * 1000;
}

export function deliveryUrl(ctx: EmulatorContext, job: JobRecord): string {
  return `${ctx.origin()}/replicate-delivery/${replicateWire(job).deliveryToken}/output.mp4`;
}

/** The prediction object with every field of reference §4. */
export function predictionOf(ctx: EmulatorContext, job: JobRecord, nowMs: number = ctx.now()): Record<string, unknown> {
  const wire = replicateWire(job);
  const phase = phaseOf(job, nowMs);
  const removedAt = dataRemovedAtMs(ctx, job);
  const removed = removedAt !== null && nowMs >= removedAt;
  const base = `${ctx.origin()}/v1/predictions/${job.id}`;
  const terminal = TERMINAL.includes(phase.status);
  return {
    id: job.id,
    model: job.model,
    version: 'hidden',
    input: removed ? {} : wire.input,
    logs: removed ? '' : logsOf(job, phase.status),
    output: phase.status === 'succeeded' && !removed ? deliveryUrl(ctx, job) : null,
    data_removed: removed,
    error: phase.status === 'failed' ? errorOf(job) : null,
    status: phase.status,
    source: 'api',
    created_at: isoTime(job.createdMs),
    started_at: phase.startedMs === null ? null : isoTime(phase.startedMs),
    completed_at: phase.completedMs === null ? null : isoTime(phase.completedMs),
    ...(job.deadlineMs === null || job.deadlineMs === undefined ? {} : { deadline: isoTime(job.deadlineMs) }),
    urls: { get: base, cancel: `${base}/cancel`, web: `${ctx.origin()}/p/${job.id}` },
    metrics: terminal ? metricsOf(job, phase) : {},
    ...(wire.webhook === undefined
      ? {}
      : { webhook: wire.webhook, webhook_events_filter: wire.webhookEventsFilter ?? ['start', 'output', 'logs', 'completed'] }),
  };
}

function errorOf(job: JobRecord): string {
  if (job.fate === 'fail-moderation') return SENSITIVE_ERROR;
  if (job.fate === 'fail-input') return replicateWire(job).runtimeError ?? 'Prediction failed.';
  return 'Prediction failed due to an internal error.';
}

function logsOf(job: JobRecord, status: PredictionStatus): string {
  if (status === 'starting' || status === 'aborted') return '';
  const lines = [`Generating a ${job.seconds} s video at ${job.size}`];
  if (status === 'succeeded') lines.push('Video generated');
  return `${lines.join('\n')}\n`;
}

function metricsOf(job: JobRecord, phase: Phase): Record<string, number> {
  const end = phase.completedMs ?? job.createdMs;
  const total = { total_time: (end - job.createdMs) / 1000 };
  return phase.startedMs === null ? total : { predict_time: (end - phase.startedMs) / 1000, ...total };
}
