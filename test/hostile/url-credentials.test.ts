import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeCredential } from '../../src/untrusted/looks-like-credential.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { examplesProject, issuesOf, startCountingServer } from './helpers.js';
import { leaksIn } from './leaks.js';

/**
 * Credentials written where a URL or a name goes: a base URL with `user:password@` is refused
 * wherever one is given (a storyboard's provider block or pool, shotlist.providers.yaml,
 * `--base-url`) by every command, before anything is sent, with a located error that does not
 * repeat the secret; a name that is a key (`provider: sk-…`) is not echoed by the message nor
 * by `--json`'s `found`, while ordinary mistakes still are.
 */

const PASSWORD = 'Pw-9f8e7d6c5b4a3';
const TOKEN = 'ghp_TokenInTheUserPart0123456789abcdef';
let project: Awaited<ReturnType<typeof examplesProject>>;
let counting: Awaited<ReturnType<typeof startCountingServer>>;
const ENV = { OPENAI_API_KEY: 'sk-url-test-key-00001', NO_COLOR: '1' };

beforeAll(async () => {
  project = await examplesProject();
  counting = await startCountingServer();
});

afterAll(async () => {
  await counting?.close();
  await project?.cleanup();
});

function run(argv: string[]): Promise<CliRun> {
  return runCli(argv, { cwd: project.dir, env: ENV, now: () => Date.now() });
}

/** The counting server's URL with credentials in it: a request that got through would be counted. */
function withUserinfo(userinfo: string): string {
  return counting.url.replace('http://', `http://${userinfo}@`);
}

const shots = 'defaults: {model: sora-2, size: 1280x720, seconds: 4}\nshots: [{id: a, prompt: hi}]\n';

describe('credentials in base URLs', () => {
  const places = [
    {
      name: 'a provider block',
      file: 'block.yaml',
      yaml: () => `version: 1\nname: block\nprovider: {profile: openai, base_url: "${withUserinfo(`bob:${PASSWORD}`)}"}\n${shots}`,
      at: /block\.yaml:3:\d+: error: provider\.base_url: a base URL must not hold credentials \[credentials-in-url\]/,
    },
    {
      name: "a pool's second server",
      file: 'pool.yaml',
      yaml: () =>
        `version: 1\nname: pool\nprovider:\n  profile: openai\n  servers:\n    - base_url: ${counting.url}\n    - base_url: ${withUserinfo(TOKEN)}\n${shots}`,
      at: /pool\.yaml:7:\d+: error: provider\.servers\[1\]\.base_url: a base URL must not hold credentials/,
    },
    {
      name: 'shotlist.providers.yaml',
      file: 'named.yaml',
      providers: () => `providers:\n  mine:\n    extends: openai\n    base_url: ${withUserinfo(`bob:${PASSWORD}`)}\n`,
      yaml: () => `version: 1\nname: named\nprovider: mine\n${shots}`,
      at: /shotlist\.providers\.yaml:4:\d+: error: providers\.mine\.base_url: a base URL must not hold credentials/,
    },
  ];

  for (const place of places) {
    it(`in ${place.name}: refused by validate, plan, render, status and gc, located, not echoed, nothing sent`, async () => {
      await writeFile(path.join(project.dir, place.file), place.yaml());
      if (place.providers) await writeFile(path.join(project.dir, 'shotlist.providers.yaml'), place.providers());
      try {
        for (const argv of [
          ['validate', place.file],
          ['plan', place.file],
          ['plan', place.file, '--json'],
          ['render', place.file],
          ['status', place.file],
          ['gc', place.file, '--dry-run'],
        ]) {
          const result = await run(argv);
          const name = argv.join(' ');
          expect(result.code, name).toBe(2);
          expect(leaksIn(result.stdout + result.stderr, [PASSWORD, TOKEN]), name).toEqual([]);
          if (argv.includes('--json'))
            expect(
              issuesOf(result).map((issue) => issue.code),
              name,
            ).toContain('credentials-in-url');
          else expect(result.stderr, name).toMatch(place.at);
        }
        expect(counting.requests()).toBe(0);
      } finally {
        await rm(path.join(project.dir, 'shotlist.providers.yaml'), { force: true });
      }
    });
  }

  it('given with --base-url (once, or in a pool): refused by plan, render, status and gc', async () => {
    for (const urls of [[withUserinfo(`bob:${PASSWORD}`)], [counting.url, withUserinfo(TOKEN)]]) {
      const flags = urls.flatMap((url) => ['--base-url', url]);
      for (const argv of [
        ['plan', 'quickstart.yaml'],
        ['render', 'quickstart.yaml'],
        ['status', 'quickstart.yaml'],
        ['gc', 'quickstart.yaml', '--dry-run'],
        ['plan', 'quickstart.yaml', '--json'],
      ]) {
        const result = await run([...argv, '--provider', 'openai', ...flags]);
        const name = [...argv, ...urls].join(' ');
        expect(result.code, name).toBe(2);
        expect(leaksIn(result.stdout + result.stderr, [PASSWORD, TOKEN]), name).toEqual([]);
        if (argv.includes('--json'))
          expect(result.events(), name).toContainEqual(expect.objectContaining({ event: 'issue', code: 'credentials-in-url', path: '--base-url' }));
        else expect(result.stderr, name).toContain('quickstart.yaml: error: --base-url: a base URL must not hold credentials [credentials-in-url]');
      }
    }
    expect(counting.requests()).toBe(0);
  });
});

describe('names that are credentials', () => {
  const keys = ['sk-proj-Abc123def456ghi789', 'Xk9fQ2mP7vR4tL8wN3bZ6cY1aB5dE0gH', '3f2a9c8b7d6e5f4a3b2c1d0e9f8a7b6c', ENV.OPENAI_API_KEY];

  it.each(keys)('provider: %s is refused without echoing it, in text and in --json', async (key) => {
    await writeFile(path.join(project.dir, 'named-key.yaml'), `version: 1\nname: k\nprovider: ${key}\n${shots}`);
    for (const argv of [
      ['validate', 'named-key.yaml'],
      ['validate', 'named-key.yaml', '--json'],
      ['plan', 'named-key.yaml', '--json'],
      ['plan', 'quickstart.yaml', '--provider', key],
      ['plan', 'quickstart.yaml', '--provider', key, '--json'],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).not.toContain(key);
      expect(result.stdout + result.stderr).toContain('unknown provider');
    }
    // A key pasted where the base URL goes.
    const render = await run(['render', 'quickstart.yaml', '--provider', 'openai', '--base-url', key]);
    expect(render.code).toBe(2);
    expect(render.stderr).toContain('is not a URL');
    expect(render.stdout + render.stderr).not.toContain(key);
  });

  it('an ordinary mistake is still echoed, with its suggestion', async () => {
    await writeFile(path.join(project.dir, 'typo.yaml'), `version: 1\nname: t\nprovider: emulatr\n${shots}`);
    const text = await run(['validate', 'typo.yaml']);
    expect(text.stderr).toContain('unknown provider "emulatr"');
    expect(text.stderr).toContain('did you mean "emulator"?');
    const json = await run(['validate', 'typo.yaml', '--json']);
    expect(issuesOf(json)[0]).toMatchObject({ code: 'unknown-provider', line: 3, column: 11 });
    expect(json.stdout).toContain('"found":"emulatr"');
  });
});

describe('a file holding a credential shotlist uses', () => {
  it.each([
    ['a prompt', (key: string) => `version: 1\nname: k\nprovider: emulator\nshots:\n  - id: a\n    prompt: "A sign reading ${key}"\n`, 'leak.yaml:6:'],
    [
      'a variant value, URL-encoded',
      (key: string) => `version: 1\nname: k\nprovider: emulator\nshots:\n  - id: a\n    prompt: "{{v}}"\n    variants: {v: ["${encodeURIComponent(key)}"]}\n`,
      'leak.yaml:7:',
    ],
  ])('in %s: refused, located, not echoed', async (where, yaml, at) => {
    const key = `sk-proj-HeldKey/With+Signs=${at.length}${where.length}`;
    await writeFile(path.join(project.dir, 'leak.yaml'), yaml(key));
    // Without that key in the environment, the text is an ordinary storyboard (asked first: the
    // process's redactor, once it knows a key, keeps it).
    expect((await runCli(['validate', 'leak.yaml'], { cwd: project.dir, env: ENV })).code).toBe(0);
    for (const argv of [
      ['validate', 'leak.yaml'],
      ['plan', 'leak.yaml', '--json'],
    ]) {
      const result = await runCli(argv, { cwd: project.dir, env: { ...ENV, OPENAI_API_KEY: key }, now: () => Date.now() });
      expect(result.code).toBe(2);
      expect(leaksIn(result.stdout + result.stderr, [key])).toEqual([]);
      if (argv.includes('--json')) expect(issuesOf(result).map((issue) => issue.code)).toContain('credential-in-file');
      else expect(result.stderr).toMatch(new RegExp(`${at.replace('.', '\\.')}\\d+: error: this file holds a credential from the environment`));
    }
  });
});

describe('what looks like a credential, as data', () => {
  it.each([
    'sk-proj-Abc123def456ghi789',
    'sk-abc123',
    'Bearer abcdef0123456789',
    'AKIAIOSFODNN7EXAMPLE',
    'AIzaSyA-1234567890abcdefghijklmnopqrstu',
    'r8_Abcdefghij0123456789KLMNOP',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    'Xk9fQ2mP7vR4tL8wN3bZ6cY1',
    '3f2a9c8b7d6e5f4a3b2c1d0e9f8a7b6c',
    'a3f2c1d0-1234-4abc-9def-0123456789ab:0123456789abcdef0123456789abcdef',
    'https://user:pw@example.com/v1',
    'https://token@example.com/v1',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc',
    'api_key=abcd1234',
  ])('%s looks like one', (value) => {
    expect(looksLikeCredential(value)).toBe(true);
  });

  it.each([
    'emulator',
    'openai',
    'sora-2-pro',
    '1920x1080',
    'hero[product=mug,size=1280x720]',
    'Wan-AI/Wan2.2-T2V-A14B-Diffusers',
    'Qwen/Qwen2.5-VL-72B-Instruct',
    'HeroShotVersion2FinalCut',
    'SpringLaunchCampaign2026Final',
    'renders/SpringLaunch2026/HeroDuskGrade.mp4',
    'assets/mug-1280x720.png',
    'https://videos.example.com/v1',
    'http://gpu-1:8091/v1',
    'video_0123456789abcdef0123456789abcdef',
    'sha256:5c54e349c3aafd971c7b3caa75b2f872aba92f04657c29eed085b6010708c669',
    'task-123456',
    'the secret: a door',
    'Bearer of bad news',
    'credentials never go in a storyboard',
  ])('%s does not', (value) => {
    expect(looksLikeCredential(value)).toBe(false);
  });
});
