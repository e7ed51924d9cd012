import type { EmulatorContext } from '../../context.js';
import type { JobRecord } from '../../job.js';
import { deriveState } from '../../lifecycle.js';
import { videoFileSize } from '../media-file.js';
import type { DetailItem } from './input-schema.js';
import { falWire, isCancelled } from './request-view.js';

/** Output media live 7 days unless the lifecycle header says otherwise (the default is unverified; reference §10). */
export const FAL_DEFAULT_MEDIA_SECONDS = 7 * 86_400;

export const CONTENT_POLICY_URL = 'https://docs.fal.ai/errors#content_policy_violation';

/** What `GET …/requests/{id}` answers once the request is COMPLETED: the model's output, or its error. */
export interface FalOutcome {
  status: number;
  body: unknown;
}

export async function outcomeOf(ctx: EmulatorContext, job: JobRecord): Promise<FalOutcome> {
  const wire = falWire(job);
  if (isCancelled(job, ctx.now())) return { status: 400, body: { detail: 'Request was cancelled before it started.' } };
  if (job.fate === 'fail-input') return { status: 422, body: { detail: wire.rejection ?? [] } };
  if (job.fate === 'fail-moderation') {
    const item: DetailItem = {
      loc: ['body', 'prompt'],
      msg: 'The content was flagged by a content checker.',
      type: 'content_policy_violation',
      url: CONTENT_POLICY_URL,
      input: job.prompt,
    };
    return { status: 422, body: { detail: [item] } };
  }
  const { status } = deriveState(job, ctx.now());
  if (status === 'failed') return { status: 500, body: { detail: 'Video generation failed due to an internal error.' } };
  const video = { url: mediaUrl(ctx, job), content_type: 'video/mp4', file_name: 'output.mp4', file_size: await videoFileSize(ctx, job) };
  return { status: 200, body: wire.seed === undefined ? { video } : { video, seed: wire.seed } };
}

/** The output's public "CDN" URL, on a path of the emulator that needs no key (fal media URLs are public). */
export function mediaUrl(ctx: EmulatorContext, job: JobRecord): string {
  return `${ctx.origin()}/fal-media/files/${falWire(job).mediaToken}/output.mp4`;
}

/** When the output media are deleted: the lifecycle header's seconds after completion, the default, or never (null header value). */
export function mediaExpiresMs(ctx: EmulatorContext, job: JobRecord): number | null {
  const { completedMs } = deriveState(job, ctx.now());
  const wire = falWire(job);
  if (completedMs === null || wire.expirationSeconds === null) return null;
  const seconds = wire.expirationSeconds ?? ctx.settings.retentionSeconds ?? FAL_DEFAULT_MEDIA_SECONDS;
  return completedMs + seconds * 1000;
}
