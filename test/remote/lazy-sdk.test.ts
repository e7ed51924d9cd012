import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { tempDir } from './helpers.js';

/**
 * The AWS SDK is loaded only when an s3:// remote is opened: a process that opens a directory
 * remote never resolves a module of it. Watched in real processes through a module resolve hook.
 */

const run = promisify(execFile);
let work: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  work = await tempDir();
});

afterAll(async () => {
  await work.cleanup();
});

async function modulesLoadedOpening(kind: 'directory' | 's3'): Promise<string[]> {
  const log = path.join(work.dir, `${kind}.log`);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--import', './test/remote/module-log-hooks.mjs', 'test/remote/open-remote-child.ts', kind],
    {
      cwd: REPO,
      // An endpoint nobody answers on: the S3 store is opened and asked once, never reaching a real service.
      env: {
        PATH: process.env['PATH'] ?? '',
        MODULE_LOG: log,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
  expect(stdout).not.toBe('');
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

describe('the AWS SDK loads only for s3:// remotes', () => {
  it('a directory remote loads none of it; an s3:// remote loads it', async () => {
    const directory = await modulesLoadedOpening('directory');
    expect(directory.some((url) => url.includes('/src/remote/directory-store.ts'))).toBe(true);
    expect(directory.filter((url) => url.includes('@aws-sdk') || url.includes('@smithy') || url.includes('/src/remote/s3-'))).toEqual([]);

    const s3 = await modulesLoadedOpening('s3');
    expect(s3.some((url) => url.includes('/node_modules/@aws-sdk/client-s3/'))).toBe(true);
  }, 60_000);
});
