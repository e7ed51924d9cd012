import type { VideoStatus } from '../../providers/profile.js';
import type { CreateRequest } from '../openai-videos/request-body.js';
import { isRecord, serverText, type KitContext } from '../protocol-kit.js';
import { isoSeconds, videoOfJob } from '../protocol-video.js';
import { VideoShapeError, type Video } from '../video.js';

/**
 * A Replicate prediction (replicate.md §4) as a `Video`. `aborted` is terminal too (§4: a client
 * that omits it polls forever). A model's failure is not an HTTP error but `status: failed`
 * with an `error` string (§7); Replicate's sensitive-content refusal (E005) is recorded as
 * `moderation_blocked` like the other protocols' refusals. Output files expire an hour after the
 * prediction ends (§5): that is the video's `expiresAt`.
 */

const STATUS: Readonly<Record<string, VideoStatus>> = {
  starting: 'queued',
  processing: 'in_progress',
  succeeded: 'completed',
  failed: 'failed',
  canceled: 'failed',
  aborted: 'failed',
};

/** Output files and data of API predictions are removed after an hour (§5). */
const OUTPUT_SECONDS = 3600;

export function predictionVideo(ctx: KitContext, json: unknown, asked: CreateRequest | null): Video {
  if (!isRecord(json) || typeof json['status'] !== 'string') throw new VideoShapeError('expected a prediction with a "status"');
  const serverStatus = json['status'];
  const status = STATUS[serverStatus] ?? 'failed';
  const input = isRecord(json['input']) ? json['input'] : {};
  const completedAt = isoSeconds(json['completed_at']);
  const retention = ctx.profile.retentionSeconds ?? OUTPUT_SECONDS;
  return videoOfJob(ctx.profile, {
    id: json['id'],
    status,
    serverStatus,
    model: typeof json['model'] === 'string' ? json['model'] : (asked?.model ?? null),
    // Compared with the request when a lost create is looked for; removed with the data after an hour.
    prompt: typeof input['prompt'] === 'string' ? input['prompt'] : (asked?.prompt ?? null),
    progress: status === 'completed' ? 100 : null,
    createdAt: isoSeconds(json['created_at']),
    completedAt,
    expiresAt: status === 'completed' && completedAt !== null ? completedAt + retention : null,
    error: status === 'failed' ? errorOf(ctx, serverStatus, json['error']) : null,
  });
}

function errorOf(ctx: KitContext, serverStatus: string, error: unknown): { code: string; message: string } {
  const message = serverText(ctx, error);
  if (serverStatus !== 'failed') return { code: serverStatus, message: message ?? `the prediction was ${serverStatus}` };
  if (message !== null && /\bE005\b|flagged as sensitive/i.test(message)) return { code: 'moderation_blocked', message };
  return { code: 'prediction_failed', message: message ?? 'the prediction failed' };
}

/** The output URL: one string for video models, or the first of an array (§4); null once the data is removed. */
export function outputUrlOf(json: unknown): string | null {
  const output = isRecord(json) ? json['output'] : undefined;
  const first: unknown = Array.isArray(output) ? output[0] : output;
  return typeof first === 'string' && first !== '' ? first : null;
}
