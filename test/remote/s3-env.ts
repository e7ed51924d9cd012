import path from 'node:path';
import { openRemoteStore, type RemoteStore } from '../../src/remote/index.js';
import type { S3StoreOptions } from '../../src/remote/s3-store.js';
import type { S3Credentials } from './s3-server.js';

/**
 * The environment an S3 remote reads, set for a test file: the key pair the test server accepts,
 * a region, and no shared config or profile of the machine running the tests. Restored after.
 */
export function useS3Environment(credentials: S3Credentials, extra: Record<string, string> = {}): () => void {
  const saved = { ...process.env };
  for (const name of [
    'AWS_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_S3',
    'AWS_DEFAULT_REGION',
    'AWS_REQUEST_CHECKSUM_CALCULATION',
  ])
    delete process.env[name];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join('/nonexistent', 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join('/nonexistent', 'aws-credentials'),
    // The credential chain must never ask an instance metadata service: no such address is ours to reach.
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  });
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}

/** An S3 remote at `endpoint` (the test server, or a gateway in front of it). */
export async function openS3(endpoint: string, bucket: string, prefix: string, options?: S3StoreOptions): Promise<RemoteStore> {
  const before = process.env['AWS_ENDPOINT_URL_S3'];
  process.env['AWS_ENDPOINT_URL_S3'] = endpoint;
  try {
    return await openRemoteStore({ kind: 's3', bucket, prefix }, options === undefined ? {} : { s3: options });
  } finally {
    if (before === undefined) delete process.env['AWS_ENDPOINT_URL_S3'];
    else process.env['AWS_ENDPOINT_URL_S3'] = before;
  }
}
