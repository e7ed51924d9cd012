import path from 'node:path';
import { openRemoteForCli } from './remote-view.js';
import { findProjectRoot } from '../storyboard/read-storyboard.js';
import { ShotlistError, UserError } from '../errors.js';
import { startWatch, type WatchUpdate } from '../watch/watch-session.js';
import { isEmptyDiff, type CutDiff, type PlanDiff } from '../watch/plan-diff.js';
import { describeCutReason, formatCutPlan, formatCutTotals } from './format-cuts.js';
import { errorEvent, type ErrorFields } from './error-event.js';
import { EXIT } from './exit-codes.js';
import { formatIssues } from './format-issue.js';
import { formatPlan, formatTotals, formatUsd } from './format-plan.js';
import { describePlanReason } from './format-plan-reason.js';
import { displayPath, explicitOutDir, overridesOf } from './load-for-cli.js';
import { createScreen, onScreen, type Screen } from './live-region.js';
import type { CliContext } from './context.js';
import { renderLoaded, type RenderFlags } from './render-command.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { printable } from '../untrusted/control-characters.js';
import { defineCommand } from './define-command.js';
import { flag, withCommonFlags } from './flags.js';

export interface WatchFlags extends RenderFlags {
  readonly render?: boolean;
}

/**
 * `shotlist watch FILE`: re-validates and re-plans on every change of any file the storyboard
 * reads, printing problems the moment a save breaks it (and keeping the last good plan), and
 * what changed since the last plan. Runs until Ctrl-C.
 */
export async function runWatch(file: string, flags: WatchFlags, outer: CliContext): Promise<number> {
  // Plans, diffs and problems printed while a render's live view is drawn stay above it.
  const screen = createScreen(outer.io);
  const ctx = onScreen(outer, screen);
  const { io } = ctx;
  const renderer = flags.render ? createWatchRenderer(flags, ctx, screen) : null;
  const print = (update: WatchUpdate) => {
    if (ctx.log.json) printJson(update, ctx);
    else printText(update, ctx);
    // A plan made because a render changed the lockfile is shown, not rendered from: only an edit starts a render.
    if (update.kind === 'planned' && update.cause === 'change') renderer?.planned(update.loaded);
  };
  // Plans say `↓ pull` for what the remote holds (opened once for the session; each render opens its own).
  const remote = await openRemoteForCli(findProjectRoot(path.dirname(path.resolve(io.cwd, file))), flags.remote, ctx);
  const session = await startWatch({
    file,
    load: { cwd: io.cwd, overrides: overridesOf(flags) },
    plan: {
      only: flags.only,
      replace: flags.replace,
      ...(flags.retryFailed ? { retryFailed: true } : {}),
      ...(flags.retryAmbiguous ? { retryAmbiguous: true } : {}),
      display: (p) => displayPath(ctx, p),
      ...(flags.out ? { outDir: explicitOutDir(flags, ctx)! } : {}),
      ...(remote ? { remote, signal: io.signal } : {}),
    },
    now: io.now,
    onUpdate: print,
  }).catch(async (error: unknown) => {
    await remote?.close();
    throw error;
  });
  ctx.log.notice(ctx.err.dim(`watching ${session.watched().length} file${session.watched().length === 1 ? '' : 's'}; Ctrl-C to stop\n`));
  renderer?.attach(session.refresh);
  await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
  await session.close();
  const interrupted = (await renderer?.stop()) ?? false;
  await remote?.close();
  return interrupted ? EXIT.interrupted : EXIT.ok;
}

/**
 * `watch --render`: renders what each new plan owes. When the storyboard changes during a
 * render, that render drains (nothing new starts; jobs already on the server finish and are
 * recorded), then the next render starts from a fresh plan: new work is queued, work no longer
 * wanted is dropped. Renders start only from a plan made after a file changed, so a job that
 * fails is not retried in a loop; the next edit retries it.
 */
function createWatchRenderer(flags: WatchFlags, ctx: CliContext, screen: Screen) {
  let rendering: { drain: AbortController; done: Promise<void> } | null = null;
  let next: LoadedStoryboard | null = null;
  let refresh: (() => Promise<void>) | null = null;
  let interrupted = false;
  const start = (loaded: LoadedStoryboard): void => {
    const drain = new AbortController();
    const done = renderLoaded(loaded, { ...flags, wait: true }, ctx, { drain: drain.signal, screen })
      .then(
        (code) => {
          if (code === EXIT.interrupted) interrupted = true;
        },
        (error: unknown) => {
          if (ctx.log.json) ctx.log.event(errorEvent(errorFieldsOf(error), null, ctx.io.now()));
          else ctx.log.error(`${ctx.err.red('render failed')}: ${printable(error instanceof Error ? error.message : String(error))}\n`);
        },
      )
      .then(async () => {
        rendering = null;
        // The lockfile changed: show the plan as it stands now, without rendering from it.
        await refresh?.();
        const queued = next;
        next = null;
        if (queued && !ctx.io.signal.aborted) start(queued);
      });
    rendering = { drain, done };
  };
  return {
    attach(refreshPlan: () => Promise<void>) {
      refresh = refreshPlan;
    },
    planned(loaded: LoadedStoryboard) {
      if (ctx.io.signal.aborted) return;
      if (rendering) {
        next = loaded;
        rendering.drain.abort();
        return;
      }
      start(loaded);
    },
    /** Waits for the render under way (Ctrl-C already stopped it from creating); true if it was interrupted. */
    async stop(): Promise<boolean> {
      while (rendering) await rendering.done;
      return interrupted;
    },
  };
}

function printText(update: WatchUpdate, ctx: CliContext): void {
  const { io, log } = ctx;
  const time = ctx.err.dim(new Date(io.now()).toISOString().slice(11, 19));
  switch (update.kind) {
    case 'invalid':
      log.error(`\n${time} ${ctx.err.red('invalid')}\n${formatIssues(update.issues, update.texts, ctx.err)}`);
      if (update.hasLastGood) log.error(ctx.err.dim('keeping the last good plan\n'));
      return;
    case 'error':
      log.error(`\n${time} ${ctx.err.red('error')}: ${printable(update.error instanceof ShotlistError ? update.error.message : String(update.error))}\n`);
      return;
    case 'planned': {
      const { plan } = update.planned;
      if (update.issues.length > 0) log.error(formatIssues(update.issues, update.texts, ctx.err));
      if (update.diff === null) {
        log.result(formatPlan(plan, `${time} plan for ${ctx.out.bold(update.loaded.storyboard.name)} (${update.elapsedMs.toFixed(0)} ms)`, ctx.out));
        const films = formatCutPlan(update.planned.cuts, ctx.out);
        if (films !== '') log.result(`\n${films}`);
        return;
      }
      log.result(`\n${time} ${describeDiff(update.diff, update.cutDiff)} (${update.elapsedMs.toFixed(0)} ms)\n`);
      for (const job of [...update.diff.added, ...update.diff.changed])
        log.result(`  ${job.action === 'render' ? '~' : '='} ${job.id}: ${job.action}, ${printable(describePlanReason(job.reason))}\n`);
      for (const id of update.diff.removed) log.result(`  - ${id}: removed\n`);
      for (const cut of [...(update.cutDiff?.added ?? []), ...(update.cutDiff?.changed ?? [])])
        log.result(
          `  ${cut.action === 'cut' ? '~' : cut.action === 'blocked' ? '!' : '='} ${printable(cut.id)}: ${cut.action}, ${printable(describeCutReason(cut.reason))}\n`,
        );
      for (const id of update.cutDiff?.removed ?? []) log.result(`  - ${printable(id)}: removed\n`);
      log.result(`${formatTotals(plan.totals)}\n`);
      if (update.planned.cuts.cuts.length > 0) log.result(`${formatCutTotals(update.planned.cuts)}\n`);
    }
  }
}

function describeDiff(diff: PlanDiff, cuts: CutDiff | null): string {
  const films = cuts === null ? 0 : cuts.added.length + cuts.changed.length + cuts.removed.length;
  if (isEmptyDiff(diff) && films === 0) return 'no change to the plan';
  const parts = [
    diff.added.length > 0 ? `${diff.added.length} added` : '',
    diff.changed.length > 0 ? `${diff.changed.length} changed` : '',
    diff.removed.length > 0 ? `${diff.removed.length} removed` : '',
    films > 0 ? `${films} film${films === 1 ? '' : 's'} changed` : '',
  ].filter(Boolean);
  const delta = diff.costDeltaUsd === 0 ? '' : `, cost ${diff.costDeltaUsd > 0 ? '+' : '-'}${formatUsd(Math.abs(diff.costDeltaUsd))}`;
  return `${parts.join(', ')}${delta}`;
}

function printJson(update: WatchUpdate, ctx: CliContext): void {
  const at = new Date(ctx.io.now()).toISOString();
  const write = (event: object) => ctx.log.event(event);
  switch (update.kind) {
    case 'invalid':
      for (const issue of update.issues) write({ event: 'issue', ...issue });
      write({
        event: 'watch.invalid',
        errors: update.issues.filter((i) => i.severity === 'error').length,
        kept_last_plan: update.hasLastGood,
        elapsed_ms: Math.round(update.elapsedMs),
        at,
      });
      return;
    case 'error':
      write(errorEvent(errorFieldsOf(update.error), null, ctx.io.now()));
      return;
    case 'planned': {
      const { totals } = update.planned.plan;
      const diff = update.diff;
      write({
        event: 'watch.plan',
        render: totals.render,
        download: totals.download,
        ...(totals.pull > 0 ? { pull: totals.pull } : {}),
        reuse: totals.reuse,
        cost_usd: totals.costUsd,
        added: diff?.added.map((job) => job.id) ?? null,
        changed: diff?.changed.map((job) => job.id) ?? null,
        removed: diff?.removed ?? null,
        cost_delta_usd: diff?.costDeltaUsd ?? null,
        cut: update.planned.cuts.totals.cut,
        cuts_changed: update.cutDiff === null ? null : [...update.cutDiff.added, ...update.cutDiff.changed].map((cut) => cut.id),
        elapsed_ms: Math.round(update.elapsedMs),
        at,
      });
    }
  }
}

/** A render or a plan that failed in watch mode, for its `error` event; watch carries on. */
function errorFieldsOf(error: unknown): ErrorFields {
  if (error instanceof ShotlistError) return { code: error.code, message: error.message, hint: error instanceof UserError ? error.hint : undefined };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** `shotlist watch FILE`. */
export const command = defineCommand({
  name: 'watch',
  description: 're-validate and re-plan on every change of any file the storyboard reads, until Ctrl-C',
  arguments: [['<file>', 'storyboard file']],
  options: (c) =>
    withCommonFlags(c)
      .option('--render', 'also render what each new plan owes (in-flight jobs finish when the storyboard changes)')
      .addOption(flag.emulatorSpeed())
      .addOption(flag.allowInsecureHttp()),
  run: ([file]: [string], flags: WatchFlags, ctx) => runWatch(file, flags, ctx),
});
