import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { RemoteConfigError } from './errors.js';

/**
 * How the S3 client is set up, from the environment, as data (no SDK loaded here). The SDK's
 * own credential chain finds the keys (environment, `AWS_PROFILE` and the shared files, SSO,
 * web identity, container and instance roles); shotlist never reads or stores them itself.
 */

export interface S3Settings {
  /** `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`: a non-AWS service (R2, MinIO, GCS interop); `undefined` for AWS. */
  readonly endpoint: string | undefined;
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`; `us-east-1` for a custom endpoint without one; else the SDK's profile lookup. */
  readonly region: string | undefined;
  /** Path-style addressing (`endpoint/bucket/key`), which MinIO and most S3-compatible services need: on with a custom endpoint. */
  readonly forcePathStyle: boolean;
  /**
   * Whether to send the SDK's default CRC32 checksums. AWS verifies them; several
   * S3-compatible services reject the streaming trailers they travel in, so with a custom
   * endpoint they are sent only when an operation requires them (unless
   * `AWS_REQUEST_CHECKSUM_CALCULATION` says otherwise). Blobs are verified by sha256 either way.
   */
  readonly checksums: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' | undefined;
}

export function readS3Settings(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpoint = nonEmpty(env['AWS_ENDPOINT_URL_S3']) ?? nonEmpty(env['AWS_ENDPOINT_URL']);
  if (endpoint !== undefined) checkEndpoint(endpoint);
  const region = nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']) ?? (endpoint === undefined ? undefined : 'us-east-1');
  const custom = endpoint !== undefined;
  const checksums = nonEmpty(env['AWS_REQUEST_CHECKSUM_CALCULATION']) === undefined && custom ? 'WHEN_REQUIRED' : undefined;
  return { endpoint, region, forcePathStyle: custom, checksums };
}

/** The client configuration: one attempt per call (shotlist's retry policy does the retrying), bounded connection and idle times. */
export function s3ClientConfig(settings: S3Settings): S3ClientConfig {
  return {
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.region === undefined ? {} : { region: settings.region }),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.checksums === undefined ? {} : { requestChecksumCalculation: settings.checksums, responseChecksumValidation: settings.checksums }),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 60_000 },
  };
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new RemoteConfigError('AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) is not a URL', {
      hint: 'e.g. http://127.0.0.1:9000 or https://<account>.r2.cloudflarestorage.com',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RemoteConfigError(`the S3 endpoint must be http:// or https://, found ${url.protocol}//`);
  if (url.username !== '' || url.password !== '') {
    throw new RemoteConfigError('the S3 endpoint URL holds credentials, which are never read from a URL', {
      hint: 'remove them; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE',
    });
  }
}

/** The endpoint as messages show it: its origin only. */
export function endpointOrigin(settings: S3Settings): string | null {
  return settings.endpoint === undefined ? null : new URL(settings.endpoint).origin;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
