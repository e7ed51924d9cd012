import { formatTotals as formatCostTotals, NO_COST, totalsAsMoney } from '../providers/cost-totals.js';
import { unitsOf } from '../providers/money.js';
import path from 'node:path';
import { describeHolder } from '../run/advisory-lock.js';
import { checkGlobs, type StoryboardPlan } from '../plan/plan-storyboard.js';
import type { PlanTotals } from '../plan/plan.js';
import type { RenderResult } from '../run/render-storyboard.js';
import { runRenderSession, workOf, type RemoteOutcome, type RenderSessionEvent } from '../run/render-session.js';
import { createTransferView, formatTransferSummary, openRemoteForCli } from './remote-view.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { EXIT } from './exit-codes.js';
import { formatTotals, totalsFields } from './format-plan.js';
import { cutEventLine, cutSummaryEvent, formatCutSummary, formatCutTotals, summarizeCuts } from './format-cuts.js';
import type { CutReport } from '../run/run-cuts.js';
import { createScreen, onScreen, type Screen } from './live-region.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext, CommonFlags } from './context.js';
import { checkLimits } from './plan-command.js';
import { createProgress, type Progress } from './progress.js';
import { tellEmbedded } from './server-options.js';
import { appendRunSummary, formatRunSummary } from './run-summary.js';
import { printable } from '../untrusted/control-characters.js';
import { defineCommand } from './define-command.js';
import { flag, withCommonFlags } from './flags.js';

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
  checkGlobs(
    all.flatMap((loaded) => [...loaded.jobs.map((job) => job.id), ...loaded.cuts.map((cut) => cut.id)]),
    flags,
    all.map((loaded) => loaded.storyboard.name).join(', '),
  );
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
 * Plans a loaded storyboard and renders what the plan owes, under the lockfile's lock (the
 * render session in `run/`), showing its events and its outcome. Watch mode calls it too, with
 * `drain`: once aborted, nothing new starts, and the jobs already on the server finish and are
 * recorded.
 */
export async function renderLoaded(loaded: LoadedStoryboard, flags: RenderFlags, outer: CliContext, options: RenderOptions = {}): Promise<number> {
  const screen = options.screen ?? createScreen(outer.io);
  // Everything said during the run stays on screen above the live view.
  const ctx = options.screen ? outer : onScreen(outer, screen);
  const { io } = ctx;
  const { storyboard } = loaded;
  const display = (p: string) => displayPath(ctx, p);
  const say = (text: string) => ctx.log.info(text);
  const shown = showEvents(storyboard.name, flags, ctx, screen, say);
  const outDir = explicitOutDir(flags, ctx);
  const remote = await openRemoteForCli(loaded.projectRoot, flags.remote, ctx);
  const outcome = await runRenderSession({
    remote,
    loaded,
    only: flags.only,
    replace: flags.replace,
    ...(flags.retryFailed ? { retryFailed: true } : {}),
    ...(flags.retryAmbiguous ? { retryAmbiguous: true } : {}),
    ...(outDir ? { outDir } : {}),
    checkGlobs: options.globsChecked !== true,
    refuse: (plan) => checkLimits(plan, flags),
    wait: flags.wait === true,
    report: flags.report !== false,
    allowInsecureHttp: flags.allowInsecureHttp === true,
    ...(flags.emulatorSpeed ? { emulatorSpeed: flags.emulatorSpeed } : {}),
    env: io.env,
    signal: io.signal,
    ...(options.drain ? { drain: options.drain } : {}),
    now: io.now,
    display,
    onEvent: shown.onEvent,
  }).finally(async () => {
    shown.close();
    await remote?.close();
  });
  const remoteCode = showRemote(outcome.remote, ctx);
  const { plan } = outcome.planned;
  const run: RunInfo = { outDir: outcome.outDir, flags, ctx };
  const summaryTo = flags.summary ? path.resolve(io.cwd, flags.summary) : null;
  if (outcome.kind === 'nothing-sent') {
    const pulled = plan.totals.pull;
    const cutOnly = outcome.cuts.some((cut) => cut.status === 'built');
    say(
      outcome.moved > 0
        ? `nothing to send: ${outcome.moved} job${outcome.moved === 1 ? '' : 's'} moved to new ids, files renamed\n`
        : pulled > 0
          ? `nothing to send: ${pulled} job${pulled === 1 ? '' : 's'} pulled from the remote\n`
          : notDone(plan.totals) > 0 || cutOnly
            ? 'nothing to send\n'
            : 'nothing to do: every job is up to date\n',
    );
    if (summaryTo) await appendRunSummary(summaryTo, formatRunSummary(storyboard.name, plan, null) + formatCutSummary(outcome.cuts));
    emitSummary(summaryOf({ reports: [], interrupted: false, spentUsd: 0, spent: NO_COST }, plan.totals, run), run);
    if (ctx.log.json && outcome.cuts.length > 0) ctx.log.event(cutSummaryEvent(outcome.cuts));
    const badFilms = ctx.log.json ? countBad(outcome.cuts) : summarizeCuts(outcome.cuts, (text) => ctx.log.error(text), ctx.err);
    if (io.signal.aborted && outcome.cuts.some((cut) => cut.status === 'cancelled')) return EXIT.interrupted;
    return worse(notDone(plan.totals) + badFilms > 0 ? EXIT.jobsFailed : EXIT.ok, remoteCode);
  }
  // A summary file that cannot be written (`--summary /dev/full`) fails the command, after the
  // run's own result is told: the jobs are done and recorded either way.
  const summaryFailure = summaryTo
    ? await appendRunSummary(summaryTo, formatRunSummary(storyboard.name, plan, outcome.result) + formatCutSummary(outcome.cuts)).then(
        () => null,
        (error: unknown) => error,
      )
    : null;
  const jobsCode = summarize(outcome.result, plan.totals, run);
  if (ctx.log.json && outcome.cuts.length > 0) ctx.log.event(cutSummaryEvent(outcome.cuts));
  const badFilms = ctx.log.json ? countBad(outcome.cuts) : summarizeCuts(outcome.cuts, (text) => ctx.log.error(text), ctx.err);
  const code = jobsCode === EXIT.ok && badFilms > 0 ? EXIT.jobsFailed : jobsCode;
  if (summaryFailure !== null) throw summaryFailure;
  return worse(code, remoteCode);
}

/**
 * The pulls and the push of the run, in a summary line each (`remote.summary` events under
 * `--json`). A file that could not be pulled or pushed makes the run exit 1: nothing is lost
 * (the lockfile records every output), and the next run or `shotlist push` completes it.
 */
function showRemote(remote: RemoteOutcome | undefined, ctx: CliContext): number {
  let code: number = EXIT.ok;
  for (const summary of [remote?.pulled, remote?.pushed]) {
    if (!summary) continue;
    ctx.log.event({ ...summary, at: new Date(ctx.io.now()).toISOString() });
    if (summary.transferred > 0 || summary.failed > 0 || summary.missing > 0) ctx.log.info(formatTransferSummary(summary));
    if (summary.failed > 0) {
      ctx.log.error(
        `${ctx.err.red('error')}: ${summary.failed} file${summary.failed === 1 ? '' : 's'} could not be ${summary.direction === 'push' ? 'pushed to' : 'pulled from'} ${printable(summary.remote)}${summary.direction === 'push' ? '; they are on disk and in the lockfile: run `shotlist push` or render again to complete it' : ''}\n`,
      );
      code = EXIT.jobsFailed;
    }
    if (summary.direction === 'pull' && summary.missing > 0) code = EXIT.jobsFailed;
  }
  return code;
}

function worse(a: number, b: number): number {
  return severity(b) > severity(a) ? b : a;
}

/**
 * The session's events as the user sees them: the plan's totals, a wait for the lock, `run.start`
 * under `--json`, the embedded emulator under `--verbose`, and the progress of the jobs (a live
 * view, lines, or JSON events) from the start of rendering to its end.
 */
function showEvents(name: string, flags: RenderFlags, ctx: CliContext, screen: Screen, say: (text: string) => void) {
  const { io } = ctx;
  let progress: Progress | null = null;
  const remoteView = createTransferView(ctx);
  const close = () => {
    progress?.close();
    progress = null;
    remoteView.close();
  };
  const onEvent = (event: RenderSessionEvent): void => {
    switch (event.type) {
      case 'planned': {
        say(`${name}: ${formatTotals(event.planned.plan.totals)}\n`);
        if (event.planned.cuts.cuts.length > 0) say(`${name}: ${formatCutTotals(event.planned.cuts)}\n`);
        return;
      }
      case 'cut': {
        const line = cutEventLine(event.event, (p) => displayPath(ctx, p));
        if (line === null) return;
        if (ctx.log.json) ctx.log.event(line.json);
        else if (line.text !== null && !ctx.log.quiet) say(line.text);
        return;
      }
      case 'lock-wait':
        return void say(`waiting for ${describeHolder(event.holder, event.judged)} to finish rendering\n`);
      case 'start':
        return emitStart(name, event.planned, event.outDir, flags, ctx);
      case 'embedded':
        return tellEmbedded(event.event, ctx);
      case 'rendering': {
        const { plan } = event.planned;
        const renderCost = new Map(plan.jobs.filter((job) => job.action === 'render').map((job) => [job.id, job.costUsd]));
        progress = createProgress({
          mode: ctx.log.json ? 'json' : ctx.log.quiet ? 'quiet' : ctx.log.live ? 'live' : 'lines',
          out: ctx.log.json ? io.stdout : io.stderr,
          screen,
          style: ctx.err,
          now: io.now,
          total: workOf(event.planned),
          costOf: (id) => renderCost.get(id) ?? null,
          display: (p) => displayPath(ctx, p),
        });
        return;
      }
      case 'job':
        return progress?.state(event.id, event.state, event.detail);
      case 'job-settled':
        return progress?.settled(event.report);
      case 'render-end':
        return close();
      case 'remote':
        return remoteView.onEvent(event.event);
      case 'claims-unsupported':
        return ctx.log.warn(
          `${printable(event.error.message)}; this run renders without the one-paid-job-per-request guarantee across machines (${printable(event.error.hint)})`,
        );
    }
  };
  return { onEvent, close };
}

/** Films that did not come out: failed, or skipped for a clip. */
function countBad(cuts: readonly CutReport[]): number {
  return cuts.filter((cut) => cut.status === 'failed' || cut.status === 'skipped').length;
}

/** Jobs the plan leaves undone without sending anything: blocked, or failed for good and not sent again. */
function notDone(totals: PlanTotals): number {
  return totals.blocked + totals.failed;
}

/** What the JSON events of a run say besides its plan. */
interface RunInfo {
  readonly outDir: string;
  readonly flags: RenderFlags;
  readonly ctx: CliContext;
}

/** `--json`: the run's plan totals, before anything is sent. */
function emitStart(name: string, planned: StoryboardPlan, outDir: string, flags: RenderFlags, ctx: CliContext): void {
  const event = {
    event: 'run.start',
    storyboard: name,
    provider: planned.providerId,
    lockfile: displayPath(ctx, planned.lockPath),
    out: displayPath(ctx, outDir),
    ...totalsFields(planned.plan.totals),
    at: new Date(ctx.io.now()).toISOString(),
  };
  ctx.log.event(event);
}

function emitSummary(summary: RunSummary, { flags, ctx }: RunInfo): void {
  ctx.log.event({ event: 'run.summary', ...summary, at: new Date(ctx.io.now()).toISOString() });
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
    spent: Object.fromEntries(totalsAsMoney(result.spent).map((money) => [money.currency, unitsOf(money)])),
    interrupted: result.interrupted,
    out: displayPath(run.ctx, run.outDir),
  };
}

/** Jobs the plan could not start (blocked, or failed for good and not sent again) count as not done, as when nothing else runs. */
function summarize(result: RenderResult, totals: PlanTotals, run: RunInfo): number {
  const { ctx } = run;
  const summary = summaryOf(result, totals, run);
  if (ctx.log.json) emitSummary(summary, run);
  else {
    for (const report of result.reports) {
      if (report.status === 'failed' || report.status === 'skipped')
        ctx.log.error(`${ctx.err.red(report.status)}  ${report.job.id}: ${printable(report.reason)}\n`);
    }
    const parts = [
      `${summary.completed} done`,
      summary.failed > 0 ? `${summary.failed} failed` : '',
      summary.skipped > 0 ? `${summary.skipped} skipped` : '',
      summary.cancelled > 0 ? `${summary.cancelled} not started` : '',
      totals.failed > 0 ? `${totals.failed} failed before (not sent again)` : '',
      summary.blocked > 0 ? `${summary.blocked} blocked` : '',
    ].filter(Boolean);
    ctx.log.error(`${parts.join(', ')}; spent ${formatCostTotals(result.spent)}; files in ${summary.out}\n`);
    if (result.interrupted) ctx.log.error('interrupted: every job in flight is recorded in the lockfile; run again to resume\n');
  }
  if (result.interrupted) return EXIT.interrupted;
  return summary.failed + summary.skipped + notDone(totals) > 0 ? EXIT.jobsFailed : EXIT.ok;
}

/** `shotlist render FILE...`. */
export const command = defineCommand({
  name: 'render',
  description: 'plan, then create, poll, download and record every job that needs it',
  arguments: [['<files...>', 'storyboard files']],
  options: (c) =>
    withCommonFlags(c)
      .option('--wait', 'wait for another shotlist rendering the same storyboard instead of exiting')
      .option('--summary <file>', 'append a Markdown summary of the run to this file (e.g. $GITHUB_STEP_SUMMARY)')
      .option('--no-report', 'do not write the contact sheet (report.html) at the end of the run')
      .addOption(flag.emulatorSpeed())
      .addOption(flag.allowInsecureHttp()),
  run: ([files]: [string[]], flags: RenderFlags, ctx) => runRender(files, flags, ctx),
});
