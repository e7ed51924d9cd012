import { EnvironmentError } from '../errors.js';

/**
 * The one place that decides which failures of the filesystem are the user's environment (a
 * full disk, a read-only mount, permissions, a file where a directory should be) rather than a
 * bug in shotlist, and says so in words that name the path.
 */

/** errno codes that describe the machine, with what each means to a user. */
const ENVIRONMENT_CODES: Readonly<Record<string, { readonly what: string; readonly hint: string }>> = {
  ENOSPC: { what: 'no space left on the device', hint: 'free some space, or write elsewhere (render --out DIR)' },
  EDQUOT: { what: 'the disk quota is exhausted', hint: 'free some space, or write elsewhere (render --out DIR)' },
  EFBIG: {
    what: 'the file is larger than this filesystem or process allows',
    hint: 'write elsewhere (render --out DIR), or raise the file size limit (ulimit -f)',
  },
  EACCES: { what: 'permission denied', hint: 'check the permissions of the path and the directories above it' },
  EPERM: { what: 'operation not permitted', hint: 'check the permissions of the path, or write elsewhere' },
  EROFS: { what: 'the filesystem is read-only', hint: 'write elsewhere (render --out DIR)' },
  ENOTDIR: { what: 'a part of the path is not a directory', hint: 'a file stands where a directory is expected; move it away or choose another path' },
  EISDIR: { what: 'it is a directory', hint: 'name a file, not a directory' },
  EEXIST: { what: 'something else already exists there', hint: 'a file stands where a directory is expected; move it away or choose another path' },
  ENOENT: { what: 'no such file or directory', hint: 'check that the directories above it exist' },
  ENOTEMPTY: { what: 'a directory that is not empty stands there', hint: 'move it away or choose another path' },
  EXDEV: { what: 'it is on another filesystem', hint: 'keep the files on one filesystem' },
  EBUSY: { what: 'the resource is busy', hint: 'try again once whatever uses it has finished' },
  ETXTBSY: { what: 'the file is busy', hint: 'try again once whatever uses it has finished' },
  EMFILE: { what: 'too many open files in this process', hint: 'raise the open-file limit (ulimit -n)' },
  ENFILE: { what: 'too many open files on this system', hint: 'close other programs, or raise the system limit' },
  ENAMETOOLONG: { what: 'the name is too long for this filesystem', hint: 'choose a shorter path' },
  ELOOP: { what: 'too many symbolic links (a loop?)', hint: 'check the symbolic links on the path' },
  EIO: { what: 'an input/output error of the device', hint: 'check the disk' },
  ENXIO: { what: 'no such device', hint: 'name a regular file' },
  ENODEV: { what: 'the device does not support it', hint: 'name a regular file on a regular filesystem' },
};

/** What a system call was doing, for a failure met without a named operation. */
const VERBS: Readonly<Record<string, string>> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the directory',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove',
  fsync: 'save',
  close: 'save',
  link: 'create',
  scandir: 'list the directory',
  stat: 'inspect',
  lstat: 'inspect',
  copyfile: 'copy',
};

/** Whether `error` is a filesystem failure of the machine (it has an errno code listed above and came from a system call). */
export function isEnvironmentFailure(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException | null;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.syscall === 'string' && Object.hasOwn(ENVIRONMENT_CODES, e.code);
}

/**
 * `error` as an `EnvironmentError` naming what was being done to which path, when it is one;
 * anything else is handed back untouched (a bug stays a bug). `doing`: "write", "create the directory", ...
 */
export function asEnvironmentError(error: unknown, doing: string | null, path: string | null): unknown {
  if (error instanceof EnvironmentError || !isEnvironmentFailure(error)) return error;
  const known = ENVIRONMENT_CODES[error.code!]!;
  // mkdir's EEXIST: a file stands where the directory was to be made.
  const { what, hint } =
    error.syscall === 'mkdir' && error.code === 'EEXIST' ? { what: 'a file that is not a directory is in the way', hint: known.hint } : known;
  const target = path ?? error.path ?? null;
  const verb = doing ?? VERBS[error.syscall!] ?? error.syscall!;
  return new EnvironmentError(`cannot ${verb}${target === null ? '' : ` ${target}`}: ${what} (${error.code})`, target, { cause: error, hint });
}

/** Runs `work`, turning a filesystem failure of the machine into an `EnvironmentError` about `path`. */
export async function onEnvironment<T>(doing: string | null, path: string | null, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asEnvironmentError(error, doing, path);
  }
}
