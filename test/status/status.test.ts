import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { copyExamples, hasStackTrace, runCli, type CliRun } from '../helpers/cli.js';
import { editStoryboard, events, lockPathOf, readLock, renderWith, routeDelta, startRenderEmulator } from '../render/helpers.js';

/**
 * `shotlist status` against a real emulator: the quickstart is rendered once, then each test
 * works on its own copy of the rendered project (same videos on the server) and breaks one thing.
 */

const MUG = 'hero[product=mug]';
const TEAPOT = 'hero[product=teapot]';
const DUSK_MUG = 'hero-dusk[product=mug]';
const DUSK_TEAPOT = 'hero-dusk[product=teapot]';

describe('shotlist status', () => {
  let emu: RunningEmulator;
  let rendered: string;
  let cleanup: () => Promise<void>;
  const copies: string[] = [];

  beforeAll(async () => {
    emu = await startRenderEmulator();
    ({ dir: rendered, cleanup } = await copyExamples());
    const run = await renderWith(emu, rendered, 'quickstart.yaml');
    expect(run.code, run.stderr).toBe(0);
  });
  afterAll(async () => {
    await emu?.close();
    await cleanup?.();
    await Promise.all(copies.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** A copy of the rendered project: the same lockfile, files and video ids. */
  async function copyRendered(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-status-'));
    copies.push(dir);
    await cp(rendered, dir, { recursive: true });
    return dir;
  }

  function status(dir: string, extra: readonly string[] = [], now: number | (() => number) = () => Date.now()): Promise<CliRun> {
    return runCli(['status', 'quickstart.yaml', '--base-url', emu.url, ...extra], { cwd: dir, now });
  }

  function rows(run: CliRun): Map<unknown, Record<string, unknown>> {
    return new Map(events(run, 'status.job').map((event) => [event['id'], event]));
  }

  it('all in order: exit 0, every file ok and every video completed on the server, asked by id', async () => {
    const dir = await copyRendered();
    const before = emu.stats().requestsByRoute;
    const run = await status(dir, ['--json']);
    expect(run.code, run.stderr).toBe(0);
    const byId = rows(run);
    expect([...byId.keys()]).toEqual([MUG, TEAPOT, DUSK_MUG, DUSK_TEAPOT]);
    for (const row of byId.values())
      expect(row).toMatchObject({
        state: 'ok',
        attention: false,
        file: 'ok',
        thumbnail: 'ok',
        server: 'completed',
        checked: true,
        lock: 'completed',
        action: 'reuse',
      });
    expect(events(run, 'status.total')[0]).toMatchObject({
      jobs: 4,
      attention: 0,
      files: { ok: 4, missing: 0, altered: 0 },
      server: { completed: 4 },
      orphans: 0,
      not_rendered: 0,
      offline: false,
    });
    // Each video by id, and nothing else: no listing of the account's videos.
    expect(routeDelta(before, emu.stats().requestsByRoute)).toEqual({ 'GET /v1/videos/{id}': 4 });

    const text = await status(dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('4 jobs, all in order: files 4 ok; server 4 completed');
  });

  it('a deleted file is missing, a modified one altered: exit 1, and render would download them', async () => {
    const dir = await copyRendered();
    const lock = await readLock(dir, 'quickstart.yaml');
    await rm(path.join(dir, lock.jobs[MUG]!.outputs.video!.path));
    await appendFile(path.join(dir, lock.jobs[DUSK_TEAPOT]!.outputs.video!.path), 'tampered');
    const run = await status(dir, ['--json']);
    expect(run.code).toBe(1);
    const byId = rows(run);
    expect(byId.get(MUG)).toMatchObject({ state: 'missing', attention: true, file: 'missing', server: 'completed', action: 'download' });
    expect(byId.get(DUSK_TEAPOT)).toMatchObject({ state: 'altered', attention: true, file: 'altered', server: 'completed', action: 'download' });
    expect(byId.get(TEAPOT)).toMatchObject({ state: 'ok', attention: false });
    expect(events(run, 'status.total')[0]).toMatchObject({ attention: 2, files: { ok: 2, missing: 1, altered: 1 } });

    const text = await status(dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/! missing\s+hero\[product=mug\]\s+file missing; render will download it/);
    expect(text.stdout).toMatch(/! altered\s+hero-dusk\[product=teapot\]\s+file altered on disk/);
    expect(text.stdout).toContain('2 need attention');
    expect(hasStackTrace(text.stderr)).toBe(false);
  });

  it('orphans (jobs gone from the storyboard) and jobs with no entry yet', async () => {
    const dir = await copyRendered();
    // The remix shot leaves (its two entries become orphans); a new shot arrives.
    await editStoryboard(dir, 'quickstart.yaml', '  - id: hero-dusk\n    remix: hero\n', '  - id: teaser\n');
    await editStoryboard(dir, 'quickstart.yaml', 'steam rising from the {{product}}.', 'steam rising from a cup.');
    const run = await status(dir, ['--json']);
    expect(run.code).toBe(1);
    const byId = rows(run);
    expect(byId.get(DUSK_MUG)).toMatchObject({ state: 'orphan', shot: null, attention: true, action: null, server: 'completed', file: 'ok' });
    expect(byId.get(DUSK_TEAPOT)).toMatchObject({ state: 'orphan', attention: true });
    expect(byId.get('teaser')).toMatchObject({
      state: 'not_rendered',
      attention: true,
      lock: null,
      video_id: null,
      file: 'none',
      server: 'none',
      action: 'render',
    });
    expect(byId.get(MUG)).toMatchObject({ state: 'ok' });
    expect(events(run, 'status.total')[0]).toMatchObject({ jobs: 3, orphans: 2, not_rendered: 1, attention: 3 });
  });

  it('the lockfile says in flight but the server says completed: in flight, with the server checked', async () => {
    const dir = await copyRendered();
    const lockPath = lockPathOf(dir, 'quickstart.yaml');
    const lock = await readLock(dir, 'quickstart.yaml');
    const entry = lock.jobs[TEAPOT]!;
    await writeFile(
      lockPath,
      `${JSON.stringify({ ...lock, jobs: { ...lock.jobs, [TEAPOT]: { ...entry, status: 'in_progress', expires_at: null, outputs: {} } } }, null, 2)}\n`,
    );
    const run = await status(dir, ['--json']);
    expect(run.code).toBe(1);
    const row = rows(run).get(TEAPOT)!;
    expect(row).toMatchObject({ state: 'in_flight', lock: 'in_progress', server: 'completed', checked: true, action: 'resume', file: 'none' });
    expect(row['note_codes']).toContain('video-completed');
    expect(row['notes']).toContain('video completed on the server');
    expect(events(run, 'status.total')[0]).toMatchObject({ server: { completed: 4 } });
  });

  it('--offline asks nothing of the server and judges expiry by the lockfile', async () => {
    const dir = await copyRendered();
    const lock = await readLock(dir, 'quickstart.yaml');
    const expiresAt = Math.min(...Object.values(lock.jobs).map((entry) => entry.expires_at!));
    const before = emu.stats().requestsByRoute;
    // An hour before the first expiry: every video expires within 2 h; files are kept, so all is in order.
    const run = await status(dir, ['--offline', '--json'], (expiresAt - 3600) * 1000);
    expect(emu.stats().requestsByRoute).toEqual(before);
    expect(run.code, run.stdout).toBe(0);
    for (const row of rows(run).values()) expect(row).toMatchObject({ state: 'expiring', attention: false, server: 'expiring', checked: false });
    expect(events(run, 'status.total')[0]).toMatchObject({ offline: true, server: { expiring: 4 } });
  });

  // Last: it moves the shared emulator's clock a day forward.
  it('a day later (advanceClock 86400): videos expired on the server; a missing file then needs a new render', async () => {
    const dir = await copyRendered();
    const lock = await readLock(dir, 'quickstart.yaml');
    await rm(path.join(dir, lock.jobs[DUSK_MUG]!.outputs.video!.path));
    emu.advanceClock(86_400);
    const dayLater = () => Date.now() + 86_400_000;
    const run = await status(dir, ['--json'], dayLater);
    expect(run.code).toBe(1);
    const byId = rows(run);
    // Kept as files, the expired videos are in order.
    for (const id of [TEAPOT, DUSK_TEAPOT])
      expect(byId.get(id), id).toMatchObject({ state: 'expired', attention: false, file: 'ok', server: 'expired', checked: true, action: 'reuse' });
    expect(byId.get(DUSK_MUG)).toMatchObject({ state: 'missing', attention: true, server: 'expired', action: 'render' });
    expect(byId.get(DUSK_MUG)!['note_codes']).toEqual(expect.arrayContaining(['file-missing', 'video-expired', 'render-will']));
    expect(byId.get(DUSK_MUG)!['notes']).toEqual(
      expect.arrayContaining([expect.stringMatching(/^video expired on the server \d+ s ago$/), 'render will render it again']),
    );
    // The remix renders again from its parent's video, which expired too: the parent renders first.
    expect(byId.get(MUG)).toMatchObject({ state: 'rerender', attention: true, file: 'ok', server: 'expired', action: 'render' });
    expect(byId.get(MUG)!['note_codes']).toEqual(expect.arrayContaining(['plan', 'video-expired', 'render-will']));
    expect(byId.get(MUG)!['notes']).toEqual(expect.arrayContaining([`its video expired on the server and ${DUSK_MUG} remixes it`]));
    expect(events(run, 'status.total')[0]).toMatchObject({ attention: 2, server: { expired: 4, completed: 0 } });
    // The content is really gone from the server: the emulator answers 404 for it.
    const content = await fetch(`${emu.url}/videos/${lock.jobs[DUSK_MUG]!.video_id}/content`);
    expect(content.status).toBe(404);
  });
});
