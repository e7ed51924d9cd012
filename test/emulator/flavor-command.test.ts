import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { userEnv } from '../helpers/dist.js';
import { withTempDir } from './helpers.js';

/**
 * `shotlist emulator --flavor gemini|fal|replicate` as a user runs it: a real process that says
 * the base URL a client of that protocol uses, answers there, and stops on SIGINT.
 */
async function serve(flavor: string, stateDir: string, probe: (base: string) => Promise<void>, extra: readonly string[] = []): Promise<string> {
  const child = spawn(
    process.execPath,
    [path.join(REPO, 'bin/shotlist.js'), 'emulator', '--flavor', flavor, '--port', '0', '--state-dir', stateDir, ...extra],
    { env: userEnv() },
  );
  let stderr = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  try {
    await probe(base);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  return stderr;
}

describe('shotlist emulator --flavor', () => {
  it('gemini, fal and replicate each print the base URL their clients use, and answer there', async () => {
    await withTempDir(async (dir) => {
      const gemini = await serve('gemini', path.join(dir, 'g'), async (base) => {
        expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1beta$/);
        const created = await fetch(`${base}/models/veo-3.1-fast-generate-preview:predictLongRunning`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ instances: [{ prompt: 'cli' }] }),
        });
        expect(((await created.json()) as { name: string }).name).toMatch(/^models\/veo-3\.1-fast-generate-preview\/operations\//);
      });
      expect(gemini).toContain('(gemini flavor)');
      expect(gemini).toMatch(/controls: GET http:\/\/127\.0\.0\.1:\d+\/_emulator\/stats/);
      await serve('fal', path.join(dir, 'f'), async (base) => {
        expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const submitted = await fetch(`${base}/fal-ai/veo3.1/fast`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"prompt":"cli"}',
        });
        expect(((await submitted.json()) as { status: string }).status).toBe('IN_QUEUE');
      });
      await serve('replicate', path.join(dir, 'r'), async (base) => {
        expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
        expect((await fetch(`${base}/predictions`)).status).toBe(200);
      });
    });
  }, 60_000);

  it("--guide-2026 takes the March-2026 guide's extras (characters on a create, 16 s); without it they are refused", async () => {
    await withTempDir(async (dir) => {
      const create = (base: string, body: object) =>
        fetch(`${base}/videos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'Ember the fox', ...body }),
        });
      await serve(
        'openai',
        path.join(dir, 'guide'),
        async (base) => {
          expect((await create(base, { seconds: '16' })).status).toBe(200);
          // The field is known: an unknown id is refused as such, not as an unknown parameter.
          const cast = await create(base, { characters: [{ id: 'char_0' }] });
          expect(cast.status).toBe(400);
          expect(await cast.text()).toContain("Character with id 'char_0' not found");
        },
        ['--guide-2026'],
      );
      await serve('openai', path.join(dir, 'plain'), async (base) => {
        const cast = await create(base, { characters: [{ id: 'char_0' }] });
        expect(cast.status).toBe(400);
        expect(await cast.text()).toContain("Unknown parameter: 'characters'");
      });
    });
  }, 60_000);
});
