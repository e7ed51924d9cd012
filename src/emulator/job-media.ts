import type { JobRecord, JobSource } from './job.js';
import type { MediaFiles, MediaRenderer } from './media.js';
import type { MediaPrefix, MediaSpec } from './media-recipe.js';
import { parseSize } from './models.js';
import type { VideoStore } from './video-store.js';

/**
 * The files of a job's media, rendering them first: an image-to-video job starts from its
 * input image, kept at create; an extension continues its source's MP4, which is made (or found
 * on disk) first, outside the renderer's slots, so a chain of extensions never waits on itself.
 */
export function createJobMedia(store: VideoStore, media: MediaRenderer, fps: number): (job: JobRecord) => Promise<MediaFiles> {
  const ensure = async (job: JobRecord): Promise<MediaFiles> => {
    const { width, height } = parseSize(job.size);
    const image = job.inputReferenceSha256 === null ? null : media.inputFor(job.inputReferenceSha256);
    const spec: MediaSpec = {
      seedHex: job.requestHash,
      width,
      height,
      seconds: Number(job.seconds),
      fps,
      image,
      ...(job.audio === false ? { audio: false } : {}),
    };
    if (job.source?.kind !== 'extension') return media.ensure(spec);
    const prefix = await prefixOf(job.source);
    return media.ensure({ ...spec, seconds: Number(job.seconds) - prefix.seconds, prefix });
  };

  const prefixOf = async (source: JobSource): Promise<MediaPrefix> => {
    if (source.upload !== null) {
      const path = media.inputFor(source.upload.sha256);
      if (path === null) throw new Error(`the uploaded source video ${source.upload.sha256} is missing from the state directory`);
      return { path, key: `upload:${source.upload.sha256}`, seconds: source.sourceSeconds, upload: { audio: source.upload.audio } };
    }
    // Deleted sources stay as tombstones, so an extension can always be rendered again.
    const parent = source.videoId === null ? undefined : store.get(source.videoId);
    if (!parent) throw new Error(`the source video ${source.videoId ?? '(none)'} of an extension is unknown`);
    const files = await ensure(parent);
    return { path: files.video, key: `video:${parent.id}`, seconds: source.sourceSeconds, upload: null };
  };

  return ensure;
}
