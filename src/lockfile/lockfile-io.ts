import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { LockfileError } from '../errors.js';
import { confinePath } from '../files/confined-path.js';
import { asEnvironmentError } from '../files/environment-error.js';
import { describeReadFailure, readBounded } from '../files/read-bounded.js';
import type { Lockfile } from './lockfile.js';
import { parseLockfile, serializeLockfile } from './parse-lockfile.js';
import { syncDirectory } from '../files/durable.js';

/** Largest lockfile read: some 100,000 jobs with long prompts. A larger one is refused, not read. */
export const MAX_LOCKFILE_BYTES = 128 * 1024 * 1024;

/** A lockfile as read: its data, and its text and name, so that a later check can say `file:line:col`. */
export interface LockfileSource {
  readonly lockfile: Lockfile;
  readonly text: string;
  /** How messages name the file. */
  readonly display: string;
}

/** Reads the lockfile, or `null` when there is none yet. */
export async function readLockfile(lockPath: string, display = lockPath, root: string | null = null): Promise<Lockfile | null> {
  return (await readLockfileSource(lockPath, display, root))?.lockfile ?? null;
}

/**
 * Reads and parses the lockfile, or `null` when there is none yet. Read with a bound and only
 * as a regular file; with `root` (the project directory), a lockfile that is a symlink leading
 * out of it is refused rather than followed.
 */
export async function readLockfileSource(lockPath: string, display = lockPath, root: string | null = null): Promise<LockfileSource | null> {
  let real = lockPath;
  if (root !== null) {
    const confined = confinePath(root, lockPath);
    if (!confined.ok) {
      throw new LockfileError(`${display} is a symlink leading outside the project directory (to ${confined.resolved})`, {
        hint: 'a lockfile is a file beside its storyboard; remove the symlink',
      });
    }
    real = confined.path;
  }
  const read = await readBounded(real, MAX_LOCKFILE_BYTES);
  if (!read.ok) {
    switch (read.reason) {
      case 'missing':
        return null;
      case 'unreadable':
        throw asEnvironmentError(read.error, 'read', display);
      default:
        throw new LockfileError(`${display} ${describeReadFailure(read, MAX_LOCKFILE_BYTES)}`, {
          hint: 'a lockfile is a JSON file written by shotlist; restore it from git, or remove it',
        });
    }
  }
  const text = read.bytes.toString('utf8');
  return { lockfile: parseLockfile(text, display), text, display };
}

/**
 * Writes the lockfile atomically: a temp file beside it, fsync, rename over the old one, fsync
 * the directory. A reader (or a crash) sees the old file or the new one, never half of one.
 */
export async function writeLockfile(lockPath: string, lock: Lockfile): Promise<void> {
  await writeFileAtomic(lockPath, serializeLockfile(lock));
}

/**
 * Writes `text` to `target` atomically: a temp file beside it, fsync, rename, fsync of the
 * directory. Whatever fails (a full disk mid-write, a read-only directory, a rename refused), the
 * temp file is removed and the failure names `target` (an `EnvironmentError` when the machine
 * refused: see files/environment-error.ts).
 */
export async function writeFileAtomic(target: string, text: string): Promise<void> {
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  let created = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    created = true;
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    created = false;
  } catch (error) {
    if (created) await rm(temp, { force: true }).catch(() => undefined);
    throw asEnvironmentError(error, 'write', target);
  }
  await syncDirectory(path.dirname(target));
}
