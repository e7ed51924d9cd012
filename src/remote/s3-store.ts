import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { openRegularFile } from '../files/read-bounded.js';
import { BLOBS_PREFIX, blobKey, isSha256, shaOfBlobKey } from './blob-key.js';
import { BlobMissingError, blobCorrupt, ClaimsUnsupportedError, RemoteError, sourceAltered } from './errors.js';
import { STREAM_CHUNK_BYTES, writeVerified } from './file-io.js';
import { createRedactor, type Redactor } from './redact-credentials.js';
import { abortable, S3Claims, type S3Context } from './s3-claims.js';
import { endpointOrigin, readS3Settings, s3ClientConfig } from './s3-config.js';
import { errorCodeOf, s3Failure, statusOf } from './s3-errors.js';
import { VerifyingStream } from './verify-stream.js';
import { MAX_PAGE, type BlobPage, type BlobStat, type ClaimStore, type RemoteStore, type TransferOptions } from './store.js';

/**
 * A remote in S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, GCS interop) through
 * the official AWS SDK v3. This module is only ever loaded by `await import` (open-remote.ts),
 * so commands without an `s3://` remote never load the SDK.
 *
 *     <prefix>/blobs/sha256/ab/cdef…   one object per blob
 *     <prefix>/claims/<hex>.json       claims, written with If-None-Match / If-Match
 *
 * An object becomes visible only once its upload completes (a PUT, or the completion of a
 * multipart upload), and the bytes are verified before that: a wrong file makes the upload
 * fail, never land.
 */

/** Endpoint, region and credentials come from the environment (s3-config.ts and the SDK's credential chain). */
export interface S3StoreOptions {
  /** Multipart part size. Default 8 MiB (S3's minimum is 5). */
  readonly partSize?: number;
  /** Parts of one upload in flight; memory per upload is at most partSize × queueSize. Default 2. */
  readonly queueSize?: number;
}

export class S3Store implements RemoteStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly ctx: S3Context;
  private claimsReady: Promise<ClaimStore> | null = null;

  constructor(
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly options: S3StoreOptions = {},
  ) {
    const env = process.env;
    const settings = readS3Settings(env);
    const origin = endpointOrigin(settings);
    this.description = `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}${origin === null ? '' : ` at ${origin}`}`;
    // The SDK warns on stderr at construction that its 2027 releases will need Node 22; shotlist
    // pins a release that supports Node 20, and its users' output is not the SDK's to use.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    this.client = new S3Client(s3ClientConfig(settings));
    const redactor = new LazyRedactor(this.client, env);
    this.ctx = {
      client: this.client,
      bucket,
      key: (relative) => this.key(relative),
      description: this.description,
      fail: async (op, error) => {
        if (error instanceof RemoteError) return error;
        return s3Failure(this.description, op, error, await redactor.get());
      },
    };
  }

  private key(relative: string): string {
    return this.prefix === '' ? relative : `${this.prefix}/${relative}`;
  }

  async statBlob(sha256: string, options: TransferOptions = {}): Promise<BlobStat | null> {
    const key = this.key(blobKey(sha256));
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), abortable(options.signal));
      return { sha256, bytes: head.ContentLength ?? 0 };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw await this.ctx.fail(`HEAD ${key}`, error);
    }
  }

  async putBlob(sha256: string, bytes: number, sourcePath: string, options: TransferOptions = {}): Promise<void> {
    const key = this.key(blobKey(sha256));
    const expected = { sha256, bytes };
    // A regular file only: a FIFO in the output's place would hold the upload open for ever.
    const opened = await openRegularFile(sourcePath).catch(async (error: unknown) => {
      throw await this.ctx.fail(`PUT ${key}`, localReadError(error, sourcePath));
    });
    const source = opened.createReadStream({ highWaterMark: STREAM_CHUNK_BYTES });
    let mismatch: Error | null = null;
    const body = source.pipe(new VerifyingStream(expected, (found) => (mismatch = sourceAltered(sourcePath, expected, found)), options.onProgress));
    // A read error of the source is not carried by pipe(): fail the body with it.
    source.on('error', (error) => body.destroy(error));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
      partSize: Math.max(5 * 1024 * 1024, this.options.partSize ?? 8 * 1024 * 1024),
      queueSize: this.options.queueSize ?? 2,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => {});
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (error) {
      source.destroy();
      if (mismatch !== null) throw mismatch;
      if (options.signal?.aborted) throw options.signal.reason;
      throw await this.ctx.fail(`PUT ${key}`, localReadError(error, sourcePath));
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }

  async getBlob(sha256: string, bytes: number, destPath: string, options: TransferOptions = {}): Promise<void> {
    const key = this.key(blobKey(sha256));
    const expected = { sha256, bytes };
    let body: Readable;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), abortable(options.signal));
      body = object.Body as Readable;
      if (object.ContentLength !== undefined && object.ContentLength !== bytes) {
        body.destroy();
        throw blobCorrupt(this.description, expected, { actualSha256: null, actualBytes: object.ContentLength });
      }
    } catch (error) {
      if (statusOf(error) === 404 && errorCodeOf(error) !== 'NoSuchBucket') throw new BlobMissingError(this.description, sha256);
      throw await this.ctx.fail(`GET ${key}`, error);
    }
    try {
      await writeVerified(body, destPath, expected, (found) => blobCorrupt(this.description, expected, found), {
        signal: options.signal,
        onProgress: options.onProgress,
      });
    } catch (error) {
      if (error instanceof RemoteError || options.signal?.aborted || isLocalFsError(error)) throw error;
      // The body broke off mid-stream: a network failure, retried like one.
      throw new RemoteError('remote-io', `GET ${key} on ${this.description}: the download broke off: ${(error as Error).message}`, { kind: 'truncated' });
    }
  }

  async listBlobs(options: { after?: string | undefined; limit?: number | undefined; signal?: AbortSignal | undefined } = {}): Promise<BlobPage> {
    const limit = Math.max(1, Math.min(options.limit ?? MAX_PAGE, MAX_PAGE));
    const root = this.key(BLOBS_PREFIX);
    const after = options.after;
    // The cursor is a blob's sha256, or (after a page that ended on a stray key) that key below the prefix.
    const startAfter =
      after === undefined ? undefined : isSha256(after) ? this.key(blobKey(after)) : after.startsWith(BLOBS_PREFIX) ? this.key(after) : undefined;
    try {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: root, MaxKeys: limit, ...(startAfter === undefined ? {} : { StartAfter: startAfter }) }),
        abortable(options.signal),
      );
      const contents = page.Contents ?? [];
      const blobs: BlobStat[] = [];
      for (const object of contents) {
        const sha = object.Key === undefined ? null : shaOfBlobKey(object.Key.slice(this.key('').length));
        if (sha !== null) blobs.push({ sha256: sha, bytes: object.Size ?? 0 });
      }
      const lastKey = contents.at(-1)?.Key;
      const next =
        page.IsTruncated === true && lastKey !== undefined ? (shaOfBlobKey(lastKey.slice(this.key('').length)) ?? lastKey.slice(this.key('').length)) : null;
      return { blobs, next };
    } catch (error) {
      throw await this.ctx.fail(`LIST ${root}`, error);
    }
  }

  async deleteBlob(sha256: string, options: TransferOptions = {}): Promise<void> {
    const key = this.key(blobKey(sha256));
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), abortable(options.signal));
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw await this.ctx.fail(`DELETE ${key}`, error);
    }
  }

  /** Claims, once the remote has shown (at first use) that it honours conditional writes. */
  claims(options: { signal?: AbortSignal | undefined } = {}): Promise<ClaimStore> {
    this.claimsReady ??= probeConditionalWrites(this.ctx, options.signal).then(
      () => new S3Claims(this.ctx),
      (error: unknown) => {
        // A refusal stands; a network failure may pass, so the next use probes again.
        if (!(error instanceof ClaimsUnsupportedError)) this.claimsReady = null;
        throw error;
      },
    );
    return this.claimsReady;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/**
 * Whether the service honours conditional writes, which claims stand on: a probe object is
 * written with `If-None-Match: *` twice (the second must fail with 412), then with an `If-Match`
 * that cannot match (must fail with 412), then removed. A service that accepts either write
 * would let two machines both own a request; claims on it are refused, naming the remote.
 */
export async function probeConditionalWrites(ctx: S3Context, signal?: AbortSignal): Promise<void> {
  const key = ctx.key(`claims/.probe-${randomBytes(8).toString('hex')}`);
  const put = async (condition: { IfNoneMatch: string } | { IfMatch: string }): Promise<'written' | 'refused'> => {
    try {
      await ctx.client.send(
        new PutObjectCommand({ Bucket: ctx.bucket, Key: key, Body: 'probe\n', ContentType: 'text/plain', ...condition }),
        abortable(signal),
      );
      return 'written';
    } catch (error) {
      if (statusOf(error) === 412) return 'refused';
      const status = statusOf(error);
      if (status === 400 || status === 501)
        throw new ClaimsUnsupportedError(
          ctx.description,
          `it rejects conditional writes (HTTP ${status} to ${'IfNoneMatch' in condition ? 'If-None-Match' : 'If-Match'})`,
        );
      throw await ctx.fail(`PUT ${key} (conditional-write probe)`, error);
    }
  };
  try {
    if ((await put({ IfNoneMatch: '*' })) !== 'written')
      throw new ClaimsUnsupportedError(ctx.description, 'a create-only write (If-None-Match: *) of a new key was refused');
    if ((await put({ IfNoneMatch: '*' })) === 'written') {
      throw new ClaimsUnsupportedError(ctx.description, 'it does not honour create-only writes: a second PUT with If-None-Match: * of the same key succeeded');
    }
    if ((await put({ IfMatch: '"00000000000000000000000000000000"' })) === 'written') {
      throw new ClaimsUnsupportedError(ctx.description, 'it does not honour If-Match: a PUT naming a version the object does not have succeeded');
    }
  } finally {
    await ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key })).catch(() => {});
  }
}

/**
 * The credentials the SDK resolved join the redactor once known (a profile's keys are in no
 * environment variable); until then the environment's and the credential shapes are masked.
 */
class LazyRedactor {
  private resolved: Promise<Redactor> | null = null;

  constructor(
    private readonly client: S3Client,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get(): Promise<Redactor> {
    this.resolved ??= this.client.config
      .credentials()
      .then((c) => createRedactor([c.accessKeyId, c.secretAccessKey, c.sessionToken], this.env))
      .catch(() => createRedactor([], this.env));
    return this.resolved;
  }
}

/** A failure to read the local file is told as such, not as the service's. */
function localReadError(error: unknown, sourcePath: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && isLocalFsError(error)) return new RemoteError('remote-io', `reading ${sourcePath}: ${code}`, { kind: 'other' });
  return error;
}

/** Node's filesystem errors name their path; a socket's do not. */
function isLocalFsError(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException | null;
  return typeof e?.path === 'string' && typeof e.code === 'string';
}
