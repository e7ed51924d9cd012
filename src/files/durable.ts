import { open } from 'node:fs/promises';

/**
 * Durability for the write-to-temp-then-rename pattern every output, lockfile and film uses:
 * the temp file's bytes reach the disk before the rename, and the rename itself after it.
 */

/** Flushes a file's bytes to the disk. */
export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the renames in `dir` durable; a no-op where the filesystem refuses fsync on a directory (or opening one): the rename is atomic all the same. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort only
  }
}
