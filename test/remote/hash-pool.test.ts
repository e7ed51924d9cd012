import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPool } from '../../src/remote/hash-pool.js';
import { largeFile, sha256Of, tempDir } from './helpers.js';

/** Whole-file sha256 on worker threads, against files in a real temp directory. */

let work: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  work = await tempDir('shotlist-hash-pool-');
});
afterEach(async () => {
  await work.cleanup();
});

describe('hashPool', () => {
  it('hashes files as node:crypto does, several at once, with progress', async () => {
    const files = await Promise.all([0, 1, 2, 3, 4].map((i) => largeFile(path.join(work.dir, `f${i}.bin`), (i === 0 ? 20 : 3) * 1024 * 1024 + i * 7919, i)));
    const progress: number[] = [];
    const digests = await Promise.all(
      files.map((file, i) => hashPool().hashFile(file.path, file.bytes, i === 0 ? { onProgress: (done) => progress.push(done) } : {})),
    );
    expect(digests).toEqual(files.map((file) => ({ kind: 'digest', sha256: file.sha256, bytes: file.bytes })));
    expect(progress).toEqual([8, 16].map((mib) => mib * 1024 * 1024));
    const empty = path.join(work.dir, 'empty');
    await writeFile(empty, '');
    expect(await hashPool().hashFile(empty, 0)).toEqual({ kind: 'digest', sha256: sha256Of(''), bytes: 0 });
  });

  it('stops reading past the limit, and passes a read error on with its code', async () => {
    const file = await largeFile(path.join(work.dir, 'long.bin'), 5 * 1024 * 1024, 1);
    expect(await hashPool().hashFile(file.path, 1024 * 1024)).toEqual({ kind: 'too-long', bytes: 2 * 1024 * 1024 });
    await expect(hashPool().hashFile(path.join(work.dir, 'absent'), 10)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives up a hash at once on abort, and hashes the next file on a new worker', async () => {
    const file = await largeFile(path.join(work.dir, 'big.bin'), 200 * 1024 * 1024, 2);
    const controller = new AbortController();
    const started = Date.now();
    const hashing = hashPool().hashFile(file.path, file.bytes, { signal: controller.signal, onProgress: () => controller.abort(new Error('stop')) });
    await expect(hashing).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(2_000);
    const small = await largeFile(path.join(work.dir, 'small.bin'), 2 * 1024 * 1024, 3);
    expect(await hashPool().hashFile(small.path, small.bytes)).toMatchObject({ sha256: small.sha256 });
  });
});
