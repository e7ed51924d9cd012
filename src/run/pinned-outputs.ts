import type { Lockfile } from '../lockfile/lockfile.js';
import { pinnedFiles } from '../lockfile/pinned-files.js';
import type { StoredOutput } from '../remote/transfer.js';

/**
 * Every output a lockfile pins (`pinnedFiles`: video, thumbnail, whatever else it records),
 * where it lies on disk: what push uploads and pull fetches. Paths not confined to the project (absent
 * from `located`) are left out.
 */
export function pinnedOutputs(
  lockfile: Lockfile | null,
  located: ReadonlyMap<string, string>,
  label: (absPath: string) => string = (p) => p,
  only?: ReadonlySet<string>,
): StoredOutput[] {
  const outputs: StoredOutput[] = [];
  const seen = new Set<string>();
  for (const { jobId, file } of pinnedFiles(lockfile)) {
    if (only !== undefined && !only.has(jobId)) continue;
    const absPath = located.get(file.path);
    if (absPath === undefined || seen.has(absPath)) continue;
    seen.add(absPath);
    outputs.push({ sha256: file.sha256, bytes: file.bytes, path: absPath, label: label(absPath) });
  }
  return outputs;
}
