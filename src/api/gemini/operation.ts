import type { ProviderProfile } from '../../providers/profile.js';
import type { CreateRequest } from '../openai-videos/request-body.js';
import type { KitContext } from '../protocol-kit.js';
import { isRecord, serverText } from '../protocol-kit.js';
import { serverId, videoOfJob } from '../protocol-video.js';
import { VideoShapeError, type Video } from '../video.js';

/**
 * A Gemini API operation (gemini-veo.md §5) as a `Video`: running while `done` is absent or
 * false; done with `error` (a google.rpc.Status) failed; done with a generated sample completed;
 * done with no sample but `raiMediaFilteredReasons` (§6) a content-safety refusal, not an HTTP
 * error and not charged, recorded as `moderation_blocked` like the other protocols' refusals.
 */

/** The `name` of a create's answer: the operation, which is the video id. */
export function operationName(json: unknown, profile: ProviderProfile): string {
  if (!isRecord(json)) throw new VideoShapeError('expected an operation object');
  return serverId(profile, json['name']);
}

/** The operation as a Video; `asked` is the create it answers, whose prompt and model it does not echo. */
export function operationVideo(ctx: KitContext, json: unknown, asked: CreateRequest | null): Video {
  if (!isRecord(json)) throw new VideoShapeError('expected an operation object');
  const id = serverId(ctx.profile, json['name']);
  const model = /^models\/([^/]+)\//.exec(id)?.[1] ?? null;
  const common = { id, model, prompt: asked?.prompt ?? null };
  const done = json['done'];
  if (done !== undefined && typeof done !== 'boolean') throw new VideoShapeError('"done" must be a boolean');
  if (done !== true) return videoOfJob(ctx.profile, { ...common, status: 'in_progress', serverStatus: 'running' });
  const error = json['error'];
  if (isRecord(error)) {
    const code = typeof error['status'] === 'string' ? error['status'] : typeof error['code'] === 'number' ? String(error['code']) : null;
    return videoOfJob(ctx.profile, {
      ...common,
      status: 'failed',
      serverStatus: 'done',
      error: { code, message: serverText(ctx, error['message']) ?? 'the operation failed' },
    });
  }
  if (videoUriOf(json) !== null) return videoOfJob(ctx.profile, { ...common, status: 'completed', serverStatus: 'done', progress: 100 });
  const reasons = generated(json)?.['raiMediaFilteredReasons'];
  const reason = Array.isArray(reasons) && typeof reasons[0] === 'string' ? serverText(ctx, reasons[0]) : null;
  return videoOfJob(ctx.profile, {
    ...common,
    status: 'failed',
    serverStatus: 'done',
    error: { code: 'moderation_blocked', message: reason ?? 'the operation finished without a video (filtered by the safety checks)' },
  });
}

/** `response.generateVideoResponse.generatedSamples[0].video.uri`, or null when there is none. */
export function videoUriOf(json: unknown): string | null {
  const samples = generated(json)?.['generatedSamples'];
  const first: unknown = Array.isArray(samples) ? samples[0] : undefined;
  const video = isRecord(first) ? first['video'] : undefined;
  const uri = isRecord(video) ? video['uri'] : undefined;
  return typeof uri === 'string' && uri !== '' ? uri : null;
}

function generated(json: unknown): Record<string, unknown> | null {
  const response = isRecord(json) ? json['response'] : undefined;
  const body = isRecord(response) ? response['generateVideoResponse'] : undefined;
  return isRecord(body) ? body : null;
}
