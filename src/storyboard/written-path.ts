import path from 'node:path';

/**
 * A file path written in a storyboard (an input_reference, a character's clip): relative to the
 * storyboard, so that a storyboard in git names the same files on every machine. Pure.
 */

/** The path relative to the storyboard's directory (posix separators), and absolute. */
export interface WrittenPath {
  readonly path: string;
  readonly absPath: string;
}

/** The path resolved against `dir`; `null` when it is not relative (absolute, a drive, a URL, or holding a NUL). */
export function resolveWrittenPath(text: string, dir: string): WrittenPath | null {
  if (path.isAbsolute(text) || /^[a-zA-Z]:/.test(text) || text.includes('\0') || /^[a-z]+:\/\//i.test(text)) return null;
  const relative = path.posix.normalize(text.replaceAll('\\', '/'));
  return { path: relative, absPath: path.resolve(dir, relative) };
}
