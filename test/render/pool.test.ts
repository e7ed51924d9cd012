import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { copyExamples, runCli } from '../helpers/cli.js';
import { createVideo, waitForStatus } from '../emulator/helpers.js';
import { checkOutputs, createsAcross, events, poolStoryboard, readLock, readLockBytes, startRenderEmulator, waitUntil } from './helpers.js';

/**
 * A provider with a pool of servers (SPEC §6), end to end: three emulators on 127.0.0.1:0,
 * each with its own cap; the lockfile says which holds each video; remixes, resumes and
 * downloads go to that server; a server dropped from the pool is planned around.
 */

let dir: string;
let cleanup: () => Promise<void>;
let emus: RunningEmulator[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await copyExamples());
  emus = await Promise.all([startRenderEmulator({ inFlightLimit: 2 }), startRenderEmulator({ inFlightLimit: 1 }), startRenderEmulator({ inFlightLimit: 2 })]);
});
afterEach(async () => {
  await Promise.all(emus.map((emu) => emu.close()));
  await cleanup();
});

const CAPS = [2, 1, 2];
const urls = () => emus.map((emu) => emu.url);

/** Eight products, each with a two-step remix chain: 24 jobs. */
async function writePoolBoard(servers: readonly string[], caps: readonly number[] = CAPS): Promise<void> {
  const products = ['mug', 'teapot', 'kettle', 'bowl', 'plate', 'jug', 'cup', 'vase'];
  await writeFile(
    path.join(dir, 'pool.yaml'),
    poolStoryboard(
      servers.map((url, i) => ({ url, inFlight: caps[i]! })),
      products,
    ),
  );
}

const render = (extra: readonly string[] = [], signal?: AbortSignal) =>
  runCli(['render', 'pool.yaml', '--json', ...extra], { cwd: dir, now: () => Date.now(), ...(signal ? { signal } : {}) });

function serverHolding(emuIndexByUrl: Map<string, number>, lock: Lockfile, id: string): number {
  const server = lock.jobs[id]!.server;
  if (server === undefined) throw new Error(`${id} has no server in the lockfile`);
  return emuIndexByUrl.get(server)!;
}

describe('a pool of servers', () => {
  it('spreads the work within each server’s cap, records where each video is, and remixes on the parent’s server', async () => {
    await writePoolBoard(urls());
    const run = await render();
    expect(run.code, run.stderr).toBe(0);
    const lock = await readLock(dir, 'pool.yaml');
    expect(Object.keys(lock.jobs)).toHaveLength(24);

    const byUrl = new Map(urls().map((url, i) => [url, i]));
    emus.forEach((emu, i) => {
      const stats = emu.stats();
      // Each server held to its own cap (the emulator would have answered 429 past its limit).
      expect(stats.maxInFlight, `server ${i}`).toBeLessThanOrEqual(CAPS[i]!);
      expect(stats.createsRejected429, `server ${i}`).toBe(0);
      expect(stats.createsAccepted, `server ${i}`).toBeGreaterThan(0);
      expect(Object.values(stats.jobsPerRequest).every((n) => n === 1)).toBe(true);
    });
    expect(createsAcross(emus)).toBe(24);

    for (const [id, entry] of Object.entries(lock.jobs)) {
      const holder = serverHolding(byUrl, lock, id);
      // The video is on the server the lockfile names, and the files came from it.
      expect(emus[holder]!.stats().jobs.map((job) => job.id)).toContain(entry.video_id);
      await checkOutputs(dir, entry);
      const parent = entry.request.remix_of?.job;
      if (parent) {
        expect(holder, `${id} beside ${parent}`).toBe(serverHolding(byUrl, lock, parent));
        expect(entry.remixed_from).toBe(lock.jobs[parent]!.video_id);
      }
    }

    // A second run sends nothing anywhere and leaves the lockfile byte-identical.
    const bytes = await readLockBytes(dir, 'pool.yaml');
    const before = emus.map((emu) => emu.stats().createsAccepted);
    const again = await render();
    expect(again.code).toBe(0);
    expect(emus.map((emu) => emu.stats().createsAccepted)).toEqual(before);
    expect(await readLockBytes(dir, 'pool.yaml')).toEqual(bytes);

    // Growing the pool at its end re-renders nothing: a pool is known by its first server.
    const fourth = await startRenderEmulator();
    emus.push(fourth);
    await writePoolBoard(urls(), [...CAPS, 2]);
    const plan = await runCli(['plan', 'pool.yaml', '--json'], { cwd: dir, now: () => Date.now() });
    expect(events(plan, 'plan.total')[0]).toMatchObject({ render: 0, reuse: 24 });
  });

  it('Ctrl-C mid-run, then a second run: each job in flight is resumed on its own server, never created again', async () => {
    await writePoolBoard(urls());
    const controller = new AbortController();
    const first = render([], controller.signal);
    // Stop once some jobs are on the servers, before the chains are done.
    await waitUntil(() => createsAcross(emus) >= 5, 'five jobs on the servers');
    controller.abort();
    expect((await first).code).toBe(130);
    const interrupted = await readLock(dir, 'pool.yaml');
    const inFlight = Object.entries(interrupted.jobs).filter(([, entry]) => entry.video_id !== null && !entry.outputs.video);
    expect(inFlight.length, 'jobs on a server, not yet downloaded, when interrupted').toBeGreaterThan(0);

    const resumed = await render();
    expect(resumed.code, resumed.stderr).toBe(0);
    const lock = await readLock(dir, 'pool.yaml');
    for (const [id, entry] of inFlight)
      expect(lock.jobs[id], `${id} resumed on ${entry.server}`).toMatchObject({ video_id: entry.video_id, server: entry.server });
    expect(Object.values(lock.jobs).every((entry) => entry.status === 'completed' && entry.outputs.video)).toBe(true);
    expect(createsAcross(emus)).toBe(24);
    for (const emu of emus) expect(Object.values(emu.stats().jobsPerRequest).every((n) => n === 1)).toBe(true);
  });

  it('a server dropped from the pool: its videos are reused while their files are intact, rendered anew when needed', async () => {
    await writePoolBoard(urls());
    expect((await render()).code).toBe(0);
    const lock = await readLock(dir, 'pool.yaml');
    const dropped = emus[1]!.url;
    const root = Object.keys(lock.jobs).find((id) => id.startsWith('hero[') && lock.jobs[id]!.server === dropped);
    expect(root, 'the one-slot server got a chain').toBeDefined();
    const product = /product=(\w+)/.exec(root!)![1]!;
    const chain = { hero: `hero[product=${product}]`, dusk: `dusk[product=${product}]`, night: `night[product=${product}]` };
    const planNow = async () => {
      const plan = await runCli(['plan', 'pool.yaml', '--json'], { cwd: dir, now: () => Date.now() });
      return { total: events(plan, 'plan.total')[0], jobs: new Map(events(plan, 'plan.job').map((job) => [job['id'] as string, job])) };
    };

    await writePoolBoard([emus[0]!.url, emus[2]!.url], [2, 2]);
    // Files intact: nothing to do, and the dropped server is not needed.
    expect((await planNow()).total).toMatchObject({ render: 0, reuse: 24 });

    // A file whose video is on the dropped server cannot be downloaded again: rendered anew,
    // and its remixes with it.
    const heroFile = path.join(dir, lock.jobs[chain.hero]!.outputs.video!.path);
    const heroBytes = await readFile(heroFile);
    await rm(heroFile);
    let plan = await planNow();
    expect(plan.jobs.get(chain.hero)).toMatchObject({
      action: 'render',
      reason: `file missing and the video is on ${dropped}, no longer among the provider's servers`,
    });
    expect(plan.jobs.get(chain.dusk)).toMatchObject({ action: 'render', reason_code: 'parent-renders' });
    expect(plan.total).toMatchObject({ render: 3, reuse: 21 });
    await writeFile(heroFile, heroBytes);

    // A remix must be sent again (its file is gone) but its parent's video is on the dropped
    // server: the chain renders again from its root, and the plan says why.
    await rm(path.join(dir, lock.jobs[chain.night]!.outputs.video!.path));
    plan = await planNow();
    expect(plan.jobs.get(chain.dusk)).toMatchObject({
      action: 'render',
      reason: `its video is on ${dropped}, no longer among the provider's servers, and ${chain.night} remixes it`,
    });
    expect(plan.jobs.get(chain.hero)).toMatchObject({
      action: 'render',
      reason: `its video is on ${dropped}, no longer among the provider's servers, and ${chain.dusk} remixes it`,
    });
    expect(plan.total).toMatchObject({ render: 3, reuse: 21 });

    const before = emus[1]!.stats().requestsByRoute;
    const run = await render();
    expect(run.code, run.stderr).toBe(0);
    // Nothing was asked of the dropped server.
    expect(emus[1]!.stats().requestsByRoute).toEqual(before);
    const after = await readLock(dir, 'pool.yaml');
    for (const id of Object.values(chain)) expect([emus[0]!.url, emus[2]!.url]).toContain(after.jobs[id]!.server);
  });

  it('answers lost after the create was committed, on every server: each is looked for on the server it went to, and adopted', async () => {
    await Promise.all(emus.map((emu) => emu.close()));
    emus = await Promise.all(
      CAPS.map((cap, i) =>
        startRenderEmulator({
          inFlightLimit: cap,
          faults: { seed: 11 + i, dropConnection: { afterCommit: 0.3 }, serverError: { rate: 0.1, routes: ['retrieve'] } },
        }),
      ),
    );
    await writePoolBoard(urls());
    let run = await render();
    for (let rerun = 0; run.code !== 0 && rerun < 2; rerun++) run = await render();
    expect(run.code, run.stderr).toBe(0);
    // The fault fired: lost answers were followed by a list on that server.
    expect(emus.reduce((sum, emu) => sum + (emu.stats().requestsByRoute['GET /v1/videos'] ?? 0), 0)).toBeGreaterThan(0);
    expect(createsAcross(emus)).toBe(24);
    const lock = await readLock(dir, 'pool.yaml');
    const byUrl = new Map(urls().map((url, i) => [url, i]));
    for (const [id, entry] of Object.entries(lock.jobs)) {
      expect(entry.status).toBe('completed');
      expect(emus[serverHolding(byUrl, lock, id)]!.stats().jobs.map((job) => job.id)).toContain(entry.video_id);
    }
  });

  it('status asks each video of the server holding it; gc lists every server of the pool', async () => {
    await writePoolBoard(urls());
    expect((await render()).code).toBe(0);
    const status = await runCli(['status', 'pool.yaml', '--json'], { cwd: dir, now: () => Date.now() });
    expect(status.code, status.stdout).toBe(0);
    const rows = events(status, 'status.job');
    expect(rows).toHaveLength(24);
    expect(rows.every((row) => row['checked'] === true && row['attention'] === false)).toBe(true);
    // Each row names the server holding its video, as the lockfile does.
    const lock = await readLock(dir, 'pool.yaml');
    for (const row of rows) expect(row['held_by']).toBe(lock.jobs[row['id'] as string]!.server);
    const text = await runCli(['status', 'pool.yaml'], { cwd: dir, now: () => Date.now(), env: { NO_COLOR: '1' } });
    expect(text.stdout).toContain(`hero[product=mug]`);
    expect(text.stdout.split('\n').find((line) => line.includes('hero[product=mug]'))).toContain(`on ${lock.jobs['hero[product=mug]']!.server}`);

    // A video nobody's lockfile references, on the second server only.
    const stray = await createVideo(emus[1]!, { prompt: 'stray', model: 'sora-2', size: '1280x720', seconds: '4' });
    await waitForStatus(emus[1]!, stray.body.id, 'completed');
    const gc = await runCli(['gc', 'pool.yaml', '--dry-run', '--json'], { cwd: dir, now: () => Date.now() });
    expect(gc.code, gc.stderr).toBe(0);
    const totals = events(gc, 'gc.total');
    expect(totals.map((t) => t['server'])).toEqual(urls().map((url) => `emulator ${url}`));
    expect(totals.map((t) => t['unreferenced'])).toEqual([0, 1, 0]);
    expect(totals.reduce((sum, t) => sum + (t['kept'] as number), 0)).toBe(24);
  });

  it('--base-url given more than once makes a pool for the run', async () => {
    const run = await runCli(['render', 'quickstart.yaml', '--json', '--base-url', emus[0]!.url, '--base-url', emus[2]!.url], {
      cwd: dir,
      now: () => Date.now(),
    });
    expect(run.code, run.stderr).toBe(0);
    const lock = await readLock(dir, 'quickstart.yaml');
    for (const entry of Object.values(lock.jobs)) expect([emus[0]!.url, emus[2]!.url]).toContain(entry.server);
    expect(emus[0]!.stats().createsAccepted + emus[2]!.stats().createsAccepted).toBe(4);
    expect(emus[0]!.stats().createsAccepted).toBeGreaterThan(0);
    expect(emus[2]!.stats().createsAccepted).toBeGreaterThan(0);

    const twice = await runCli(['plan', 'quickstart.yaml', '--base-url', emus[0]!.url, '--base-url', `${emus[0]!.url}/`], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`--base-url: ${emus[0]!.url}/ is listed twice in the pool`);
  });

  it('base_url beside servers, or a server listed twice, is refused where it is written', async () => {
    await writeFile(
      path.join(dir, 'both.yaml'),
      `version: 1\nname: both\nprovider:\n  profile: emulator\n  base_url: ${emus[0]!.url}\n  servers:\n    - base_url: ${emus[1]!.url}\nshots:\n  - id: a\n    prompt: x\n`,
    );
    let run = await runCli(['validate', 'both.yaml'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/both\.yaml:7:5: error: provider\.servers: a provider has one base_url or a pool of servers, not both/);

    await writeFile(
      path.join(dir, 'twice.yaml'),
      `version: 1\nname: twice\nprovider:\n  profile: emulator\n  servers:\n    - base_url: ${emus[1]!.url}\n    - base_url: ${emus[1]!.url}/\nshots:\n  - id: a\n    prompt: x\n`,
    );
    run = await runCli(['validate', 'twice.yaml'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/twice\.yaml:7:17: error: provider\.servers\[1\]\.base_url: .* is listed twice in the pool/);
  });
});

describe('a pool defined once, in shotlist.providers.yaml', () => {
  it('two vLLM-Omni servers (a serial queue each, no 429): both busy, never two jobs on one', async ({ onTestFinished }) => {
    const servers = await Promise.all([startRenderEmulator({ flavor: 'vllm-omni' }), startRenderEmulator({ flavor: 'vllm-omni' })]);
    onTestFinished(() => Promise.all(servers.map((server) => server.close())).then(() => {}));
    await writeFile(
      path.join(dir, 'shotlist.providers.yaml'),
      `providers:\n  gpu-farm:\n    extends: vllm-omni\n    min_poll_ms: 20\n    servers:\n${servers.map((s) => `      - base_url: ${s.url}\n`).join('')}`,
    );
    await writeFile(
      path.join(dir, 'farm.yaml'),
      'version: 1\nname: farm\nprovider: gpu-farm\ndefaults: {size: 832x480, seconds: 2}\nshots:\n  - id: clip\n    prompt: A {{thing}} in the rain\n    variants: {thing: [cat, dog, fox, owl, elk, yak]}\n',
    );

    const table = await runCli(['providers'], { cwd: dir });
    expect(table.stdout).toMatch(/^gpu-farm\s+configured\s+openai-videos\s+multipart.*\s1\+1\s/m);

    const run = await runCli(['render', 'farm.yaml', '--json'], { cwd: dir, now: () => Date.now() });
    expect(run.code, run.stderr).toBe(0);
    for (const server of servers) {
      expect(server.stats().maxInFlight).toBe(1);
      expect(server.stats().createsAccepted).toBeGreaterThan(0);
    }
    expect(servers[0]!.stats().createsAccepted + servers[1]!.stats().createsAccepted).toBe(6);
    const lock = await readLock(dir, 'farm.yaml');
    for (const entry of Object.values(lock.jobs)) {
      expect(servers.map((s) => s.url)).toContain(entry.server);
      // The fingerprint names the pool by its first server.
      expect(entry.request.provider).toBe(`gpu-farm ${servers[0]!.url}`);
    }
  });
});
