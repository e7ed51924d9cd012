import type { Lockfile } from '../lockfile/lockfile.js';
import type { StoredOutput } from '../remote/transfer.js';

/**
 * Every output a lockfile pins (video, thumbnail, and whatever kinds of output an entry records),
 * where it lies on disk: what push uploads and pull fetches. Generic over the entry's `outputs`,
 * so a new kind of output travels without changes here. Paths not confined to the project (absent
 * from `located`) are left out.
 */
export function pinnedOutputs(lockfile: Lockfile | null, located: ReadonlyMap<string, string>, label: (absPath: string) => string = (p) => p, only?: ReadonlySet<string>): StoredOutput[] {
  const outputs: StoredOutput[] = [];
  const seen = new Set<string>();
  for (const [jobId, entry] of Object.entries(lockfile?.jobs ?? {})) {
    if (only !== undefined && !only.has(jobId)) continue;
    for (const output of Object.values(entry.outputs) as ({ path: string; sha256: string; bytes: number } | undefined)[]) {
      if (output === undefined) continue;
      const absPath = located.get(output.path);
      if (absPath === undefined || seen.has(absPath)) continue;
      seen.add(absPath);
      outputs.push({ sha256: output.sha256, bytes: output.bytes, path: absPath, label: label(absPath) });
    }
  }
  return outputs;
}
