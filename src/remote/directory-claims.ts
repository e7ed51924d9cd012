import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readBounded } from '../files/read-bounded.js';
import { CLAIM_MAX_BYTES } from './claim.js';
import { isSha256 } from './blob-key.js';
import { fsFailure } from './file-io.js';
import { MAX_PAGE, type ClaimStore, type CreateResult, type ReplaceResult, type StoredClaim } from './store.js';

/**
 * Claims in a directory, as compare-and-swap over create-only files. A claim is a folder of
 * generations, `claims/<hex>/000000000001.json`, `…02.json`, …; the highest is the claim. Every
 * write makes the next generation by hard-linking a fully written temp file to its name, which
 * fails if the name exists (the `O_EXCL` of network filesystems too): of two runs that read
 * generation N, exactly one makes N+1. A generation is never rewritten, so a reader never sees
 * half of one. Writers remove generations older than the one they replaced.
 *
 * The version a caller holds is the generation's number.
 */

const GENERATION = /^(\d{12})\.json$/;

export class DirectoryClaims implements ClaimStore {
  constructor(
    private readonly dir: string,
    private readonly remote: string,
  ) {}

  private folder(name: string): string {
    // The name becomes a path: only a sha256's hex is one.
    if (!isSha256(name)) throw new TypeError(`not a claim name: ${JSON.stringify(name.slice(0, 80))}`);
    return path.join(this.dir, name);
  }

  async create(name: string, text: string): Promise<CreateResult> {
    try {
      const folder = this.folder(name);
      await mkdir(folder, { recursive: true });
      const current = await this.readCurrent(folder);
      if (current !== null) return { created: false, current };
      if (await this.linkGeneration(folder, 1, text)) return { created: true, version: '1' };
      return { created: false, current: await this.readCurrent(folder) };
    } catch (error) {
      throw fsFailure(`writing claim ${name} on ${this.remote}`, error);
    }
  }

  async read(name: string): Promise<StoredClaim | null> {
    try {
      return await this.readCurrent(this.folder(name));
    } catch (error) {
      throw fsFailure(`reading claim ${name} on ${this.remote}`, error);
    }
  }

  async replace(name: string, text: string, ifVersion: string): Promise<ReplaceResult> {
    try {
      const folder = this.folder(name);
      const held = parseGeneration(ifVersion);
      // Only a version that is there can be replaced: one never written, or superseded and
      // cleaned away, is stale.
      if (held === null || !(await generations(folder)).includes(held)) return { replaced: false, current: await this.readCurrent(folder) };
      const next = held + 1;
      if (!(await this.linkGeneration(folder, next, text))) return { replaced: false, current: await this.readCurrent(folder) };
      // A generation can be made again after writers removed it (a version held for very long):
      // then a later one exists, and this write is not the claim. Withdrawn, it never was.
      const newest = Math.max(...(await generations(folder)));
      if (newest !== next) {
        await unlink(generationPath(folder, next)).catch(() => {});
        return { replaced: false, current: await this.readCurrent(folder) };
      }
      await removeOlder(folder, held);
      return { replaced: true, version: String(next) };
    } catch (error) {
      throw fsFailure(`writing claim ${name} on ${this.remote}`, error);
    }
  }

  async remove(name: string, ifVersion: string): Promise<boolean> {
    const tombstone = await this.replace(name, '{"removed":true}\n', ifVersion);
    if (!tombstone.replaced) return false;
    try {
      const folder = this.folder(name);
      await removeOlder(folder, Number(tombstone.version) + 1);
      await rmdir(folder).catch(() => {});
      return true;
    } catch (error) {
      throw fsFailure(`removing claim ${name} on ${this.remote}`, error);
    }
  }

  async list(options: { after?: string | undefined; limit?: number | undefined } = {}): Promise<{ names: string[]; next: string | null }> {
    const limit = Math.max(1, Math.min(options.limit ?? MAX_PAGE, MAX_PAGE));
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { names: [], next: null };
      throw fsFailure(`listing claims on ${this.remote}`, error);
    }
    const sorted = names.filter((n) => isSha256(n) && n > (options.after ?? '')).sort();
    const page = sorted.slice(0, limit);
    return { names: page, next: sorted.length > limit ? page.at(-1)! : null };
  }

  /** The highest generation, re-listed if a writer removed it between the listing and the read. */
  private async readCurrent(folder: string): Promise<StoredClaim | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const all = await generations(folder);
      if (all.length === 0) return null;
      const newest = Math.max(...all);
      const text = await readClaimFile(generationPath(folder, newest));
      if (text === null) continue;
      if (text === '{"removed":true}\n') return null;
      return { text, version: String(newest) };
    }
    throw Object.assign(new Error(`claim ${path.basename(folder)} kept changing while being read`), { code: 'EBUSY' });
  }

  /** Creates generation `n` whole, or returns false if it exists. */
  private async linkGeneration(folder: string, n: number, text: string): Promise<boolean> {
    const temp = path.join(folder, `.tmp-${randomBytes(6).toString('hex')}`);
    await writeFile(temp, text, { flag: 'wx' });
    try {
      await link(temp, generationPath(folder, n));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }
}

function generationPath(folder: string, n: number): string {
  return path.join(folder, `${String(n).padStart(12, '0')}.json`);
}

function parseGeneration(version: string): number | null {
  return /^[1-9]\d{0,11}$/.test(version) ? Number(version) : null;
}

async function generations(folder: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.flatMap((name) => {
    const match = GENERATION.exec(name);
    return match ? [Number(match[1])] : [];
  });
}

/** Generations below `keepFrom`; the one just replaced stays, so a writer still holding it fails to link its successor. */
async function removeOlder(folder: string, keepFrom: number): Promise<void> {
  for (const n of await generations(folder)) {
    if (n < keepFrom) await unlink(generationPath(folder, n)).catch(() => {});
  }
}

/**
 * A claim file's text, or `null` if it vanished. Read as every untrusted file is
 * (files/read-bounded.ts): one that is not a regular file (a FIFO someone put in a shared
 * folder would block the read for ever) or is larger than a claim can be reads as empty text,
 * which no claim parses: a damaged claim.
 */
async function readClaimFile(file: string): Promise<string | null> {
  const read = await readBounded(file, CLAIM_MAX_BYTES);
  if (read.ok) return read.bytes.toString('utf8');
  switch (read.reason) {
    case 'missing':
      return null;
    case 'unreadable':
      throw read.error;
    case 'not-a-file':
    case 'too-large':
      return '';
  }
}
