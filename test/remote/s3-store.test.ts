import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlobMismatchError,
  BlobMissingError,
  blobKey,
  claimName,
  ClaimsUnsupportedError,
  ClaimWatch,
  createClaimIdentity,
  meetClaim,
  pullOutputs,
  pushOutputs,
  type ClaimContext,
  type RemoteStore,
} from '../../src/remote/index.js';
import { startGateway, type Gateway } from './conditional-gateway.js';
import { filesUnder, largeFile, randomFile, sha256Of, tempDir } from './helpers.js';
import { openS3, useS3Environment } from './s3-env.js';
import { startS3Server, type S3TestServer } from './s3-server.js';

/**
 * The S3 store through the real AWS SDK v3 against s3rver, run as a separate process on
 * 127.0.0.1; a recording gateway in front of it shows the requests the store sends, and an
 * enforcing one adds the conditional writes s3rver lacks, so claims run end to end too.
 */

const CREDENTIALS = { accessKeyId: 'AKIASHOTLISTTEST0001', secretAccessKey: 'shotlist-s3-test-secret-8c1e' };
const PREFIX = 'team/renders';

let server: S3TestServer;
let recording: Gateway;
let restoreEnv: () => void;
let work: Awaited<ReturnType<typeof tempDir>>;
let store: RemoteStore;

beforeAll(async () => {
  restoreEnv = useS3Environment(CREDENTIALS);
  server = await startS3Server(CREDENTIALS);
  recording = await startGateway(server.endpoint, { enforce: false });
  work = await tempDir();
  store = await openS3(server.endpoint, server.bucket, PREFIX);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await recording?.close();
  await server?.stop();
  await work?.cleanup();
  restoreEnv?.();
});

function rawClient(): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

describe('S3 blobs', () => {
  it('stores a blob at <prefix>/blobs/sha256/ab/cdef… and gives it back verified', async () => {
    const out = await randomFile(path.join(work.dir, 'hero.mp4'), 70_000);
    expect(await store.statBlob(out.sha256)).toBeNull();
    await store.putBlob(out.sha256, out.bytes, out.path);
    expect(await store.statBlob(out.sha256)).toEqual({ sha256: out.sha256, bytes: out.bytes });
    const dest = path.join(work.dir, 'clone', 'hero.mp4');
    await store.getBlob(out.sha256, out.bytes, dest);
    expect(sha256Of(await readFile(dest))).toBe(out.sha256);
    // Where s3rver keeps it shows the key.
    expect(await filesUnder(path.join(server.dataDir, server.bucket))).toContain(`${PREFIX}/${blobKey(out.sha256)}._S3rver_object`);
    await store.deleteBlob(out.sha256);
    expect(await store.statBlob(out.sha256)).toBeNull();
    await expect(store.getBlob(out.sha256, out.bytes, dest)).rejects.toBeInstanceOf(BlobMissingError);
  });

  it('uploads a large file in parts (a multipart upload, visible only once completed)', async () => {
    const viaGateway = await openS3(recording.endpoint, server.bucket, PREFIX, { partSize: 5 * 1024 * 1024 });
    const big = await largeFile(path.join(work.dir, 'big.mp4'), 12 * 1024 * 1024, 7);
    const from = recording.seen.length;
    await viaGateway.putBlob(big.sha256, big.bytes, big.path);
    const seen = recording.seen.slice(from).map((r) => `${r.method} ${r.url.replace(/uploadId=[^&]+/, 'uploadId=…')} ${r.status}`);
    expect(seen.filter((s) => s.includes('?uploads'))).toHaveLength(1);
    expect(seen.filter((s) => s.includes('partNumber='))).toHaveLength(3);
    expect(seen.filter((s) => s.startsWith('POST') && s.includes('uploadId=') && s.endsWith(' 200'))).toHaveLength(1);
    const dest = path.join(work.dir, 'big-clone.mp4');
    await viaGateway.getBlob(big.sha256, big.bytes, dest);
    expect(sha256Of(await readFile(dest))).toBe(big.sha256);
    await viaGateway.close();
  });

  it('never lets a file that changed since it was pinned land: neither as one PUT nor as a multipart upload', async () => {
    const viaGateway = await openS3(recording.endpoint, server.bucket, PREFIX, { partSize: 5 * 1024 * 1024 });
    const small = await randomFile(path.join(work.dir, 'small.mp4'), 40_000);
    const bytes = await readFile(small.path);
    bytes[39_999] = bytes[39_999]! ^ 0x80;
    await writeFile(small.path, bytes);
    await expect(viaGateway.putBlob(small.sha256, small.bytes, small.path)).rejects.toMatchObject({ code: 'source-altered' });
    expect(await viaGateway.statBlob(small.sha256)).toBeNull();

    const big = await largeFile(path.join(work.dir, 'big-altered.mp4'), 11 * 1024 * 1024, 8);
    const handle = await readFile(big.path);
    handle[handle.length - 1] = handle[handle.length - 1]! ^ 0x01; // the very last byte
    await writeFile(big.path, handle);
    const from = recording.seen.length;
    const error = await viaGateway.putBlob(big.sha256, big.bytes, big.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobMismatchError);
    expect((error as BlobMismatchError).code).toBe('source-altered');
    expect(await viaGateway.statBlob(big.sha256)).toBeNull();
    const seen = recording.seen.slice(from);
    // Parts went up, the upload was aborted, and never completed.
    expect(seen.some((r) => r.method === 'DELETE' && r.url.includes('uploadId='))).toBe(true);
    expect(seen.some((r) => r.method === 'POST' && r.url.includes('uploadId='))).toBe(false);
    await viaGateway.close();
  });

  it("refuses a FIFO or a device in an output's place at once, sending nothing", async () => {
    const fifo = path.join(work.dir, 'fifo.mp4');
    execFileSync('mkfifo', [fifo]);
    const from = recording.seen.length;
    const viaGateway = await openS3(recording.endpoint, server.bucket, PREFIX);
    for (const source of [fifo, '/dev/zero']) {
      const error = await viaGateway.putBlob(sha256Of(Buffer.alloc(300_000)), 300_000, source).catch((e: unknown) => e);
      expect(error, source).toMatchObject({ code: 'remote-io' });
      expect((error as Error).message).toContain(`reading ${source}: EINVAL`);
    }
    expect(recording.seen.slice(from).filter((r) => r.method !== 'HEAD' && r.method !== 'GET')).toEqual([]);
    await viaGateway.close();
  });

  it('an upload or download cut off by the signal leaves nothing: no object, no multipart upload, no temp file', async () => {
    const viaGateway = await openS3(recording.endpoint, server.bucket, PREFIX, { partSize: 5 * 1024 * 1024 });
    const big = await largeFile(path.join(work.dir, 'cut.mp4'), 16 * 1024 * 1024, 9);
    const controller = new AbortController();
    const from = recording.seen.length;
    const upload = viaGateway.putBlob(big.sha256, big.bytes, big.path, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 11 * 1024 * 1024) controller.abort(new Error('interrupted'));
      },
    });
    await expect(upload).rejects.toThrow('interrupted');
    expect(await viaGateway.statBlob(big.sha256)).toBeNull();
    const seen = recording.seen.slice(from);
    expect(seen.some((r) => r.method === 'POST' && r.url.includes('uploadId='))).toBe(false);

    await viaGateway.putBlob(big.sha256, big.bytes, big.path);
    const destDir = path.join(work.dir, 'cut-clone');
    const download = new AbortController();
    const pull = viaGateway.getBlob(big.sha256, big.bytes, path.join(destDir, 'cut.mp4'), {
      signal: download.signal,
      onProgress: (done) => {
        if (done >= 2 * 1024 * 1024) download.abort(new Error('interrupted'));
      },
    });
    await expect(pull).rejects.toThrow();
    expect(await filesUnder(destDir)).toEqual([]);
    await viaGateway.close();
  });

  it('detects a damaged blob (one flipped byte, or the wrong length) and never writes it as the output', async () => {
    const out = await randomFile(path.join(work.dir, 'victim.mp4'), 90_000);
    await store.putBlob(out.sha256, out.bytes, out.path);
    const damaged = await readFile(out.path);
    damaged[4242] = damaged[4242]! ^ 0x10;
    const raw = rawClient();
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${PREFIX}/${blobKey(out.sha256)}`, Body: damaged }));
    const destDir = path.join(work.dir, 'damaged-clone');
    const error = await store.getBlob(out.sha256, out.bytes, path.join(destDir, 'victim.mp4')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobMismatchError);
    expect((error as BlobMismatchError).code).toBe('blob-corrupt');
    expect(await filesUnder(destDir)).toEqual([]);

    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${PREFIX}/${blobKey(out.sha256)}`, Body: damaged.subarray(0, 100) }));
    await expect(store.getBlob(out.sha256, out.bytes, path.join(destDir, 'victim.mp4'))).rejects.toMatchObject({ code: 'blob-corrupt' });
    expect(await filesUnder(destDir)).toEqual([]);
    raw.destroy();
  });

  it('lists blobs a bounded page at a time with ListObjectsV2, skipping keys that are not blobs', async () => {
    const listed = await openS3(server.endpoint, server.bucket, 'listing');
    const shas: string[] = [];
    for (let i = 0; i < 7; i++) {
      const out = await randomFile(path.join(work.dir, 'list', `f${i}`), 500 + i);
      await listed.putBlob(out.sha256, out.bytes, out.path);
      shas.push(out.sha256);
    }
    const raw = rawClient();
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'listing/blobs/sha256/zz/stray', Body: 'x' }));
    const seen: string[] = [];
    let pages = 0;
    for (let after: string | undefined; ;) {
      const page = await listed.listBlobs({ after, limit: 3 });
      pages++;
      seen.push(...page.blobs.map((b) => b.sha256));
      if (page.next === null) break;
      after = page.next;
    }
    expect(seen).toEqual([...shas].sort());
    expect(pages).toBe(3);
    raw.destroy();
    await listed.close();
  });
});

describe('S3 claims', () => {
  it('are refused, naming the remote, on a service that ignores If-None-Match (s3rver), after the probe shows it', async () => {
    const viaGateway = await openS3(recording.endpoint, server.bucket, PREFIX);
    const from = recording.seen.length;
    const error = await viaGateway.claims().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaimsUnsupportedError);
    expect((error as Error).message).toBe(
      `s3://${server.bucket}/${PREFIX} at ${recording.endpoint} cannot hold team claims: it does not honour create-only writes: a second PUT with If-None-Match: * of the same key succeeded`,
    );
    const probes = recording.seen.slice(from).filter((r) => r.url.includes('/claims/.probe-'));
    expect(probes.map((r) => [r.method, r.headers['if-none-match'] ?? null, r.status])).toEqual([
      ['PUT', '*', 200],
      ['PUT', '*', 200],
      ['DELETE', null, 204],
    ]);
    // Refused once, refused for good: no second probe.
    await expect(viaGateway.claims()).rejects.toBeInstanceOf(ClaimsUnsupportedError);
    expect(recording.seen.slice(from).filter((r) => r.url.includes('/claims/.probe-'))).toHaveLength(3);
    await viaGateway.close();
  });

  it('run end to end where conditional writes are honoured: If-None-Match: * to create, If-Match: <ETag> to renew', async () => {
    const enforcing = await startGateway(server.endpoint, { enforce: true });
    try {
      const laptopStore = await openS3(enforcing.endpoint, server.bucket, PREFIX);
      const ciStore = await openS3(enforcing.endpoint, server.bucket, PREFIX);
      const clock = { now: Date.UTC(2026, 11, 1, 12) };
      const laptop: ClaimContext = {
        claims: await laptopStore.claims(),
        me: createClaimIdentity({ host: 'laptop' }),
        watch: new ClaimWatch(),
        now: () => clock.now,
      };
      const ci: ClaimContext = { claims: await ciStore.claims(), me: createClaimIdentity({ host: 'ci' }), watch: new ClaimWatch(), now: () => clock.now };
      const fp = `sha256:${'5e'.repeat(32)}`;
      const from = enforcing.seen.length;

      const owned = await meetClaim(laptop, fp);
      if (!('kind' in owned)) throw new Error('expected the laptop to own the claim');
      expect(await meetClaim(ci, fp)).toMatchObject({ action: 'wait', holder: { host: 'laptop' } });
      await owned.lease.recordVideo('video_s3');
      expect(await meetClaim(ci, fp)).toMatchObject({ action: 'adopt', videoId: 'video_s3' });

      const writes = enforcing.seen.slice(from).filter((r) => r.method === 'PUT' && r.url.includes(`/claims/${claimName(fp)}.json`));
      expect(writes.map((r) => [r.headers['if-none-match'] ?? null, r.headers['if-match'] ?? null, r.status])).toEqual([
        ['*', null, 200],
        [null, expect.stringMatching(/^"[0-9a-f]+"$/), 200],
      ]);

      // A second create-only write, and a replace naming a stale ETag, lose and are told the winner.
      const claims = await ciStore.claims();
      expect(await claims.create(claimName(fp), 'mine\n')).toMatchObject({ created: false, current: { text: expect.stringContaining('video_s3') } });
      expect(await claims.replace(claimName(fp), 'mine\n', writes[1]!.headers['if-match'] as string)).toMatchObject({ replaced: false });
      expect((await claims.list()).names).toContain(claimName(fp));

      // A claim object far larger than a claim is read no further than the bound, and never adopted.
      const huge = `sha256:${'7a'.repeat(32)}`;
      const raw = rawClient();
      await raw.send(
        new PutObjectCommand({ Bucket: server.bucket, Key: `${PREFIX}/claims/${claimName(huge)}.json`, Body: Buffer.alloc(5 * 1024 * 1024, 0x7b) }),
      );
      raw.destroy();
      expect((await claims.read(claimName(huge)))!.text.length).toBe(16 * 1024 + 1);
      expect(await meetClaim(ci, huge)).toMatchObject({ action: 'wait', holder: null });
      await laptopStore.close();
      await ciStore.close();
    } finally {
      await enforcing.close();
    }
  });
});

describe('push and pull through S3', () => {
  it('pushes 100 outputs (16 of 2 MiB) and 2 multipart-sized ones, skips them the second time, pulls them back verified', async () => {
    const remote = await openS3(server.endpoint, server.bucket, 'transfer', { partSize: 5 * 1024 * 1024 });
    const outputs = [];
    for (let i = 0; i < 100; i++) outputs.push(await randomFile(path.join(work.dir, 'xfer', `s${i}.mp4`), i < 16 ? 2 * 1024 * 1024 + i : 1_000 + i * 13));
    outputs.push(
      await largeFile(path.join(work.dir, 'xfer', 'b1.mp4'), 11 * 1024 * 1024, 11),
      await largeFile(path.join(work.dir, 'xfer', 'b2.mp4'), 6 * 1024 * 1024, 12),
    );
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    // One signal for the whole run, as the CLI's Ctrl-C gives: no listener warning, however many transfers.
    const run = new AbortController();
    expect(await pushOutputs(remote, outputs, { concurrency: 8, signal: run.signal })).toMatchObject({ items: 102, transferred: 102, failed: 0 });
    expect(await pushOutputs(remote, outputs)).toMatchObject({ transferred: 0, present: 102 });
    const wanted = outputs.map((o) => ({ ...o, path: path.join(work.dir, 'xfer-clone', path.basename(o.path)) }));
    expect(await pullOutputs(remote, wanted, { concurrency: 8, signal: run.signal })).toMatchObject({ transferred: 102, failed: 0, missing: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    for (const o of [wanted[0]!, wanted[100]!, wanted[101]!]) expect(sha256Of(await readFile(o.path))).toBe(o.sha256);
    await remote.close();
  }, 120_000);
});
