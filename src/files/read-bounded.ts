import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Reading a file a user, a lockfile or a record names, never more than a bound: the size is
 * checked on the open descriptor (not by a `stat` of the path before), reading stops one byte
 * past the bound (a `/proc` file reports size 0 and never ends; a file may grow while read),
 * and only regular files are read (a FIFO would block forever, a device never end).
 */

export type ReadFailure =
  | { readonly ok: false; readonly reason: 'missing' | 'not-a-file' }
  | { readonly ok: false; readonly reason: 'too-large'; readonly bytes: number }
  | { readonly ok: false; readonly reason: 'unreadable'; readonly code: string; readonly error: unknown };

export type BoundedRead = { readonly ok: true; readonly bytes: Buffer } | ReadFailure;

export type BoundedHash = { readonly ok: true; readonly sha256: string; readonly bytes: number } | ReadFailure;

/** Opening a FIFO for reading would wait for a writer; non-blocking, it opens at once (and is refused by its type). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const CHUNK = 1024 * 1024;

/** The whole file, if it is a regular file of at most `maxBytes`. */
export async function readBounded(absPath: string, maxBytes: number): Promise<BoundedRead> {
  return withRegularFile(absPath, maxBytes, async (handle, size) => {
    // One byte more than allowed is asked for: getting it means the file is larger than it said.
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (buffer.length > maxBytes) return { ok: false, reason: 'too-large', bytes: length };
        // Grew, or a pseudo-file that reports size 0: keep reading up to the bound.
        return readRest(handle, buffer.subarray(0, length), maxBytes);
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return { ok: true, bytes: buffer.subarray(0, length) };
      length += bytesRead;
    }
  });
}

/** The sha256 of the file, if it is a regular file of at most `maxBytes`; streamed in chunks. */
export async function hashBounded(absPath: string, maxBytes: number): Promise<BoundedHash> {
  return withRegularFile(absPath, maxBytes, async (handle, size) => {
    const hash = createHash('sha256');
    // Sized to the file: a plan hashes thousands of small files, and a megabyte each would be zeroed for nothing.
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1));
    let total = 0;
    for (;;) {
      const asked = Math.min(buffer.length, maxBytes + 1 - total);
      const { bytesRead } = await handle.read(buffer, 0, asked, null);
      total += bytesRead;
      if (total > maxBytes) return { ok: false, reason: 'too-large', bytes: total };
      hash.update(buffer.subarray(0, bytesRead));
      // Short of what was asked, with exactly the size the file has: its end, without a second read to learn it.
      if (bytesRead === 0 || (bytesRead < asked && total === size)) return { ok: true, sha256: hash.digest('hex'), bytes: total };
    }
  });
}

/**
 * The file opened for reading if it is a regular file, never waiting on what is there (a FIFO);
 * otherwise an `EINVAL` error naming the path, as Node's own errors do. For readers of files of
 * any size: an upload streamed from it, a copy the kernel makes of it.
 */
export async function openRegularFile(absPath: string): Promise<FileHandle> {
  const handle = await open(absPath, OPEN_FLAGS);
  try {
    if ((await handle.stat()).isFile()) return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
  await handle.close().catch(() => undefined);
  throw new NotRegularFileError(absPath);
}

/** A FIFO, a device or a folder where a file was expected; `EINVAL` with the path, as Node's own errors say it. */
class NotRegularFileError extends Error {
  readonly code = 'EINVAL';
  readonly syscall = 'open';
  constructor(readonly path: string) {
    super(`EINVAL: not a regular file, open '${path}'`);
  }
}

async function readRest(handle: FileHandle, head: Buffer, maxBytes: number): Promise<BoundedRead> {
  const chunks = [head];
  let total = head.length;
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1));
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, maxBytes + 1 - total), null);
    if (bytesRead === 0) return { ok: true, bytes: Buffer.concat(chunks, total) };
    total += bytesRead;
    if (total > maxBytes) return { ok: false, reason: 'too-large', bytes: total };
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
  }
}

async function withRegularFile<T>(
  absPath: string,
  maxBytes: number,
  read: (handle: FileHandle, size: number) => Promise<T | ReadFailure>,
): Promise<T | ReadFailure> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(absPath);
  } catch (error) {
    return error instanceof NotRegularFileError ? { ok: false, reason: 'not-a-file' } : failureOf(error);
  }
  try {
    const info = await handle.stat();
    if (info.size > maxBytes) return { ok: false, reason: 'too-large', bytes: info.size };
    return await read(handle, info.size);
  } catch (error) {
    return failureOf(error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function failureOf(error: unknown): ReadFailure {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  if (code === 'ENOENT') return { ok: false, reason: 'missing' };
  // A directory opens for reading on some systems and fails with EISDIR on read on others.
  if (code === 'EISDIR') return { ok: false, reason: 'not-a-file' };
  return { ok: false, reason: 'unreadable', code, error };
}

/** A failure in words: "does not exist", "is not a regular file", "has N bytes, more than M", "cannot be read (EACCES)". */
export function describeReadFailure(failure: ReadFailure, maxBytes: number): string {
  switch (failure.reason) {
    case 'missing':
      return 'does not exist';
    case 'not-a-file':
      return 'is not a regular file';
    case 'too-large':
      return `has more than ${maxBytes} bytes`;
    case 'unreadable':
      return `cannot be read (${failure.code})`;
  }
}
