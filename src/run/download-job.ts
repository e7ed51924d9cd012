import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DOWNLOAD_LIMITS, NotFoundError, videoByteLimit } from '../api/index.js';
import type { OutputFile } from '../lockfile/lockfile.js';
import { JobFailedError, recordGone, type JobContext } from './job-context.js';
import { outputPathsOf } from './output-names.js';

/** Downloads the video (and its thumbnail, where the server has one) and records the files. */
export async function downloadJob(job: JobContext, videoId: string): Promise<void> {
  const { run, jobId } = job;
  const { recorder } = run;
  const entry = recorder.entry(jobId)!;
  const dest = outputPathsOf(run.outDir, run.fileStem(jobId));
  run.onState(jobId, 'downloading', { videoId });
  const outputs: { video?: OutputFile; thumbnail?: OutputFile } = {};
  // An extension's video is the whole stitched one.
  const seconds = entry.request.parent?.total_seconds ?? entry.request.seconds;
  try {
    outputs.video = await save(job, videoId, 'video', dest.video, seconds);
    if (run.profile.features.contentVariants.includes('thumbnail')) {
      outputs.thumbnail = await save(job, videoId, 'thumbnail', dest.thumbnail, seconds);
    }
  } catch (error) {
    // A video saved but never recorded (its thumbnail failed) is not kept: the next run downloads it with its thumbnail.
    if (outputs.video) await rm(dest.video, { force: true });
    if (error instanceof NotFoundError) {
      await recordGone(run, jobId);
      throw new JobFailedError(jobId, {
        code: 'content_gone',
        message: `the server no longer has the files of ${videoId} (expired?); run again to render it anew`,
      });
    }
    throw error;
  }
  await recorder.record(jobId, { ...recorder.entry(jobId)!, outputs });
  run.onState(jobId, 'done', { videoId });
}

async function save(job: JobContext, videoId: string, variant: 'video' | 'thumbnail', dest: string, seconds: string): Promise<OutputFile> {
  // As large as a video of the job's length can be; anything beyond is refused mid-stream.
  const maxBytes = variant === 'video' ? videoByteLimit(Number(seconds)) : DOWNLOAD_LIMITS.imageBytes;
  const { sha256, bytes } = await job.at.client.download(videoId, variant, dest, { signal: job.signal, maxBytes });
  return { path: path.relative(job.run.lockDir, dest).split(path.sep).join('/'), sha256, bytes };
}
