import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AttemptOutcome } from '../api/retry-policy.js';
import { RemoteError } from './errors.js';
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

/** Files up to this size are copied in one read and one write: for small outputs the stream machinery costs more than the bytes. */
export const SMALL_FILE_BYTES = 1024 * 1024;

/**
 * Copies the file at `sourcePath` to `destPath`, atomically, if its bytes are `expected`;
 * otherwise throws `mismatch(...)` and leaves nothing. Memory: one chunk, or one small file.
 */
export async function copyVerified(sourcePath: string, destPath: string, expected: Expected, mismatch: (found: Mismatch) => Error, options: WriteOptions = {}): Promise<void> {
  options.signal?.throwIfAborted();
  if (expected.bytes > SMALL_FILE_BYTES) {
    await copyLargeVerified(sourcePath, destPath, expected, mismatch, options);
    return;
  }
  const data = await readAtMost(sourcePath, expected.bytes + 1);
  const actual = createHash('sha256').update(data).digest('hex');
  if (data.length !== expected.bytes || actual !== expected.sha256) throw mismatch({ actualSha256: data.length > expected.bytes ? null : actual, actualBytes: data.length });
  await writeAtomically(destPath, options.tempDir, async (file) => {
    await file.writeFile(data);
  });
  options.onProgress?.(data.length);
}

/**
 * A large file, file to file: two 1 MiB buffers used in turn, the next piece read while this
 * one is hashed and written. No allocation per piece (no garbage for the collector, memory flat
 * at 2 MiB whatever the size) and no stream machinery, which for a local copy costs as much as
 * the copying.
 */
async function copyLargeVerified(sourcePath: string, destPath: string, expected: Expected, mismatch: (found: Mismatch) => Error, options: WriteOptions): Promise<void> {
  const source = await open(sourcePath, 'r');
  try {
    await writeAtomically(destPath, options.tempDir, async (file) => {
      const buffers = [Buffer.allocUnsafe(STREAM_CHUNK_BYTES), Buffer.allocUnsafe(STREAM_CHUNK_BYTES)] as const;
      const hash = createHash('sha256');
      let done = 0;
      let reading = source.read(buffers[0], 0, STREAM_CHUNK_BYTES, 0);
      try {
        for (let turn = 0; ; turn++) {
          const { bytesRead } = await reading;
          if (bytesRead === 0) break;
          const piece = buffers[turn % 2]!.subarray(0, bytesRead);
          done += bytesRead;
          if (done > expected.bytes) throw mismatch({ actualSha256: null, actualBytes: done });
          options.signal?.throwIfAborted();
          reading = source.read(buffers[(turn + 1) % 2]!, 0, STREAM_CHUNK_BYTES, done);
          hash.update(piece);
          await file.write(piece, 0, bytesRead, done - bytesRead);
          options.onProgress?.(done);
        }
      } catch (error) {
        // The read already asked for finishes before the file is closed under it.
        await reading.catch(() => {});
        throw error;
      }
      const actual = hash.digest('hex');
      if (done !== expected.bytes || actual !== expected.sha256) throw mismatch({ actualSha256: actual, actualBytes: done });
    });
  } finally {
    await source.close();
  }
}

/** Streams `source` through a verifier into `destPath`, atomically. */
export async function writeVerified(source: Readable, destPath: string, expected: Expected, mismatch: (found: Mismatch) => Error, options: WriteOptions = {}): Promise<void> {
  try {
    await writeAtomically(destPath, options.tempDir, async (file) => {
      const verifier = new VerifyingStream(expected, mismatch, options.onProgress);
      await (options.signal ? pipeline(source, verifier, fileSink(file), { signal: options.signal }) : pipeline(source, verifier, fileSink(file)));
    });
  } catch (error) {
    source.destroy();
    throw error;
  }
}

/**
 * Writes a temp file created exclusively (by `fill`), fsyncs it and renames it to `destPath`;
 * on any failure the temp file is removed. The directory is not fsynced: a rename lost in a
 * crash leaves the blob or output absent, which the next push or pull sees and repairs, while
 * the fsync of the file keeps a crash from leaving a name whose bytes never reached the disk.
 */
async function writeAtomically(destPath: string, tempDir: string | undefined, fill: (file: FileHandle) => Promise<void>): Promise<void> {
  const dir = tempDir ?? path.dirname(destPath);
  const temp = path.join(dir, `${path.basename(destPath)}.part-${nextTempId()}`);
  try {
    // Folders are made only when missing: for a thousand small blobs, two mkdir calls each cost more than the copy.
    const file = await orMakeFolder(dir, () => open(temp, 'wx'));
    try {
      await fill(file);
      await file.sync();
    } finally {
      await file.close();
    }
    await orMakeFolder(path.dirname(destPath), () => rename(temp, destPath));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

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

/** Temp names unique across processes (a random prefix) and within one (a counter), without asking for randomness per file. */
const TEMP_PREFIX = randomBytes(4).toString('hex');
let tempCounter = 0;
function nextTempId(): string {
  return `${TEMP_PREFIX}${(tempCounter++).toString(16).padStart(6, '0')}`;
}

/** Up to `limit` bytes of a file: enough to tell a file of the expected size from a longer one without reading all of it. */
async function readAtMost(file: string, limit: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(limit);
    let filled = 0;
    while (filled < limit) {
      const { bytesRead } = await handle.read(buffer, filled, limit - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
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
const TRANSIENT_FS_CODES = new Set(['EIO', 'ETIMEDOUT', 'EAGAIN', 'EBUSY', 'ESTALE', 'ECONNRESET', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENETDOWN', 'ENETUNREACH', 'EINTR']);

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
