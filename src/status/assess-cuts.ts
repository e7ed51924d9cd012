import type { CutEntry } from '../lockfile/lockfile.js';
import type { CutAction, CutPlan, CutReason } from '../plan/plan-cuts.js';
import type { OutputState } from '../plan/plan.js';
import type { FileState } from './assess-status.js';

/**
 * `shotlist status` for the films of the cuts: each film's recorded MP4 and `.otio` against the
 * disk, as a job's video is, and what `render` would do with it. Pure.
 */

/** `stale`: its files are whole, but the clips or settings changed and render would cut it again. */
export type CutHeadline = 'ok' | 'not_built' | 'missing' | 'altered' | 'stale' | 'blocked' | 'orphan';

export interface CutStatus {
  readonly id: string;
  readonly headline: CutHeadline;
  /** Whether `status` exits 1 because of this row: anything but a whole, current film (as for a job). */
  readonly attention: boolean;
  readonly video: FileState;
  readonly timeline: FileState;
  /** What `render` would do; `null` for an orphan. */
  readonly action: CutAction | null;
  readonly reason: CutReason | null;
}

export function assessCuts(plan: CutPlan, entries: Readonly<Record<string, CutEntry>>, files: ReadonlyMap<string, OutputState>): CutStatus[] {
  const rows = plan.cuts.map((cut): CutStatus => {
    const video = fileState(cut.entry?.outputs.video, files);
    const timeline = fileState(cut.entry?.outputs.timeline, files);
    const headline: CutHeadline =
      cut.entry === null
        ? cut.action === 'blocked'
          ? 'blocked'
          : 'not_built'
        : video === 'missing' || timeline === 'missing'
          ? 'missing'
          : video === 'altered' || timeline === 'altered'
            ? 'altered'
            : cut.action === 'blocked'
              ? 'blocked'
              : cut.action === 'cut'
                ? 'stale'
                : 'ok';
    // As for jobs: anything but a whole, current film is worth a look (render would act on it).
    const attention = headline !== 'ok';
    return { id: cut.id, headline, attention, video, timeline, action: cut.action, reason: cut.reason };
  });
  for (const id of [...plan.orphans].sort()) {
    const entry = entries[id]!;
    rows.push({
      id,
      headline: 'orphan',
      attention: true,
      video: fileState(entry.outputs.video, files),
      timeline: fileState(entry.outputs.timeline, files),
      action: null,
      reason: null,
    });
  }
  return rows;
}

function fileState(recorded: { readonly path: string; readonly sha256: string } | undefined, files: ReadonlyMap<string, OutputState>): FileState {
  if (!recorded) return 'none';
  const found = files.get(recorded.path) ?? null;
  if (found === null) return 'missing';
  return found.sha256 === recorded.sha256 ? 'ok' : 'altered';
}
