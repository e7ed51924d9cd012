import type { Issue } from '../source/issue.js';
import type { ResolvedJob } from './job.js';
import type { InputReferenceInfo } from './read-input-references.js';
import type { ResolvedStoryboard } from './resolve-storyboard.js';
import { JobIssueGroups } from './job-issue-groups.js';
import { issueAt } from '../source/yaml-source.js';
import { describeRefusal, type RefusalWording } from './project-file.js';

const INPUT_REFERENCE: RefusalWording = { noun: 'input_reference', codePrefix: 'input-reference', keepInside: 'images', limit: 'at most 20 MiB' };

/**
 * Each job's input_reference must exist inside the project, be a JPEG, PNG or WebP by its
 * bytes, and have exactly the job's size in pixels (the server rejects anything else, after
 * the request was already paid for in time). Pure: the files were read before.
 */
export function validateInputReferences(
  storyboard: Pick<ResolvedStoryboard, 'sources'>,
  jobs: readonly ResolvedJob[],
  infos: ReadonlyMap<string, InputReferenceInfo>,
): Issue[] {
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
  if (info.status !== 'ok') return describeRefusal(info, file, INPUT_REFERENCE);
  if (info.type === null)
    return {
      code: 'input-reference-type',
      message: `input_reference ${file} is not a JPEG, PNG or WebP image`,
      expected: 'JPEG, PNG or WebP bytes',
      hint: 'the type is read from the bytes, not the file name; convert the image',
    };
  const found = info.width && info.height ? `${info.width}x${info.height}` : 'an unreadable size';
  if (found !== job.size.value)
    return {
      code: 'input-reference-size',
      message: `input_reference ${file} is ${found} pixels, the job renders ${job.size.value}`,
      expected: job.size.value,
      found,
      hint: `resize or pad the image to exactly ${job.size.value}; it becomes the first frame`,
    };
  return null;
}
