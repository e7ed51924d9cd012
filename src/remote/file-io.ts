import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AttemptOutcome } from '../api/retry-policy.js';
import { openRegularFile } from '../files/read-bounded.js';
import { RemoteError } from './errors.js';
import { filePool, MAX_SMALL_COPY_BYTES } from './file-pool.js';
import { VerifyingStream, type Expected, type Mismatch } from './verify-stream.js';

/**
 * Files written whole or not at all: copied or streamed into a temp file created exclusively,
 * verified on the way, fsynced, then renamed into place. A failure removes the temp file.
 * Shared by the directory store (blobs in and out) and the S3 store (outputs out).
 */

/** Read and write in 1 MiB pieces: fewer round trips through the thread pool than the 64 KiB default, still bounded. */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

export interface WriteOptions {
  /** Where the temp file goes (same filesystem as `destPath`); default its directory. */
  readonly tempDir?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((bytesDone: number) => void) | undefined;
}

/**
 * Files up to this size are copied whole by one worker job (file-pool.ts): for small outputs
 * the stream machinery and the thread-pool round trips cost more than the bytes.
 */
const SMALL_FILE_BYTES = MAX_SMALL_COPY_BYTES;

/**
 * Copies the file at `sourcePath` to `destPath`, atomically, if its bytes are `expected`;
 * otherwise throws `mismatch(...)` and leaves nothing. Memory: one chunk, or one small file.
 */
export async function copyVerified(
  sourcePath: string,
  destPath: string,
  expected: Expected,
  mismatch: (found: Mismatch) => Error,
  options: WriteOptions = {},
): Promise<void> {
  options.signal?.throwIfAborted();
  if (expected.bytes > SMALL_FILE_BYTES) {
    await copyLargeVerified(sourcePath, destPath, expected, mismatch, options);
    return;
  }
  const temp = tempPathFor(destPath, options.tempDir);
  const copied = await filePool().copySmall({ source: sourcePath, temp, dest: destPath, ...expected }, { signal: options.signal });
  if (copied.kind === 'mismatch') throw mismatch({ actualSha256: copied.sha256, actualBytes: copied.bytes });
  options.onProgress?.(expected.bytes);
}

/**
 * A large file, file to file: the kernel copies it into the temp file (`copy_file_range`, or a
 * reflink where the filesystem shares blocks; no bytes pass through this process), then a
 * worker thread reads the temp file back and hashes it (file-pool.ts) while it is fsynced, so
 * what is verified is exactly what is renamed into place, whatever the source does meanwhile.
 * Memory: the worker's one 1 MiB buffer, whatever the size. Transfers in flight together keep
 * the kernel's copy, the disk and every core's hash busy (see bench/remote-throughput.ts).
 */
async function copyLargeVerified(
  sourcePath: string,
  destPath: string,
  expected: Expected,
  mismatch: (found: Mismatch) => Error,
  options: WriteOptions,
): Promise<void> {
  const copyInto = async (temp: string): Promise<FileHandle> => {
    // Opened first, as a regular file only: a FIFO in its place (a shared remote is untrusted)
    // would block the copy's own open for ever. The kernel then copies that very file.
    const source = await openRegularFile(sourcePath);
    try {
      await copyFile(pathOfOpen(source, sourcePath), temp, constants.COPYFILE_EXCL);
    } finally {
      await source.close();
    }
    return open(temp, 'r+');
  };
  await writeAtomically(destPath, options.tempDir, copyInto, async (file, temp) => {
    const { size } = await file.stat();
    // Larger than it should be: refused without reading it.
    if (size > expected.bytes) throw mismatch({ actualSha256: null, actualBytes: size });
    // The copy goes to the disk while a worker hashes it (from the page cache): the disk and
    // the cores work at once. Nothing is renamed until both are done.
    const [hashed, synced] = await Promise.allSettled([
      filePool().hashFile(temp, expected.bytes, { signal: options.signal, onProgress: options.onProgress }),
      file.sync(),
    ]);
    if (hashed.status === 'rejected') throw hashed.reason;
    if (synced.status === 'rejected') throw synced.reason;
    const digest = hashed.value;
    if (digest.kind === 'too-long') throw mismatch({ actualSha256: null, actualBytes: digest.bytes });
    if (digest.bytes !== expected.bytes || digest.sha256 !== expected.sha256) throw mismatch({ actualSha256: digest.sha256, actualBytes: digest.bytes });
    return 'synced';
  });
}

/** Whether this system names open files by descriptor (Linux's `/proc/self/fd`). */
const FD_PATHS = existsSync('/proc/self/fd');

/**
 * A path to the file `handle` has open, for calls that take only paths (`copyFile`): its
 * `/proc/self/fd` entry where there is one, so that what is copied is the file checked, even if
 * its name is given to another meanwhile; else the name it was opened by.
 */
function pathOfOpen(handle: FileHandle, openedAs: string): string {
  return FD_PATHS ? `/proc/self/fd/${handle.fd}` : openedAs;
}

/** Streams `source` through a verifier into `destPath`, atomically. */
export async function writeVerified(
  source: Readable,
  destPath: string,
  expected: Expected,
  mismatch: (found: Mismatch) => Error,
  options: WriteOptions = {},
): Promise<void> {
  try {
    await writeAtomically(destPath, options.tempDir, createEmpty, async (file) => {
      const verifier = new VerifyingStream(expected, mismatch, options.onProgress);
      await (options.signal ? pipeline(source, verifier, fileSink(file), { signal: options.signal }) : pipeline(source, verifier, fileSink(file)));
    });
  } catch (error) {
    source.destroy();
    throw error;
  }
}

/**
 * Writes a temp file created exclusively (`create`: empty by default), filled by `fill`, fsyncs
 * it and renames it to `destPath`; on any failure the temp file is removed. The directory is not
 * fsynced: a rename lost in a crash leaves the blob or output absent, which the next push or
 * pull sees and repairs, while the fsync of the file keeps a crash from leaving a name whose
 * bytes never reached the disk.
 */
async function writeAtomically(
  destPath: string,
  tempDir: string | undefined,
  create: (temp: string) => Promise<FileHandle>,
  /** Writes the file; resolves `'synced'` when it fsynced the file itself (as it wrote), so it is not fsynced twice. */
  fill: (file: FileHandle, temp: string) => Promise<void | 'synced'>,
): Promise<void> {
  const temp = tempPathFor(destPath, tempDir);
  const dir = path.dirname(temp);
  try {
    // Folders are made only when missing: for a thousand small blobs, two mkdir calls each cost more than the copy.
    const file = await orMakeFolder(dir, () => create(temp));
    try {
      if ((await fill(file, temp)) !== 'synced') await file.sync();
    } finally {
      await file.close();
    }
    await orMakeFolder(path.dirname(destPath), () => rename(temp, destPath));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A new, empty temp file: fails when the name exists. */
const createEmpty = (temp: string): Promise<FileHandle> => open(temp, 'wx');

/** Runs `act`; if it fails because `folder` is missing, makes the folder and runs it once more. */
async function orMakeFolder<T>(folder: string, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(folder, { recursive: true });
    return act();
  }
}

/** Where `destPath` is written before its rename: in `tempDir` (default its own folder), under a name no other writer uses. */
function tempPathFor(destPath: string, tempDir: string | undefined): string {
  return path.join(tempDir ?? path.dirname(destPath), `${path.basename(destPath)}.part-${nextTempId()}`);
}

/** Temp names unique across processes (a random prefix) and within one (a counter), without asking for randomness per file. */
const TEMP_PREFIX = randomBytes(4).toString('hex');
let tempCounter = 0;
function nextTempId(): string {
  return `${TEMP_PREFIX}${(tempCounter++).toString(16).padStart(6, '0')}`;
}

/** A writable over an open file (fsynced by the caller once the pipeline ends). */
function fileSink(file: FileHandle): Writable {
  return new Writable({
    highWaterMark: STREAM_CHUNK_BYTES,
    write(chunk: Buffer, _encoding, done) {
      file.write(chunk).then(() => done(), done);
    },
    writev(chunks, done) {
      file.writev(chunks.map((c) => c.chunk as Buffer)).then(() => done(), done);
    },
  });
}

/**
 * Filesystem failures worth another try: a mounted share that timed out, lost its server or
 * was busy. Anything else (no such file, no permission, disk full) would fail the same way.
 */
const TRANSIENT_FS_CODES = new Set([
  'EIO',
  'ETIMEDOUT',
  'EAGAIN',
  'EBUSY',
  'ESTALE',
  'ECONNRESET',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ENETUNREACH',
  'EINTR',
]);

export function fsOutcome(error: unknown): AttemptOutcome {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && TRANSIENT_FS_CODES.has(code) ? { kind: 'connection-lost' } : { kind: 'other' };
}

/** A filesystem error as a `RemoteError` that says what was being done where; other errors pass unchanged. */
export function fsFailure(what: string, error: unknown): unknown {
  if (error instanceof RemoteError || !(error instanceof Error) || (error as NodeJS.ErrnoException).code === undefined) return error;
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ABORT_ERR') return error;
  return new RemoteError('remote-io', `${what}: ${e.code}${e.syscall ? ` (${e.syscall})` : ''}: ${e.message.replace(/^[A-Z]+: /, '')}`, fsOutcome(error));
}
