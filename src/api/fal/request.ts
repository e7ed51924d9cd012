import type { CreateRequest } from '../openai-videos/request-body.js';
import { isRecord, serverText, type KitContext } from '../protocol-kit.js';
import { videoOfJob } from '../protocol-video.js';
import { VideoShapeError, type Video } from '../video.js';

/** fal's queue answers (fal-queue.md §3–§7) read as shotlist's terms. */

/**
 * The app of an endpoint id, as fal's client splits it (§2, `parseEndpointId`): `{owner}/{alias}`,
 * with a `workflows/` or `comfy/` namespace kept; the sub-path is for the submit only.
 */
export function appOf(endpoint: string): string {
  const parts = endpoint.split('/');
  const namespaced = parts[0] === 'workflows' || parts[0] === 'comfy';
  return parts.slice(0, namespaced ? 3 : 2).join('/');
}

/** IN_QUEUE, IN_PROGRESS, COMPLETED (§4); any other value is taken as terminal, as the reference advises. */
export function falStatusVideo(ctx: KitContext, json: unknown, id: string, asked: CreateRequest | null): Video {
  if (!isRecord(json) || typeof json['status'] !== 'string') throw new VideoShapeError('expected a queue status with a "status"');
  const status = json['status'];
  const model = asked?.model ?? null;
  const prompt = asked?.prompt ?? null;
  if (status === 'IN_QUEUE') return videoOfJob(ctx.profile, { id, model, prompt, status: 'queued', serverStatus: status });
  if (status === 'IN_PROGRESS') return videoOfJob(ctx.profile, { id, model, prompt, status: 'in_progress', serverStatus: status });
  if (status === 'COMPLETED') return videoOfJob(ctx.profile, { id, model, prompt, status: 'completed', serverStatus: status, progress: 100 });
  return videoOfJob(ctx.profile, {
    id,
    model,
    prompt,
    status: 'failed',
    serverStatus: status,
    error: { code: 'failed', message: `the queue reports ${serverText(ctx, status)}` },
  });
}

/** How a COMPLETED request ended: its video's URL, or its failure. */
export type FalOutcome =
  { readonly kind: 'video'; readonly url: string } | { readonly kind: 'failed'; readonly status: number; readonly code: string; readonly message: string };

/**
 * A result body: `{video: {url}}` on 200 (§5); otherwise `{detail}`, a list of items whose
 * `type` is for programs (`content_policy_violation` is a refusal on content, recorded as
 * `moderation_blocked` like the other protocols') or a plain string (§7).
 */
export function falOutcome(ctx: KitContext, status: number, json: unknown): FalOutcome {
  if (status >= 200 && status < 300) {
    const video = isRecord(json) ? json['video'] : undefined;
    const url = isRecord(video) ? video['url'] : undefined;
    if (typeof url === 'string' && url !== '') return { kind: 'video', url };
    return { kind: 'failed', status, code: 'no_video', message: 'the result has no video URL' };
  }
  const detail = isRecord(json) ? json['detail'] : undefined;
  const first: unknown = Array.isArray(detail) ? detail[0] : undefined;
  const type =
    isRecord(first) && typeof first['type'] === 'string' ? first['type'] : isRecord(json) && typeof json['error_type'] === 'string' ? json['error_type'] : null;
  const message = isRecord(first) ? serverText(ctx, first['msg']) : serverText(ctx, detail);
  const code = type === 'content_policy_violation' ? 'moderation_blocked' : (serverText(ctx, type) ?? `http_${status}`);
  return { kind: 'failed', status, code, message: message ?? `the result answered ${status}` };
}
