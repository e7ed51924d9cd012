import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRecord } from './job.js';

const STATE_VERSION = 1;

interface StoredJob {
  version: number;
  job: JobRecord;
}

/**
 * The emulator's jobs, in memory and, with a state directory, one JSON file per job
 * (`jobs/<id>.json`, written atomically) reloaded on start. Deleted jobs stay as tombstones:
 * they vanish from the API but keep their place for list cursors and for the spend stats.
 */
export class VideoStore {
  private readonly jobs = new Map<string, JobRecord>();
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown = null;
  private nextSeq = 1;

  private constructor(private readonly dir: string | null) {}

  static async open(stateDir: string | null): Promise<VideoStore> {
    const store = new VideoStore(stateDir === null ? null : join(stateDir, 'jobs'));
    await store.load();
    return store;
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /** Every job ever created here, tombstones included, in creation order. */
  all(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => a.seq - b.seq);
  }

  allocateSeq(): number {
    return this.nextSeq++;
  }

  /** Records a new or changed job; the write to disk is queued, in order. */
  put(job: JobRecord): void {
    this.jobs.set(job.id, job);
    this.persist(job);
  }

  /** Resolves when every queued write is on disk; rejects if any of them failed. */
  async flush(): Promise<void> {
    await this.writes;
    if (this.writeError !== null) throw this.writeError;
  }

  private persist(job: JobRecord): void {
    const dir = this.dir;
    if (dir === null) return;
    const snapshot: StoredJob = { version: STATE_VERSION, job: { ...job } };
    this.writes = this.writes
      .then(() => writeJsonAtomic(join(dir, `${job.id}.json`), snapshot))
      .catch((error: unknown) => {
        // Kept for flush(): one failed write must not stop the ones queued after it.
        this.writeError = error;
      });
  }

  private async load(): Promise<void> {
    if (this.dir === null) return;
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const stored = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as StoredJob;
      if (stored.version !== STATE_VERSION) continue;
      this.jobs.set(stored.job.id, stored.job);
      this.nextSeq = Math.max(this.nextSeq, stored.job.seq + 1);
    }
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = `${path}.tmp-${randomUUID()}`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, path);
}

/** The virtual clock's offset survives restarts, so a job that expired stays expired. */
export async function readClockOffset(stateDir: string | null): Promise<number> {
  if (stateDir === null) return 0;
  try {
    const { offsetMs } = JSON.parse(await readFile(join(stateDir, 'clock.json'), 'utf8')) as { offsetMs: number };
    return Number.isFinite(offsetMs) ? offsetMs : 0;
  } catch {
    return 0;
  }
}

export async function writeClockOffset(stateDir: string | null, offsetMs: number): Promise<void> {
  if (stateDir === null) return;
  await writeJsonAtomic(join(stateDir, 'clock.json'), { offsetMs });
}
