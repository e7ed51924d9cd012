import type { Issue } from '../source/issue.js';
import type { ResolvedJob } from './job.js';
import type { InputReferenceInfo } from './read-input-references.js';
import type { ResolvedStoryboard } from './resolve-storyboard.js';
import { JobIssueGroups } from './job-issue-groups.js';
import { issueAt } from '../source/yaml-source.js';

/**
 * Each job's input_reference must exist inside the project, be a JPEG, PNG or WebP by its
 * bytes, and have exactly the job's size in pixels (the server rejects anything else, after
 * the request was already paid for in time). Pure: the files were read before.
 */
export function validateInputReferences(storyboard: Pick<ResolvedStoryboard, 'sources'>, jobs: readonly ResolvedJob[], infos: ReadonlyMap<string, InputReferenceInfo>): Issue[] {
  // One missing image named by every job of a shot is one problem, reported once.
  const groups = new JobIssueGroups();
  for (const job of jobs) {
    if (!job.inputReference) continue;
    const info = infos.get(job.inputReference.absPath);
    if (!info) continue;
    const problem = problemOf(info, job);
    if (!problem) continue;
    const source = storyboard.sources.get(job.origin.file)!;
    groups.add(issueAt(source, [...job.origin.path, 'input_reference'], problem), job.id);
  }
  return groups.issues();
}

function problemOf(info: InputReferenceInfo, job: ResolvedJob): Pick<Issue, 'code' | 'message' | 'expected' | 'found' | 'hint'> | null {
  const file = job.inputReference!.path;
  switch (info.status) {
    case 'missing':
      return { code: 'input-reference-missing', message: `input_reference ${file} does not exist`, hint: 'the path is relative to the storyboard file' };
    case 'outside':
      return { code: 'path-outside-project', message: `input_reference ${file} is outside the project directory`, hint: 'keep images inside the project (the folder holding .git)' };
    case 'too-large':
      return { code: 'input-reference-too-large', message: `input_reference ${file} has ${info.detail} bytes`, expected: 'at most 20 MiB' };
    case 'not-a-file':
      return { code: 'input-reference-missing', message: `input_reference ${file} is not a file` };
    case 'unreadable':
      return { code: 'input-reference-unreadable', message: `input_reference ${file} cannot be read (${info.detail})` };
    case 'ok': {
      if (info.type === null) return { code: 'input-reference-type', message: `input_reference ${file} is not a JPEG, PNG or WebP image`, expected: 'JPEG, PNG or WebP bytes', hint: 'the type is read from the bytes, not the file name; convert the image' };
      const found = info.width && info.height ? `${info.width}x${info.height}` : 'an unreadable size';
      if (found !== job.size.value) return { code: 'input-reference-size', message: `input_reference ${file} is ${found} pixels, the job renders ${job.size.value}`, expected: job.size.value, found, hint: `resize or pad the image to exactly ${job.size.value}; it becomes the first frame` };
      return null;
    }
  }
}
