import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isSha256 } from './blob-key.js';
import { CLAIM_MAX_BYTES } from './claim.js';
import type { RemoteError } from './errors.js';
import { statusOf } from './s3-errors.js';
import { MAX_PAGE, type ClaimStore, type CreateResult, type ReplaceResult, type StoredClaim } from './store.js';

/**
 * Claims as objects, `<prefix>/claims/<hex>.json`, written with S3's conditional writes: a
 * create with `If-None-Match: *` (412 when the key exists), a replace with `If-Match: <ETag>`
 * (412 when another run wrote since). The version is the ETag. Used only after the store's
 * probe showed the service honours both (s3-store.ts).
 */

/** What the S3 store shares with its claims. */
export interface S3Context {
  readonly client: S3Client;
  readonly bucket: string;
  /** The full key of a path below the remote's prefix. */
  key(relative: string): string;
  readonly description: string;
  /** An SDK error as a redacted `RemoteError`. */
  fail(op: string, error: unknown): Promise<RemoteError>;
}

const CLAIMS = 'claims/';

export class S3Claims implements ClaimStore {
  constructor(private readonly ctx: S3Context) {}

  private keyOf(name: string): string {
    if (!isSha256(name)) throw new TypeError(`not a claim name: ${JSON.stringify(name.slice(0, 80))}`);
    return this.ctx.key(`${CLAIMS}${name}.json`);
  }

  async create(name: string, text: string, options: { signal?: AbortSignal | undefined } = {}): Promise<CreateResult> {
    const key = this.keyOf(name);
    try {
      const out = await this.ctx.client.send(
        new PutObjectCommand({ Bucket: this.ctx.bucket, Key: key, Body: text, ContentType: 'application/json', IfNoneMatch: '*' }),
        abortable(options.signal),
      );
      return { created: true, version: out.ETag ?? '' };
    } catch (error) {
      if (statusOf(error) === 412) return { created: false, current: await this.read(name, options) };
      throw await this.ctx.fail(`PUT ${key} (If-None-Match: *)`, error);
    }
  }

  async read(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<StoredClaim | null> {
    const key = this.keyOf(name);
    try {
      const object = await this.ctx.client.send(new GetObjectCommand({ Bucket: this.ctx.bucket, Key: key }), abortable(options.signal));
      const body = object.Body as Readable | undefined;
      return { text: body === undefined ? '' : await readBounded(body, CLAIM_MAX_BYTES + 1), version: object.ETag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw await this.ctx.fail(`GET ${key}`, error);
    }
  }

  async replace(name: string, text: string, ifVersion: string, options: { signal?: AbortSignal | undefined } = {}): Promise<ReplaceResult> {
    const key = this.keyOf(name);
    try {
      const out = await this.ctx.client.send(
        new PutObjectCommand({ Bucket: this.ctx.bucket, Key: key, Body: text, ContentType: 'application/json', IfMatch: ifVersion }),
        abortable(options.signal),
      );
      return { replaced: true, version: out.ETag ?? '' };
    } catch (error) {
      const status = statusOf(error);
      // 412: another run wrote since; 404: the claim was removed.
      if (status === 412 || status === 404) return { replaced: false, current: await this.read(name, options) };
      throw await this.ctx.fail(`PUT ${key} (If-Match)`, error);
    }
  }

  async remove(name: string, ifVersion: string, options: { signal?: AbortSignal | undefined } = {}): Promise<boolean> {
    const key = this.keyOf(name);
    try {
      await this.ctx.client.send(new DeleteObjectCommand({ Bucket: this.ctx.bucket, Key: key, IfMatch: ifVersion }), abortable(options.signal));
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) return false;
      throw await this.ctx.fail(`DELETE ${key} (If-Match)`, error);
    }
  }

  async list(
    options: { after?: string | undefined; limit?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<{ names: string[]; next: string | null }> {
    const limit = Math.max(1, Math.min(options.limit ?? MAX_PAGE, MAX_PAGE));
    const root = this.ctx.key(CLAIMS);
    const startAfter = options.after !== undefined && isSha256(options.after) ? this.keyOf(options.after) : undefined;
    try {
      const page = await this.ctx.client.send(
        new ListObjectsV2Command({ Bucket: this.ctx.bucket, Prefix: root, MaxKeys: limit, ...(startAfter === undefined ? {} : { StartAfter: startAfter }) }),
        abortable(options.signal),
      );
      const names = (page.Contents ?? []).flatMap((o) => {
        const match = /^([0-9a-f]{64})\.json$/.exec((o.Key ?? '').slice(root.length));
        return match ? [match[1]!] : [];
      });
      return { names, next: page.IsTruncated === true && names.length > 0 ? names.at(-1)! : null };
    } catch (error) {
      throw await this.ctx.fail(`LIST ${root}`, error);
    }
  }
}

/**
 * A claim is a few hundred bytes: a body is read no further than `limit` (whatever its
 * Content-Length says, or whether it says anything), and one that long parses as unreadable.
 */
async function readBounded(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The SDK's per-call options for a signal that may be absent. */
export function abortable(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}
