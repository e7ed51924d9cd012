import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { BlobMissingError, blobCorrupt, sourceAltered } from './errors.js';
import { BLOBS_PREFIX, blobKey, isSha256 } from './blob-key.js';
import { DirectoryClaims } from './directory-claims.js';
import { copyVerified, fsFailure } from './file-io.js';
import { MAX_PAGE, type BlobPage, type BlobStat, type ClaimStore, type RemoteStore, type TransferOptions } from './store.js';

/**
 * A remote that is a directory: local, or a mounted share (NFS, SMB, a synced folder).
 *
 *     <root>/blobs/sha256/ab/cdef…   one file per blob, named by its sha256
 *     <root>/claims/<hex>/<gen>.json the claims (directory-claims.ts)
 *     <root>/tmp/                    uploads in progress, renamed into blobs/ once verified
 *
 * A blob is written to tmp/ (on the same filesystem, so the rename is atomic), verified while
 * streaming, fsynced and renamed into place: a reader sees all of it or nothing.
 */
export class DirectoryStore implements RemoteStore {
  readonly description: string;
  private readonly tempDir: string;
  private claimStore: DirectoryClaims | null = null;

  constructor(readonly root: string) {
    this.description = root;
    this.tempDir = path.join(root, 'tmp');
  }

  private blobPath(sha256: string): string {
    return path.join(this.root, ...blobKey(sha256).split('/'));
  }

  async statBlob(sha256: string): Promise<BlobStat | null> {
    try {
      const info = await stat(this.blobPath(sha256));
      // Anything but a regular file (a folder, a FIFO someone made) is no blob.
      return info.isFile() ? { sha256, bytes: info.size } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw fsFailure(`reading ${this.description}`, error);
    }
  }

  async putBlob(sha256: string, bytes: number, sourcePath: string, options: TransferOptions = {}): Promise<void> {
    const expected = { sha256, bytes };
    try {
      await copyVerified(sourcePath, this.blobPath(sha256), expected, (found) => sourceAltered(sourcePath, expected, found), {
        tempDir: this.tempDir,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    } catch (error) {
      throw fsFailure(`writing blob ${sha256} to ${this.description}`, error);
    }
  }

  async getBlob(sha256: string, bytes: number, destPath: string, options: TransferOptions = {}): Promise<void> {
    const expected = { sha256, bytes };
    const blob = this.blobPath(sha256);
    try {
      // Looked at first: a missing blob is told apart from a failure while copying, a truncated one by its size.
      const found = await this.statBlob(sha256);
      if (found === null) throw new BlobMissingError(this.description, sha256);
      if (found.bytes !== bytes) throw blobCorrupt(this.description, expected, { actualSha256: null, actualBytes: found.bytes });
      await copyVerified(blob, destPath, expected, (mismatch) => blobCorrupt(this.description, expected, mismatch), {
        signal: options.signal,
        onProgress: options.onProgress,
      });
    } catch (error) {
      throw fsFailure(`reading blob ${sha256} from ${this.description}`, error);
    }
  }

  async listBlobs(options: { after?: string | undefined; limit?: number | undefined } = {}): Promise<BlobPage> {
    const limit = Math.max(1, Math.min(options.limit ?? MAX_PAGE, MAX_PAGE));
    const after = options.after ?? '';
    const blobs: BlobStat[] = [];
    const shardsDir = path.join(this.root, ...BLOBS_PREFIX.split('/').filter(Boolean));
    const shards = (await readNames(shardsDir)).filter((name) => /^[0-9a-f]{2}$/.test(name) && name >= after.slice(0, 2)).sort();
    for (const shard of shards) {
      const names = (await readNames(path.join(shardsDir, shard)))
        .map((rest) => `${shard}${rest}`)
        .filter((sha) => isSha256(sha) && sha > after)
        .sort();
      for (const sha of names) {
        const found = await this.statBlob(sha);
        if (found === null) continue;
        blobs.push(found);
        if (blobs.length === limit) return { blobs, next: sha };
      }
    }
    return { blobs, next: null };
  }

  async deleteBlob(sha256: string): Promise<void> {
    try {
      await unlink(this.blobPath(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw fsFailure(`deleting blob ${sha256} from ${this.description}`, error);
    }
  }

  /** A directory honours create-only writes (a hard link fails when the name exists): no probe needed. */
  async claims(): Promise<ClaimStore> {
    this.claimStore ??= new DirectoryClaims(path.join(this.root, 'claims'), this.description);
    return this.claimStore;
  }

  async close(): Promise<void> {}
}

async function readNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fsFailure(`listing ${dir}`, error);
  }
}
