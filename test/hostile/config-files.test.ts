import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinProfiles } from '../../src/providers/builtin.js';
import { readProviderConfig } from '../../src/providers/read-provider-config.js';
import { CONFIG_FILE, readProjectConfig } from '../../src/remote/index.js';
import { YAML_LIMITS } from '../../src/source/yaml-source.js';

/**
 * The project's config files are read as every file a user names is: only a regular file,
 * within the YAML bound. A FIFO in their place blocked the command for ever (SIGTERM too), and
 * `/dev/zero` read half a gigabyte and died of "Invalid string length".
 */

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'shotlist-config-files-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const READERS = [
  { file: CONFIG_FILE, read: () => readProjectConfig(root, (p) => path.relative(root, p)) },
  { file: 'shotlist.providers.yaml', read: () => readProviderConfig(root, builtinProfiles, (p) => path.relative(root, p)) },
];

const PLANTS: { readonly what: string; readonly plant: (at: string) => Promise<void>; readonly code: string; readonly says: string }[] = [
  { what: 'a FIFO', plant: async (at) => void execFileSync('mkfifo', [at]), code: 'not-a-file', says: 'is not a regular file' },
  { what: 'a symlink to /dev/zero', plant: (at) => symlink('/dev/zero', at), code: 'not-a-file', says: 'is not a regular file' },
  { what: 'a directory', plant: (at) => mkdir(at), code: 'not-a-file', says: 'is not a regular file' },
  {
    what: 'a file over the bound',
    plant: (at) => writeFile(at, `# ${'x'.repeat(YAML_LIMITS.maxFileBytes)}\n`),
    code: 'file-too-large',
    says: `has more than ${YAML_LIMITS.maxFileBytes} bytes`,
  },
];

describe.each(READERS)('$file', ({ file, read }) => {
  it.each(PLANTS)('as $what: refused with an issue at the file, at once', async ({ plant, code, says }) => {
    await plant(path.join(root, file));
    const config = await read();
    expect(config.issues).toEqual([expect.objectContaining({ severity: 'error', code, file, message: `${file} ${says}` })]);
  });
});
