import type { JobRequest } from './commit-job.js';
import type { EmulatorContext } from './context.js';
import { validateEdit, validateExtension, type VideoReference } from './edit-request.js';
import { invalidRequest, quoteList } from './errors.js';
import type { UploadedVideo } from './job.js';
import { DEFAULT_MODEL } from './models.js';
import type { Reply } from './reply.js';
import { admitAndCommit, completedSource, findLiveJob, type VideoRequest } from './video-jobs.js';

/** "Each extension can add up to 20 seconds. A single video can be extended up to six times, for a maximum total length of 120 seconds" (reference §7, §10). */
export const MAX_EXTENSIONS = 6;
export const MAX_EXTENDED_SECONDS = 120;

/**
 * `POST /videos/edits`: a new job from a completed video of this server (its model, size,
 * seconds and extension count kept; `remixed_from_video_id` names it, as edits replace remixes)
 * or from an uploaded MP4 (its size and length, the `model` sent). Everything after validation is
 * a create's: moderation, the in-flight limit, faults, persistence, stats, expiry.
 */
export async function editVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const edit = await validateEdit(await request.readBody(), ctx.table);
  const base = { prompt: edit.prompt, inputReferenceSha256: null };
  if (edit.video.kind === 'id') {
    const source = completedSource(ctx, findLiveJob(ctx, edit.video.id), 'edited');
    return admitAndCommit(ctx, 'edit', {
      ...base,
      model: source.model,
      size: source.size,
      seconds: source.seconds,
      remixedFrom: source.id,
      source: { kind: 'edit', videoId: source.id, upload: null, sourceSeconds: Number(source.seconds) },
      ...(source.extensions ? { extensions: source.extensions } : {}),
    });
  }
  const model = edit.model ?? DEFAULT_MODEL;
  const { size, seconds } = uploadShape(ctx, edit.video.video, model);
  await ctx.media.keepInput(edit.video.video.sha256, edit.video.bytes);
  return admitAndCommit(ctx, 'edit', {
    ...base,
    model,
    size,
    seconds: String(seconds),
    remixedFrom: null,
    source: { kind: 'edit', videoId: null, upload: edit.video.video, sourceSeconds: seconds },
  });
}

/**
 * `POST /videos/extensions`: a new job whose MP4 is the source followed by `seconds` more; its
 * `seconds` is the stitched total. At most 6 extensions in a chain and 120 s in all.
 */
export async function extendVideo(ctx: EmulatorContext, request: VideoRequest): Promise<Reply> {
  const extension = await validateExtension(await request.readBody(), ctx.table);
  const from = sourceOfExtension(ctx, extension.video);
  if (from.extensions >= MAX_EXTENSIONS) {
    throw invalidRequest(
      `Video '${from.label}' has already been extended ${from.extensions} times; a video can be extended at most ${MAX_EXTENSIONS} times.`,
      'video',
      'invalid_value',
    );
  }
  const total = from.seconds + Number(extension.seconds);
  if (total > MAX_EXTENDED_SECONDS) {
    throw invalidRequest(
      `Invalid 'seconds': extending video '${from.label}' (${from.seconds} seconds) by ${extension.seconds} seconds would make it ${total} seconds long; an extended video can be at most ${MAX_EXTENDED_SECONDS} seconds long.`,
      'seconds',
      'invalid_value',
    );
  }
  if (extension.video.kind === 'upload') await ctx.media.keepInput(extension.video.video.sha256, extension.video.bytes);
  const job: JobRequest = {
    prompt: extension.prompt,
    model: from.model,
    size: from.size,
    seconds: String(total),
    remixedFrom: null,
    inputReferenceSha256: null,
    source: { kind: 'extension', videoId: from.videoId, upload: from.upload, sourceSeconds: from.seconds },
    extensions: from.extensions + 1,
  };
  return admitAndCommit(ctx, 'extension', job);
}

interface ExtensionSource {
  /** How the source is named in messages: its id, or `upload`. */
  label: string;
  videoId: string | null;
  upload: UploadedVideo | null;
  model: string;
  size: string;
  seconds: number;
  extensions: number;
}

function sourceOfExtension(ctx: EmulatorContext, video: VideoReference): ExtensionSource {
  if (video.kind === 'id') {
    const source = completedSource(ctx, findLiveJob(ctx, video.id), 'extended');
    return {
      label: source.id,
      videoId: source.id,
      upload: null,
      model: source.model,
      size: source.size,
      seconds: Number(source.seconds),
      extensions: source.extensions ?? 0,
    };
  }
  // No `model` field here: an uploaded video is continued by the default model.
  const { size, seconds } = uploadShape(ctx, video.video, DEFAULT_MODEL, MAX_EXTENDED_SECONDS);
  return { label: 'upload', videoId: null, upload: video.video, model: DEFAULT_MODEL, size, seconds, extensions: 0 };
}

/**
 * An uploaded source must have one of the model's sizes and last at least a second; an edit
 * re-renders it whole, so it may be no longer than the model generates. Its length counts in
 * whole seconds (the clip is held or cut to it).
 */
function uploadShape(
  ctx: EmulatorContext,
  video: UploadedVideo,
  model: string,
  maxSeconds = Math.max(...ctx.table.seconds.map(Number)),
): { size: string; seconds: number } {
  const size = `${video.width}x${video.height}`;
  const sizes = ctx.table.sizesFor(model);
  if (!sizes.includes(size)) {
    throw invalidRequest(`Invalid 'video': the video is ${size}; ${model} supports ${quoteList(sizes)}.`, 'video', 'invalid_value');
  }
  const seconds = Math.round(video.duration);
  if (seconds < 1 || seconds > maxSeconds) {
    throw invalidRequest(
      `Invalid 'video': the video lasts ${video.duration.toFixed(2)} seconds; expected from 1 to ${maxSeconds} seconds.`,
      'video',
      'invalid_value',
    );
  }
  return { size, seconds };
}
