import path from 'node:path';
import { resolveEndpoint } from '../api/endpoint.js';
import { openServer, type EmbeddedEvent, type OpenServer } from '../embedded/open-server.js';
import { InterruptedError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { planStoryboard, type StoryboardPlan } from '../plan/plan-storyboard.js';
import { credentialFor } from '../providers/credentials.js';
import { outcomesOf, outputDirOf, REPORT_FILE, writeReport } from '../report/write-report.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { acquireLock, type HeldLock, type Judgement, type LockHolder } from './advisory-lock.js';
import { systemClock } from './clock.js';
import { recordWithoutSending, recorderFor, renderStoryboard, type JobReport, type JobState, type RenderResult } from './render-storyboard.js';
import { blockedCuts, owesCuts, withCuts } from './cut-session.js';
import type { CutEvent, CutReport } from './run-cuts.js';
import { removeStaleFiles } from './stale-files.js';
import type { ClaimsUnsupportedError } from '../remote/errors.js';
import type { RemoteStore } from '../remote/store.js';
import type { TransferEvent, TransferSummary } from '../remote/transfer.js';
import { openClaims, pullPlanned, pushPinned, refusedBlobs, withWriteThrough, WriteThrough } from './remote-sync.js';

/** What a render of one loaded storyboard is asked to do, and what it may use of the process. */
export interface RenderSessionOptions {
  readonly loaded: LoadedStoryboard;
  /** `--only` globs; an `--only` run does not drop orphans (it does not see the whole storyboard). */
  readonly only: readonly string[];
  /** `--replace` globs. */
  readonly replace: readonly string[];
  /** `--retry-failed`. Default false. */
  readonly retryFailed?: boolean;
  /** `--retry-ambiguous`. Default false. */
  readonly retryAmbiguous?: boolean;
  /** `--out`, absolute; default: `renders/<name>/` beside the storyboard. */
  readonly outDir?: string;
  /** Whether a glob that matches no job is refused; false when the caller checked across several storyboards. Default true. */
  readonly checkGlobs?: boolean;
  /**
   * Called on every plan before anything is sent or locked (`--frozen`, `--max-cost`); throws to
   * refuse it. The caller words the refusal. Default: every plan is accepted.
   */
  readonly refuse?: (plan: Plan) => void;
  /** Wait for another process holding the lockfile's lock instead of failing with `lock-busy`. Default false. */
  readonly wait?: boolean;
  /** Write the contact sheet (`report.html`) after the run. Default true. */
  readonly report?: boolean;
  /** Allow plain http:// to a host other than this machine. Default false. */
  readonly allowInsecureHttp?: boolean;
  /** Time scale of the embedded emulator, if this process starts it. */
  readonly emulatorSpeed?: number;
  /** Where API keys are read from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ctrl-C: jobs in flight are recorded, nothing new is sent. */
  readonly signal: AbortSignal;
  /** Watch mode: once aborted, nothing new starts; jobs already on the server finish and are recorded. */
  readonly drain?: AbortSignal;
  /** Wall clock, Unix milliseconds. */
  readonly now: () => number;
  /** A path as the user reads it in messages and the report. */
  readonly display: (absPath: string) => string;
  /** Progress, as it happens; the session never writes to a terminal. */
  readonly onEvent?: (event: RenderSessionEvent) => void;
  /** The remote store (SPEC §8): files it holds are pulled, outputs pushed, creates claimed. Absent: none. */
  readonly remote?: RemoteStore | null;
}

/**
 * What a render says while it runs, in order: the first plan; a wait for the lock's holder; the
 * plan the run goes by (made again under the lock); with the servers open, the start of
 * rendering; each job's state changes and ends; the end of rendering (before the report is
 * written), told whenever the start was. The embedded emulator's own events pass through.
 */
export type RenderSessionEvent =
  | { readonly type: 'planned'; readonly planned: StoryboardPlan }
  | { readonly type: 'lock-wait'; readonly holder: LockHolder; readonly judged: Judgement }
  | { readonly type: 'start'; readonly planned: StoryboardPlan; readonly outDir: string; readonly work: number }
  | { readonly type: 'rendering'; readonly planned: StoryboardPlan }
  | { readonly type: 'job'; readonly id: string; readonly state: JobState; readonly detail: JobDetail }
  | { readonly type: 'job-settled'; readonly report: JobReport }
  | { readonly type: 'render-end' }
  | { readonly type: 'embedded'; readonly event: EmbeddedEvent }
  | { readonly type: 'remote'; readonly event: TransferEvent }
  /** A film of the cuts: started, progressing, settled. */
  | { readonly type: 'cut'; readonly event: CutEvent }
  /** The remote cannot hold claims: this run renders without the one-paid-job-per-request guarantee across machines. */
  | { readonly type: 'claims-unsupported'; readonly error: ClaimsUnsupportedError };

/** A job's state change: the video it is, its progress, the server's message. */
export interface JobDetail {
  readonly videoId?: string | null;
  readonly progress?: number | null;
  readonly message?: string;
}

/**
 * How the session ended. `nothing-sent`: the plan owed no create, poll or download (moves and
 * orphans may have been recorded); `moved` counts jobs whose files were renamed to new ids.
 * `rendered`: the scheduler ran; `result` holds each job's end.
 */
export type RenderOutcome = (
  | { readonly kind: 'nothing-sent'; readonly planned: StoryboardPlan; readonly outDir: string; readonly moved: number }
  | { readonly kind: 'rendered'; readonly planned: StoryboardPlan; readonly outDir: string; readonly result: RenderResult }
) & {
  readonly remote?: RemoteOutcome;
  /** Each film of the plan's cuts: built, reused, skipped (naming its clip), failed or cancelled. */
  readonly cuts: readonly CutReport[];
};

/** What went to and came from the remote: the pulls the plan asked for, then the push of every pinned output the remote lacked. */
export interface RemoteOutcome {
  readonly pulled: TransferSummary | null;
  readonly pushed: TransferSummary | null;
}

/**
 * Plans a loaded storyboard and renders what the plan owes, under the lockfile's lock: plan,
 * refuse early (limits, keys, insecure endpoints), lock, plan again, open the servers, render,
 * write the report. Throws what refused or broke the run; returns how it ended otherwise.
 */
export async function runRenderSession(options: RenderSessionOptions): Promise<RenderOutcome> {
  const { remote } = options;
  if (!remote) return renderSession(options, null);
  const pulls: RemoteRun = { summary: null, writeThrough: null };
  const outcome = await renderSession(options, pulls);
  const moved = (await pulls.writeThrough?.settle()) ?? { transferred: 0, bytes: 0, seconds: 0 };
  // Write-through, before the run reports success: every output the lockfile pins and the remote
  // lacks, this run's and those of an earlier run stopped before its push.
  const pushed = options.signal.aborted
    ? null
    : await pushPinned(outcome.planned.lockPath, { projectRoot: options.loaded.projectRoot, outDir: options.outDir }, remote, {
        signal: options.signal,
        display: options.display,
        onEvent: (event) => options.onEvent?.({ type: 'remote', event }),
        replace: refusedBlobs(pulls.summary),
      });
  return { ...outcome, remote: { pulled: pulls.summary, pushed: withWriteThrough(pushed, moved) } };
}

/** A run's dealings with its remote while it renders: what it pulled, and the pushes of jobs as they complete. */
interface RemoteRun {
  summary: TransferSummary | null;
  writeThrough: WriteThrough | null;
}

async function renderSession(options: RenderSessionOptions, pulls: RemoteRun | null): Promise<RenderOutcome> {
  const { loaded } = options;
  const tell = options.onEvent ?? (() => undefined);
  // Before anything is sent: a default renders directory that leads out of the project is refused.
  const outDir = outputDirOf(loaded, options.outDir, options.display);
  const first = await planFor(options);
  options.refuse?.(first.plan);
  // Refused before anything is sent or locked: a missing key, plain http to another machine.
  // (A run with a remote that only pulls needs no key: a teammate's clone gets the files without one.)
  const { provider } = loaded.storyboard;
  if (workOf(first) > 0 || !options.remote) credentialFor(provider.profile, options.env);
  for (const { baseUrl } of provider.servers) if (baseUrl !== null) resolveEndpoint(baseUrl, options.allowInsecureHttp === true);
  tell({ type: 'planned', planned: first });
  if (!owesWork(first, options)) return nothingSent(first, outDir, tell, blockedCuts(first));

  const lock = await takeLock(first.lockPath, options, tell);
  let server: OpenServer | null = null;
  try {
    // Planned again under the lock: a render that held it (the one `--wait` waited for, or the
    // winner of a race to it) has changed the lockfile since, and its work must not be paid twice.
    let planned = await planFor(options);
    options.refuse?.(planned.plan);
    // Read-through: files the remote holds come from it, before any server is opened.
    if (options.remote && pulls) {
      pulls.summary = await pullPlanned(planned, options.remote, {
        signal: options.signal,
        display: options.display,
        onEvent: (event) => tell({ type: 'remote', event }),
      });
      // A damaged blob is as good as none: planned again without it, the job downloads from the
      // server (or renders, within the same limits), and the push after the run replaces the blob.
      const refused = refusedBlobs(pulls.summary);
      if (refused.size > 0) {
        planned = await planFor(options, refused);
        options.refuse?.(planned.plan);
      }
    }
    const recorder = recorderFor(loaded, planned);
    const cutOptions = {
      planned,
      recorder,
      outDir,
      signal: options.signal,
      pruneOrphans: prunes(options),
      onEvent: (event: CutEvent) => tell({ type: 'cut', event }),
    };
    if (workOf(planned) === 0) {
      // Films whose clips are all on disk are assembled without opening a server.
      const { cuts } = await withCuts({ ...cutOptions, pending: new Set() }, async () => {
        if (owesWork(planned, options)) await recordWithoutSending(planned, { outDir, pruneOrphans: prunes(options), recorder });
      });
      if (cuts.length > 0 && options.report !== false) {
        await removeStaleFiles([path.join(outDir, REPORT_FILE)]);
        await writeReport({ loaded, outDir, now: options.now(), outcomes: new Map(), display: options.display });
      }
      return nothingSent(planned, outDir, tell, cuts);
    }
    tell({ type: 'start', planned, outDir, work: workOf(planned) });
    const claims = options.remote ? await openClaims(options.remote, { signal: options.signal, now: options.now }) : null;
    if (claims !== null && 'unsupported' in claims) tell({ type: 'claims-unsupported', error: claims.unsupported });
    const opened = await openServer(loaded, {
      allowInsecureHttp: options.allowInsecureHttp === true,
      ...(options.emulatorSpeed !== undefined ? { emulatorSpeed: options.emulatorSpeed } : {}),
      env: options.env,
      signal: options.signal,
      display: options.display,
      onEvent: (event) => tell({ type: 'embedded', event }),
    });
    server = opened;
    let result: RenderResult;
    if (options.remote && pulls)
      pulls.writeThrough = new WriteThrough(options.remote, path.dirname(planned.lockPath), {
        signal: options.signal,
        display: options.display,
        onEvent: (event) => tell({ type: 'remote', event }),
      });
    const writeThrough = pulls?.writeThrough ?? null;
    let cuts: readonly CutReport[];
    tell({ type: 'rendering', planned });
    const pending = new Set(
      planned.plan.jobs.filter((job) => job.action === 'render' || job.action === 'resume' || job.action === 'download').map((job) => job.id),
    );
    try {
      ({ value: result, cuts } = await withCuts({ ...cutOptions, pending }, (clipSettled) =>
        renderStoryboard({
          loaded,
          planned,
          servers: opened.servers,
          outDir,
          clock: systemClock,
          wallNow: options.now,
          signal: options.signal,
          ...(options.drain ? { drain: options.drain } : {}),
          pruneOrphans: prunes(options),
          onState: (id, state, detail) => tell({ type: 'job', id, state, detail }),
          recorder,
          onSettled: (id, report) => {
            // The job's end is told before the films it releases start.
            tell({ type: 'job-settled', report });
            if (report.status === 'completed' && report.pinned) writeThrough?.add(report.pinned);
            clipSettled(id, report.status === 'completed', report.status === 'completed' ? undefined : UNFINISHED[report.status]);
          },
          ...(claims !== null && 'claims' in claims ? { claims: claims.claims } : {}),
          ...(options.retryAmbiguous ? { retryAmbiguous: true } : {}),
        }),
      ));
    } finally {
      tell({ type: 'render-end' });
    }
    if (options.report !== false) {
      await removeStaleFiles([path.join(outDir, REPORT_FILE)]);
      await writeReport({ loaded, outDir, now: options.now(), outcomes: outcomesOf(result.reports), display: options.display });
    }
    return { kind: 'rendered', planned, outDir, result, cuts };
  } finally {
    await server?.close();
    await lock.release();
  }
}

/** How a film names the end of a clip it waited for. */
const UNFINISHED = { failed: 'failed', skipped: 'was skipped', cancelled: 'was cancelled' } as const;

function planFor(options: RenderSessionOptions, remoteRefused?: ReadonlySet<string>): Promise<StoryboardPlan> {
  return planStoryboard(options.loaded, {
    now: Math.floor(options.now() / 1000),
    only: options.only,
    replace: options.replace,
    ...(options.retryFailed ? { retryFailed: true } : {}),
    ...(options.retryAmbiguous ? { retryAmbiguous: true } : {}),
    checkGlobs: options.checkGlobs !== false,
    display: options.display,
    ...(options.outDir ? { outDir: options.outDir } : {}),
    ...(options.remote ? { remote: options.remote, signal: options.signal } : {}),
    ...(remoteRefused ? { remoteRefused } : {}),
  });
}

/** Jobs that send something: renders, resumes, downloads. */
export function workOf({ plan }: StoryboardPlan): number {
  return plan.totals.render + plan.totals.resume + plan.totals.download;
}

/** Orphans leave the lockfile on a full render only: an `--only` run does not see the whole storyboard. */
function prunes(options: Pick<RenderSessionOptions, 'only'>): boolean {
  return options.only.length === 0;
}

/** Whether the run must take the lock: jobs to send, or, with nothing to send, orphans to move to their new ids or (on a full render) to drop. */
function owesWork(planned: StoryboardPlan, options: Pick<RenderSessionOptions, 'only'>): boolean {
  return (
    workOf(planned) > 0 ||
    planned.plan.totals.pull > 0 ||
    planned.plan.moves.length > 0 ||
    (prunes(options) && planned.plan.orphans.length > 0) ||
    owesCuts(planned, prunes(options))
  );
}

function nothingSent(planned: StoryboardPlan, outDir: string, tell: (event: RenderSessionEvent) => void, cuts: readonly CutReport[]): RenderOutcome {
  tell({ type: 'start', planned, outDir, work: 0 });
  const moved = planned.plan.moves.filter((move) => move.from !== move.to).length;
  return { kind: 'nothing-sent', planned, outDir, moved, cuts };
}

/** The advisory lock beside the lockfile, waiting for its holder only when asked to. */
async function takeLock(lockPath: string, options: RenderSessionOptions, tell: (event: RenderSessionEvent) => void): Promise<HeldLock> {
  try {
    return await acquireLock(lockPath, {
      wait: options.wait === true,
      clock: systemClock,
      signal: options.signal,
      onWait: (holder, judged) => tell({ type: 'lock-wait', holder, judged }),
    });
  } catch (error) {
    // Ctrl-C during a wait rejects with whatever the signal carries; it is an interrupt, not a bug.
    if (options.signal.aborted) throw new InterruptedError('interrupted while waiting for the lock; nothing was sent');
    throw error;
  }
}
