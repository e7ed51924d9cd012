import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { asEnvironmentError } from '../files/environment-error.js';

/**
 * What a render killed mid-write leaves behind: a lockfile or report write cut off between its
 * temp file and the rename (`<name>.tmp-<pid>-<hex>`), a download cut off mid-stream
 * (`<name>.part-<hex>`). Nobody ever reads them; they only pile up beside the real files. Only a
 * process holding the advisory lock may call this: then no other render of the storyboard can
 * be writing them.
 */

const TEMP_SUFFIX = /^\.(?:tmp-\d+-[0-9a-f]+|part-[0-9a-f]+)$/;

/** Removes the temp and partial siblings of each of `finals` (absolute paths); returns the paths removed. */
export async function removeStaleFiles(finals: readonly string[]): Promise<string[]> {
  const byDir = new Map<string, Set<string>>();
  for (const final of finals) {
    const names = byDir.get(path.dirname(final)) ?? new Set<string>();
    names.add(path.basename(final));
    byDir.set(path.dirname(final), names);
  }
  const removed: string[] = [];
  for (const [dir, names] of byDir) {
    const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw asEnvironmentError(error, 'list the directory', dir);
    });
    for (const entry of entries) {
      if (!isTempOf(entry, names)) continue;
      await rm(path.join(dir, entry), { force: true });
      removed.push(path.join(dir, entry));
    }
  }
  return removed;
}

function isTempOf(entry: string, finals: ReadonlySet<string>): boolean {
  const cut = entry.search(/\.(?:tmp|part)-[^.]*$/);
  return cut > 0 && finals.has(entry.slice(0, cut)) && TEMP_SUFFIX.test(entry.slice(cut));
}
