/**
 * Where a blob lives in a remote: `blobs/sha256/ab/cdef…`, the first two hex digits of its
 * sha256 as a folder (256 folders keep any one listing small), then the other 62, as DVC and
 * git shard their object stores. The same layout in a directory and in a bucket.
 */

export const BLOBS_PREFIX = 'blobs/sha256/';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether `text` is a lowercase hex sha256, the only form a blob is named by. */
export function isSha256(text: string): boolean {
  return SHA256_HEX.test(text);
}

/** `blobs/sha256/ab/cdef…` for a lowercase hex sha256; anything else is a bug of the caller. */
export function blobKey(sha256: string): string {
  if (!isSha256(sha256)) throw new TypeError(`not a lowercase hex sha256: ${JSON.stringify(sha256.slice(0, 80))}`);
  return `${BLOBS_PREFIX}${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

/**
 * The sha256 a listed key names, or `null` for a key that is not a blob's (a temp, a stray
 * file, a hostile name): listings are untrusted and such keys are skipped, never acted on.
 */
export function shaOfBlobKey(key: string): string | null {
  if (!key.startsWith(BLOBS_PREFIX)) return null;
  const rest = key.slice(BLOBS_PREFIX.length);
  const match = /^([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(rest);
  return match ? `${match[1]}${match[2]}` : null;
}

/** A lockfile's `sha256:…` fingerprint (or bare hex) as the 64 hex digits that name its claim. */
export function claimName(fingerprint: string): string {
  const hex = fingerprint.startsWith('sha256:') ? fingerprint.slice('sha256:'.length) : fingerprint;
  if (!isSha256(hex)) throw new TypeError(`not a sha256 fingerprint: ${JSON.stringify(fingerprint.slice(0, 80))}`);
  return hex;
}
