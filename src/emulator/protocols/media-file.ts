import { stat } from 'node:fs/promises';
import type { EmulatorContext } from '../context.js';
import type { JobRecord } from '../job.js';
import type { Reply } from '../reply.js';

/** The job's MP4 as a download: rendered first if a restart lost the render, then sent with its length. */
export async function videoFileReply(ctx: EmulatorContext, job: JobRecord): Promise<Extract<Reply, { kind: 'file' }>> {
  const files = await ctx.ensureMedia(job);
  const { size } = await stat(files.video);
  return { kind: 'file', path: files.video, size, contentType: 'video/mp4' };
}

/** The size of the job's MP4 in bytes, for a result that states it (fal's `file_size`). */
export async function videoFileSize(ctx: EmulatorContext, job: JobRecord): Promise<number> {
  return (await videoFileReply(ctx, job)).size;
}

/** Live jobs, newest last; the lookups are linear, which is fine at an emulator's scale. */
export function findJob(ctx: EmulatorContext, predicate: (job: JobRecord) => boolean): JobRecord | null {
  return ctx.store.all().find((job) => job.deletedMs === null && predicate(job)) ?? null;
}
