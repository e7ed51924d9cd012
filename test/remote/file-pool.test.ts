import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filePool } from '../../src/remote/file-pool.js';
import { largeFile, sha256Of, tempDir } from './helpers.js';

/** Whole-file sha256 on worker threads, against files in a real temp directory. */

let work: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  work = await tempDir('shotlist-file-pool-');
});
afterEach(async () => {
  await work.cleanup();
});

describe('filePool', () => {
  it('hashes files as node:crypto does, several at once, with progress', async () => {
    const files = await Promise.all([0, 1, 2, 3, 4].map((i) => largeFile(path.join(work.dir, `f${i}.bin`), (i === 0 ? 20 : 3) * 1024 * 1024 + i * 7919, i)));
    const progress: number[] = [];
    const digests = await Promise.all(
      files.map((file, i) => filePool().hashFile(file.path, file.bytes, i === 0 ? { onProgress: (done) => progress.push(done) } : {})),
    );
    expect(digests).toEqual(files.map((file) => ({ kind: 'digest', sha256: file.sha256, bytes: file.bytes })));
    expect(progress).toEqual([8, 16].map((mib) => mib * 1024 * 1024));
    const empty = path.join(work.dir, 'empty');
    await writeFile(empty, '');
    expect(await filePool().hashFile(empty, 0)).toEqual({ kind: 'digest', sha256: sha256Of(''), bytes: 0 });
  });

  it('stops reading past the limit, and passes a read error on with its code', async () => {
    const file = await largeFile(path.join(work.dir, 'long.bin'), 5 * 1024 * 1024, 1);
    expect(await filePool().hashFile(file.path, 1024 * 1024)).toEqual({ kind: 'too-long', bytes: 2 * 1024 * 1024 });
    await expect(filePool().hashFile(path.join(work.dir, 'absent'), 10)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives up a hash at once on abort, and hashes the next file on a new worker', async () => {
    const file = await largeFile(path.join(work.dir, 'big.bin'), 200 * 1024 * 1024, 2);
    const controller = new AbortController();
    const started = Date.now();
    const hashing = filePool().hashFile(file.path, file.bytes, { signal: controller.signal, onProgress: () => controller.abort(new Error('stop')) });
    await expect(hashing).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(2_000);
    const small = await largeFile(path.join(work.dir, 'small.bin'), 2 * 1024 * 1024, 3);
    expect(await filePool().hashFile(small.path, small.bytes)).toMatchObject({ sha256: small.sha256 });
  });
});

describe('filePool().copySmall', () => {
  it('copies a file whose bytes are the expected ones, making the folders it needs', async () => {
    const source = await largeFile(path.join(work.dir, 'out.mp4'), 300_000, 4);
    const temp = path.join(work.dir, 'tmp', 'deeper', 'out.part');
    const dest = path.join(work.dir, 'blobs', 'ab', 'cdef');
    expect(await filePool().copySmall({ source: source.path, temp, dest, sha256: source.sha256, bytes: source.bytes })).toEqual({ kind: 'copied' });
    expect(sha256Of(await readFile(dest))).toBe(source.sha256);
    expect(await readdir(path.join(work.dir, 'tmp', 'deeper'))).toEqual([]);
  });

  it('writes nothing when the source is not the expected bytes: changed, longer or shorter', async () => {
    const source = await largeFile(path.join(work.dir, 'out.mp4'), 200_000, 5);
    const temp = path.join(work.dir, 'out.part');
    const dest = path.join(work.dir, 'blob');
    const copy = { source: source.path, temp, dest, sha256: source.sha256 };
    const bytes = await readFile(source.path);
    bytes[1234] = bytes[1234]! ^ 1;
    await writeFile(source.path, bytes);
    expect(await filePool().copySmall({ ...copy, bytes: source.bytes })).toEqual({ kind: 'mismatch', sha256: sha256Of(bytes), bytes: source.bytes });
    expect(await filePool().copySmall({ ...copy, bytes: source.bytes - 1 })).toEqual({ kind: 'mismatch', sha256: null, bytes: source.bytes });
    expect(await filePool().copySmall({ ...copy, bytes: source.bytes + 1 })).toEqual({ kind: 'mismatch', sha256: sha256Of(bytes), bytes: source.bytes });
    expect(await readdir(work.dir)).toEqual(['out.mp4']);
  });

  it('passes a failing call on with its code and call, and removes its temp file', async () => {
    const source = await largeFile(path.join(work.dir, 'out.mp4'), 1000, 6);
    const dest = path.join(work.dir, 'taken');
    await mkdir(path.join(dest, 'inside'), { recursive: true });
    const temp = path.join(work.dir, 'out.part');
    await expect(filePool().copySmall({ source: source.path, temp, dest, sha256: source.sha256, bytes: source.bytes })).rejects.toMatchObject({
      code: 'EISDIR',
      syscall: 'rename',
    });
    await expect(stat(temp)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(filePool().copySmall({ source: path.join(work.dir, 'absent'), temp, dest, sha256: source.sha256, bytes: 10 })).rejects.toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
    });
  });
});

describe('filePool on what is not a regular file', () => {
  it('refuses a FIFO or a device at once instead of waiting on it', async () => {
    const fifo = path.join(work.dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const dest = path.join(work.dir, 'dest');
    for (const source of [fifo, '/dev/zero']) {
      await expect(filePool().hashFile(source, 10)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(filePool().copySmall({ source, temp: path.join(work.dir, 'dest.part'), dest, sha256: sha256Of(''), bytes: 0 })).rejects.toMatchObject({
        code: 'EINVAL',
      });
    }
    expect((await readdir(work.dir)).sort()).toEqual(['fifo']);
  });
});
