import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { examplesProject } from './helpers.js';
import { startHostileServer, hostileStoryboard, type HostileServer } from './hostile-server.js';
import { leaksIn, leaksInFiles, SECRET_ENV, SECRETS } from './leaks.js';

/**
 * A server's words are untrusted: a failed job's message and code, its status word, a refused
 * create's envelope, its request ids, the prompts and statuses of its list. Here every one of
 * them carries every credential shotlist holds (each provider's key, the remote store's
 * password, the Authorization header the server received), verbatim, URL-encoded,
 * JSON-escaped and inside base64, and every command that shows or stores server text runs.
 * None of it may reach stdout, stderr, the lockfile, the report, the summary or any other file.
 */

const ENV = { ...SECRET_ENV, NO_COLOR: '1' };
const FILE = 'hostile.yaml';

/** Every secret in every form a server could carry it in, and the header it was sent. */
function everyForm(auth: string): string {
  return [
    `failed for key ${auth}`,
    ...SECRETS.map((s) => `key ${s}`),
    ...SECRETS.map((s) => `see https://x.example/cb?state=${encodeURIComponent(s)}`),
    ...SECRETS.map((s) => `upstream said ${JSON.stringify({ detail: s })}`),
    ...SECRETS.map((s) => `Basic ${Buffer.from(`user:${s}`).toString('base64')}`),
  ].join(' | ');
}

let project: Awaited<ReturnType<typeof examplesProject>>;
const servers: HostileServer[] = [];
const runs: { name: string; run: CliRun }[] = [];

async function run(name: string, argv: string[]): Promise<CliRun> {
  const result = await runCli(argv, { cwd: project.dir, env: ENV, now: () => Date.now() });
  runs.push({ name, run: result });
  return result;
}

async function hostile(script: Parameters<typeof startHostileServer>[0]): Promise<HostileServer> {
  const server = await startHostileServer(script);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  project = await examplesProject();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await project?.cleanup();
});

describe("a server's words never carry a credential into an output", () => {
  it('failed jobs, refused creates, status words, request ids and list items: every output and file is clean', async () => {
    const failing = await hostile({
      error: (auth) => ({ code: `E_${SECRET_ENV['AWS_SECRET_ACCESS_KEY']}`, message: everyForm(auth) }),
      requestId: `req ${SECRET_ENV['FAL_KEY']}`,
      listed: [
        {
          id: 'video_listed1',
          object: 'video',
          status: `done ${SECRET_ENV['GEMINI_API_KEY']}`,
          created_at: 1,
          prompt: everyForm('Bearer x'),
          model: 'sora-2',
          size: '1280x720',
          seconds: '4',
          progress: 100,
          error: null,
        },
      ],
    });
    await writeFile(path.join(project.dir, FILE), hostileStoryboard(failing.baseUrl));

    const text = await run('render', ['render', FILE, '--summary', 'summary.md', '--verbose']);
    expect(text.code, text.stderr).toBe(1);
    expect(failing.creates()).toBe(2);
    const lock = JSON.parse(await readFile(path.join(project.dir, 'hostile.lock.json'), 'utf8')) as {
      jobs: Record<string, { status: string; error: { code: string; message: string } | null }>;
    };
    // The failure is recorded, with the server's words, minus the credentials.
    expect(lock.jobs['mug']!.status).toBe('failed');
    expect(lock.jobs['mug']!.error!.message).toContain('failed for key Bearer [redacted]');
    expect(lock.jobs['mug']!.error!.code).toBe('E_[redacted]');

    expect((await run('render --json', ['render', FILE, '--json', '--replace', '*', '--summary', 'summary.md'])).code).toBe(1);
    await run('plan', ['plan', FILE]);
    await run('plan --json', ['plan', FILE, '--json']);
    await run('status', ['status', FILE]);
    await run('status --json', ['status', FILE, '--json']);
    expect((await run('report', ['report', FILE])).code).toBe(0);
    expect((await run('gc', ['gc', FILE, '--dry-run'])).code).toBe(0);
    await run('gc --json', ['gc', FILE, '--dry-run', '--json']);

    // A status word with no error object: shotlist quotes the word.
    const words = await hostile({ status: (auth) => `cancelled:${auth}`, error: null });
    await writeFile(path.join(project.dir, FILE), hostileStoryboard(words.baseUrl));
    expect((await run('render, status word', ['render', FILE, '--replace', '*'])).code).toBe(1);

    // Creates refused with an error envelope in every field; the request id carries a key too.
    const refusing = await hostile({
      refuseCreate: {
        status: 400,
        error: (auth) => ({
          message: everyForm(auth),
          type: SECRET_ENV['AZURE_OPENAI_AD_TOKEN'],
          param: SECRET_ENV['REPLICATE_API_TOKEN'],
          code: SECRET_ENV['AWS_SESSION_TOKEN'],
        }),
      },
      requestId: SECRET_ENV['AWS_SECRET_ACCESS_KEY']!,
    });
    await writeFile(path.join(project.dir, FILE), hostileStoryboard(refusing.baseUrl));
    expect((await run('render, create refused', ['render', FILE, '--replace', '*', '--summary', 'summary.md'])).code).toBe(1);
    expect((await run('render --json, create refused', ['render', FILE, '--replace', '*', '--json'])).code).toBe(1);

    // A list item whose id holds a key: refused as a whole (a redacted id would name another video).
    const badIds = await hostile({
      listed: [{ id: `video_${SECRET_ENV['SHOTLIST_API_KEY']}`, object: 'video', status: 'completed', created_at: 1, prompt: 'p', error: null }],
    });
    await writeFile(path.join(project.dir, FILE), hostileStoryboard(badIds.baseUrl));
    const gcBad = await run('gc, id with a key', ['gc', FILE, '--dry-run']);
    expect(gcBad.code).toBe(5);
    expect(gcBad.stderr).toContain('looks like a credential');

    const outputs = runs.flatMap(({ name, run: r }) => [
      ...leaksIn(r.stdout).map((l) => `${name} stdout: ${l}`),
      ...leaksIn(r.stderr).map((l) => `${name} stderr: ${l}`),
    ]);
    expect(outputs).toEqual([]);
    const files = await leaksInFiles([
      path.join(project.dir, 'hostile.lock.json'),
      path.join(project.dir, 'summary.md'),
      `${path.join(project.dir, 'renders')}/`,
      `${path.join(project.dir, '.shotlist')}/`,
    ]);
    expect(files).toEqual([]);
    // The files searched exist and hold the server's (redacted) words: the search could fail.
    const report = await readFile(path.join(project.dir, 'renders', 'hostile', 'report.html'), 'utf8');
    expect(report).toContain('failed for key Bearer [redacted]');
    // Redacting the page left its one script as its Content-Security-Policy pins it.
    const script = /<script>([\s\S]*?)<\/script>/.exec(report)![1]!;
    expect(report).toContain(`sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}`);
    expect(await readFile(path.join(project.dir, 'summary.md'), 'utf8')).toContain('failed for key Bearer \\[redacted\\]');
  }, 120_000);
});
