import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';
import { HeadObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedactor,
  openRemoteStore,
  parseRemoteUrl,
  pullOutputs,
  pushOutputs,
  resolveRemote,
  type RemoteStore,
  type TransferEvent,
} from '../../src/remote/index.js';
import { filesUnder, randomFile, tempDir } from './helpers.js';
import { openS3, useS3Environment } from './s3-env.js';
import { startS3Server, type S3TestServer } from './s3-server.js';

/**
 * Storage credentials never reach a message, an event, a summary or a claim. Known values go
 * into AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; the S3 test server
 * accepts only that key pair, so an operation that succeeds proves they were really used.
 * Then everything shotlist produced, succeeding and failing (refused signatures, whose SDK
 * errors carry the key id, unreachable endpoints, missing buckets, refused claims, URLs with
 * userinfo), is searched for them.
 */

const KEY_ID = 'shotlist-key-id-5b7c0e9a';
const SECRET = 'shotlist-secret-9d2f4a71c3';
const SESSION = 'shotlist-session-token-33aa-Zx/+=';
const WRONG_SECRET = 'shotlist-wrong-secret-e41d';
const SECRETS = [KEY_ID, SECRET, SESSION, WRONG_SECRET, encodeURIComponent(SESSION)];

let server: S3TestServer;
let restoreEnv: () => void;
let work: Awaited<ReturnType<typeof tempDir>>;
const produced: string[] = [];

/** Everything an error could show: its message, its JSON, and an inspection of all its fields and causes. */
function record(value: unknown): void {
  produced.push(typeof value === 'string' ? value : `${JSON.stringify(value)}\n${inspect(value, { depth: 10, showHidden: true })}`);
  if (value instanceof Error) produced.push(value.message, String(value.stack));
}

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  const error = await work().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected a failure').not.toBeNull();
  record(error);
  return error;
}

beforeAll(async () => {
  restoreEnv = useS3Environment({ accessKeyId: KEY_ID, secretAccessKey: SECRET }, { AWS_SESSION_TOKEN: SESSION });
  server = await startS3Server({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
  work = await tempDir();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await work?.cleanup();
  restoreEnv?.();
});

describe('credentials never leave the environment', () => {
  it('succeeding and failing, no output, event, summary, error or claim holds them', async () => {
    const outputs = [await randomFile(path.join(work.dir, 'a.mp4'), 5_000), await randomFile(path.join(work.dir, 'b.mp4'), 6_000)];
    const events: TransferEvent[] = [];
    const store = await openS3(server.endpoint, server.bucket, 'secret-test');
    record(store.description);
    // s3rver accepts only this key pair: success proves the credentials were sent.
    const pushed = await pushOutputs(store, outputs, { onEvent: (e) => events.push(e) });
    expect(pushed.transferred).toBe(2);
    record(pushed);
    const pulled = await pullOutputs(
      store,
      outputs.map((o) => ({ ...o, path: `${o.path}.pulled` })),
      { onEvent: (e) => events.push(e) },
    );
    expect(pulled.transferred).toBe(2);
    record(pulled);
    record(await failureOf(() => store.claims()));
    await store.close();

    // A refused signature. The SDK's own error carries the access key id…
    process.env['AWS_SECRET_ACCESS_KEY'] = WRONG_SECRET;
    const raw = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true });
    const sdkError = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'x' })).catch((e: unknown) => e);
    expect(JSON.stringify(sdkError)).toContain(KEY_ID);
    await raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'x' })).catch(() => {});
    raw.destroy();
    // …and shotlist's errors, events and summaries do not.
    const refused = await openS3(server.endpoint, server.bucket, 'secret-test');
    const refusedError = await failureOf(() => refused.getBlob(outputs[0]!.sha256, outputs[0]!.bytes, path.join(work.dir, 'x')));
    expect((refusedError as { code: string }).code).toBe('remote-auth');
    expect((refusedError as Error).message).toContain('SignatureDoesNotMatch');
    await failureOf(() => refused.statBlob(outputs[0]!.sha256));
    await failureOf(() => refused.putBlob(outputs[0]!.sha256, outputs[0]!.bytes, outputs[0]!.path));
    await failureOf(() => refused.listBlobs());
    const failedPush = await pushOutputs(refused, [await randomFile(path.join(work.dir, 'c.mp4'), 100)], {
      onEvent: (e) => events.push(e),
      retry: { sleep: async () => {} },
    });
    expect(failedPush.failed).toBe(1);
    record(failedPush);
    await refused.close();
    process.env['AWS_SECRET_ACCESS_KEY'] = SECRET;

    // No credentials at all: said plainly.
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
    const anonymous = await openS3(server.endpoint, server.bucket, 'secret-test');
    const noCredentials = await failureOf(() => anonymous.statBlob(outputs[0]!.sha256));
    expect(noCredentials).toMatchObject({
      code: 'remote-auth',
      message: expect.stringContaining('no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE'),
    });
    await anonymous.close();
    process.env['AWS_ACCESS_KEY_ID'] = KEY_ID;
    process.env['AWS_SECRET_ACCESS_KEY'] = SECRET;

    // No such bucket, no server at all, an endpoint or a remote URL with userinfo.
    const noBucket = await openS3(server.endpoint, 'no-such-bucket', '');
    expect(await failureOf(() => noBucket.getBlob(outputs[0]!.sha256, 1, path.join(work.dir, 'y')))).toMatchObject({ code: 'remote-missing' });
    await noBucket.close();
    const nowhere = await openS3('http://127.0.0.1:9', server.bucket, '');
    const unreachable = await pushOutputs(nowhere, outputs, { retry: { sleep: async () => {} }, onEvent: (e) => events.push(e) });
    expect(unreachable.failed).toBe(2);
    record(unreachable);
    await nowhere.close();
    await failureOf(() => openS3(`http://${KEY_ID}:${SECRET}@127.0.0.1:9`, server.bucket, ''));
    await failureOf(async () => parseRemoteUrl(`s3://${KEY_ID}:${SECRET}@bucket/prefix`, work.dir));
    await failureOf(async () => resolveRemote({ env: `file://${KEY_ID}:${SECRET}@localhost/tmp`, cwd: work.dir, projectRoot: work.dir }));

    // Claims on a directory remote, and on S3 where they are allowed, hold no credential either.
    const dir: RemoteStore = await openRemoteStore({ kind: 'directory', path: path.join(work.dir, 'dir-remote') });
    const claims = await dir.claims();
    await claims.create('ab'.repeat(32), '{"x":1}\n');
    for (const file of await filesUnder(path.join(work.dir, 'dir-remote'))) produced.push(await readFile(path.join(work.dir, 'dir-remote', file), 'utf8'));

    for (const event of events) record(event);
    expect(produced.length).toBeGreaterThan(20);
    for (const text of produced) for (const secret of SECRETS) expect(text, `a credential leaked into: ${text.slice(0, 300)}`).not.toContain(secret);
  }, 60_000);
});

describe('the redactor', () => {
  const redact = createRedactor(['my-own-secret-value'], { AWS_SECRET_ACCESS_KEY: 'env-secret-abcdef', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' });
  it.each([
    ['a known secret anywhere', 'x my-own-secret-value y', 'x *** y'],
    ['an environment credential', 'the key env-secret-abcdef was refused', 'the key *** was refused'],
    ['an AWS key id of any owner', 'AKIAABCDEFGHIJKLMNOP and ASIAABCDEFGHIJKLMNOP', '*** and ***'],
    [
      'a presigned query',
      'GET /b/k?X-Amz-Credential=AKIA%2F20261201&X-Amz-Signature=abc123&X-Amz-Security-Token=tok',
      'GET /b/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***',
    ],
    ['an Authorization header', 'Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature=0123456789abcdef0123', 'Authorization: ***'],
    ['userinfo in a URL', 'connect to https://user:pass@minio.local:9000/ failed', 'connect to https://***@minio.local:9000/ failed'],
  ])('masks %s', (_name, text, expected) => {
    expect(redact(text)).toBe(expected);
  });
});
