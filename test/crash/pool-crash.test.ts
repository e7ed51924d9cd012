import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { checkOutputs, createsAcross, poolStoryboard } from '../render/helpers.js';
import { hasStackTrace } from '../helpers/cli.js';
import { leftovers, LockWatcher, SCRATCH, Shotlist, startCrashEmulator, useMediaCache, type CrashEmulator } from './harness.js';

/**
 * kill -9 of a render on a pool of servers (SPEC §6), then a run to the end: whatever the
 * moment, each job has exactly one server job on one server of the pool, the lockfile names
 * that server, and nothing was paid twice, on any server or across them.
 */

const CAPS = [2, 1, 2];
const PRODUCTS = ['mug', 'teapot', 'kettle', 'bowl', 'plate', 'jug'];
const JOBS = PRODUCTS.length * 3;

const media = useMediaCache();

async function poolBoard(emus: readonly CrashEmulator[]): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(SCRATCH, 'shotlist-pool-crash-'));
  await writeFile(
    path.join(dir, 'pool.yaml'),
    poolStoryboard(
      emus.map((emu, i) => ({ url: emu.url, inFlight: CAPS[i]! })),
      PRODUCTS,
    ),
  );
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

type Moment = (child: Shotlist, emus: readonly CrashEmulator[]) => Promise<boolean>;

const MOMENTS: { name: string; at: Moment; lostAnswers?: boolean }[] = [
  { name: 'right after the first create intent is written', at: (child) => child.until(() => child.states('creating').length >= 1, 1) },
  {
    name: 'with remixes in flight on their parents’ servers',
    at: (child, emus) => child.until(() => child.states('queued').some((e) => e.id?.startsWith('dusk[') === true) && createsAcross(emus) >= 8, 1),
  },
  { name: 'mid-download', at: (child) => child.until(() => child.states('downloading').length >= 3, 1) },
  {
    name: 'after answers to committed creates were lost',
    at: (child, emus) => child.until(() => emus.some((emu) => (emu.stats().requestsByRoute['GET /v1/videos'] ?? 0) > 0), 1),
    lostAnswers: true,
  },
];

describe('kill -9 on a pool of servers', () => {
  for (const moment of MOMENTS) {
    it(`killed ${moment.name}: the next run finishes, one server job per job, on the server the lockfile names`, async ({ onTestFinished }) => {
      const emus = await Promise.all(CAPS.map((cap) => startCrashEmulator(media.dir, { inFlightLimit: cap })));
      onTestFinished(() => Promise.all(emus.map((emu) => emu.close())).then(() => {}));
      if (moment.lostAnswers) await Promise.all(emus.map((emu, i) => emu.setFaults({ seed: 5 + i, dropConnection: { afterCommit: 0.5 } })));
      const { dir, cleanup } = await poolBoard(emus);
      onTestFinished(cleanup);
      const watcher = new LockWatcher(path.join(dir, 'pool.lock.json'));
      onTestFinished(() => watcher.stop());

      const first = new Shotlist(['render', 'pool.yaml', '--json'], dir);
      const landed = await moment.at(first, emus);
      first.kill('SIGKILL');
      await first.exited;
      expect(landed, 'the kill landed while the render was at work').toBe(true);

      await Promise.all(emus.map((emu) => emu.setFaults({})));
      const last = new Shotlist(['render', 'pool.yaml', '--json'], dir);
      const exit = await last.exited;
      expect(exit.code, last.stderr).toBe(0);
      expect(hasStackTrace(first.stderr + last.stderr + last.stdout)).toBe(false);

      const lock = JSON.parse(await readFile(path.join(dir, 'pool.lock.json'), 'utf8')) as Lockfile;
      expect(watcher.unparseable).toEqual([]);
      expect(Object.keys(lock.jobs)).toHaveLength(JOBS);
      const byUrl = new Map(emus.map((emu) => [emu.url, emu]));
      // Every server job of every server is some entry's video, on the server that entry names.
      const named = new Map(Object.values(lock.jobs).map((entry) => [entry.video_id, entry.server]));
      for (const emu of emus) {
        for (const job of emu.stats().jobs) expect(named.get(job.id), `${job.id} on ${emu.url}`).toBe(emu.url);
        expect(emu.stats().maxInFlight).toBeLessThanOrEqual(CAPS[emus.indexOf(emu)]!);
      }
      // One server job per request across the pool: never paid twice, not even on two servers.
      const requests = emus.flatMap((emu) => emu.stats().jobs.map((job) => job.request_hash));
      expect(requests).toHaveLength(JOBS);
      expect(new Set(requests).size).toBe(JOBS);
      for (const [id, entry] of Object.entries(lock.jobs)) {
        expect(entry.status, id).toBe('completed');
        expect(byUrl.has(entry.server!), id).toBe(true);
        await checkOutputs(dir, entry);
        if (entry.request.remix_of) expect(entry.server, `${id} beside its parent`).toBe(lock.jobs[entry.request.remix_of.job]!.server);
      }
      // Job ids the lockfile ever named keep their first video.
      for (const [id, ids] of watcher.videoIds) expect([...ids], id).toEqual([lock.jobs[id]!.video_id]);
      expect(await leftovers(dir)).toEqual([]);
    });
  }
});
