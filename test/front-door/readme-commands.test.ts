import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, REPO } from '../helpers/cli.js';
import { userEnv } from '../helpers/dist.js';
import { copyProjectFiles, listProjectFiles } from '../helpers/tracked-files.js';

/**
 * The README's front door: its two commands (read from the README by the script CI uses), the
 * quickstart run as written in a checkout of the project, and no doc that runs a package
 * called `shotlist` fetched from the npm registry (the name is not ours there).
 */

const run = promisify(execFile);

type Ran = { code: number; stdout: string; stderr: string };
const ran = (promise: Promise<{ stdout: string; stderr: string }>): Promise<Ran> =>
  promise.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const readmeCommand = (name: string, readme?: string) =>
  ran(run(process.execPath, [path.join(REPO, 'scripts/readme-command.mjs'), name, ...(readme ? [readme] : [])]));

/** The README's command NAME, checked to be one command that installs first, as on a fresh clone. */
async function installingCommand(name: string): Promise<{ command: string; afterInstall: string }> {
  const { code, stdout, stderr } = await readmeCommand(name);
  expect(code, stderr).toBe(0);
  const command = stdout.trim();
  const match = /^npm install && (.+)$/.exec(command);
  if (!match) throw new Error(`the README's ${name} command is not \`npm install && …\`: ${command}`);
  return { command, afterInstall: match[1]! };
}

describe("the README's two commands", () => {
  it('each is one line that installs first, so either works on a fresh clone, in either order', async () => {
    const render = await installingCommand('render');
    const test = await installingCommand('test');
    expect(render.afterInstall).toMatch(/ render examples\/quickstart\.yaml$/);
    expect(test.afterInstall).toMatch(/^npm (test|run test)\b/);
  });

  it('.ci/run runs those two commands as read from the README, and no install or test command of its own', async () => {
    const script = (await readFile(path.join(REPO, '.ci/run'), 'utf8'))
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    expect(script).toContain('node scripts/readme-command.mjs render');
    expect(script).toContain('node scripts/readme-command.mjs test');
    expect(script).not.toMatch(/\bnpm (ci|install|i|test|t)\b|\bvitest\b|apt-get/);
  });

  it('the script that reads them refuses a README without the marker or with more than one line in the block', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-readme-'));
    try {
      const readme = path.join(dir, 'README.md');
      await writeFile(readme, '# x\n\n```sh\nnpm test\n```\n');
      const missing = await readmeCommand('test', readme);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(`${readme}: expected one <!-- command: test --> line, found 0\n`);
      await writeFile(readme, '# x\n<!-- command: test -->\n```sh\nnpm install\nnpm test\n```\n');
      const twoLines = await readmeCommand('test', readme);
      expect(twoLines.code).toBe(2);
      expect(twoLines.stderr).toBe(`${readme}:4: the block after <!-- command: test --> must hold one command line, found 2\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the quickstart, in a checkout, as the README says', () => {
  let checkout: string;
  let render: string;
  const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-C', checkout, ...args]).then(({ stdout }) => stdout);
  const bash = (command: string) => ran(run('bash', ['-c', command], { cwd: checkout, env: userEnv(), timeout: 120_000 }));

  beforeAll(async () => {
    render = (await installingCommand('render')).afterInstall;
    // A checkout as git gives it: the examples and the ignore rules; bin/ is this repository's
    // (it runs this dist/ and node_modules/, which the README's `npm install` would have made).
    checkout = await mkdtemp(path.join(os.tmpdir(), 'shotlist-checkout-'));
    await copyProjectFiles(REPO, 'examples', path.join(checkout, 'examples'));
    await writeFile(path.join(checkout, '.gitignore'), await readFile(path.join(REPO, '.gitignore')));
    await symlink(path.join(REPO, 'bin'), path.join(checkout, 'bin'));
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'checkout');
  }, 120_000);
  afterAll(() => (checkout ? rm(checkout, { recursive: true, force: true }) : undefined));

  it('renders the 4 jobs, and leaves nothing git would commit: lockfile, renders and .shotlist/ are ignored', async () => {
    const first = await bash(render);
    expect(first.code, first.stderr).toBe(0);
    expect(hasStackTrace(first.stderr)).toBe(false);
    expect(first.stderr).toContain('4 done');
    const lock = JSON.parse(await readFile(path.join(checkout, 'examples/quickstart.lock.json'), 'utf8')) as { jobs: Record<string, unknown> };
    expect(Object.keys(lock.jobs)).toHaveLength(4);
    expect(await git('status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('run again: nothing created, the lockfile byte-identical', async () => {
    const before = await readFile(path.join(checkout, 'examples/quickstart.lock.json'));
    const again = await bash(render);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/\bcreating\b/);
    expect(await readFile(path.join(checkout, 'examples/quickstart.lock.json'))).toEqual(before);
    expect(await git('status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});

/**
 * A command that runs or installs the package named `shotlist` from the npm registry: npx and
 * npm exec without --no-install (or --no), the dlx runners, npm install of the bare name.
 */
const FETCHES_SHOTLIST = [
  { pattern: /\b(?:npx|npm\s+(?:exec|x))((?:\s+-\S+)*)\s+(?:--\s+)?shotlist\b/g, allowedBy: /\s--no(?:-install)?\b/ },
  { pattern: /\b(?:pnpm\s+dlx|yarn\s+dlx|bunx)\s+(?:-\S+\s+)*shotlist\b/g, allowedBy: null },
  { pattern: /\bnpm\s+(?:install|i|add)\s+(?:-\S+\s+)*shotlist(?:@\S*)?(?=\s|$|`)/g, allowedBy: null },
];

function commandsFetchingShotlist(text: string): string[] {
  return FETCHES_SHOTLIST.flatMap(({ pattern, allowedBy }) =>
    [...text.matchAll(pattern)].filter((match) => !(allowedBy && allowedBy.test(match[1] ?? ''))).map((match) => match[0]),
  );
}

describe('no doc, example or script runs a `shotlist` fetched from the npm registry', () => {
  it('the detector knows the forms', () => {
    expect(commandsFetchingShotlist('npm install && npx shotlist render x.yaml')).toEqual(['npx shotlist']);
    expect(commandsFetchingShotlist('run: npx -y shotlist plan x')).toEqual(['npx -y shotlist']);
    expect(commandsFetchingShotlist('npm exec -- shotlist render; npm x shotlist')).toEqual(['npm exec -- shotlist', 'npm x shotlist']);
    expect(commandsFetchingShotlist('pnpm dlx shotlist, bunx shotlist, npm i -g shotlist`')).toEqual([
      'pnpm dlx shotlist',
      'bunx shotlist',
      'npm i -g shotlist',
    ]);
    expect(commandsFetchingShotlist('npx --no-install shotlist render; npx --no shotlist; node bin/shotlist.js; npm install ./shotlist')).toEqual([]);
  });

  it('in every file of the project but the tests', async () => {
    const files = (await listProjectFiles(REPO, '.')).filter((file) => !file.startsWith('test/') && file !== 'package-lock.json');
    expect(files).toContain('README.md');
    expect(files).toContain('examples/ci/github-actions.yml');
    const offenders: string[] = [];
    for (const file of files) {
      const bytes = await readFile(path.join(REPO, file));
      if (bytes.includes(0)) continue; // binary
      const text = bytes.toString('utf8');
      text.split('\n').forEach((line, index) => {
        for (const command of commandsFetchingShotlist(line)) offenders.push(`${file}:${index + 1}: ${command}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
