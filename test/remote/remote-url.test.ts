import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRemote, parseRemoteUrl, RemoteConfigError, resolveRemote, type RemoteLocation } from '../../src/remote/index.js';
import { readS3Settings, s3ClientConfig } from '../../src/remote/s3-config.js';

/** Remote URLs, which one is in force, and the S3 settings read from the environment: pure functions, tables. */

const BASE = '/home/me/campaign';

describe('parseRemoteUrl', () => {
  const valid: [string, RemoteLocation][] = [
    ['s3://acme-renders/campaigns/spring', { kind: 's3', bucket: 'acme-renders', prefix: 'campaigns/spring' }],
    ['s3://acme-renders', { kind: 's3', bucket: 'acme-renders', prefix: '' }],
    ['s3://acme-renders/', { kind: 's3', bucket: 'acme-renders', prefix: '' }],
    ['s3://acme.renders.v2/a/b/', { kind: 's3', bucket: 'acme.renders.v2', prefix: 'a/b' }],
    ['file:///mnt/share/renders', { kind: 'directory', path: '/mnt/share/renders' }],
    ['file://localhost/mnt/share', { kind: 'directory', path: '/mnt/share' }],
    ['file:///mnt/with%20space', { kind: 'directory', path: '/mnt/with space' }],
    ['/mnt/share/renders', { kind: 'directory', path: '/mnt/share/renders' }],
    ['../shared-renders', { kind: 'directory', path: '/home/me/shared-renders' }],
    ['renders-cache', { kind: 'directory', path: path.join(BASE, 'renders-cache') }],
    ['./odd:name', { kind: 'directory', path: path.join(BASE, 'odd:name') }],
  ];
  it.each(valid)('%s', (text, expected) => {
    expect(parseRemoteUrl(text, BASE)).toEqual(expected);
  });

  const invalid: [string, string, string | undefined][] = [
    ['', 'the remote URL is empty', 'name a remote as file:///absolute/path, a plain path, or s3://bucket/prefix'],
    ['   ', 'the remote URL is empty', undefined],
    [
      's3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/x',
      'the remote URL "s3://***@bucket/x" holds credentials, which are never read from a URL',
      'remove them from the URL; S3 credentials come from the AWS credential chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role)',
    ],
    ['file://me:pw@localhost/tmp', 'the remote URL "file://***@localhost/tmp" holds credentials, which are never read from a URL', 'remove them from the URL'],
    ['s3://Bucket_Name/x', 'the remote URL "s3://Bucket_Name/x" does not name a valid bucket: "Bucket_Name"', undefined],
    ['s3://ab', 'the remote URL "s3://ab" does not name a valid bucket: "ab"', undefined],
    [
      's3://bucket:9000/x',
      'the remote URL "s3://bucket:9000/x" has a port; s3:// names a bucket, not a server',
      'set the endpoint in AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), e.g. http://127.0.0.1:9000',
    ],
    ['s3://bucket/a/../b', 'the remote URL "s3://bucket/a/../b" has an empty, "." or ".." segment in its prefix', undefined],
    ['s3://bucket/a//b', 'the remote URL "s3://bucket/a//b" has an empty, "." or ".." segment in its prefix', undefined],
    ['s3://bucket/x?versionId=1', 'the remote URL "s3://bucket/x?versionId=1" has a query or fragment, which means nothing here', undefined],
    [
      'file://fileserver/share',
      'the remote URL "file://fileserver/share" names host "fileserver"; a file:// remote is a path on this machine',
      'mount the share and name its path: file:///mnt/share/renders',
    ],
    [
      'https://bucket.s3.amazonaws.com/x',
      'the remote URL "https://bucket.s3.amazonaws.com/x" uses https://, which shotlist does not speak',
      'for an S3-compatible server, write s3://bucket/prefix and put the server in AWS_ENDPOINT_URL_S3',
    ],
    [
      'gs://bucket/x',
      'the remote URL "gs://bucket/x" uses gs://, which shotlist does not speak',
      'Google Cloud Storage works through its S3 interoperability: s3://bucket with AWS_ENDPOINT_URL_S3=https://storage.googleapis.com and HMAC keys',
    ],
    ['/tmp/a\u0007b', 'the remote URL "/tmp/a\\u0007b" holds control characters', undefined],
  ];
  it.each(invalid)('refuses %j', (text, message, hint) => {
    let error: unknown;
    try {
      parseRemoteUrl(text, BASE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RemoteConfigError);
    expect((error as RemoteConfigError).message).toBe(message);
    if (hint !== undefined) expect((error as RemoteConfigError).hint).toBe(hint);
  });

  it('describes a remote without anything secret', () => {
    expect(describeRemote({ kind: 's3', bucket: 'b', prefix: '' })).toBe('s3://b');
    expect(describeRemote({ kind: 's3', bucket: 'b', prefix: 'p/q' })).toBe('s3://b/p/q');
    expect(describeRemote({ kind: 'directory', path: '/mnt/x' })).toBe('/mnt/x');
  });
});

describe('resolveRemote: --remote, else SHOTLIST_REMOTE, else remote: in shotlist.config.yaml', () => {
  const where = { cwd: '/work/sub', projectRoot: '/work' };
  it.each([
    [
      'the flag wins',
      { flag: 's3://flag-bucket', env: 's3://env-bucket', config: 's3://config-bucket' },
      { location: { kind: 's3', bucket: 'flag-bucket', prefix: '' }, source: 'flag' },
    ],
    [
      'then the environment',
      { env: 's3://env-bucket', config: 's3://config-bucket' },
      { location: { kind: 's3', bucket: 'env-bucket', prefix: '' }, source: 'env' },
    ],
    [
      'an empty SHOTLIST_REMOTE is unset',
      { env: '', config: 's3://config-bucket' },
      { location: { kind: 's3', bucket: 'config-bucket', prefix: '' }, source: 'config' },
    ],
    ['a flag path is relative to the working directory', { flag: 'cache' }, { location: { kind: 'directory', path: '/work/sub/cache' }, source: 'flag' }],
    ['a config path is relative to the project root', { config: 'cache' }, { location: { kind: 'directory', path: '/work/cache' }, source: 'config' }],
    ['none at all', {}, null],
  ])('%s', (_name, settings, expected) => {
    expect(resolveRemote({ ...where, ...settings })).toEqual(expected);
  });

  it('names the source of a bad URL', () => {
    expect(() => resolveRemote({ ...where, env: 'ftp://x' })).toThrow('SHOTLIST_REMOTE: the remote URL "ftp://x" uses ftp://');
    expect(() => resolveRemote({ ...where, flag: '' })).toThrow('--remote needs a URL');
    expect(() => resolveRemote({ ...where, config: 's3://x' })).toThrow(
      'remote: in shotlist.config.yaml: the remote URL "s3://x" does not name a valid bucket',
    );
  });
});

describe('S3 settings from the environment', () => {
  it('AWS itself: the SDK finds the region, virtual-hosted addressing, its default checksums', () => {
    const settings = readS3Settings({});
    expect(settings).toEqual({ endpoint: undefined, region: undefined, forcePathStyle: false, checksums: undefined });
    expect(s3ClientConfig(settings)).toEqual({ forcePathStyle: false, maxAttempts: 1, requestHandler: { connectionTimeout: 10_000, socketTimeout: 60_000 } });
  });

  it('an S3-compatible endpoint: path-style, a region by default, checksums only where required', () => {
    expect(readS3Settings({ AWS_ENDPOINT_URL: 'http://minio:9000' })).toEqual({
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      checksums: 'WHEN_REQUIRED',
    });
    expect(
      readS3Settings({
        AWS_ENDPOINT_URL: 'http://other:1',
        AWS_ENDPOINT_URL_S3: 'https://acct.r2.cloudflarestorage.com',
        AWS_REGION: 'auto',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'when_supported',
      }),
    ).toEqual({
      endpoint: 'https://acct.r2.cloudflarestorage.com',
      region: 'auto',
      forcePathStyle: true,
      checksums: undefined,
    });
  });

  it('refuses an endpoint with credentials in it, without echoing them', () => {
    expect(() => readS3Settings({ AWS_ENDPOINT_URL_S3: 'http://key:topsecret@minio:9000' })).toThrow(
      'the S3 endpoint URL holds credentials, which are never read from a URL',
    );
    expect(() => readS3Settings({ AWS_ENDPOINT_URL_S3: 'minio:9000' })).toThrow('the S3 endpoint must be http:// or https://');
  });
});
