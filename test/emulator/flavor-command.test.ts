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
async function serve(flavor: string, stateDir: string, probe: (base: string) => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/shotlist.js'), 'emulator', '--flavor', flavor, '--port', '0', '--state-dir', stateDir], { env: userEnv() });
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
        const submitted = await fetch(`${base}/fal-ai/veo3.1/fast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"cli"}' });
        expect(((await submitted.json()) as { status: string }).status).toBe('IN_QUEUE');
      });
      await serve('replicate', path.join(dir, 'r'), async (base) => {
        expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
        expect((await fetch(`${base}/predictions`)).status).toBe(200);
      });
    });
  }, 60_000);
});
