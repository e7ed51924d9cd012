import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE, readProjectConfig, resolveRemote } from '../../src/remote/index.js';
import { renderConfigValidator } from '../../scripts/gen-config-validator.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from './helpers.js';

/** `shotlist.config.yaml`: read, checked against schemas/config.schema.json, problems located like a storyboard's. */

let work: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  work = await tempDir();
});

afterAll(async () => {
  await work.cleanup();
});

async function configWith(text: string) {
  await writeFile(path.join(work.dir, CONFIG_FILE), text);
  return readProjectConfig(work.dir, (p) => path.relative(work.dir, p));
}

describe('shotlist.config.yaml', () => {
  it('is optional', async () => {
    const none = await tempDir();
    expect(await readProjectConfig(none.dir)).toEqual({ remote: undefined, issues: [], file: path.join(none.dir, CONFIG_FILE), texts: new Map() });
    await none.cleanup();
  });

  it('names the remote, which resolves against the project root and yields to SHOTLIST_REMOTE and --remote', async () => {
    const config = await configWith('# yaml-language-server: $schema=schemas/config.schema.json\nremote: ../team-share\n');
    expect(config.issues).toEqual([]);
    expect(config.remote).toBe('../team-share');
    const settings = { config: config.remote, cwd: path.join(work.dir, 'sub'), projectRoot: work.dir };
    expect(resolveRemote(settings)).toEqual({ location: { kind: 'directory', path: path.resolve(work.dir, '../team-share') }, source: 'config' });
    expect(resolveRemote({ ...settings, env: 's3://env-bucket/x' })?.source).toBe('env');
    expect(resolveRemote({ ...settings, env: 's3://env-bucket/x', flag: 's3://flag-bucket' })?.source).toBe('flag');
  });

  it('may be empty', async () => {
    expect(await configWith('# nothing yet\n')).toMatchObject({ remote: undefined, issues: [] });
  });

  const invalid: [string, string, Record<string, unknown>][] = [
    [
      'an unknown key, with the closest name',
      'remtoe: s3://bucket\n',
      { code: 'unknown-property', line: 1, column: 1, length: 6, path: 'remtoe', message: 'unknown property "remtoe"', hint: 'did you mean "remote"?' },
    ],
    [
      'provider profiles, which stay in their own file for now',
      'providers: {}\n',
      { code: 'unknown-property', line: 1, column: 1, hint: 'shotlist.config.yaml holds remote; provider profiles stay in shotlist.providers.yaml' },
    ],
    [
      'a remote that is not a string',
      'remote:\n  bucket: x\n',
      { code: 'wrong-type', line: 2, column: 3, path: 'remote', message: 'expected string, found a map' },
    ],
    [
      'an empty remote',
      'remote:\n',
      { code: 'wrong-type', line: 1, path: 'remote', hint: 'an empty value reads as null in YAML; write a value or remove the key' },
    ],
    [
      'a remote of an unknown scheme',
      '# team store\nremote: ftp://files.example/renders\n',
      {
        code: 'invalid-remote',
        line: 2,
        column: 9,
        path: 'remote',
        message: 'the remote URL "ftp://files.example/renders" uses ftp://, which shotlist does not speak',
      },
    ],
    [
      'credentials in the URL, not echoed',
      'remote: s3://AKIAXXXX:topsecret@bucket/x\n',
      { code: 'invalid-remote', line: 1, column: 9, message: 'the remote URL "s3://***@bucket/x" holds credentials, which are never read from a URL' },
    ],
    ['a list, not a map', '- remote: x\n', { code: 'wrong-type', line: 1, column: 1, path: '', message: 'expected object, found a list of 1' }],
    ['broken YAML', 'remote: [s3://x\n', { code: 'yaml-syntax', line: 2 }],
  ];
  it.each(invalid)('reports %s at its place', async (_name, text, expected) => {
    const config = await configWith(text);
    expect(config.remote).toBeUndefined();
    expect(config.issues).toHaveLength(1);
    expect(config.issues[0]).toMatchObject({ file: CONFIG_FILE, severity: 'error', ...expected });
    expect(config.texts.get(CONFIG_FILE)).toBe(text);
  });

  it('is validated by the compiled schema, which is not stale (run `npm run gen:validators` after editing the schema)', async () => {
    const onDisk = await readFile(path.join(REPO, 'generated', 'config-validator.js'), 'utf8').catch(() => '(missing)');
    expect(onDisk === renderConfigValidator()).toBe(true);
  });
});
