import path from 'node:path';
import { resolveEndpoint } from '../api/endpoint.js';
import { InterruptedError } from '../errors.js';
import { checkGlobs, planStoryboard, type StoryboardPlan } from '../plan/plan-storyboard.js';
import { credentialFor } from '../providers/credentials.js';
import { acquireLock, describeHolder, type HeldLock } from '../run/advisory-lock.js';
import { systemClock } from '../run/clock.js';
import type { PlanTotals } from '../plan/plan.js';
import { recordWithoutSending, renderStoryboard, type RenderResult } from '../run/render-storyboard.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { EXIT } from './exit-codes.js';
import { formatTotals, formatUsd, totalsFields } from './format-plan.js';
import { createScreen, onScreen, type Screen } from './live-region.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext, CommonFlags } from './main.js';
import { checkLimits } from './plan-command.js';
import { createProgress } from './progress.js';
import { openServer, type OpenServer } from '../embedded/open-server.js';
import { serverOptions } from './server-options.js';
import { outcomesOf, outputDirOf, REPORT_FILE, writeReport } from '../report/write-report.js';
import { removeStaleFiles } from '../run/stale-files.js';
import { appendRunSummary, formatRunSummary } from './run-summary.js';
import { printable } from '../untrusted/control-characters.js';

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

export interface RenderOptions {
  /** Watch mode: once aborted, nothing new starts; the jobs already on the server finish and are recorded. */
  readonly drain?: AbortSignal;
  /** The terminal the caller writes to while the render runs (watch mode), with `ctx` already writing through it. */
  readonly screen?: Screen;
  /** Several storyboards were rendered together and their `--only`/`--replace` globs were checked across all of them. */
  readonly globsChecked?: boolean;
}

/** `shotlist render FILE...`: plan, then create, poll, download and record. */
export async function runRender(files: readonly string[], flags: RenderFlags, ctx: CliContext): Promise<number> {
  if (files.length > 1 && flags.only.length + flags.replace.length > 0) return renderSeveral(files, flags, ctx);
  let worst: number = EXIT.ok;
  for (const file of files) {
    const code = await renderOne(file, flags, ctx);
    worst = severity(code) > severity(worst) ? code : worst;
    if (code === EXIT.interrupted) break;
  }
  return worst;
}

/**
 * Several storyboards with `--only` or `--replace`: a glob need only match a job of one of them,
 * and one that matches none is refused before any of them renders.
 */
async function renderSeveral(files: readonly string[], flags: RenderFlags, ctx: CliContext): Promise<number> {
  const all: LoadedStoryboard[] = [];
  for (const file of files) all.push((await loadForCommand(file, flags, ctx)).loaded);
  checkGlobs(all.flatMap((loaded) => loaded.jobs.map((job) => job.id)), flags, all.map((loaded) => loaded.storyboard.name).join(', '));
  let worst: number = EXIT.ok;
  for (const loaded of all) {
    const code = await renderLoaded(loaded, flags, ctx, { globsChecked: true });
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
export async function renderLoaded(loaded: LoadedStoryboard, flags: RenderFlags, outer: CliContext, options: RenderOptions = {}): Promise<number> {
  const screen = options.screen ?? createScreen(outer.io);
  // Everything said during the run stays on screen above the live view.
  const ctx = options.screen ? outer : onScreen(outer, screen);
  const { io } = ctx;
  const { storyboard } = loaded;
  // Before anything is sent: a default renders directory that leads out of the project is refused.
  const outDir = outputDirOf(loaded, explicitOutDir(flags, ctx), (p) => displayPath(ctx, p));
  const planFor = (): Promise<StoryboardPlan> => planStoryboardFor(loaded, flags, ctx, options.globsChecked !== true);
  const first = await planFor();
  checkLimits(first.plan, flags);
  // Refused before anything is sent or locked: a missing key, plain http to another machine.
  credentialFor(storyboard.provider.profile, io.env);
  for (const { baseUrl } of storyboard.provider.servers) if (baseUrl !== null) resolveEndpoint(baseUrl, flags.allowInsecureHttp === true);
  const say = (text: string) => !flags.json && !flags.quiet && io.stderr.write(text);

  say(`${storyboard.name}: ${formatTotals(first.plan.totals)}\n`);
  const summaryTo = flags.summary ? { file: path.resolve(io.cwd, flags.summary), name: storyboard.name } : null;
  const run: RunInfo = { name: storyboard.name, outDir, flags, ctx };
  if (!owesWork(first, flags)) return nothingToDo(first, run, say, summaryTo);

  const lock = await takeLock(first.lockPath, flags, ctx, say);
  let server: OpenServer | null = null;
  try {
    // Planned again under the lock: a render that held it (the one `--wait` waited for, or the
    // winner of a race to it) has changed the lockfile since, and its work must not be paid twice.
    const planned = await planFor();
    checkLimits(planned.plan, flags);
    if (workOf(planned) === 0) {
      if (owesWork(planned, flags)) await recordWithoutSending(planned, { outDir, pruneOrphans: prunes(flags) });
      return nothingToDo(planned, run, say, summaryTo);
    }
    const { plan } = planned;
    emitStart(planned, run);
    server = await openServer(loaded, serverOptions(ctx, flags));
    const mode = flags.json ? 'json' : flags.quiet ? 'quiet' : io.stderr.isTTY && io.env['TERM'] !== 'dumb' ? 'live' : 'lines';
    const renderCost = new Map(plan.jobs.filter((job) => job.action === 'render').map((job) => [job.id, job.costUsd]));
    const progress = createProgress({
      mode,
      out: flags.json ? io.stdout : io.stderr,
      screen,
      style: ctx.err,
      now: io.now,
      total: workOf(planned),
      costOf: (id) => renderCost.get(id) ?? null,
      display: (p) => displayPath(ctx, p),
    });
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
    const code = summarize(result, plan.totals, run);
    if (summaryFailure !== null) throw summaryFailure;
    return code;
  } finally {
    await server?.close();
    await lock.release();
  }
}

function planStoryboardFor(loaded: LoadedStoryboard, flags: RenderFlags, ctx: CliContext, checkGlobs: boolean): Promise<StoryboardPlan> {
  const outDir = explicitOutDir(flags, ctx);
  return planStoryboard(loaded, { now: Math.floor(ctx.io.now() / 1000), only: flags.only, replace: flags.replace, ...(flags.retryFailed ? { retryFailed: true } : {}), checkGlobs, display: (p) => displayPath(ctx, p), ...(outDir ? { outDir } : {}) });
}

/** Jobs that send something: renders, resumes, downloads. */
function workOf({ plan }: StoryboardPlan): number {
  return plan.totals.render + plan.totals.resume + plan.totals.download;
}

/** Orphans leave the lockfile on a full render only: an `--only` run does not see the whole storyboard. */
function prunes(flags: RenderFlags): boolean {
  return flags.only.length === 0;
}

/** Whether the run must take the lock: jobs to send, or, with nothing to send, orphans to move to their new ids or (on a full render) to drop. */
function owesWork(planned: StoryboardPlan, flags: RenderFlags): boolean {
  return workOf(planned) > 0 || planned.plan.moves.length > 0 || (prunes(flags) && planned.plan.orphans.length > 0);
}

async function nothingToDo(planned: StoryboardPlan, run: RunInfo, say: (text: string) => void, summary: { file: string; name: string } | null): Promise<number> {
  const { plan } = planned;
  const moves = plan.moves.filter((move) => move.from !== move.to);
  say(moves.length > 0 ? `nothing to send: ${moves.length} job${moves.length === 1 ? '' : 's'} moved to new ids, files renamed\n` : notDone(plan.totals) > 0 ? 'nothing to send\n' : 'nothing to do: every job is up to date\n');
  emitStart(planned, run);
  if (summary) await appendRunSummary(summary.file, formatRunSummary(summary.name, plan, null));
  emitSummary(summaryOf({ reports: [], interrupted: false, spentUsd: 0 }, plan.totals, run), run);
  return notDone(plan.totals) > 0 ? EXIT.jobsFailed : EXIT.ok;
}

/** Jobs the plan leaves undone without sending anything: blocked, or failed for good and not sent again. */
function notDone(totals: PlanTotals): number {
  return totals.blocked + totals.failed;
}

/** What the JSON events of a run say besides its plan. */
interface RunInfo {
  readonly name: string;
  readonly outDir: string;
  readonly flags: RenderFlags;
  readonly ctx: CliContext;
}

/** `--json`: the run's plan totals, before anything is sent. */
function emitStart(planned: StoryboardPlan, { name, outDir, flags, ctx }: RunInfo): void {
  if (!flags.json) return;
  const event = { event: 'run.start', storyboard: name, provider: planned.providerId, lockfile: displayPath(ctx, planned.lockPath), out: displayPath(ctx, outDir), ...totalsFields(planned.plan.totals), at: new Date(ctx.io.now()).toISOString() };
  ctx.io.stdout.write(`${JSON.stringify(event)}\n`);
}

function emitSummary(summary: RunSummary, { flags, ctx }: RunInfo): void {
  if (flags.json) ctx.io.stdout.write(`${JSON.stringify({ event: 'run.summary', ...summary, at: new Date(ctx.io.now()).toISOString() })}\n`);
}

type RunSummary = ReturnType<typeof summaryOf>;

function summaryOf(result: RenderResult, totals: PlanTotals, run: RunInfo) {
  const count = (status: string) => result.reports.filter((report) => report.status === status).length;
  return {
    completed: count('completed'),
    failed: count('failed'),
    skipped: count('skipped'),
    cancelled: count('cancelled'),
    reused: totals.reuse,
    blocked: totals.blocked,
    spent_usd: result.spentUsd,
    interrupted: result.interrupted,
    out: displayPath(run.ctx, run.outDir),
  };
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

/** Jobs the plan could not start (blocked, or failed for good and not sent again) count as not done, as when nothing else runs. */
function summarize(result: RenderResult, totals: PlanTotals, run: RunInfo): number {
  const { ctx } = run;
  const summary = summaryOf(result, totals, run);
  if (run.flags.json) emitSummary(summary, run);
  else {
    for (const report of result.reports) {
      if (report.status === 'failed' || report.status === 'skipped') ctx.io.stderr.write(`${ctx.err.red(report.status)}  ${report.job.id}: ${printable(report.reason)}\n`);
    }
    const parts = [`${summary.completed} done`, summary.failed > 0 ? `${summary.failed} failed` : '', summary.skipped > 0 ? `${summary.skipped} skipped` : '', summary.cancelled > 0 ? `${summary.cancelled} not started` : '', totals.failed > 0 ? `${totals.failed} failed before (not sent again)` : '', summary.blocked > 0 ? `${summary.blocked} blocked` : ''].filter(Boolean);
    ctx.io.stderr.write(`${parts.join(', ')}; spent ${formatUsd(summary.spent_usd)}; files in ${summary.out}\n`);
    if (result.interrupted) ctx.io.stderr.write('interrupted: every job in flight is recorded in the lockfile; run again to resume\n');
  }
  if (result.interrupted) return EXIT.interrupted;
  return summary.failed + summary.skipped + notDone(totals) > 0 ? EXIT.jobsFailed : EXIT.ok;
}
