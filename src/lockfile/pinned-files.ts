import type { Lockfile, OutputFile } from './lockfile.js';

/**
 * Every file a lockfile pins by sha256, with the job that recorded it: what the remote store
 * pushes, pulls and keeps (SPEC §8). The one place that knows where a lockfile records files, so
 * a new kind of output (a cut's film, say) travels with push, pull and gc once it is listed here.
 */
export function* pinnedFiles(lockfile: Lockfile | null): Generator<{ readonly jobId: string; readonly kind: string; readonly file: OutputFile }> {
  for (const [jobId, entry] of Object.entries(lockfile?.jobs ?? {})) {
    for (const [kind, file] of Object.entries(entry.outputs) as [string, OutputFile | undefined][]) if (file) yield { jobId, kind, file };
  }
  // A film's MP4 and timeline, under the film's id (film ids and job ids do not collide: `--only` tells them apart too).
  for (const [filmId, entry] of Object.entries(lockfile?.cuts ?? {})) {
    yield { jobId: filmId, kind: 'film', file: entry.outputs.video };
    yield { jobId: filmId, kind: 'timeline', file: entry.outputs.timeline };
  }
}
