import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeWithFfmpeg } from '../cut/run-ffmpeg.js';
import { hashBounded, readBounded } from '../files/read-bounded.js';
import { onEnvironment } from '../files/environment-error.js';
import type { RequestParent } from '../lockfile/fingerprint.js';
import { MAX_IMAGE_BYTES } from '../storyboard/read-input-references.js';
import { JobFailedError, type JobContext } from './job-context.js';
import { outputPathsOf } from './output-names.js';

/**
 * A continuation's input image: the last frame of its parent's video, as downloaded, scaled to
 * the job's exact size (the server refuses an image of another size), saved as a PNG beside the
 * renders (`frames/<job>.last.png`, written atomically) and recorded with its sha256, which goes
 * into the job's fingerprint. A frame recorded for the same parent video is reused as it is.
 */

/** Where a job's frame lies, under the output directory. */
export function framePathOf(outDir: string, stem: string): string {
  return path.join(outDir, 'frames', `${stem}.last.png`);
}

/** The parent link with its frame: the recorded one when it still holds, else one extracted now. */
export async function withLastFrame(job: JobContext, parent: RequestParent, size: string): Promise<RequestParent> {
  const { run, jobId } = job;
  const target = framePathOf(run.outDir, run.fileStem(jobId));
  const relative = path.relative(run.lockDir, target).split(path.sep).join('/');
  const was = run.recorder.entry(jobId)?.request;
  const recorded = was?.parent?.kind === 'continue' && was.parent.video_id === parent.video_id && was.size === size ? was.parent.frame : null;
  // Only ever the path this run would write: a path read from the lockfile is not followed.
  if (recorded && recorded.path === relative && (await sha256Of(target)) === recorded.sha256) return { ...parent, frame: recorded };
  const video = await parentFile(job, parent);
  const [width, height] = size.split('x').map(Number) as [number, number];
  await onEnvironment('create the directory', path.dirname(target), () => mkdir(path.dirname(target), { recursive: true }));
  // From a second before the end, every frame overwrites the one image: the last one stays.
  await writeWithFfmpeg(target, {
    durationSeconds: 1,
    signal: job.signal,
    args: (temp) => [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-sseof',
      '-1',
      '-i',
      video,
      '-an',
      '-vf',
      `scale=${width}:${height}:flags=lanczos,format=rgb24`,
      '-update',
      '1',
      '-f',
      'image2',
      '-c:v',
      'png',
      temp,
    ],
  });
  const sha256 = await sha256Of(target);
  if (sha256 === null) throw new JobFailedError(jobId, { code: 'frame_missing', message: `ffmpeg wrote no last frame of ${parent.job}; nothing was sent` });
  return { ...parent, frame: { path: relative, sha256 } };
}

/** The frame's bytes, as sent: the file hashes to what the request records. */
export async function frameBytes(job: JobContext, frame: { readonly path: string; readonly sha256: string }): Promise<Buffer> {
  const target = framePathOf(job.run.outDir, job.run.fileStem(job.jobId));
  const read = await readBounded(target, MAX_IMAGE_BYTES);
  if (!read.ok || createHash('sha256').update(read.bytes).digest('hex') !== frame.sha256) {
    throw new JobFailedError(job.jobId, {
      code: 'frame_changed',
      message: `the last frame ${frame.path} changed since it was extracted; nothing was sent (run again)`,
    });
  }
  return read.bytes;
}

/** The parent's MP4 as this run (or an earlier one) downloaded it: the file of the video the link names, its bytes as recorded. */
async function parentFile(job: JobContext, parent: RequestParent): Promise<string> {
  const { run, jobId } = job;
  const entry = run.recorder.entry(parent.job);
  const file = outputPathsOf(run.outDir, run.fileStem(parent.job)).video;
  const missing = (why: string) =>
    new JobFailedError(jobId, {
      code: 'parent_file_missing',
      message: `the video of ${parent.job} ${why}, so its last frame cannot be taken; nothing was sent (run again to download it)`,
    });
  if (!entry || entry.video_id !== parent.video_id || !entry.outputs.video) throw missing('is not downloaded');
  if ((await sha256Of(file)) !== entry.outputs.video.sha256) throw missing(`at ${path.relative(run.lockDir, file)} is missing or altered`);
  return file;
}

async function sha256Of(file: string): Promise<string | null> {
  const read = await hashBounded(file, Number.MAX_SAFE_INTEGER);
  return read.ok ? read.sha256 : null;
}
