import { DirectoryStore } from './directory-store.js';
import type { RemoteLocation } from './remote-url.js';
import type { S3StoreOptions } from './s3-store.js';
import type { RemoteStore } from './store.js';

/**
 * The store for a parsed remote URL. The S3 store, and with it the AWS SDK (a few MB of
 * modules), is loaded only when an `s3://` remote is opened, so start-up never pays for it.
 */
export async function openRemoteStore(location: RemoteLocation, options: { readonly s3?: S3StoreOptions } = {}): Promise<RemoteStore> {
  if (location.kind === 'directory') return new DirectoryStore(location.path);
  const { S3Store } = await import('./s3-store.js');
  return new S3Store(location.bucket, location.prefix, options.s3);
}
