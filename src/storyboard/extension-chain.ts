import type { Issue } from '../source/issue.js';
import { issueAt } from '../source/yaml-source.js';
import type { ResolvedJob } from './job.js';
import { JobIssueGroups } from './job-issue-groups.js';
import type { StoryboardDraft } from './resolve-storyboard.js';

/**
 * Extension chains and their limits (reference §7, §10): "each extension adds ≤ 20 s, ≤ 6
 * extensions per video, ≤ 120 s total". A chain the server would refuse half-way is refused
 * here, before its first link is paid for. Lengths and counts are each job's `video`. Pure.
 */

/** Seconds one extension may add. */
export const MAX_EXTENSION_SECONDS = 20;
/** Extensions one video may go through. */
export const MAX_EXTENSIONS = 6;
/** Longest an extended video may be, in seconds. */
export const MAX_EXTENDED_SECONDS = 120;

/** Every extension within the limits, each problem once per place, naming the jobs that meet it. */
export function validateExtensions(storyboard: Pick<StoryboardDraft, 'sources'>, jobs: readonly ResolvedJob[]): Issue[] {
  const groups = new JobIssueGroups();
  for (const job of jobs) {
    if (job.parent?.kind !== 'extend') continue;
    const source = storyboard.sources.get(job.origin.file)!;
    const secondsAt = job.seconds.origin ?? { file: job.origin.file, path: job.origin.path };
    const added = Number(job.seconds.value);
    const length = job.video;
    const from = length.seconds - added;
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
    } else if (length.seconds > MAX_EXTENDED_SECONDS && added <= MAX_EXTENSION_SECONDS) {
      groups.add(
        issueAt(storyboard.sources.get(secondsAt.file)!, secondsAt.path, {
          code: 'extended-too-long',
          message: `extending a ${from}-second video by ${added} seconds makes ${length.seconds}; an extended video is at most ${MAX_EXTENDED_SECONDS} seconds long`,
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
