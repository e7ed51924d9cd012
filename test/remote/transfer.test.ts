import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measurePeakRss } from '../../bench/download-memory.js';
import {
  blobKey,
  openRemoteStore,
  pullOutputs,
  pushOutputs,
  RemoteError,
  type RemoteStore,
  type StoredOutput,
  type TransferEvent,
} from '../../src/remote/index.js';
import { filesUnder, largeFile, randomFile, sha256Of, tempDir } from './helpers.js';

/**
 * Push and pull through the directory store on real temp directories: 1,000 small outputs,
 * resumed after an interruption; large ones with bounded memory; a damaged blob reported as that
 * blob's error; transient failures retried by the project's retry policy.
 */

let work: Awaited<ReturnType<typeof tempDir>>;
let small: StoredOutput[];

beforeAll(async () => {
  work = await tempDir();
  small = [];
  for (let i = 0; i < 1000; i++) small.push(await randomFile(path.join(work.dir, 'project', 'renders', `shot-${i}.mp4`), 2_000 + (i % 50) * 37));
}, 120_000);

afterAll(async () => {
  await work.cleanup();
});

async function store(name: string): Promise<RemoteStore> {
  return openRemoteStore({ kind: 'directory', path: path.join(work.dir, name) });
}

function pulledTo(outputs: readonly StoredOutput[], dir: string): StoredOutput[] {
  return outputs.map((o) => ({ ...o, path: path.join(dir, path.basename(o.path)) }));
}

describe('push and pull of 1,000 small outputs', () => {
  it('pushes all, skips them all the second time, and pulls them back byte for byte', async () => {
    const remote = await store('remote-1000');
    const events: TransferEvent[] = [];
    const pushed = await pushOutputs(remote, small, { onEvent: (e) => events.push(e) });
    expect(pushed).toMatchObject({
      event: 'remote.summary',
      direction: 'push',
      items: 1000,
      transferred: 1000,
      present: 0,
      missing: 0,
      failed: 0,
      interrupted: false,
    });
    expect(pushed.bytes_transferred).toBe(small.reduce((sum, o) => sum + o.bytes, 0));
    expect(events.filter((e) => e.state === 'transferred')).toHaveLength(1000);
    expect(await filesUnder(path.join(work.dir, 'remote-1000', 'tmp'))).toEqual([]);

    const again = await pushOutputs(remote, small);
    expect(again).toMatchObject({ transferred: 0, present: 1000 });

    const clone = path.join(work.dir, 'clone-1000');
    const wanted = pulledTo(small, clone);
    const pulled = await pullOutputs(remote, wanted);
    expect(pulled).toMatchObject({ direction: 'pull', items: 1000, transferred: 1000, failed: 0, missing: 0 });
    for (const o of wanted.filter((_, i) => i % 97 === 0)) expect(sha256Of(await readFile(o.path))).toBe(o.sha256);
    expect((await filesUnder(clone)).length).toBe(1000);
    expect(await pullOutputs(remote, wanted)).toMatchObject({ transferred: 0, present: 1000 });
  }, 120_000);

  it('continues an interrupted push and pull where they stopped', async () => {
    const remote = await store('remote-resume');
    const controller = new AbortController();
    let done = 0;
    const first = await pushOutputs(remote, small, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.state === 'transferred' && ++done === 400) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.transferred).toBeGreaterThanOrEqual(400);
    expect(first.transferred).toBeLessThan(1000);
    expect(first.failed).toBe(0);
    // Writes cut off by the abort left no temp file behind.
    expect(await filesUnder(path.join(work.dir, 'remote-resume', 'tmp'))).toEqual([]);

    const rest = await pushOutputs(remote, small);
    expect(rest.present).toBe(first.transferred);
    expect(rest.transferred).toBe(1000 - first.transferred);

    const clone = path.join(work.dir, 'clone-resume');
    const wanted = pulledTo(small, clone);
    const pullController = new AbortController();
    let pulledSoFar = 0;
    const firstPull = await pullOutputs(remote, wanted, {
      signal: pullController.signal,
      onEvent: (e) => {
        if (e.state === 'transferred' && ++pulledSoFar === 300) pullController.abort();
      },
    });
    expect(firstPull.interrupted).toBe(true);
    expect((await filesUnder(clone)).filter((f) => f.includes('.part-'))).toEqual([]);
    const restPull = await pullOutputs(remote, wanted);
    expect(restPull.present).toBe(firstPull.transferred);
    expect(restPull.transferred + restPull.present).toBe(1000);
  }, 120_000);
});

describe('push and pull of large outputs', () => {
  it('streams 2 × 200 MB each way with memory bounded well below one file', async () => {
    const big = [
      await largeFile(path.join(work.dir, 'big', 'a.mp4'), 200 * 1024 * 1024, 1),
      await largeFile(path.join(work.dir, 'big', 'b.mp4'), 200 * 1024 * 1024, 2),
    ];
    const remote = await store('remote-big');
    const push = await measurePeakRss(() => pushOutputs(remote, big));
    expect(push.result).toMatchObject({ transferred: 2, failed: 0 });
    const wanted = pulledTo(big, path.join(work.dir, 'big-clone'));
    const pull = await measurePeakRss(() => pullOutputs(remote, wanted));
    expect(pull.result).toMatchObject({ transferred: 2, failed: 0 });
    // Holding one file would cost 200 MB; streaming leaves 1 MiB pieces to the garbage collector.
    expect(push.peakGrowthBytes).toBeLessThan(100 * 1024 * 1024);
    expect(pull.peakGrowthBytes).toBeLessThan(100 * 1024 * 1024);
    const pulledHash = sha256Of(await readFile(wanted[1]!.path));
    expect(pulledHash).toBe(big[1]!.sha256);
  }, 120_000);
});

describe('damage and failures, blob by blob', () => {
  it('reports a damaged blob as an error of that blob and pulls the others', async () => {
    const outputs = small.slice(0, 20);
    const remote = await store('remote-damaged');
    await pushOutputs(remote, outputs);
    const victim = outputs[7]!;
    const blob = path.join(work.dir, 'remote-damaged', ...blobKey(victim.sha256).split('/'));
    const bytes = await readFile(blob);
    bytes[100] = bytes[100]! ^ 0x04;
    await writeFile(blob, bytes);

    const clone = path.join(work.dir, 'clone-damaged');
    const events: TransferEvent[] = [];
    const summary = await pullOutputs(remote, pulledTo(outputs, clone), { onEvent: (e) => events.push(e) });
    expect(summary).toMatchObject({ transferred: 19, failed: 1 });
    expect(summary.failures).toEqual([
      { sha256: victim.sha256, path: path.join(clone, path.basename(victim.path)), code: 'blob-corrupt', message: expect.stringContaining('is damaged') },
    ]);
    expect(events.find((e) => e.state === 'failed')).toMatchObject({ sha256: victim.sha256, code: 'blob-corrupt' });
    // Never written as the output, no temp left, and not retried (the same bytes would come back).
    expect(await filesUnder(clone)).not.toContain(path.basename(victim.path));
    expect((await filesUnder(clone)).filter((f) => f.includes('.part-'))).toEqual([]);
    expect(events.filter((e) => e.state === 'retry')).toEqual([]);
  });

  it('says what is missing: on disk for a push, on the remote for a pull', async () => {
    const remote = await store('remote-missing');
    const gone = { ...small[0]!, path: path.join(work.dir, 'nowhere.mp4') };
    const push = await pushOutputs(remote, [gone, small[1]!]);
    expect(push).toMatchObject({ transferred: 1, missing: 1, failed: 0 });
    const pull = await pullOutputs(remote, pulledTo([small[0]!, small[1]!], path.join(work.dir, 'clone-missing')));
    expect(pull).toMatchObject({ transferred: 1, missing: 1 });
  });

  it('uploads content shared by several outputs once, from whichever copy exists', async () => {
    const remote = await store('remote-dedupe');
    const copy = { ...small[2]!, path: path.join(work.dir, 'no-such-copy.mp4') };
    const summary = await pushOutputs(remote, [copy, small[2]!, small[3]!]);
    expect(summary).toMatchObject({ items: 2, transferred: 2 });
  });

  it('retries transient failures by the retry policy, and not the others', async () => {
    const real = await store('remote-retry');
    let failuresLeft = 2;
    const flaky: RemoteStore = {
      ...real,
      description: real.description,
      statBlob: (sha) => real.statBlob(sha),
      putBlob: async (sha, bytes, file, options) => {
        if (sha === small[4]!.sha256 && failuresLeft-- > 0) throw new RemoteError('remote-io', 'EIO on the share', { kind: 'connection-lost' });
        if (sha === small[5]!.sha256) throw new RemoteError('remote-io', 'EACCES on the share', { kind: 'other' });
        return real.putBlob(sha, bytes, file, options);
      },
    };
    const delays: number[] = [];
    const events: TransferEvent[] = [];
    const summary = await pushOutputs(flaky, small.slice(4, 7), {
      retry: { sleep: async (ms) => void delays.push(ms), random: () => 0 },
      onEvent: (e) => events.push(e),
    });
    expect(summary).toMatchObject({ transferred: 2, failed: 1 });
    expect(summary.failures[0]).toMatchObject({ sha256: small[5]!.sha256, message: 'EACCES on the share' });
    // decideRetry's backoff with no jitter: 500 ms, then 1 s.
    expect(delays).toEqual([500, 1000]);
    expect(events.filter((e) => e.state === 'retry').map((e) => (e.state === 'retry' ? [e.retry, e.delay_ms, e.reason] : []))).toEqual([
      [1, 500, 'EIO on the share'],
      [2, 1000, 'EIO on the share'],
    ]);
  });
});
