import path from 'node:path';
import { resolveEndpoint } from '../api/endpoint.js';
import { InterruptedError } from '../errors.js';
import { planStoryboard, type StoryboardPlan } from '../plan/plan-storyboard.js';
import { credentialFor } from '../providers/credentials.js';
import { acquireLock, describeHolder, type HeldLock } from '../run/advisory-lock.js';
import { systemClock } from '../run/clock.js';
import { dropOrphans, renderStoryboard, type RenderResult } from '../run/render-storyboard.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { EXIT } from './exit-codes.js';
import { formatTotals, formatUsd } from './format-plan.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext, CommonFlags } from './main.js';
import { checkLimits } from './plan-command.js';
import { createProgress } from './progress.js';
import { openServer, type OpenServer } from './open-server.js';
import { outcomesOf, outputDirOf, REPORT_FILE, writeReport } from '../report/write-report.js';
import { removeStaleFiles } from '../run/stale-files.js';
import { appendRunSummary, formatRunSummary, spentUsd } from './run-summary.js';

export interface RenderFlags extends CommonFlags {
  /** `--no-report` sets it false: skip writing the contact sheet at the end of the run. */
  readonly report?: boolean;
  /** Append a Markdown summary of the run to this file (e.g. $GITHUB_STEP_SUMMARY). */
  readonly summary?: string;
  /** Wait for another process holding the lockfile's lock instead of exiting. */
  readonly wait?: boolean;
  /** Time scale of the in-process emulator. */
  readonly emulatorSpeed?: number;
  /** Allow plain http:// to a host other than this machine. */
  readonly allowInsecureHttp?: boolean;
}


/** `shotlist render FILE...`: plan, then create, poll, download and record. */
export async function runRender(files: readonly string[], flags: RenderFlags, ctx: CliContext): Promise<number> {
  let worst: number = EXIT.ok;
  for (const file of files) {
    const code = await renderOne(file, flags, ctx);
    worst = severity(code) > severity(worst) ? code : worst;
    if (code === EXIT.interrupted) break;
  }
  return worst;
}

function severity(code: number): number {
  return code === EXIT.ok ? 0 : code === EXIT.jobsFailed ? 1 : 2;
}

async function renderOne(file: string, flags: RenderFlags, ctx: CliContext): Promise<number> {
  const { loaded } = await loadForCommand(file, flags, ctx);
  return renderLoaded(loaded, flags, ctx);
}

/**
 * Plans a loaded storyboard and renders what the plan owes, under the lockfile's lock. Watch
 * mode calls it too, with `drain`: once aborted, nothing new starts, and the jobs already on
 * the server finish and are recorded.
 */
export async function renderLoaded(loaded: LoadedStoryboard, flags: RenderFlags, ctx: CliContext, options: { readonly drain?: AbortSignal } = {}): Promise<number> {
  const { io } = ctx;
  const { storyboard } = loaded;
  const first = await planFor(loaded, flags, ctx);
  checkLimits(first.plan, flags);
  // Refused before anything is sent or locked: a missing key, plain http to another machine.
  credentialFor(storyboard.provider.profile, io.env);
  for (const { baseUrl } of storyboard.provider.servers) if (baseUrl !== null) resolveEndpoint(baseUrl, flags.allowInsecureHttp === true);
  const say = (text: string) => !flags.json && !flags.quiet && io.stderr.write(text);

  say(`${storyboard.name}: ${formatTotals(first.plan.totals)}\n`);
  const summaryTo = flags.summary ? { file: path.resolve(io.cwd, flags.summary), name: storyboard.name } : null;
  // Before anything is sent: a default renders directory that leads out of the project is refused.
  const outDir = outputDirOf(loaded, explicitOutDir(flags, ctx), (p) => displayPath(ctx, p));
  if (!owesWork(first, flags)) return nothingToDo(first, say, summaryTo);

  const lock = await takeLock(first.lockPath, flags, ctx, say);
  let server: OpenServer | null = null;
  try {
    // Planned again under the lock: a render that held it (the one `--wait` waited for, or the
    // winner of a race to it) has changed the lockfile since, and its work must not be paid twice.
    const planned = await planFor(loaded, flags, ctx);
    checkLimits(planned.plan, flags);
    if (workOf(planned) === 0) {
      if (owesWork(planned, flags)) await dropOrphans(planned);
      return nothingToDo(planned, say, summaryTo);
    }
    const { plan } = planned;
    server = await openServer(loaded, { allowInsecureHttp: flags.allowInsecureHttp === true, ...(flags.emulatorSpeed ? { emulatorSpeed: flags.emulatorSpeed } : {}) }, ctx);
    const mode = flags.json ? 'json' : flags.quiet ? 'quiet' : io.stderr.isTTY && io.env['TERM'] !== 'dumb' ? 'live' : 'lines';
    const renderCost = new Map(plan.jobs.filter((job) => job.action === 'render').map((job) => [job.id, job.costUsd]));
    const progress = createProgress({ mode, out: flags.json ? io.stdout : io.stderr, style: ctx.err, now: io.now, total: workOf(planned), costOf: (id) => renderCost.get(id) ?? null });
    let result: RenderResult;
    try {
      result = await renderStoryboard({
        loaded,
        planned,
        servers: server.servers,
        outDir,
        clock: systemClock,
        wallNow: io.now,
        signal: io.signal,
        ...(options.drain ? { drain: options.drain } : {}),
        pruneOrphans: prunes(flags),
        onState: (id, state, detail) => progress.state(id, state, detail),
        onSettled: (_id, report) => progress.settled(report),
      });
    } finally {
      progress.close();
    }
    // A summary file that cannot be written (`--summary /dev/full`) fails the command, after the
    // run's own result is told: the jobs are done and recorded either way.
    const summaryFailure = summaryTo ? await appendRunSummary(summaryTo.file, formatRunSummary(storyboard.name, plan, result)).then(() => null, (error: unknown) => error) : null;
    if (flags.report !== false) {
      await removeStaleFiles([path.join(outDir, REPORT_FILE)]);
      await writeReport({ loaded, outDir, now: io.now(), outcomes: outcomesOf(result.reports), display: (p) => displayPath(ctx, p) });
    }
    const code = summarize(result, plan.totals.blocked, flags, ctx, displayPath(ctx, outDir));
    if (summaryFailure !== null) throw summaryFailure;
    return code;
  } finally {
    await server?.close();
    await lock.release();
  }
}

function planFor(loaded: LoadedStoryboard, flags: RenderFlags, ctx: CliContext): Promise<StoryboardPlan> {
  const outDir = explicitOutDir(flags, ctx);
  return planStoryboard(loaded, { now: Math.floor(ctx.io.now() / 1000), only: flags.only, replace: flags.replace, display: (p) => displayPath(ctx, p), ...(outDir ? { outDir } : {}) });
}

/** Jobs that send something: renders, resumes, downloads. */
function workOf({ plan }: StoryboardPlan): number {
  return plan.totals.render + plan.totals.resume + plan.totals.download;
}

/** Orphans leave the lockfile on a full render only: an `--only` run does not see the whole storyboard. */
function prunes(flags: RenderFlags): boolean {
  return flags.only.length === 0;
}

/** Whether the run must take the lock: jobs to send, or, with nothing to send, orphans a full render drops. */
function owesWork(planned: StoryboardPlan, flags: RenderFlags): boolean {
  return workOf(planned) > 0 || (prunes(flags) && planned.plan.orphans.length > 0);
}

async function nothingToDo({ plan }: StoryboardPlan, say: (text: string) => void, summary: { file: string; name: string } | null): Promise<number> {
  say('nothing to do: every job is up to date\n');
  if (summary) await appendRunSummary(summary.file, formatRunSummary(summary.name, plan, null));
  return plan.totals.blocked > 0 ? EXIT.jobsFailed : EXIT.ok;
}

/** The advisory lock beside the lockfile, waiting for its holder only with `--wait`. */
async function takeLock(lockPath: string, flags: RenderFlags, ctx: CliContext, say: (text: string) => void): Promise<HeldLock> {
  try {
    return await acquireLock(lockPath, {
      wait: flags.wait === true,
      clock: systemClock,
      signal: ctx.io.signal,
      onWait: (holder, judged) => say(`waiting for ${describeHolder(holder, judged)} to finish rendering\n`),
    });
  } catch (error) {
    // Ctrl-C during `--wait` rejects with whatever the signal carries; it is an interrupt, not a bug.
    if (ctx.io.signal.aborted) throw new InterruptedError('interrupted while waiting for the lock; nothing was sent');
    throw error;
  }
}

/** `blocked`: jobs the plan could not start (a remix whose parent `--only` left out); they count as not done, as when nothing else runs. */
function summarize(result: RenderResult, blocked: number, flags: RenderFlags, ctx: CliContext, outDir: string): number {
  const count = (status: string) => result.reports.filter((report) => report.status === status).length;
  const spent = spentUsd(result.reports);
  const summary = { completed: count('completed'), failed: count('failed'), skipped: count('skipped'), cancelled: count('cancelled'), spent_usd: spent, interrupted: result.interrupted, out: outDir };
  if (flags.json) ctx.io.stdout.write(`${JSON.stringify({ event: 'run.summary', ...summary })}\n`);
  else {
    for (const report of result.reports) {
      if (report.status === 'failed' || report.status === 'skipped') ctx.io.stderr.write(`${ctx.err.red(report.status)}  ${report.job.id}: ${report.reason}\n`);
    }
    const parts = [`${summary.completed} done`, summary.failed > 0 ? `${summary.failed} failed` : '', summary.skipped > 0 ? `${summary.skipped} skipped` : '', summary.cancelled > 0 ? `${summary.cancelled} not started` : '', blocked > 0 ? `${blocked} blocked` : ''].filter(Boolean);
    ctx.io.stderr.write(`${parts.join(', ')}; spent ${formatUsd(spent)}; files in ${outDir}\n`);
    if (result.interrupted) ctx.io.stderr.write('interrupted: every job in flight is recorded in the lockfile; run again to resume\n');
  }
  if (result.interrupted) return EXIT.interrupted;
  return summary.failed + summary.skipped + blocked > 0 ? EXIT.jobsFailed : EXIT.ok;
}
