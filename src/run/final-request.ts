import type { JobRequest } from '../lockfile/fingerprint.js';
import type { PlannedJob } from '../plan/plan.js';
import { withCharacterIds } from './characters-once.js';
import { JobFailedError, type JobContext, type Served } from './job-context.js';
import { withLastFrame } from './last-frame.js';

/**
 * The request as sent, completed with what only exists at run time: the video its parent has
 * now (a remix, an edit, an extension), the parent's last frame (a continuation), the ids of the
 * characters it casts. Its fingerprint is taken from this, so what the lockfile records is what
 * was sent.
 */
export async function finalRequest(job: JobContext, planned: PlannedJob, parent: Served | null): Promise<JobRequest> {
  const { run } = job;
  let request = planned.request;
  if (planned.parent !== null) {
    const { kind, job: parentJob } = planned.parent;
    const videoId = parent?.videoId ?? run.recorder.entry(parentJob)?.video_id ?? null;
    if (videoId === null) throw new JobFailedError(planned.id, { code: 'parent_missing', message: `parent ${parentJob} has no video to start from` });
    if (kind === 'remix') request = { ...request, remix_of: { job: parentJob, video_id: videoId } };
    else {
      const link = { ...request.parent!, video_id: videoId };
      request = { ...request, parent: kind === 'continue' ? await withLastFrame(job, link, request.size) : link };
    }
  }
  return withCharacterIds(job, request);
}
