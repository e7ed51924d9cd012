import type { IncomingHttpHeaders } from 'node:http';
import { moderationBlocked } from './admission.js';
import { admitJob, type JobRequest } from './commit-job.js';
import type { EmulatorContext } from './context.js';
import { ApiError, invalidRequest, videoNotFound } from './errors.js';
import type { RouteClass } from './faults.js';
import type { JobRecord } from './job.js';
import { deriveState, isExpired, toVideoObject } from './lifecycle.js';
import type { ParsedBody } from './request-body.js';
import { jsonReply, type Reply } from './reply.js';

/**
 * What every `/v1/videos` handler gets; below it, the steps shared by the handlers that find or
 * make jobs (create, remix, edit, extension).
 */
export interface VideoRequest {
  /** The path parameter: a video id, or a character id on `GET /videos/characters/{id}`. */
  videoId: string | null;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  readBody(): Promise<ParsedBody>;
}

export type Handler = (ctx: EmulatorContext, request: VideoRequest) => Promise<Reply>;

/**
 * The source of a remix, an edit or an extension: a completed video that has not expired
 * (`verb` says what was asked in the refusal: `remixed`, `edited`, `extended`).
 */
export function completedSource(ctx: EmulatorContext, source: JobRecord, verb: string): JobRecord {
  const nowMs = ctx.now();
  if (ctx.settings.flavor.expires && isExpired(source, nowMs))
    throw new ApiError(404, `Video '${source.id}' has expired and can no longer be ${verb}.`, 'invalid_request_error');
  const { status } = deriveState(source, nowMs);
  if (status !== 'completed') {
    throw invalidRequest(`Video '${source.id}' is ${status}; only a completed video can be ${verb}.`, null, 'invalid_video_status');
  }
  return source;
}

/** Moderation that refuses at once, then the shared admission; the reply is the new Video object. */
export function admitAndCommit(ctx: EmulatorContext, route: RouteClass, request: JobRequest): Reply {
  const moderation = ctx.faults.moderation(request.prompt);
  if (moderation === 'block') throw moderationBlocked();
  // A serial queue (vLLM-Omni) takes every job and never answers 429.
  const admission = admitJob(ctx, route, request, ctx.settings.flavor.serial ? 'serial' : 'reject', moderation);
  if (admission.kind === 'drop' || admission.dropAfterCommit) return { kind: 'drop' };
  // The job as accepted: a machine slow to send the answer must not show it already running.
  return jsonReply(200, toVideoObject(admission.job, admission.job.createdMs));
}

/** The job behind an id; unknown and deleted ids are the same 404. */
export function findLiveJob(ctx: EmulatorContext, id: string | null): JobRecord {
  const job = id === null ? undefined : ctx.store.get(id);
  if (!job || job.deletedMs !== null) throw videoNotFound(id ?? '');
  return job;
}
