import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AttemptOutcome } from '../api/retry-policy.js';
import { RemoteError } from './errors.js';
import { VerifyingStream, type Expected, type Mismatch } from './verify-stream.js';

/**
 * Files written whole or not at all: streamed into a temp file created exclusively, verified
 * while streaming, fsynced, then renamed into place (and the directory fsynced). A failure
 * removes the temp file. Shared by the directory store (blobs in) and both stores (outputs out).
 */

/** Read and write in 1 MiB pieces: fewer round trips through the thread pool than the 64 KiB default, still bounded. */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

/** Streams `source` through a verifier into `destPath`, atomically. */
export async function writeVerified(
  source: Readable,
  destPath: string,
  expected: Expected,
  mismatch: (found: Mismatch) => Error,
  options: { readonly tempDir?: string; readonly signal?: AbortSignal | undefined; readonly onProgress?: ((bytesDone: number) => void) | undefined } = {},
): Promise<void> {
  const dir = options.tempDir ?? path.dirname(destPath);
  const temp = path.join(dir, `${path.basename(destPath)}.part-${randomBytes(6).toString('hex')}`);
  try {
    const file = await open(temp, 'wx');
    try {
      const verifier = new VerifyingStream(expected, mismatch, options.onProgress);
      await (options.signal ? pipeline(source, verifier, fileSink(file), { signal: options.signal }) : pipeline(source, verifier, fileSink(file)));
    } finally {
      await file.close();
    }
    await mkdir(path.dirname(destPath), { recursive: true });
    await rename(temp, destPath);
  } catch (error) {
    source.destroy();
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(path.dirname(destPath));
}

/** A writable over an open file whose end waits for fsync: the bytes are on disk before anyone renames the file. */
function fileSink(file: FileHandle): Writable {
  return new Writable({
    highWaterMark: STREAM_CHUNK_BYTES,
    write(chunk: Buffer, _encoding, done) {
      file.write(chunk).then(() => done(), done);
    },
    writev(chunks, done) {
      file.writev(chunks.map((c) => c.chunk as Buffer)).then(() => done(), done);
    },
    final(done) {
      file.sync().then(() => done(), done);
    },
  });
}

/** Makes a rename durable; not every platform or share can fsync a directory, and the file itself is safe. */
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
