import type { JobRequest } from '../lockfile/fingerprint.js';
import type { LockEntry } from '../lockfile/lockfile.js';
import type { ResolvedJob } from '../storyboard/job.js';
import { parentRequestOf } from './parent-request.js';
import type { PlanInput } from './plan.js';

/**
 * The request a job sends, with its input image counted by its bytes; for a continuation, the
 * last frame `recorded` for the same parent video (extraction is deterministic), else unknown.
 */
export function requestOf(
  job: ResolvedJob,
  input: Pick<PlanInput, 'providerId' | 'inputReferences' | 'characterIds'>,
  parentVideo: string | null,
  recorded: LockEntry | null = null,
): JobRequest {
  const info = job.inputReference ? input.inputReferences.get(job.inputReference.absPath) : undefined;
  return {
    provider: input.providerId,
    model: job.model?.value ?? null,
    size: job.size.value,
    seconds: job.seconds.value,
    prompt: job.prompt,
    ...(job.extra !== null ? { extra: job.extra } : {}),
    ...(job.inputReference && info?.status === 'ok' ? { input_reference: { path: job.inputReference.path, sha256: info.sha256 } } : {}),
    ...(job.remixOf !== null ? { remix_of: { job: job.remixOf, video_id: parentVideo } } : {}),
    ...parentRequestOf(job, parentVideo, recorded, input.characterIds),
  };
}
