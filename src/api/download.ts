import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { asEnvironmentError, isEnvironmentFailure } from '../files/environment-error.js';
import { NetworkError, ResponseFormatError, TruncatedBodyError, type CallSite } from './errors.js';
import { quote, type Redact } from './openai-videos/response.js';
import { discard, header, type Exchange } from './transport.js';
import { syncDirectory } from '../files/durable.js';

/**
 * Streaming a video's content to disk: a temp file beside the destination, hashed while it
 * streams, with bounded memory, checked (type, length, signature), fsynced and renamed into
 * place. A failed attempt leaves no temp file behind.
 */

export type ContentKind = 'mp4' | 'webp' | 'jpeg';

/**
 * How large and how slow a download may be (README, "Limits"). A server is untrusted: without
 * limits a 3 GiB "MP4" fills the disk and a body trickling a byte every few seconds holds a job
 * forever.
 */
export const DOWNLOAD_LIMITS = {
  /** A bitrate ceiling of 100 Mbit/s, ten times what generation APIs serve (Sora 2 Pro, about 10). */
  videoBytesPerSecond: 12_500_000,
  /** The least a video may be, whatever its length: short clips, large headers. */
  videoFloorBytes: 64 * 1024 * 1024,
  /** A video whose length is not known. */
  videoDefaultBytes: 1024 * 1024 * 1024,
  /** A thumbnail or spritesheet. */
  imageBytes: 32 * 1024 * 1024,
  /** The longest one download may take, its retries included. */
  deadlineMs: 30 * 60_000,
} as const;

/** The most bytes a video of `seconds` may have: seconds × the bitrate ceiling, never under the floor. */
export function videoByteLimit(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return DOWNLOAD_LIMITS.videoDefaultBytes;
  return Math.max(DOWNLOAD_LIMITS.videoFloorBytes, Math.ceil(seconds * DOWNLOAD_LIMITS.videoBytesPerSecond));
}

/** The default byte limit of a kind of content, when the caller names none. */
export function defaultByteLimit(kind: ContentKind): number {
  return kind === 'mp4' ? DOWNLOAD_LIMITS.videoDefaultBytes : DOWNLOAD_LIMITS.imageBytes;
}

export interface DownloadResult {
  /** Lowercase hex sha256 of the file as written. */
  readonly sha256: string;
  readonly bytes: number;
  readonly contentType: string;
}

const MIME_TYPES: Readonly<Record<ContentKind, readonly string[]>> = {
  mp4: ['video/mp4'],
  webp: ['image/webp'],
  jpeg: ['image/jpeg', 'image/jpg'],
};

/** Enough leading bytes to recognize any of the three formats. */
const SIGNATURE_BYTES = 12;

/** Whether `head` starts like a file of `kind`: MP4 `ftyp` box at offset 4, `RIFF....WEBP`, JPEG SOI. */
export function hasSignature(kind: ContentKind, head: Uint8Array): boolean {
  const ascii = (from: number, to: number): string => Buffer.from(head.subarray(from, to)).toString('latin1');
  switch (kind) {
    case 'mp4':
      return head.length >= 8 && ascii(4, 8) === 'ftyp';
    case 'webp':
      return head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP';
    case 'jpeg':
      return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  }
}

/**
 * Saves a 2xx content response to `destPath`, refusing more than `maxBytes` (announced or
 * received; never retried). The caller has checked the status.
 */
export async function saveContent(ex: Exchange, destPath: string, kind: ContentKind, redact: Redact, maxBytes: number): Promise<DownloadResult> {
  // From here on the idle timeout between chunks applies, and the caller's overall deadline.
  ex.finish();
  const contentType = checkContentType(ex, kind, redact);
  const expected = contentLengthOf(ex);
  if (expected !== null && expected > maxBytes) {
    discard(ex);
    throw new ResponseFormatError(ex.call, ex.status, `the server announces ${expected} bytes, more than the ${maxBytes} allowed for this ${kind}`);
  }
  const temp = `${destPath}.part-${randomBytes(6).toString('hex')}`;
  const inspector = new Inspector(kind, maxBytes);
  try {
    await writeSynced(ex, inspector, temp);
    checkComplete(ex.call, ex.status, kind, inspector, expected);
    await rename(temp, destPath);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw downloadFailure(ex, error, inspector, expected, destPath);
  }
  await syncDirectory(dirname(destPath));
  return { sha256: inspector.hash.digest('hex'), bytes: inspector.bytes, contentType };
}

function checkContentType(ex: Exchange, kind: ContentKind, redact: Redact): string {
  const raw = header(ex.headers, 'content-type') ?? '';
  const mime = raw.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!MIME_TYPES[kind].includes(mime)) {
    discard(ex);
    throw new ResponseFormatError(
      ex.call,
      ex.status,
      `expected content-type ${MIME_TYPES[kind].join(' or ')}, got ${raw === '' ? 'none' : quote(raw, redact)}`,
    );
  }
  return mime;
}

function contentLengthOf(ex: Exchange): number | null {
  const raw = header(ex.headers, 'content-length');
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
}

/** Streams with backpressure into a file created exclusively, fsynced before anyone renames it. */
async function writeSynced(ex: Exchange, inspector: Inspector, temp: string): Promise<void> {
  const file = await open(temp, 'wx');
  try {
    await pipeline(ex.body, inspector, fileSink(file));
  } finally {
    await file.close();
  }
}

/** A writable over an open file whose end waits for fsync: the data is on disk when the pipeline resolves. */
function fileSink(file: FileHandle): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      file.write(chunk).then(() => done(), done);
    },
    final(done) {
      file.sync().then(() => done(), done);
    },
  });
}

function checkComplete(call: CallSite, status: number, kind: ContentKind, inspector: Inspector, expected: number | null): void {
  if (expected !== null && inspector.bytes < expected) throw new TruncatedBodyError(call, expected, inspector.bytes);
  if (expected !== null && inspector.bytes > expected) {
    throw new ResponseFormatError(call, status, `received ${inspector.bytes} bytes, more than the announced ${expected}`);
  }
  if (inspector.bytes === 0) throw new ResponseFormatError(call, status, 'empty body');
  if (!hasSignature(kind, inspector.head)) throw new SignatureMismatch(kind);
}

class SignatureMismatch extends Error {
  constructor(readonly kind: ContentKind) {
    super(`the body does not start like a ${kind} file`);
  }
}

/** The body went past the byte limit: the download stops there. */
class TooLarge extends Error {
  constructor(
    readonly maxBytes: number,
    kind: ContentKind,
  ) {
    super(`the body is larger than the ${maxBytes} bytes allowed for this ${kind}`);
  }
}

function downloadFailure(ex: Exchange, error: unknown, inspector: Inspector, expected: number | null, destPath: string): unknown {
  if (error instanceof SignatureMismatch || error instanceof TooLarge) return new ResponseFormatError(ex.call, ex.status, error.message);
  // The disk, not the server: a full disk, a read-only directory, a file where the directory should be.
  if (isEnvironmentFailure(error)) {
    discard(ex);
    return asEnvironmentError(error, 'write', destPath);
  }
  if (error instanceof TruncatedBodyError || error instanceof ResponseFormatError) return error;
  const classified = ex.classify(error, inspector.bytes);
  // A connection that drops mid-body is a truncation when we know how much was promised.
  if (classified instanceof NetworkError && expected !== null && inspector.bytes < expected) {
    return new TruncatedBodyError(ex.call, expected, inspector.bytes, { cause: error });
  }
  return classified;
}

/** Hashes and counts the bytes as they pass; stops early when the first bytes are not of `kind`, or past `maxBytes`. */
class Inspector extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  head: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly kind: ContentKind,
    private readonly maxBytes: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(new TooLarge(this.maxBytes, this.kind));
      return;
    }
    this.hash.update(chunk);
    if (this.head.length < SIGNATURE_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, SIGNATURE_BYTES - this.head.length)]);
      if (this.head.length >= SIGNATURE_BYTES && !hasSignature(this.kind, this.head)) {
        done(new SignatureMismatch(this.kind));
        return;
      }
    }
    done(null, chunk);
  }
}
