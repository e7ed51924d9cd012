import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { truncate } from '../source/describe.js';
import { RemoteConfigError } from './errors.js';

/**
 * What a remote URL names: a directory (`file:///abs`, or a plain path, any local or mounted
 * one) or S3-compatible object storage (`s3://bucket/prefix`). Parsed once, here; a URL that
 * carries credentials is refused without echoing them.
 */

export type RemoteLocation =
  | { readonly kind: 'directory'; /** Absolute. */ readonly path: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Key prefix without leading or trailing `/`; `''` for the bucket's root. */
      readonly prefix: string;
    };

const URL_FORM = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
const SUPPORTED = 'file:///absolute/path, a plain path, or s3://bucket/prefix';

/**
 * Parses a remote URL. A plain path (and a Windows drive path) is resolved against `base`: the
 * working directory for `--remote` and `SHOTLIST_REMOTE`, the project root for the config file.
 */
export function parseRemoteUrl(text: string, base: string): RemoteLocation {
  if (text.trim() === '') throw new RemoteConfigError('the remote URL is empty', { hint: `name a remote as ${SUPPORTED}` });
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new RemoteConfigError(`the remote URL ${shown(text)} holds control characters`);
  const scheme = URL_FORM.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'directory', path: path.resolve(base, text) };
  // Looked for before parsing: WHATWG URL parsing refuses userinfo in a file:// URL outright,
  // and the refusal should still say why.
  const authority = text.slice(scheme.length + 3).split(/[/?#]/)[0] ?? '';
  if (authority.includes('@')) {
    throw new RemoteConfigError(`the remote URL ${shown(text)} holds credentials, which are never read from a URL`, {
      hint:
        scheme === 's3'
          ? 'remove them from the URL; S3 credentials come from the AWS credential chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role)'
          : 'remove them from the URL',
    });
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RemoteConfigError(`the remote URL ${shown(text)} is not a valid URL`, { hint: `name a remote as ${SUPPORTED}` });
  }
  if (url.search !== '' || url.hash !== '')
    throw new RemoteConfigError(`the remote URL ${shown(text)} has a query or fragment, which means nothing here`, { hint: 'remove the part from ? or #' });
  if (scheme === 'file') return parseFileUrl(url, text);
  if (scheme === 's3') return parseS3Url(url, text, rawPath(text, scheme));
  throw new RemoteConfigError(`the remote URL ${shown(text)} uses ${scheme}://, which shotlist does not speak`, { hint: schemeHint(scheme) });
}

function parseFileUrl(url: URL, text: string): RemoteLocation {
  if (url.host !== '' && url.host !== 'localhost') {
    throw new RemoteConfigError(`the remote URL ${shown(text)} names host ${JSON.stringify(url.host)}; a file:// remote is a path on this machine`, {
      hint: 'mount the share and name its path: file:///mnt/share/renders',
    });
  }
  return { kind: 'directory', path: path.resolve(fileURLToPath(url)) };
}

/** Bucket names as S3 (and R2, MinIO, GCS) allow them for new buckets: 3–63 of a-z 0-9 . -, ends alphanumeric. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The path as written: URL parsing resolves `..` segments away, and a prefix must not move silently. */
function rawPath(text: string, scheme: string): string {
  const rest = text.slice(scheme.length + 3).split(/[?#]/)[0] ?? '';
  const slash = rest.indexOf('/');
  return slash < 0 ? '' : rest.slice(slash);
}

function parseS3Url(url: URL, text: string, pathWritten: string): RemoteLocation {
  const bucket = url.hostname;
  if (url.port !== '')
    throw new RemoteConfigError(`the remote URL ${shown(text)} has a port; s3:// names a bucket, not a server`, {
      hint: 'set the endpoint in AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), e.g. http://127.0.0.1:9000',
    });
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new RemoteConfigError(`the remote URL ${shown(text)} does not name a valid bucket: ${JSON.stringify(truncate(bucket))}`, {
      hint: 'bucket names are 3 to 63 characters of lowercase letters, digits, dots and hyphens: s3://my-team-renders/campaigns',
    });
  }
  const segments = safeDecode(pathWritten)
    .split('/')
    .filter((segment, i, all) => !(segment === '' && (i === 0 || i === all.length - 1)));
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new RemoteConfigError(`the remote URL ${shown(text)} has an empty, "." or ".." segment in its prefix`, {
      hint: 'write the prefix as plain names: s3://bucket/team/renders',
    });
  }
  return { kind: 's3', bucket, prefix: segments.join('/') };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function schemeHint(scheme: string): string {
  if (scheme === 'gs')
    return 'Google Cloud Storage works through its S3 interoperability: s3://bucket with AWS_ENDPOINT_URL_S3=https://storage.googleapis.com and HMAC keys';
  if (scheme === 'http' || scheme === 'https') return 'for an S3-compatible server, write s3://bucket/prefix and put the server in AWS_ENDPOINT_URL_S3';
  return `name a remote as ${SUPPORTED}`;
}

/** The remote as shown in messages and events: its path, or `s3://bucket/prefix`. Holds no secret by construction. */
export function describeRemote(location: RemoteLocation): string {
  return location.kind === 'directory' ? location.path : `s3://${location.bucket}${location.prefix === '' ? '' : `/${location.prefix}`}`;
}

/** Echoed input, cut short and with any `user:password@` hidden. */
function shown(text: string): string {
  return JSON.stringify(truncate(text.replace(/\/\/[^/?#]*@/, '//***@'), 80));
}
