import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobMismatchError, BlobMissingError, blobKey, openRemoteStore, type RemoteStore } from '../../src/remote/index.js';
import { filesUnder, randomFile, sha256Of, tempDir } from './helpers.js';

/** The directory store on real temp directories: blobs in, out, listed, removed; damage detected both ways. */

let work: Awaited<ReturnType<typeof tempDir>>;
let root: string;
let store: RemoteStore;

beforeEach(async () => {
  work = await tempDir();
  root = path.join(work.dir, 'remote');
  store = await openRemoteStore({ kind: 'directory', path: root });
});

afterEach(async () => {
  await store.close();
  await work.cleanup();
});

describe('the directory store', () => {
  it('stores a blob under blobs/sha256/ab/cdef…, whole, and gives it back verified', async () => {
    const out = await randomFile(path.join(work.dir, 'renders', 'hero.mp4'), 300_000);
    expect(await store.statBlob(out.sha256)).toBeNull();
    await store.putBlob(out.sha256, out.bytes, out.path);
    expect(await filesUnder(root)).toEqual([path.join('blobs', 'sha256', out.sha256.slice(0, 2), out.sha256.slice(2))]);
    expect(blobKey(out.sha256)).toBe(`blobs/sha256/${out.sha256.slice(0, 2)}/${out.sha256.slice(2)}`);
    expect(await store.statBlob(out.sha256)).toEqual({ sha256: out.sha256, bytes: out.bytes });

    const dest = path.join(work.dir, 'clone', 'renders', 'hero.mp4');
    await store.getBlob(out.sha256, out.bytes, dest);
    expect(sha256Of(await readFile(dest))).toBe(out.sha256);
    // No temp file is left beside the output, nor in the remote's tmp/.
    expect(await filesUnder(path.dirname(dest))).toEqual(['hero.mp4']);
  });

  it('refuses a local file that changed since it was pinned, and leaves nothing on the remote', async () => {
    const out = await randomFile(path.join(work.dir, 'a.mp4'), 50_000);
    // Same size, one byte different: only the hash tells.
    const bytes = await readFile(out.path);
    bytes[123] = bytes[123]! ^ 0xff;
    await writeFile(out.path, bytes);
    const error = await store.putBlob(out.sha256, out.bytes, out.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobMismatchError);
    expect((error as BlobMismatchError).code).toBe('source-altered');
    expect((error as Error).message).toContain(out.path);
    expect(await store.statBlob(out.sha256)).toBeNull();
    expect(await filesUnder(root)).toEqual([]);

    // Longer than pinned: cut off as soon as it runs past the size.
    await writeFile(out.path, Buffer.concat([await readFile(out.path), Buffer.alloc(10)]));
    await expect(store.putBlob(out.sha256, out.bytes, out.path)).rejects.toMatchObject({ code: 'source-altered' });
    expect(await filesUnder(root)).toEqual([]);
  });

  it("refuses a FIFO or a device in an output's place at once, small or large, and leaves nothing on the remote", async () => {
    const fifo = path.join(work.dir, 'hero.mp4');
    execFileSync('mkfifo', [fifo]);
    // Pinned sizes either side of the whole-file path's bound: one worker job, or the kernel's copy.
    for (const source of [fifo, '/dev/zero']) {
      for (const bytes of [300_000, 5_000_000]) {
        const error = await store.putBlob(sha256Of(Buffer.alloc(bytes)), bytes, source).catch((e: unknown) => e);
        expect(error, `${source}, ${bytes} bytes`).toMatchObject({ code: 'remote-io' });
        expect((error as Error).message).toContain('EINVAL');
      }
    }
    expect(await filesUnder(root)).toEqual([]);
  });

  it('detects a damaged blob (one flipped byte) and never writes it as the output', async () => {
    const out = await randomFile(path.join(work.dir, 'a.mp4'), 200_000);
    await store.putBlob(out.sha256, out.bytes, out.path);
    const blob = path.join(root, ...blobKey(out.sha256).split('/'));
    const damaged = await readFile(blob);
    damaged[150_000] = damaged[150_000]! ^ 0x01;
    await writeFile(blob, damaged);

    const destDir = path.join(work.dir, 'clone');
    await mkdir(destDir);
    await writeFile(path.join(destDir, 'a.mp4'), 'the old file');
    const error = await store.getBlob(out.sha256, out.bytes, path.join(destDir, 'a.mp4')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobMismatchError);
    expect((error as BlobMismatchError).code).toBe('blob-corrupt');
    expect((error as Error).message).toContain(out.sha256);
    // The file that was there is untouched, and no temp file is left.
    expect(await readFile(path.join(destDir, 'a.mp4'), 'utf8')).toBe('the old file');
    expect(await filesUnder(destDir)).toEqual(['a.mp4']);

    // A truncated blob is told by its size before a byte is copied.
    await writeFile(blob, damaged.subarray(0, 1000));
    await expect(store.getBlob(out.sha256, out.bytes, path.join(destDir, 'b.mp4'))).rejects.toMatchObject({ code: 'blob-corrupt' });
    expect(await filesUnder(destDir)).toEqual(['a.mp4']);
  });

  it('checks files larger than one piece the same way: a changed last byte, a damaged blob, a longer file', async () => {
    const out = await randomFile(path.join(work.dir, 'big.mp4'), 3 * 1024 * 1024 + 17);
    const original = await readFile(out.path);
    const altered = Buffer.from(original);
    altered[altered.length - 1] = altered[altered.length - 1]! ^ 0x01;
    await writeFile(out.path, altered);
    await expect(store.putBlob(out.sha256, out.bytes, out.path)).rejects.toMatchObject({ code: 'source-altered' });
    await writeFile(out.path, Buffer.concat([original, Buffer.alloc(2 * 1024 * 1024)]));
    await expect(store.putBlob(out.sha256, out.bytes, out.path)).rejects.toMatchObject({ code: 'source-altered', actualSha256: null });
    expect(await filesUnder(root)).toEqual([]);

    await writeFile(out.path, original);
    await store.putBlob(out.sha256, out.bytes, out.path);
    const blob = path.join(root, ...blobKey(out.sha256).split('/'));
    await writeFile(blob, altered);
    const dest = path.join(work.dir, 'clone', 'big.mp4');
    await expect(store.getBlob(out.sha256, out.bytes, dest)).rejects.toMatchObject({ code: 'blob-corrupt' });
    expect(await filesUnder(path.join(work.dir, 'clone'))).toEqual([]);
    await writeFile(blob, original);
    await store.getBlob(out.sha256, out.bytes, dest);
    expect(sha256Of(await readFile(dest))).toBe(out.sha256);
  });

  it('says a blob is missing', async () => {
    const sha = sha256Of('nothing');
    const error = await store.getBlob(sha, 7, path.join(work.dir, 'x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobMissingError);
    expect((error as Error).message).toBe(`${root} has no blob ${sha}`);
  });

  it('lists blobs in sha256 order, a bounded page at a time, skipping names that are not blobs', async () => {
    const shas: string[] = [];
    for (let i = 0; i < 23; i++) {
      const out = await randomFile(path.join(work.dir, `f${i}`), 100 + i);
      await store.putBlob(out.sha256, out.bytes, out.path);
      shas.push(out.sha256);
    }
    // Strays a person or another tool left: never listed, never acted on.
    await writeFile(path.join(root, 'blobs', 'sha256', shas[0]!.slice(0, 2), 'notes.txt'), 'x');
    await mkdir(path.join(root, 'blobs', 'sha256', 'zz'), { recursive: true });
    await writeFile(path.join(root, 'blobs', 'sha256', 'zz', 'a'.repeat(62)), 'x');

    const listed: string[] = [];
    let pages = 0;
    for (let after: string | undefined; ;) {
      const page = await store.listBlobs({ after, limit: 5 });
      pages++;
      expect(page.blobs.length).toBeLessThanOrEqual(5);
      listed.push(...page.blobs.map((b) => b.sha256));
      if (page.next === null) break;
      after = page.next;
    }
    expect(listed).toEqual([...shas].sort());
    expect(pages).toBe(5);
  });

  it('deletes a blob; deleting one that is gone is not an error', async () => {
    const out = await randomFile(path.join(work.dir, 'a'), 10);
    await store.putBlob(out.sha256, out.bytes, out.path);
    await store.deleteBlob(out.sha256);
    expect(await store.statBlob(out.sha256)).toBeNull();
    await store.deleteBlob(out.sha256);
  });

  it('replaces a blob whose size is wrong when it is pushed again', async () => {
    const out = await randomFile(path.join(work.dir, 'a'), 4000);
    await store.putBlob(out.sha256, out.bytes, out.path);
    const blob = path.join(root, ...blobKey(out.sha256).split('/'));
    await writeFile(blob, '');
    expect((await store.statBlob(out.sha256))?.bytes).toBe(0);
    await store.putBlob(out.sha256, out.bytes, out.path);
    expect((await stat(blob)).size).toBe(4000);
  });
});
