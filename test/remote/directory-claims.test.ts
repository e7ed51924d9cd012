import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLAIM_LEASE_MS,
  ClaimLostError,
  ClaimWatch,
  claimName,
  createClaimIdentity,
  meetClaim,
  openRemoteStore,
  parseClaim,
  type ClaimContext,
  type ClaimStore,
  type RemoteStore,
} from '../../src/remote/index.js';
import { CLAIM_MAX_BYTES } from '../../src/remote/claim.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from './helpers.js';
import { waitUntil } from '../helpers/wait-until.js';

/**
 * Claims on the directory store, where the one-paid-job guarantee is tested: real processes
 * racing for the same requests on one directory, compare-and-swap writes, leases that lapse,
 * are taken over, and are lost by their old owner.
 */

const fingerprint = (n: number) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;

let work: Awaited<ReturnType<typeof tempDir>>;
let store: RemoteStore;
let claims: ClaimStore;

beforeEach(async () => {
  work = await tempDir();
  store = await openRemoteStore({ kind: 'directory', path: path.join(work.dir, 'remote') });
  claims = await store.claims();
});

afterEach(async () => {
  await work.cleanup();
});

/** A run on its own "machine": own identity, own watch, a clock the test moves. */
function machine(host: string, clock: { now: number }): ClaimContext {
  return { claims, me: createClaimIdentity({ host }), watch: new ClaimWatch(), now: () => clock.now };
}

describe('one paid job per request across processes', () => {
  it('8 processes racing for 4 requests: each request is created once, every other process adopts its video', async () => {
    const remote = path.join(work.dir, 'remote');
    const log = path.join(work.dir, 'log.jsonl');
    const go = path.join(work.dir, 'go');
    const fps = [1, 2, 3, 4].map(fingerprint);
    const racers = Array.from({ length: 8 }, (_, i) => {
      const ready = path.join(work.dir, `ready-${i}`);
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/remote/claim-racer.ts'), remote, log, go, ready, ...fps], {
        cwd: REPO,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { ready, exited, stderr: () => stderr };
    });
    // Released together, once every process is up, so the creates really race.
    await waitUntil(() => racers.every((r) => existsSync(r.ready)), 'every racer to be ready', 30_000, 20);
    await writeFile(go, '');
    for (const r of racers) expect(await r.exited, r.stderr()).toBe(0);

    const lines = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pid: number; fingerprint: string; event: string; video?: string });
    for (const fp of fps) {
      const mine = lines.filter((l) => l.fingerprint === fp);
      expect(
        mine.filter((l) => l.event === 'create'),
        fp,
      ).toHaveLength(1);
      const video = mine.find((l) => l.event === 'owned')!.video;
      const adopters = mine.filter((l) => l.event === 'adopt');
      expect(adopters).toHaveLength(7);
      expect(new Set(adopters.map((l) => l.video))).toEqual(new Set([video]));
    }
  }, 120_000);
});

describe('claims as compare-and-swap', () => {
  it('creates once; a replace on a stale version loses and is told the winner', async () => {
    const name = claimName(fingerprint(9));
    expect(await claims.create(name, 'first\n')).toEqual({ created: true, version: '1' });
    expect(await claims.create(name, 'second\n')).toEqual({ created: false, current: { text: 'first\n', version: '1' } });
    expect(await claims.replace(name, 'a\n', '1')).toEqual({ replaced: true, version: '2' });
    expect(await claims.replace(name, 'b\n', '1')).toEqual({ replaced: false, current: { text: 'a\n', version: '2' } });
    expect(await claims.read(name)).toEqual({ text: 'a\n', version: '2' });
  });

  it('a claim file that is a FIFO, or larger than a claim can be, reads at once as a damaged claim', async () => {
    const fifo = claimName(fingerprint(11));
    await claims.create(fifo, 'v1\n');
    const folder = path.join(work.dir, 'remote', 'claims', fifo);
    await rm(path.join(folder, '000000000001.json'));
    execFileSync('mkfifo', [path.join(folder, '000000000001.json')]);
    expect(await claims.read(fifo)).toEqual({ text: '', version: '1' });
    const huge = claimName(fingerprint(12));
    await claims.create(huge, `${'x'.repeat(CLAIM_MAX_BYTES + 1)}\n`);
    expect(await claims.read(huge)).toEqual({ text: '', version: '1' });
    expect(parseClaim('', fingerprint(12))).toBeNull();
  });

  it('a writer holding a version long superseded (its successor already cleaned away) is refused, not made current', async () => {
    const name = claimName(fingerprint(10));
    await claims.create(name, 'v1\n');
    await claims.replace(name, 'v2\n', '1');
    await claims.replace(name, 'v3\n', '2');
    await claims.replace(name, 'v4\n', '3');
    // Generations 1 and 2 are gone: the writer that still holds 1 could make "2" again.
    expect(await readdir(path.join(work.dir, 'remote', 'claims', name))).toEqual(['000000000003.json', '000000000004.json']);
    expect(await claims.replace(name, 'stale\n', '1')).toEqual({ replaced: false, current: { text: 'v4\n', version: '4' } });
    expect(await readdir(path.join(work.dir, 'remote', 'claims', name))).toEqual(['000000000003.json', '000000000004.json']);
  });

  it('lists claims by name, paged; removes one only at the version named', async () => {
    for (let i = 1; i <= 5; i++) await claims.create(claimName(fingerprint(i)), 'x\n');
    await mkdir(path.join(work.dir, 'remote', 'claims', 'not-a-claim'));
    const first = await claims.list({ limit: 3 });
    expect(first.names).toEqual([1, 2, 3].map((i) => claimName(fingerprint(i))));
    const rest = await claims.list({ after: first.next!, limit: 3 });
    expect(rest).toEqual({ names: [4, 5].map((i) => claimName(fingerprint(i))), next: null });
    expect(await claims.remove(claimName(fingerprint(1)), '7')).toBe(false);
    expect(await claims.remove(claimName(fingerprint(1)), '1')).toBe(true);
    expect(await claims.read(claimName(fingerprint(1)))).toBeNull();
    expect(await claims.create(claimName(fingerprint(1)), 'again\n')).toMatchObject({ created: true });
  });
});

describe('leases', () => {
  it('a claim without a video is waited on, then taken over once its lease lapsed unrenewed; the old owner has lost it', async () => {
    const clock = { now: Date.UTC(2026, 11, 1, 12) };
    const laptop = machine('laptop', clock);
    const ci = machine('ci', clock);
    const fp = fingerprint(20);
    const owned = await meetClaim(laptop, fp);
    if (!('kind' in owned)) throw new Error('expected to own the claim');
    expect(owned.reconcile).toBe(false);

    expect(await meetClaim(ci, fp)).toMatchObject({ action: 'wait', holder: { host: 'laptop' } });
    clock.now += CLAIM_LEASE_MS - 1;
    expect(await meetClaim(ci, fp)).toMatchObject({ action: 'wait' });
    clock.now += 1;
    const taken = await meetClaim(ci, fp);
    // The laptop may have created before it went silent: the CI run reconciles before it creates.
    expect(taken).toMatchObject({ kind: 'owned', reconcile: true, since: new Date(Date.UTC(2026, 11, 1, 12)).toISOString() });

    expect(owned.lease.isHeld()).toBe(false);
    await expect(owned.lease.renew()).rejects.toBeInstanceOf(ClaimLostError);
    await expect(owned.lease.recordVideo('video_late')).rejects.toBeInstanceOf(ClaimLostError);
    const record = parseClaim((await claims.read(claimName(fp)))!.text, fp)!;
    expect(record).toMatchObject({ host: 'ci', video_id: null });
  });

  it('renewals keep a claim alive: a watcher never sees the same version for a lease', async () => {
    const clock = { now: Date.UTC(2026, 11, 1, 12) };
    const laptop = machine('laptop', clock);
    const ci = machine('ci', clock);
    const fp = fingerprint(21);
    const owned = await meetClaim(laptop, fp);
    if (!('kind' in owned)) throw new Error('expected to own the claim');
    for (let i = 0; i < 6; i++) {
      clock.now += CLAIM_LEASE_MS / 3;
      await owned.lease.renew();
      expect(await meetClaim(ci, fp)).toMatchObject({ action: 'wait' });
    }
    expect(owned.lease.isHeld()).toBe(true);
  });

  it('keepAlive renews on its own until stopped', async () => {
    const laptop: ClaimContext = { claims, me: createClaimIdentity(), watch: new ClaimWatch(), now: () => Date.now() };
    const owned = await meetClaim(laptop, fingerprint(22));
    if (!('kind' in owned)) throw new Error('expected to own the claim');
    const stop = owned.lease.keepAlive({ intervalMs: 20 });
    await sleep(200);
    stop();
    const version = Number((await claims.read(claimName(fingerprint(22))))!.version);
    expect(version).toBeGreaterThan(3);
  });

  it('the video id, once recorded, is adopted by every later run, however long after', async () => {
    const clock = { now: Date.UTC(2026, 11, 1, 12) };
    const laptop = machine('laptop', clock);
    const fp = fingerprint(23);
    const owned = await meetClaim(laptop, fp);
    if (!('kind' in owned)) throw new Error('expected to own the claim');
    await owned.lease.recordVideo('video_abc', 'http://gpu-2:8091/v1');
    clock.now += 7 * 86_400_000;
    expect(await meetClaim(machine('ci', clock), fp)).toMatchObject({ action: 'adopt', videoId: 'video_abc', server: 'http://gpu-2:8091/v1' });
    // …until its video is known to be gone: then it is taken over, without a reconcile search.
    expect(await meetClaim(machine('ci', clock), fp, { videoGone: true })).toMatchObject({ kind: 'owned', reconcile: false });
  });

  it('a server URL with credentials is never written into a claim', async () => {
    const owned = await meetClaim(machine('laptop', { now: 0 }), fingerprint(24));
    if (!('kind' in owned)) throw new Error('expected to own the claim');
    await owned.lease.recordVideo('video_1', 'https://admin:hunter2@gpu.example/v1');
    const text = (await claims.read(claimName(fingerprint(24))))!.text;
    expect(text).not.toContain('hunter2');
    expect(parseClaim(text, fingerprint(24))).toMatchObject({ video_id: 'video_1', server: null });
  });

  it('a released claim is taken at once', async () => {
    const clock = { now: Date.UTC(2026, 11, 1, 12) };
    const owned = await meetClaim(machine('laptop', clock), fingerprint(25));
    if (!('kind' in owned)) throw new Error('expected to own the claim');
    await owned.lease.release();
    expect(await meetClaim(machine('ci', clock), fingerprint(25))).toMatchObject({ kind: 'owned', reconcile: false });
  });

  it('an unreadable claim is never adopted; it is taken over once watched unchanged for a lease', async () => {
    const clock = { now: Date.UTC(2026, 11, 1, 12) };
    const name = claimName(fingerprint(26));
    await claims.create(name, '{"video_id":"video_planted"}\n');
    const ci = machine('ci', clock);
    expect(await meetClaim(ci, fingerprint(26))).toMatchObject({ action: 'wait', holder: null });
    clock.now += CLAIM_LEASE_MS;
    expect(await meetClaim(ci, fingerprint(26))).toMatchObject({ kind: 'owned', reconcile: true, since: null });
  });
});
