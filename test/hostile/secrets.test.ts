import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '../../src/cli/main.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startRenderEmulator } from '../render/helpers.js';
import { examplesProject } from './helpers.js';
import { freePort } from '../api/server.js';

/**
 * A recognisable key goes into every credential variable; every command runs, succeeding and
 * failing; then stdout, stderr, the lockfile and every file under the output and `.shotlist/`
 * directories are searched for it. The emulator requires the key, so a render that succeeds
 * proves the key was really sent (as a Bearer token) and the search can fail.
 */

const KEY = 'sk-test-SECRET-4f7b9c2e1d0a';
const WRONG_KEY = 'sk-test-SECRET-wrong-77e1';
const ENV = { OPENAI_API_KEY: KEY, SHOTLIST_API_KEY: KEY, AZURE_OPENAI_API_KEY: KEY, NO_COLOR: '1' };
const FILE = 'quickstart.yaml';

let emu: RunningEmulator;
let project: Awaited<ReturnType<typeof examplesProject>>;
const runs: { name: string; run: CliRun }[] = [];

async function run(name: string, argv: string[], env: Record<string, string> = ENV): Promise<CliRun> {
  const result = await runCli(argv, { cwd: project.dir, env, now: () => Date.now() });
  runs.push({ name, run: result });
  return result;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

beforeAll(async () => {
  emu = await startRenderEmulator({ apiKey: KEY });
  project = await examplesProject();
});

afterAll(async () => {
  await emu?.close();
  await project?.cleanup();
});

describe('secrets never leave the environment', () => {
  it('every command, succeeding and failing, leaves no trace of the key', async () => {
    const openai = ['--provider', 'openai', '--base-url', emu.url];
    expect((await run('validate', ['validate', FILE])).code).toBe(0);
    expect((await run('plan', ['plan', FILE, ...openai])).code).toBe(0);
    expect((await run('plan --json', ['plan', FILE, ...openai, '--json'])).code).toBe(0);

    const render = await run('render', ['render', FILE, ...openai, '--verbose']);
    expect(render.code, render.stderr).toBe(0);
    // The emulator refuses requests without the key: jobs exist only because it was sent.
    expect(emu.stats().jobs.length).toBe(4);

    const again = await run('render --json', ['render', FILE, ...openai, '--json', '--replace', 'hero-dusk*']);
    expect(again.code, again.stderr).toBe(0);
    expect(emu.stats().jobs.length).toBe(6);

    const refused = await run('render, wrong key', ['render', FILE, ...openai, '--replace', '*', '--verbose'], { ...ENV, OPENAI_API_KEY: WRONG_KEY });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('401');

    const unreachable = await run('render, unreachable', [
      'render',
      FILE,
      '--provider',
      'openai',
      '--base-url',
      `http://127.0.0.1:${await freePort()}/v1`,
      '--replace',
      '*',
      '--json',
    ]);
    expect(unreachable.code).toBe(5);

    await writeFile(path.join(project.dir, 'bad.yaml'), 'version: 1\nname: bad\nprovider: openai\nshots: [{id: a, prompt: "{{nope}}"}]\n');
    for (const command of ['validate', 'plan', 'render']) expect((await run(`${command}, invalid`, [command, 'bad.yaml', '--base-url', emu.url])).code).toBe(2);

    // The emulator command, briefly: started, then stopped as by Ctrl-C.
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    const io: CliIO = {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: ENV,
      cwd: project.dir,
      now: () => Date.now(),
      signal: controller.signal,
    };
    setTimeout(() => controller.abort(), 300);
    const emulatorCode = await main(['emulator', '--port', '0', '--state-dir', path.join(project.dir, '.shotlist', 'emulator-cmd')], io);
    runs.push({ name: 'emulator', run: { code: emulatorCode, stdout, stderr, events: () => [] } });
    expect([0, 130]).toContain(emulatorCode);

    for (const { name, run: result } of runs) {
      for (const key of [KEY, WRONG_KEY]) {
        expect(result.stdout.includes(key), `${name}: stdout`).toBe(false);
        expect(result.stderr.includes(key), `${name}: stderr`).toBe(false);
      }
    }
    const written = [
      ...(await filesUnder(path.join(project.dir, 'renders'))),
      ...(await filesUnder(path.join(project.dir, '.shotlist'))),
      path.join(project.dir, 'quickstart.lock.json'),
    ];
    expect(written.length).toBeGreaterThan(8);
    for (const file of written) {
      const bytes = await readFile(file);
      for (const key of [KEY, WRONG_KEY]) expect(bytes.includes(key), file).toBe(false);
    }
  }, 60_000);

  it('an api_key written into a storyboard is refused, and its value is not echoed back', async () => {
    await writeFile(
      path.join(project.dir, 'leaky.yaml'),
      `version: 1\nname: leaky\nprovider: {profile: openai, base_url: ${emu.url}, api_key: ${KEY}}\nshots: [{id: a, prompt: hi}]\n`,
    );
    const result = await run('validate, api_key in file', ['validate', 'leaky.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('api_key');
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });

  it('plain http:// to a host other than this machine is refused before any request, unless opted in', async () => {
    const before = emu.stats().jobs.length;
    const refused = await runCli(['render', FILE, '--provider', 'openai', '--base-url', 'http://example.invalid/v1', '--replace', '*'], {
      cwd: project.dir,
      env: ENV,
      now: () => Date.now(),
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing plain HTTP to http://example.invalid');
    expect(refused.stderr).not.toContain(KEY);
    expect(emu.stats().jobs.length).toBe(before);
    // The lockfile is left as it was: nothing was attempted.
    expect(await readFile(path.join(project.dir, 'quickstart.lock.json'), 'utf8')).not.toContain('example.invalid');
  });
});
