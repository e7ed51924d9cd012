import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fingerprintOf } from '../../src/lockfile/fingerprint.js';
import { LOCKFILE_VERSION, type LockEntry, type Lockfile } from '../../src/lockfile/lockfile.js';
import { buildGraph } from '../../src/plan/graph.js';
import { requestOf } from '../../src/plan/request-of.js';
import { priceOf, providerIdentity } from '../../src/providers/profile.js';
import type { LoadedStoryboard } from '../../src/storyboard/load-storyboard.js';

/** The bytes standing in for a job's video in plan tests (plan only hashes files). */
export function fakeVideoBytes(jobId: string): Buffer {
  return Buffer.from(`fake mp4 for ${jobId}\n`);
}

export function outputPathOf(name: string, jobId: string): string {
  return `renders/${name}/${jobId}.mp4`;
}

/**
 * A lockfile in which every job of the storyboard completed at `createdAt`: video ids derived
 * from the job ids, remixes pointing at their parents' videos, outputs hashed from fakeVideoBytes.
 */
export function completedLockfile(loaded: LoadedStoryboard, createdAt: number): Lockfile {
  const { storyboard, jobs } = loaded;
  const graph = buildGraph(jobs);
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const providerId = providerIdentity(storyboard.provider.profile, null);
  const entries: Record<string, LockEntry> = {};
  for (const id of graph.order) {
    const job = byId.get(id)!;
    const parentVideo = job.remixOf === null ? null : entries[job.remixOf]!.video_id;
    const request = requestOf(job, { providerId, inputReferences: loaded.inputReferences }, parentVideo);
    const bytes = fakeVideoBytes(id);
    entries[id] = {
      fingerprint: fingerprintOf(request),
      request,
      video_id: `video_${createHash('sha256').update(id).digest('hex').slice(0, 48)}`,
      remixed_from: parentVideo,
      status: 'completed',
      created_at: createdAt,
      expires_at: createdAt + 86_400,
      cost_usd: priceOf(storyboard.provider.profile, request.model!, request.size, Number(request.seconds)),
      error: null,
      outputs: { video: { path: outputPathOf(storyboard.name, id), sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length } },
    };
  }
  return { lockfileVersion: LOCKFILE_VERSION, name: storyboard.name, jobs: entries };
}

/** Writes the fake output file of every entry that has one. */
export async function writeFakeOutputs(dir: string, lock: Lockfile): Promise<void> {
  for (const [id, entry] of Object.entries(lock.jobs)) {
    if (!entry.outputs.video) continue;
    const file = path.join(dir, entry.outputs.video.path);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, fakeVideoBytes(id));
  }
}
