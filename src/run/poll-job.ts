import { classifyError, NotFoundError } from '../api/index.js';
import { buildEntryFromVideo, buildFailedEntry } from '../lockfile/entry-builder.js';
import { JobFailedError, type JobContext, type Runner, type Served } from './job-context.js';

/** Polls a job's video until it is terminal; status changes are recorded, progress is only shown. */
export async function pollJob(job: JobContext, videoId: string): Promise<Served> {
  const { run, jobId, at, signal } = job;
  const { recorder, clock } = run;
  const started = clock.now();
  const deadline = started + run.profile.limits.jobDeadlineSeconds * 1000;
  for (;;) {
    let answer: Awaited<ReturnType<typeof at.client.retrieve>>;
    try {
      answer = await at.client.retrieve(videoId, { signal });
    } catch (error) {
      if (error instanceof NotFoundError) {
        const reason = { code: 'video_gone', message: `${videoId} is no longer on the server` };
        // Recorded, so the next run renders the job anew instead of resuming a video that will never answer.
        await recorder.record(jobId, buildFailedEntry(recorder.entry(jobId)!, reason));
        throw new JobFailedError(jobId, reason);
      }
      // The job is still on the server: a poll that failed even after the client's retries (a
      // burst of 5xx, a timeout) is asked again later, until the job's deadline, rather than
      // failing a job the server may finish. A server that cannot be reached at all still stops the run.
      if (!run.retry.pollRetryKinds.includes(classifyError(error)) || signal.aborted || clock.now() > deadline) throw error;
      await clock.sleep(pollDelayMs(run, clock.now() - started, run.retry.pollAfterFailureMs), signal);
      continue;
    }
    const { video, pollAfterMs } = answer;
    const entry = recorder.entry(jobId)!;
    if (video.status !== entry.status || (video.status === 'completed' && entry.expires_at !== video.expiresAt)) {
      await recorder.record(jobId, buildEntryFromVideo(entry.request, entry.fingerprint, video, entry, at.server));
    }
    if (video.status === 'completed') {
      run.onState(jobId, 'completed', { videoId, progress: 100 });
      return { videoId };
    }
    if (video.status === 'failed') {
      throw new JobFailedError(jobId, { code: video.error?.code ?? 'failed', message: video.error?.message ?? `the server reports ${video.serverStatus}` });
    }
    run.onState(jobId, video.status, { videoId, progress: video.progress });
    if (clock.now() > deadline) {
      // Left in flight in the lockfile: the next run resumes it by id.
      throw new JobFailedError(jobId, {
        code: 'deadline',
        message: `still ${video.status} after ${run.profile.limits.jobDeadlineSeconds} s; run again to keep waiting for ${videoId}`,
      });
    }
    await clock.sleep(pollAfterMs ?? pollDelayMs(run, clock.now() - started), signal);
  }
}

/** The wait before the next poll when the server names none: short at first, longer as the job ages, never under `leastMs`. */
function pollDelayMs(run: Runner, ageMs: number, leastMs = 0): number {
  return Math.min(run.retry.maxPollDelayMs, Math.max(run.profile.limits.minPollMs, leastMs, ageMs / 10));
}
