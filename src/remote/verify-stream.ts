import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through that hashes and counts the bytes of a blob as they stream and fails unless they
 * are exactly the expected size and sha256. It holds back the latest chunk until the next one
 * arrives, and the last one until the hash has been checked: a store writing the output
 * downstream never receives the whole blob when it is wrong, so an upload with a known length
 * (an S3 PUT, a multipart upload) can never complete with the wrong bytes. One chunk held: the
 * memory stays bounded whatever the size.
 */

export interface Expected {
  readonly sha256: string;
  readonly bytes: number;
}

export interface Mismatch {
  /** `null` when the stream was cut off early because it ran past the expected size. */
  readonly actualSha256: string | null;
  readonly actualBytes: number;
}

export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | null = null;
  bytes = 0;

  constructor(
    private readonly expected: Expected,
    private readonly mismatch: (found: Mismatch) => Error,
    private readonly onProgress?: ((bytesDone: number) => void) | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.expected.bytes) {
      done(this.mismatch({ actualSha256: null, actualBytes: this.bytes }));
      return;
    }
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    if (previous !== null) this.push(previous);
    this.onProgress?.(this.bytes);
    done();
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual !== this.expected.sha256 || this.bytes !== this.expected.bytes) {
      done(this.mismatch({ actualSha256: actual, actualBytes: this.bytes }));
      return;
    }
    if (this.held !== null) this.push(this.held);
    this.held = null;
    done();
  }
}
