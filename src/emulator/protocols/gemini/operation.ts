import type { EmulatorContext } from '../../context.js';
import type { JobRecord } from '../../job.js';
import { deriveState } from '../../lifecycle.js';

/** Generated videos are kept on the server for 2 days, then removed (reference §8). */
export const GEMINI_RETENTION_SECONDS = 2 * 86_400;

const RESPONSE_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse';

/** The refusal text of a safety block: Google's recorded sentence shape (reference §6), not an error. */
export const RAI_REASON =
  'We encountered an issue with the audio for your prompt. You can try again with a different prompt. You have not been charged for this attempt.';

export function operationName(job: JobRecord): string {
  return `models/${job.model}/operations/${job.id}`;
}

export function fileIdOf(job: JobRecord): string {
  return String(job.wire?.['fileId'] ?? '');
}

/** `.../v1beta/files/{id}:download?alt=media`, on the emulator's origin. */
export function videoUri(ctx: EmulatorContext, job: JobRecord): string {
  return `${ctx.origin()}/v1beta/files/${fileIdOf(job)}:download?alt=media`;
}

/**
 * The operation as a poll returns it: only its name while it runs (`done` absent, no
 * `response`), then `done: true` with the video's URI, the safety block's counts and reasons,
 * or a google.rpc.Status error.
 */
export function operationOf(ctx: EmulatorContext, job: JobRecord): Record<string, unknown> {
  const name = operationName(job);
  const state = deriveState(job, ctx.now());
  if (state.status === 'queued' || state.status === 'in_progress') return { name };
  if (state.status === 'completed') {
    return {
      name,
      done: true,
      response: { '@type': RESPONSE_TYPE, generateVideoResponse: { generatedSamples: [{ video: { uri: videoUri(ctx, job) } }] } },
    };
  }
  if (job.fate === 'fail-moderation') {
    return {
      name,
      done: true,
      response: { '@type': RESPONSE_TYPE, generateVideoResponse: { raiMediaFilteredCount: 1, raiMediaFilteredReasons: [RAI_REASON] } },
    };
  }
  return { name, done: true, error: { code: 13, message: 'Video generation failed due to an internal error.', status: 'INTERNAL' } };
}

/** When the video's file is removed: 2 days (or the configured retention) after it was made; null while it runs. */
export function fileExpiresMs(ctx: EmulatorContext, job: JobRecord): number | null {
  const { status, completedMs } = deriveState(job, ctx.now());
  if (status !== 'completed' || completedMs === null) return null;
  return completedMs + (ctx.settings.retentionSeconds ?? GEMINI_RETENTION_SECONDS) * 1000;
}
