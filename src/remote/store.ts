/**
 * A remote store: content-addressed blobs and the claims of requests in flight. Two
 * implementations: a directory (directory-store.ts) and S3-compatible object storage
 * (s3-store.ts, loaded only for `s3://`). Everything a store reads back is untrusted: blobs are
 * verified against their sha256, claim documents are parsed by claim.ts.
 */

export interface BlobStat {
  readonly sha256: string;
  /** Size as stored; a blob whose size differs from the expected one is damaged. */
  readonly bytes: number;
}

export interface BlobPage {
  readonly blobs: readonly BlobStat[];
  /** Pass as `after` for the next page; `null` when this was the last. */
  readonly next: string | null;
}

export interface TransferOptions {
  readonly signal?: AbortSignal | undefined;
  /** Bytes moved so far, as they move. */
  readonly onProgress?: ((bytesDone: number) => void) | undefined;
}

/** Largest page `listBlobs` and `listClaims` return. */
export const MAX_PAGE = 1000;

export interface RemoteStore {
  /** The remote as messages name it (a path, or `s3://bucket/prefix`); never holds a credential. */
  readonly description: string;

  /** Size of the blob, or `null` when the remote has none. */
  statBlob(sha256: string, options?: TransferOptions): Promise<BlobStat | null>;
  /**
   * Stores the file at `sourcePath` as blob `sha256`, streaming. The bytes are hashed on the way
   * and the blob becomes visible only whole and only when they are exactly `bytes` bytes of
   * that sha256; otherwise it throws `BlobMismatchError` (`source-altered`) and nothing is left.
   */
  putBlob(sha256: string, bytes: number, sourcePath: string, options?: TransferOptions): Promise<void>;
  /**
   * Writes blob `sha256` to `destPath`: streamed into a temp file beside it, verified (size and
   * sha256), fsynced and renamed into place. A damaged blob throws `BlobMismatchError`
   * (`blob-corrupt`) and `destPath` is left as it was; no temp file survives a failure.
   * `BlobMissingError` when the remote has none.
   */
  getBlob(sha256: string, bytes: number, destPath: string, options?: TransferOptions): Promise<void>;
  /** Blobs in sha256 order, after `after`, at most `limit` (≤ `MAX_PAGE`). Names that are not blobs are skipped. */
  listBlobs(options?: {
    readonly after?: string | undefined;
    readonly limit?: number | undefined;
    readonly signal?: AbortSignal | undefined;
  }): Promise<BlobPage>;
  /** Removes a blob; a blob already gone is not an error. */
  deleteBlob(sha256: string, options?: TransferOptions): Promise<void>;

  /**
   * The store's claims, after checking (once, at first use) that the remote honours
   * create-only and conditional writes; throws `ClaimsUnsupportedError` if it does not.
   */
  claims(options?: { readonly signal?: AbortSignal | undefined }): Promise<ClaimStore>;

  /** Releases connections. */
  close(): Promise<void>;
}

/** A claim document as stored: its text and the version a conditional write names. */
export interface StoredClaim {
  readonly text: string;
  /** An opaque token: the ETag on S3, the generation in a directory. */
  readonly version: string;
}

export type CreateResult = { readonly created: true; readonly version: string } | { readonly created: false; readonly current: StoredClaim | null };
export type ReplaceResult = { readonly replaced: true; readonly version: string } | { readonly replaced: false; readonly current: StoredClaim | null };

/**
 * Claims by name (the fingerprint's 64 hex digits). Writes are compare-and-swap: `create` only
 * when no claim exists, `replace` only when the claim is still at `ifVersion`; a lost race
 * returns the claim that won, never overwrites it.
 */
export interface ClaimStore {
  create(name: string, text: string, options?: TransferOptions): Promise<CreateResult>;
  read(name: string, options?: TransferOptions): Promise<StoredClaim | null>;
  replace(name: string, text: string, ifVersion: string, options?: TransferOptions): Promise<ReplaceResult>;
  /** Removes the claim if it is still at `ifVersion` (for gc); `false` when it changed or is gone. */
  remove(name: string, ifVersion: string, options?: TransferOptions): Promise<boolean>;
  /** Claim names in order, after `after`, at most `limit` (≤ `MAX_PAGE`). */
  list(options?: {
    readonly after?: string | undefined;
    readonly limit?: number | undefined;
    readonly signal?: AbortSignal | undefined;
  }): Promise<{ readonly names: readonly string[]; readonly next: string | null }>;
}
