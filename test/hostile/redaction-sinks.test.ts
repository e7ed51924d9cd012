import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeOutput } from '../../src/cli/safe-output.js';
import { formatRunSummary } from '../../src/cli/run-summary.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import type { LockEntry, Lockfile } from '../../src/lockfile/lockfile.js';
import type { Plan } from '../../src/plan/plan.js';
import type { RenderResult } from '../../src/run/render-storyboard.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { rememberSecrets } from '../../src/untrusted/redactor.js';
import { completedLockfile, writeFakeOutputs } from '../helpers/campaign-lock.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startRenderEmulator } from '../render/helpers.js';
import { examplesProject } from './helpers.js';
import { leaksIn, leaksInFiles, SECRET_ENV, SECRETS } from './leaks.js';

/**
 * Each output redacts on its own, whatever route text took to it: here the text never passed
 * the API client (a lockfile written by a shotlist from before this redaction, holding a key in
 * a failure message and an id), and plan, status, the report and a render that rewrites the
 * lockfile must still not carry it on. Then each sink alone: the lockfile serializer, the
 * summary, the output streams.
 */

const ENV = { ...SECRET_ENV, NO_COLOR: '1' };
const BOARD = 'quickstart.yaml';
const LOCK = 'quickstart.lock.json';
let project: Awaited<ReturnType<typeof examplesProject>>;
let emu: RunningEmulator;

beforeAll(async () => {
  project = await examplesProject();
  emu = await startRenderEmulator();
});

afterAll(async () => {
  await emu?.close();
  await project?.cleanup();
});

/** Every secret in one message, as a leaky server once had it recorded. */
const LEAKED = `failed for key Bearer ${SECRETS.join(' and ')}`;

describe('a lockfile that already holds credentials (written before redaction)', () => {
  it('is shown by plan, status and report, and rewritten by render, without them', async () => {
    const { loaded } = await loadStoryboard(BOARD, { cwd: project.dir });
    const lock = completedLockfile(loaded!, Math.floor(Date.now() / 1000) - 3600) as { jobs: Record<string, LockEntry> } & Lockfile;
    await writeFakeOutputs(project.dir, lock);
    const teapot = lock.jobs['hero[product=teapot]']!;
    lock.jobs['hero[product=teapot]'] = { ...teapot, status: 'failed', error: { code: SECRET_ENV['AWS_SECRET_ACCESS_KEY']!, message: LEAKED } };
    lock.jobs['old-shot'] = { ...teapot, video_id: `video_${SECRET_ENV['SHOTLIST_API_KEY']}`, status: 'failed', error: { code: 'x', message: LEAKED } };
    const lockPath = path.join(project.dir, LOCK);
    await writeFile(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
    expect(leaksIn(await readFile(lockPath))).not.toEqual([]);

    const runs: [string, CliRun][] = [];
    for (const argv of [
      ['plan', BOARD],
      ['plan', BOARD, '--json'],
      ['status', BOARD, '--offline'],
      ['status', BOARD, '--offline', '--json'],
      ['report', BOARD],
    ]) {
      runs.push([argv.join(' '), await runCli(argv, { cwd: project.dir, env: ENV, now: () => Date.now() })]);
    }
    // One job rendered: the whole lockfile is written again, the untouched entries with it.
    const render = await runCli(['render', BOARD, '--provider', 'emulator', '--base-url', emu.url, '--only', 'hero[product=teapot]', '--no-report'], {
      cwd: project.dir,
      env: ENV,
      now: () => Date.now(),
    });
    runs.push(['render --only', render]);
    expect(render.code, render.stderr).toBe(0);

    for (const [name, result] of runs) expect([...leaksIn(result.stdout), ...leaksIn(result.stderr)], name).toEqual([]);
    const rewritten = JSON.parse(await readFile(lockPath, 'utf8')) as Lockfile;
    // The orphan was kept (an --only run drops none), with its words and without the secrets.
    expect(rewritten.jobs['old-shot']?.error?.message).toContain('failed for key Bearer [redacted]');
    expect(await leaksInFiles([lockPath, path.join(project.dir, 'renders', 'quickstart', 'report.html')])).toEqual([]);
    // The report (written by `report`, before the render) showed the failure, without the secrets.
    expect(await readFile(path.join(project.dir, 'renders', 'quickstart', 'report.html'), 'utf8')).toContain('failed for key Bearer [redacted]');
  }, 60_000);
});

describe('each sink on its own', () => {
  // As main does with the environment; these tests call the sinks without it.
  rememberSecrets(SECRETS, true);

  it('the lockfile serializer', () => {
    const lock: Lockfile = JSON.parse(
      `{"lockfileVersion":1,"name":"x","jobs":{"a":{"fingerprint":"sha256:00","request":{"provider":"emulator","model":"sora-2","size":"1280x720","seconds":"4","prompt":"p"},"video_id":"video_1","remixed_from":null,"status":"failed","created_at":1,"expires_at":null,"cost_usd":null,"error":{"code":"c","message":${JSON.stringify(LEAKED)}},"outputs":{}}}}`,
    ) as Lockfile;
    const text = serializeLockfile(lock);
    expect(leaksIn(text)).toEqual([]);
    expect(JSON.parse(text)).toMatchObject({ jobs: { a: { status: 'failed', error: { code: 'c' } } } });
  });

  it('the run summary, before Markdown escaping could hide a key holding `_` or `\\`', () => {
    const report = { job: { id: 'a', action: 'render', reason: { code: 'new' }, costUsd: 0.4 }, status: 'failed', reason: LEAKED };
    const plan = { jobs: [], orphans: [], moves: [], totals: { reuse: 0, blocked: 0, failed: 0 } } as unknown as Plan;
    const text = formatRunSummary('x', plan, { reports: [report], interrupted: false } as unknown as RenderResult);
    expect(leaksIn(text)).toEqual([]);
    expect(text).toContain('failed for key Bearer \\[redacted\\]');
  });

  it('the output streams: credentials redacted, control sequences escaped, shotlist’s own kept, the stream’s own properties passed through', () => {
    let written = '';
    const stream = safeOutput({ write: (text: string) => (written += text), isTTY: true, columns: 80 } as {
      write: (text: string) => unknown;
      isTTY: boolean;
      columns: number;
    });
    stream.write(`\u001b[31merror\u001b[39m: ${LEAKED} \u001b]0;title\u0007\u009b2J\n`);
    expect(leaksIn(written)).toEqual([]);
    expect(written.startsWith('\u001b[31merror\u001b[39m: failed for key Bearer [redacted]')).toBe(true);
    expect(written.endsWith(' \\u001b]0;title\\u0007\\u009b2J\n')).toBe(true);
    expect(stream.isTTY).toBe(true);
    expect(stream.columns).toBe(80);
  });
});
