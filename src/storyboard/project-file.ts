import { confinePath } from '../files/confined-path.js';
import { hashBounded, readBounded, type ReadFailure } from '../files/read-bounded.js';
import type { Issue } from '../source/issue.js';

/**
 * A file a storyboard names (an input image, a character's clip, a film's still or music): read
 * only inside the project, through every symlink, as a regular file within a bound. What could
 * not be read is told the one way every check reports it.
 */

/** Why a named file was not read; `detail` is the project root, the size found or the error code. */
export interface FileRefusal {
  readonly status: 'missing' | 'outside' | 'too-large' | 'not-a-file' | 'unreadable';
  readonly detail: string;
}

/** The file's bytes, or why they were not read. */
export async function readProjectFile(
  absPath: string,
  projectRoot: string,
  maxBytes: number,
): Promise<{ readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly refusal: FileRefusal }> {
  const confined = confinePath(projectRoot, absPath);
  if (!confined.ok) return { ok: false, refusal: { status: 'outside', detail: projectRoot } };
  const read = await readBounded(confined.path, maxBytes);
  return read.ok ? read : { ok: false, refusal: refusalOf(read) };
}

/** The file's sha256 and length, streamed (never held whole), or why it was not read. */
export async function hashProjectFile(
  absPath: string,
  projectRoot: string,
  maxBytes: number,
): Promise<{ readonly ok: true; readonly sha256: string; readonly bytes: number } | { readonly ok: false; readonly refusal: FileRefusal }> {
  const confined = confinePath(projectRoot, absPath);
  if (!confined.ok) return { ok: false, refusal: { status: 'outside', detail: projectRoot } };
  const read = await hashBounded(confined.path, maxBytes);
  return read.ok ? read : { ok: false, refusal: refusalOf(read) };
}

function refusalOf(failure: ReadFailure): FileRefusal {
  switch (failure.reason) {
    case 'missing':
    case 'not-a-file':
      return { status: failure.reason, detail: '' };
    case 'too-large':
      return { status: 'too-large', detail: String(failure.bytes) };
    case 'unreadable':
      return { status: 'unreadable', detail: failure.code };
  }
}

/** How a check names the files it reads, for `describeRefusal`. */
export interface RefusalWording {
  /** Before the path in a message: `input_reference`, `character clip`, `image`, `music`. */
  readonly noun: string;
  /** Of the issue codes `<prefix>-missing`, `-too-large`, `-unreadable`. */
  readonly codePrefix: string;
  /** What the hint of a path outside the project asks to keep inside it: `images`. */
  readonly keepInside: string;
  /** The bound, as `expected` says it: `at most 20 MiB`. */
  readonly limit: string;
  readonly tooLargeHint?: string;
}

export type RefusalIssue = Pick<Issue, 'code' | 'message' | 'expected' | 'hint'>;

/** A refusal as the issue every check reports for it. */
export function describeRefusal(refusal: FileRefusal, file: string, wording: RefusalWording): RefusalIssue {
  const named = `${wording.noun} ${file}`;
  switch (refusal.status) {
    case 'missing':
    case 'not-a-file':
      return {
        code: `${wording.codePrefix}-missing`,
        message: `${named} ${refusal.status === 'missing' ? 'does not exist' : 'is not a file'}`,
        hint: 'the path is relative to the storyboard file',
      };
    case 'outside':
      return {
        code: 'path-outside-project',
        message: `${named} is outside the project directory`,
        hint: `keep ${wording.keepInside} inside the project (the folder holding .git)`,
      };
    case 'too-large':
      return {
        code: `${wording.codePrefix}-too-large`,
        message: `${named} has ${refusal.detail} bytes`,
        expected: wording.limit,
        ...(wording.tooLargeHint === undefined ? {} : { hint: wording.tooLargeHint }),
      };
    case 'unreadable':
      return { code: `${wording.codePrefix}-unreadable`, message: `${named} cannot be read (${refusal.detail})` };
  }
}
