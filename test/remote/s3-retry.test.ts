import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushOutputs, type TransferEvent } from '../../src/remote/index.js';
import { randomFile, tempDir } from './helpers.js';
import { openS3, useS3Environment } from './s3-env.js';
import { startS3Server, type S3TestServer } from './s3-server.js';

/**
 * Retries by the project's retry policy on real network failures of the real SDK: the S3 test
 * server is stopped, a push meets refused connections, and the server comes back on the same
 * port during the backoff; the push then completes. A refusal that no retry can fix (a wrong
 * key) is not retried.
 */

const CREDENTIALS = { accessKeyId: 'AKIASHOTLISTRETRY001', secretAccessKey: 'shotlist-retry-secret-41c9' };
let restoreEnv: () => void;
let work: Awaited<ReturnType<typeof tempDir>>;
let server: S3TestServer | null = null;

beforeAll(async () => {
  restoreEnv = useS3Environment(CREDENTIALS);
  work = await tempDir();
});

afterAll(async () => {
  await server?.stop();
  await work?.cleanup();
  restoreEnv?.();
});

describe('S3 transfers under the retry policy', () => {
  it('a server that is down, then back, is waited for: refused connections are retried with backoff', async () => {
    const first = await startS3Server(CREDENTIALS);
    const port = Number(new URL(first.endpoint).port);
    await first.stop();
    const store = await openS3(first.endpoint, first.bucket, 'retry');
    const outputs = [await randomFile(path.join(work.dir, 'a.mp4'), 3_000), await randomFile(path.join(work.dir, 'b.mp4'), 4_000)];
    const events: TransferEvent[] = [];
    const delays: number[] = [];
    const summary = await pushOutputs(store, outputs, {
      concurrency: 1,
      onEvent: (e) => events.push(e),
      retry: {
        random: () => 0,
        // The backoff's wait is when the server comes back.
        sleep: async (ms) => {
          delays.push(ms);
          server ??= await startS3Server(CREDENTIALS, first.bucket, port);
        },
      },
    });
    expect(summary).toMatchObject({ transferred: 2, failed: 0 });
    expect(delays).toEqual([500]);
    const retry = events.find((e) => e.state === 'retry');
    expect(retry).toMatchObject({ retry: 1, delay_ms: 500, reason: expect.stringContaining('ECONNREFUSED') });
    await store.close();
  }, 60_000);

  it('a refused signature is not retried', async () => {
    server ??= await startS3Server(CREDENTIALS);
    process.env['AWS_SECRET_ACCESS_KEY'] = 'not-the-secret';
    try {
      const store = await openS3(server.endpoint, server.bucket, 'retry');
      const delays: number[] = [];
      const summary = await pushOutputs(store, [await randomFile(path.join(work.dir, 'c.mp4'), 100)], { retry: { sleep: async (ms) => void delays.push(ms) } });
      expect(summary).toMatchObject({ failed: 1, failures: [{ code: 'remote-auth' }] });
      expect(delays).toEqual([]);
      await store.close();
    } finally {
      process.env['AWS_SECRET_ACCESS_KEY'] = CREDENTIALS.secretAccessKey;
    }
  }, 60_000);
});
