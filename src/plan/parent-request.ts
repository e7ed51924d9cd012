import type { JobRequest, RequestParent } from '../lockfile/fingerprint.js';
import type { LockEntry } from '../lockfile/lockfile.js';
import type { ResolvedJob } from '../storyboard/job.js';

/**
 * The parts of a job's request that name other things than its own fields: the video it starts
 * from (an edit, an extension, a continuation; a remix keeps its own `remix_of`), and the
 * characters it casts. Both go into the fingerprint, so a new parent take, a new frame, or a
 * character made anew from a changed clip renders the job again.
 */
export function parentRequestOf(
  job: ResolvedJob,
  parentVideo: string | null,
  recorded: LockEntry | null,
  characterIds: ReadonlyMap<string, string> | undefined,
): Pick<JobRequest, 'parent' | 'characters'> {
  const parent = linkOf(job, parentVideo, recorded);
  return {
    ...(parent !== null ? { parent } : {}),
    ...(job.characters.length > 0 ? { characters: job.characters.map((name) => ({ name, id: characterIds?.get(name) ?? null })) } : {}),
  };
}

function linkOf(job: ResolvedJob, parentVideo: string | null, recorded: LockEntry | null): RequestParent | null {
  if (job.parent === null || job.parent.kind === 'remix') return null;
  const { kind, job: parentJob } = job.parent;
  switch (kind) {
    case 'edit':
      return { kind, job: parentJob, video_id: parentVideo };
    case 'extend':
      return { kind, job: parentJob, video_id: parentVideo, total_seconds: String(job.video.seconds) };
    case 'continue': {
      // The frame is a function of the parent's video and the job's size: the one recorded for
      // this very video still holds; another video's (or none) is extracted again when it runs.
      const was = recorded?.request.parent;
      const same = parentVideo !== null && was?.kind === 'continue' && was.video_id === parentVideo && recorded?.request.size === job.size.value;
      return { kind, job: parentJob, video_id: parentVideo, frame: same ? (was.frame ?? null) : null };
    }
  }
}
