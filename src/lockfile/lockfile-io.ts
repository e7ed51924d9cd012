import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Lockfile } from './lockfile.js';
import { parseLockfile, serializeLockfile } from './parse-lockfile.js';

/** Reads the lockfile, or `null` when there is none yet. */
export async function readLockfile(lockPath: string, display = lockPath): Promise<Lockfile | null> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseLockfile(text, display);
}

/**
 * Writes the lockfile atomically: a temp file beside it, fsync, rename over the old one, fsync
 * the directory. A reader (or a crash) sees the old file or the new one, never half of one.
 */
export async function writeLockfile(lockPath: string, lock: Lockfile): Promise<void> {
  await writeFileAtomic(lockPath, serializeLockfile(lock));
}

export async function writeFileAtomic(target: string, text: string): Promise<void> {
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(path.dirname(target));
}

/** Makes the renames in `dir` durable; a no-op where the filesystem refuses fsync on a directory. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
