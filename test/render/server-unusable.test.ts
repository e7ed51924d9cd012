import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { copyExamples, hasStackTrace, runCli } from '../helpers/cli.js';
import { events, lockPathOf, renderProject } from './helpers.js';
import { freePort } from '../api/server.js';

/**
 * A server that cannot be used at all (nothing listens; the key is refused) is exit 5, said
 * once, not a failure per job, and leaves no job recorded as failed: nothing was rendered.
 */

const FILE = 'quickstart.yaml';

async function lockText(dir: string): Promise<string> {
  return readFile(lockPathOf(dir, FILE), 'utf8').catch(() => '');
}

describe.concurrent('a server that cannot be used', () => {
  it('unreachable: exit 5 naming the connection failure, no job recorded as failed', async ({ onTestFinished }) => {
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    const url = `http://127.0.0.1:${await freePort()}/v1`;
    const run = await runCli(['render', FILE, '--base-url', url], { cwd: dir, now: () => Date.now(), env: { NO_COLOR: '1' } });
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toContain('could not connect');
    expect(hasStackTrace(run.stderr)).toBe(false);
    // Said once for the run, not once per job.
    expect(run.stderr.match(/could not connect/g)).toHaveLength(1);
    expect(await lockText(dir)).not.toContain('"failed"');
  });

  it('credentials refused (401): exit 5, the key never shown or recorded', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { apiKey: 'the-right-key' });
    const key = 'sk-wrong-key-0123456789';
    const run = await runCli(['render', FILE, '--provider', 'openai', '--base-url', emu.url, '--json'], {
      cwd: dir,
      now: () => Date.now(),
      env: { OPENAI_API_KEY: key },
    });
    expect(run.code, run.stderr).toBe(5);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stderr).toContain('401');
    expect(events(run, 'job.result').filter((event) => event['status'] === 'failed')).toEqual([]);
    const lock = await lockText(dir);
    expect(lock).not.toContain('"failed"');
    for (const text of [run.stdout, run.stderr, lock]) expect(text).not.toContain(key);
    expect(emu.stats().jobs).toEqual([]);
  });

  it('out of quota (429 insufficient_quota): exit 5 at the first refusal, never sent again', async ({ onTestFinished }) => {
    // A scripted server: every create is refused for want of quota, as OpenAI words it.
    let creates = 0;
    const server = createHttpServer((request, response) => {
      if (request.method === 'POST') creates++;
      request.resume();
      response.writeHead(429, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            message: 'You exceeded your current quota, please check your plan and billing details.',
            type: 'insufficient_quota',
            param: null,
            code: 'insufficient_quota',
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
    const run = await runCli(['render', FILE, '--base-url', url], { cwd: dir, now: () => Date.now(), env: { NO_COLOR: '1' } });
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toContain('exceeded your current quota');
    expect(hasStackTrace(run.stderr)).toBe(false);
    // One refusal per job already on its way at most: the two generations start together.
    expect(creates).toBeLessThanOrEqual(2);
    expect(await lockText(dir)).not.toContain('"failed"');
  });
});
