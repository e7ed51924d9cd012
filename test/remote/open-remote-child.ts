/** Opens a remote of the kind named by argv[2] and closes it: what lazy-sdk.test.ts watches load. */
import os from 'node:os';
import { openRemoteStore } from '../../src/remote/index.js';

const store = await openRemoteStore(process.argv[2] === 's3' ? { kind: 's3', bucket: 'some-bucket', prefix: 'p' } : { kind: 'directory', path: os.tmpdir() });
await store.statBlob('0'.repeat(64)).catch(() => {});
await store.close();
process.stdout.write(`${store.description}\n`);
