import type { LockfileSource } from '../lockfile/lockfile-io.js';
import { lockfileErrorAt } from '../lockfile/parse-lockfile.js';
import { describeVideoIdForm, isVideoId, type VideoIdForm } from '../providers/video-id.js';
import { truncate } from '../source/describe.js';

/**
 * Every video id a lockfile records (an entry's video, the video it was remixed from, the parent
 * video its request names) must have the form of the provider's protocol: they are sent back to
 * the server in URL paths (resume, download, status, a remix's source) and decide what gc keeps.
 * The first one that does not is refused as a lockfile error at its line and column.
 */
export function checkRecordedVideoIds(source: LockfileSource, form: VideoIdForm, providerName: string): void {
  for (const [jobId, entry] of Object.entries(source.lockfile.jobs)) {
    const ids: [readonly (string | number)[], string | null][] = [
      [['jobs', jobId, 'video_id'], entry.video_id],
      [['jobs', jobId, 'remixed_from'], entry.remixed_from],
      [['jobs', jobId, 'request', 'remix_of', 'video_id'], entry.request.remix_of?.video_id ?? null],
      [['jobs', jobId, 'request', 'parent', 'video_id'], entry.request.parent?.video_id ?? null],
    ];
    for (const [at, id] of ids) {
      if (id === null || isVideoId(form, id)) continue;
      throw lockfileErrorAt(
        source.text,
        source.display,
        at,
        `${JSON.stringify(truncate(id, 80))} is not a video id of provider "${providerName}" (${describeVideoIdForm(form)})`,
        "the lockfile is written by shotlist from the server's answers; restore it from git rather than editing it by hand",
      );
    }
  }
}
