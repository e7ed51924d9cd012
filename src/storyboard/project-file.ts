import { confinePath } from '../files/confined-path.js';
import { hashBounded, readBounded, type ReadFailure } from '../files/read-bounded.js';

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
export async function readProjectFile(absPath: string, projectRoot: string, maxBytes: number): Promise<{ readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly refusal: FileRefusal }> {
  const confined = confinePath(projectRoot, absPath);
  if (!confined.ok) return { ok: false, refusal: { status: 'outside', detail: projectRoot } };
  const read = await readBounded(confined.path, maxBytes);
  return read.ok ? read : { ok: false, refusal: refusalOf(read) };
}

/** The file's sha256 and length, streamed (never held whole), or why it was not read. */
export async function hashProjectFile(absPath: string, projectRoot: string, maxBytes: number): Promise<{ readonly ok: true; readonly sha256: string; readonly bytes: number } | { readonly ok: false; readonly refusal: FileRefusal }> {
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
