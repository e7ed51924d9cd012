import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { filePool } from '../src/remote/file-pool.js';
import { DEFAULT_TRANSFER_CONCURRENCY, openRemoteStore, pullOutputs, pushOutputs, type StoredOutput } from '../src/remote/index.js';
import { largeFile, tempDir } from '../test/remote/helpers.js';
import { measurePeakRss } from './download-memory.js';

/**
 * Push and pull through the directory store against `cp -r` of the same files, in the same run,
 * on the same filesystem: 1,000 × 100 KB, 4 × 50 MB and 4 × 200 MB. Every figure is the median of three
 * rounds, cp, push and pull taking turns so load on the shared machine falls on all three.
 * Push and pull verify every byte by sha256 and fsync every file before renaming it into place;
 * plain `cp` does neither, so `cp` + `sync` of the copied files is measured too, the same
 * durability with no verification, and `cp` run beside the sha256 of the same files on the
 * file pool's workers, nothing fsynced: a verified copy must both copy and hash every byte on
 * the same cores, so this is the fastest any can be here, and `(cp ‖ sha256) ÷ cp` is the
 * ceiling of `push ÷ cp` and `pull ÷ cp` on the machine that runs it.
 * Every step starts after a `sync`, so none pays for the writeback of the one before.
 */

const run = promisify(execFile);

export interface ThroughputRow {
  readonly label: string;
  readonly files: number;
  readonly totalMiB: number;
  readonly cpMBps: number;
  readonly cpSyncMBps: number;
  /** `cp -r` and every file's sha256 (on the file pool, at the transfers' concurrency) at once: the bound of a verified copy. */
  readonly cpHashMBps: number;
  readonly pushMBps: number;
  readonly pullMBps: number;
  readonly pushPeakRssMiB: number;
  readonly pullPeakRssMiB: number;
}

/** Two large sizes, so the peak memory shows it does not grow with the file size. */
const SETS = [
  { label: '1,000 × 100 KB', files: 1000, bytes: 100 * 1000 },
  { label: '4 × 50 MB', files: 4, bytes: 50 * 1000 * 1000 },
  { label: '4 × 200 MB', files: 4, bytes: 200 * 1000 * 1000 },
] as const;

export async function benchRemoteThroughput(rounds = 3): Promise<ThroughputRow[]> {
  const work = await tempDir('shotlist-bench-remote-');
  try {
    const rows: ThroughputRow[] = [];
    for (const set of SETS) rows.push(await measureSet(work.dir, set, rounds));
    return rows;
  } finally {
    await work.cleanup();
  }
}

async function measureSet(dir: string, set: (typeof SETS)[number], rounds: number): Promise<ThroughputRow> {
  const source = path.join(dir, 'outputs');
  const outputs: StoredOutput[] = [];
  for (let i = 0; i < set.files; i++) outputs.push(await largeFile(path.join(source, `out-${String(i).padStart(4, '0')}.mp4`), set.bytes, i));
  const total = set.files * set.bytes;
  const samples = {
    cp: [] as number[],
    cpSync: [] as number[],
    cpHash: [] as number[],
    push: [] as number[],
    pull: [] as number[],
    pushRss: [] as number[],
    pullRss: [] as number[],
  };
  for (let round = 0; round < rounds; round++) {
    const copy = path.join(dir, 'cp');
    await settle();
    samples.cp.push(await timed(() => run('cp', ['-r', source, copy])));
    await rm(copy, { recursive: true });
    await settle();
    samples.cpSync.push(
      await timed(async () => {
        await run('cp', ['-r', source, copy]);
        // `sync FILE...` fsyncs just those files (coreutils ≥ 8.24), as push and pull do each blob.
        const copied = (await readdir(copy)).map((name) => path.join(copy, name));
        await run('sync', copied, { maxBuffer: 1024 * 1024 });
      }),
    );
    await rm(copy, { recursive: true });
    await settle();
    samples.cpHash.push(await timed(() => Promise.all([run('cp', ['-r', source, copy]), hashAll(outputs)])));
    await rm(copy, { recursive: true });

    const remoteDir = path.join(dir, 'remote');
    const store = await openRemoteStore({ kind: 'directory', path: remoteDir });
    await settle();
    let pushMs = 0;
    const push = await measurePeakRss(() => timed(() => pushOutputs(store, outputs).then(check)).then((ms) => (pushMs = ms)));
    samples.push.push(pushMs);
    samples.pushRss.push(push.peakGrowthBytes);

    const clone = path.join(dir, 'clone');
    await mkdir(clone);
    const wanted = outputs.map((o) => ({ ...o, path: path.join(clone, path.basename(o.path)) }));
    await settle();
    let pullMs = 0;
    const pull = await measurePeakRss(() => timed(() => pullOutputs(store, wanted).then(check)).then((ms) => (pullMs = ms)));
    samples.pull.push(pullMs);
    samples.pullRss.push(pull.peakGrowthBytes);
    await rm(remoteDir, { recursive: true });
    await rm(clone, { recursive: true });
  }
  await rm(source, { recursive: true });
  const mbps = (ms: number) => total / 1e6 / (ms / 1000);
  return {
    label: set.label,
    files: set.files,
    totalMiB: total / 1024 / 1024,
    cpMBps: mbps(median(samples.cp)),
    cpSyncMBps: mbps(median(samples.cpSync)),
    cpHashMBps: mbps(median(samples.cpHash)),
    pushMBps: mbps(median(samples.push)),
    pullMBps: mbps(median(samples.pull)),
    pushPeakRssMiB: median(samples.pushRss) / 1024 / 1024,
    pullPeakRssMiB: median(samples.pullRss) / 1024 / 1024,
  };
}

/** Flushes what earlier steps left dirty, so the next one is timed on a quiet disk. */
async function settle(): Promise<void> {
  await run('sync');
}

async function hashAll(outputs: readonly StoredOutput[]): Promise<void> {
  const limit = pLimit(DEFAULT_TRANSFER_CONCURRENCY);
  await Promise.all(
    outputs.map((o) =>
      limit(async () => {
        const digest = await filePool().hashFile(o.path, o.bytes);
        if (digest.kind !== 'digest' || digest.sha256 !== o.sha256) throw new Error(`${o.path}: not the bytes it was made with`);
      }),
    ),
  );
}

function check(summary: Awaited<ReturnType<typeof pushOutputs>>): void {
  if (summary.transferred !== summary.items)
    throw new Error(`${summary.direction}: ${summary.transferred} of ${summary.items} transferred (${summary.failures[0]?.message ?? 'no failure'})`);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
