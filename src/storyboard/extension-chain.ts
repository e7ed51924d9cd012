import type { Issue } from '../source/issue.js';
import { issueAt } from '../source/yaml-source.js';
import type { ResolvedJob } from './job.js';
import { JobIssueGroups } from './job-issue-groups.js';
import type { StoryboardDraft } from './resolve-storyboard.js';

/**
 * Extension chains and their limits (reference §7, §10): "each extension adds ≤ 20 s, ≤ 6
 * extensions per video, ≤ 120 s total". A chain the server would refuse half-way is refused
 * here, before its first link is paid for. Pure.
 */

/** Seconds one extension may add. */
export const MAX_EXTENSION_SECONDS = 20;
/** Extensions one video may go through. */
export const MAX_EXTENSIONS = 6;
/** Longest an extended video may be, in seconds. */
export const MAX_EXTENDED_SECONDS = 120;

/** The video a job makes: its length, and how many extensions made it. */
export interface VideoLength {
  readonly seconds: number;
  readonly extensions: number;
}

/**
 * The length of every job's video: a create's (a continuation is one) is its seconds; a remix
 * or an edit keeps its parent's length; an extension is its parent's length plus the seconds it
 * adds. The extension count follows the video through edits and remixes (the server keeps it
 * through an edit; through a remix it is not documented, so it is kept too: refusing early
 * costs less than a chain refused half-way) and starts again at a continuation, a new video.
 */
export function videoLengths(jobs: readonly ResolvedJob[]): Map<string, VideoLength> {
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const lengths = new Map<string, VideoLength>();
  const lengthOf = (job: ResolvedJob): VideoLength => {
    const known = lengths.get(job.id);
    if (known) return known;
    // Parents first, without recursion: a chain may be as long as the storyboard.
    const chain: ResolvedJob[] = [];
    for (let current: ResolvedJob | undefined = job; current && !lengths.has(current.id) && !chain.includes(current); current = parentJob(current, byId)) chain.push(current);
    for (const link of chain.reverse()) {
      const parent = parentJob(link, byId);
      const from = parent ? lengths.get(parent.id) : undefined;
      const own = Number(link.seconds.value);
      const kind = link.parent?.kind;
      const length = !from || kind === 'continue' ? { seconds: own, extensions: 0 } : kind === 'extend' ? { seconds: from.seconds + own, extensions: from.extensions + 1 } : from;
      lengths.set(link.id, length);
    }
    return lengths.get(job.id)!;
  };
  for (const job of jobs) lengthOf(job);
  return lengths;
}

function parentJob(job: ResolvedJob, byId: ReadonlyMap<string, ResolvedJob>): ResolvedJob | undefined {
  return job.parent ? byId.get(job.parent.job) : undefined;
}

/** Every extension within the limits, each problem once per place, naming the jobs that meet it. */
export function validateExtensions(storyboard: Pick<StoryboardDraft, 'sources'>, jobs: readonly ResolvedJob[]): Issue[] {
  const lengths = videoLengths(jobs);
  const groups = new JobIssueGroups();
  for (const job of jobs) {
    if (job.parent?.kind !== 'extend') continue;
    const source = storyboard.sources.get(job.origin.file)!;
    const secondsAt = job.seconds.origin ?? { file: job.origin.file, path: job.origin.path };
    const added = Number(job.seconds.value);
    const from = lengths.get(job.parent.job);
    const length = lengths.get(job.id)!;
    if (added > MAX_EXTENSION_SECONDS) {
      groups.add(
        issueAt(storyboard.sources.get(secondsAt.file)!, secondsAt.path, {
          code: 'extension-too-long',
          message: `an extension adds at most ${MAX_EXTENSION_SECONDS} seconds, found ${added}`,
          expected: `at most ${MAX_EXTENSION_SECONDS}`,
          found: String(added),
          hint: 'split it into several extend shots, each adding at most 20 seconds',
        }),
        job.id,
      );
    }
    if (length.extensions > MAX_EXTENSIONS) {
      groups.add(
        issueAt(source, [...job.origin.path, 'extend'], {
          code: 'too-many-extensions',
          message: `this would be extension ${length.extensions} of one video; a video can be extended at most ${MAX_EXTENSIONS} times`,
          expected: `at most ${MAX_EXTENSIONS} extensions in a chain`,
          found: String(length.extensions),
          hint: 'continue: starts a new video from the last frame, with a chain of its own',
        }),
        job.id,
      );
    } else if (from && length.seconds > MAX_EXTENDED_SECONDS && added <= MAX_EXTENSION_SECONDS) {
      groups.add(
        issueAt(storyboard.sources.get(secondsAt.file)!, secondsAt.path, {
          code: 'extended-too-long',
          message: `extending a ${from.seconds}-second video by ${added} seconds makes ${length.seconds}; an extended video is at most ${MAX_EXTENDED_SECONDS} seconds long`,
          expected: `at most ${MAX_EXTENDED_SECONDS} seconds in all`,
          found: `${length.seconds} seconds`,
          hint: 'add fewer seconds, or use continue: to start a new video from the last frame',
        }),
        job.id,
      );
    }
  }
  return groups.issues();
}
