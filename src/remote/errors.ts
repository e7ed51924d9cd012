import type { AttemptOutcome } from '../api/retry-policy.js';
import { ShotlistError, UserError } from '../errors.js';

/**
 * Errors of the remote store. Each names the remote by its safe description (never a
 * credential) and says what failed; `outcome` is what the retry policy judges, so one place
 * (`decideRetry`) decides what is tried again. Messages are built from redacted text only, and
 * no SDK error is kept as a `cause` (its fields carry access key ids and signed strings).
 */

/** A failure talking to a remote: the network, the storage service, the filesystem under it. */
export class RemoteError extends ShotlistError {
  /** How the attempt ended, for `decideRetry`; `other` is never retried. */
  readonly outcome: AttemptOutcome;

  constructor(code: string, message: string, outcome: AttemptOutcome = { kind: 'other' }) {
    super(code, message);
    this.outcome = outcome;
  }
}

/** The remote has no blob of that sha256. */
export class BlobMissingError extends RemoteError {
  readonly sha256: string;

  constructor(remote: string, sha256: string) {
    super('blob-missing', `${remote} has no blob ${sha256}`);
    this.sha256 = sha256;
  }
}

/**
 * Bytes that are not what their sha256 says: a blob on the remote damaged or tampered with, or
 * a local file changed since the lockfile pinned it. Never retried: the same bytes would come.
 */
export class BlobMismatchError extends RemoteError {
  readonly sha256: string;
  readonly actualSha256: string | null;
  readonly actualBytes: number;
  readonly expectedBytes: number;

  constructor(
    code: 'blob-corrupt' | 'source-altered',
    message: string,
    details: { sha256: string; actualSha256: string | null; actualBytes: number; expectedBytes: number },
  ) {
    super(code, message);
    this.sha256 = details.sha256;
    this.actualSha256 = details.actualSha256;
    this.actualBytes = details.actualBytes;
    this.expectedBytes = details.expectedBytes;
  }
}

/**
 * The remote cannot hold team claims safely: it does not honour create-only writes
 * (`If-None-Match: *`) or conditional replaces (`If-Match`), so two machines could both think
 * they own a request. Refused rather than silently losing the one-paid-job guarantee.
 */
export class ClaimsUnsupportedError extends ShotlistError {
  readonly hint: string;

  constructor(remote: string, detail: string) {
    super('claims-unsupported', `${remote} cannot hold team claims: ${detail}`);
    this.hint =
      'use an S3 service with conditional writes (AWS S3, Cloudflare R2, MinIO) or a shared directory; renders still push and pull through this remote';
  }
}

/** A remote URL, or the config naming one, is wrong. */
export class RemoteConfigError extends UserError {
  constructor(message: string, options?: { hint?: string }) {
    super('remote-invalid', message, options);
  }
}

/** The local file no longer holds what the lockfile pinned: never uploaded under that sha256. */
export function sourceAltered(
  sourcePath: string,
  expected: { sha256: string; bytes: number },
  found: { actualSha256: string | null; actualBytes: number },
): BlobMismatchError {
  const what =
    found.actualSha256 === null
      ? `more than the ${expected.bytes} bytes pinned`
      : found.actualBytes !== expected.bytes
        ? `${found.actualBytes} bytes, not the ${expected.bytes} pinned`
        : `sha256 ${found.actualSha256}, not the ${expected.sha256} pinned`;
  return new BlobMismatchError('source-altered', `${sourcePath} changed since the lockfile pinned it (${what}); not uploaded`, {
    sha256: expected.sha256,
    ...found,
    expectedBytes: expected.bytes,
  });
}

/** A blob on the remote whose bytes are not its name's: reported, never written as an output. */
export function blobCorrupt(
  remote: string,
  expected: { sha256: string; bytes: number },
  found: { actualSha256: string | null; actualBytes: number },
): BlobMismatchError {
  const what =
    found.actualSha256 === null || found.actualBytes !== expected.bytes
      ? `${found.actualBytes}${found.actualSha256 === null ? '+' : ''} bytes where ${expected.bytes} were expected`
      : `its bytes hash to ${found.actualSha256}`;
  return new BlobMismatchError('blob-corrupt', `blob ${expected.sha256} on ${remote} is damaged: ${what}`, {
    sha256: expected.sha256,
    ...found,
    expectedBytes: expected.bytes,
  });
}
