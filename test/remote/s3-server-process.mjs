/**
 * An S3-compatible server for the tests, run as a separate process: s3rver (the maintained
 * @20minutes fork, filesystem-backed) on 127.0.0.1, at S3_TEST_PORT or a free port. It accepts
 * only the key pair given in S3_TEST_ACCESS_KEY_ID / S3_TEST_SECRET_ACCESS_KEY (its built-in
 * S3RVER key is revoked), so a request that succeeds proves the client signed it with those
 * credentials. Prints `{"port": N}` on stdout once listening; exits when its stdin closes (the
 * test ended or died) or on SIGTERM.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
fixBucketRootSignature();
const S3rver = require('@20minutes/s3rver');
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account.js');

/**
 * s3rver builds the SigV4 canonical URI of a bucket-level request from the route's params, as
 * `/bucket`; the AWS SDK v3 in path style sends (and signs) ListObjectsV2 as `GET /bucket/`,
 * which AWS S3 and MinIO accept as signed. So the canonical URI is made `/bucket/` for such a
 * request, while s3rver checks the signature, and restored before its handlers run. Signatures
 * are still verified in full: a wrong secret is refused.
 */
function fixBucketRootSignature() {
  const id = require.resolve('@20minutes/s3rver/lib/middleware/authentication.js');
  const original = require(id);
  require.cache[id].exports = () => {
    const authenticate = original();
    return async function authentication(ctx, next) {
      const bucket = ctx.params?.bucket;
      const bucketRootWithSlash = bucket !== undefined && !ctx.params.key && ctx.path === `/${bucket}/`;
      if (!bucketRootWithSlash) return authenticate(ctx, next);
      ctx.params.bucket = `${bucket}/`;
      try {
        return await authenticate(ctx, () => {
          ctx.params.bucket = bucket;
          return next();
        });
      } finally {
        ctx.params.bucket = bucket;
      }
    };
  };
}

const [directory, ...buckets] = process.argv.slice(2);
const wantedPort = Number(process.env.S3_TEST_PORT ?? 0);
const accessKeyId = process.env.S3_TEST_ACCESS_KEY_ID;
const secretAccessKey = process.env.S3_TEST_SECRET_ACCESS_KEY;
if (!directory || !accessKeyId || !secretAccessKey) {
  process.stderr.write('usage: S3_TEST_ACCESS_KEY_ID=.. S3_TEST_SECRET_ACCESS_KEY=.. node s3-server-process.mjs DIR [BUCKET...]\n');
  process.exit(2);
}
DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);

const server = new S3rver({
  address: '127.0.0.1',
  port: wantedPort,
  silent: process.env.S3_TEST_VERBOSE !== '1',
  directory,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
