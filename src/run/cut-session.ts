import path from 'node:path';
import type { StoryboardPlan } from '../plan/plan-storyboard.js';
import type { PlannedCut } from '../plan/plan-cuts.js';
import type { LockRecorder } from './lock-recorder.js';
import { startCuts, type CutEvent, type CutReport, type CutRun } from './run-cuts.js';

/**
 * The films of a render, around the rendering of their clips: started before the first job, fed
 * each job's end, and waited for after the last. Films the plan blocked are reported skipped,
 * naming their clip; the entries of films gone from the storyboard are dropped on a full run.
 */

export interface CutSessionOptions {
  readonly planned: StoryboardPlan;
  readonly recorder: LockRecorder;
  readonly outDir: string;
  /** Jobs the run renders, resumes or downloads. */
  readonly pending: ReadonlySet<string>;
  readonly signal: AbortSignal;
  /** Drop the entries of films gone from the storyboard (a full run, not `--only`). */
  readonly pruneOrphans: boolean;
  readonly onEvent?: (event: CutEvent) => void;
}

/** Whether a plan owes work on films: some to assemble, or (on a full run) orphan entries to drop. */
export function owesCuts(planned: StoryboardPlan, pruneOrphans: boolean): boolean {
  return planned.cuts.totals.cut > 0 || (pruneOrphans && planned.cuts.orphans.length > 0);
}

/**
 * Runs `render` (the jobs) with the films assembling alongside: `render` is given the function
 * to call as each job settles. Resolves with what `render` returned and a report per film of
 * the plan, in the plan's order; rejects with `render`'s error once the films running ended.
 */
export async function withCuts<T>(
  options: CutSessionOptions,
  render: (clipSettled: CutRun['clipSettled']) => Promise<T>,
): Promise<{ readonly value: T; readonly cuts: readonly CutReport[] }> {
  const { planned, recorder, signal } = options;
  const owed = planned.cuts.cuts.filter((cut) => cut.action === 'cut');
  const run = await startCuts({
    cuts: owed,
    pending: options.pending,
    recorder,
    lockDir: path.dirname(planned.lockPath),
    outDir: options.outDir,
    signal,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  let built: CutReport[] = [];
  let value: T;
  try {
    value = await render((jobId, completed, why) => run.clipSettled(jobId, completed, why));
  } finally {
    built = await run.finish();
  }
  if (options.pruneOrphans && !signal.aborted) await recorder.removeCuts(planned.cuts.orphans);
  const reports = new Map<string, CutReport>(built.map((report) => [report.id, report]));
  for (const cut of planned.cuts.cuts) if (cut.action === 'blocked') reports.set(cut.id, blockedReport(cut));
  return { value, cuts: planned.cuts.cuts.flatMap((cut) => reports.get(cut.id) ?? []) };
}

/** The films the plan could not start, as reports: what a run with nothing else to do tells of them. */
export function blockedCuts(planned: StoryboardPlan): CutReport[] {
  return planned.cuts.cuts.filter((cut) => cut.action === 'blocked').map(blockedReport);
}

/** A film the plan could not start: a clip it plays failed for good, is blocked, or is not selected. */
function blockedReport(cut: PlannedCut): CutReport {
  const reason = cut.reason;
  if (reason.code !== 'clip-unavailable') return { id: cut.id, status: 'skipped', clip: cut.clips[0] ?? '', reason: 'not assembled' };
  const why = reason.why === 'not-selected' ? 'is not selected by --only' : reason.why === 'failed' ? 'failed and is not sent again' : 'is blocked';
  return { id: cut.id, status: 'skipped', clip: reason.clip, reason: `not assembled, because clip ${reason.clip} ${why}` };
}
