import { isDeterministicFailure, type LockEntry } from '../lockfile/lockfile.js';
import type { ResolvedJob } from '../storyboard/job.js';
import { droppedServer, fileState, isDue, recordedError, unreachable } from './entry-state.js';
import type { PlanAction, PlanInput } from './plan.js';
import type { AdoptedState } from './plan-reason.js';

/** A lockfile entry whose job id is gone from the storyboard. */
export interface Orphan {
  readonly id: string;
  readonly entry: LockEntry;
}

/**
 * The orphans of one plan, by fingerprint, for jobs to adopt: a renamed variant label or shot
 * makes a new job id with the very request an orphan holds. Each orphan is adopted by at most
 * one job (the first in plan order that can use it), so one video never serves two jobs.
 */
export class OrphanPool {
  private readonly byFingerprint = new Map<string, Orphan[]>();
  private readonly taken = new Set<string>();

  constructor(orphans: readonly Orphan[]) {
    for (const orphan of orphans) {
      const same = this.byFingerprint.get(orphan.entry.fingerprint);
      if (same) same.push(orphan);
      else this.byFingerprint.set(orphan.entry.fingerprint, [orphan]);
    }
  }

  /** The orphans not adopted yet (grouped by fingerprint, each group in lockfile order). */
  *remaining(): Iterable<Orphan> {
    for (const same of this.byFingerprint.values()) for (const orphan of same) if (!this.taken.has(orphan.id)) yield orphan;
  }

  /**
   * Takes the best orphan with this fingerprint that `judge` accepts (lowest rank, then lockfile
   * order); null when none is left.
   */
  take<T extends { readonly rank: number }>(fingerprint: string, judge: (orphan: Orphan) => T | null): { readonly orphan: Orphan; readonly how: T } | null {
    let best: { orphan: Orphan; how: T } | null = null;
    for (const orphan of this.byFingerprint.get(fingerprint) ?? []) {
      if (this.taken.has(orphan.id)) continue;
      const how = judge(orphan);
      if (how !== null && (best === null || how.rank < best.how.rank)) best = { orphan, how };
    }
    if (best) this.taken.add(best.orphan.id);
    return best;
  }
}

/** How a job adopts an orphan entry: what is left to do, and why (`null` for a plain move). */
export interface Adoption {
  readonly action: PlanAction;
  readonly then: AdoptedState | null;
  /** Lower is better, among orphans with the same request. */
  readonly rank: number;
}

/**
 * Whether an orphan with the job's request can be adopted, and what remains to do then: a video
 * with its file on disk moves; one whose file is gone but whose video the server still has moves
 * and downloads; one in flight moves and is resumed; a failure the same request would meet again
 * moves with it. An orphan whose take is gone from disk and server, or due for a refresh, is not
 * worth adopting.
 */
export function adoptionOf(
  entry: LockEntry,
  job: ResolvedJob,
  input: Pick<PlanInput, 'now' | 'servers' | 'outputs' | 'retryFailed'>,
  selected: boolean,
): Adoption | null {
  switch (entry.status) {
    case 'completed': {
      if (entry.video_id === null) return null;
      if (selected && job.refresh && isDue(entry, job.refresh.everySeconds, input.now)) return null;
      const file = fileState(entry, input);
      if (file === 'intact') return { action: 'move', then: null, rank: 0 };
      if (unreachable(entry, input) !== null) return null;
      return { action: 'download', then: { code: file === 'missing' ? 'file-missing' : 'file-altered' }, rank: 1 };
    }
    case 'queued':
    case 'in_progress':
    case 'creating':
      if (droppedServer(entry, input) !== null) return null;
      return { action: 'resume', then: entry.video_id ? { code: 'in-flight', videoId: entry.video_id } : { code: 'maybe-created' }, rank: 2 };
    case 'failed':
      if (!isDeterministicFailure(entry.error) || input.retryFailed === true) return null;
      return { action: 'failed', then: { code: 'failed-for-good', error: recordedError(entry) }, rank: 3 };
  }
}
