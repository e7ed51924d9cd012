import { checkStatus } from '../status/status-session.js';
import { cutStatusEvents, formatCutStatus } from './format-cut-status.js';
import { EXIT } from './exit-codes.js';
import { formatStatus, statusEvents } from './format-status.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext } from './context.js';
import { serverOptions } from './server-options.js';
import { defineCommand } from './define-command.js';
import { openRemoteForCli } from './remote-view.js';
import { flag } from './flags.js';

export interface StatusFlags {
  readonly provider?: string;
  readonly baseUrl?: readonly string[];
  readonly only: string[];
  /** Skip the server: judge expiry by the lockfile's `expires_at`. */
  readonly offline?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  readonly allowInsecureHttp?: boolean;
  /** The directory the files were rendered to with `render --out`, if not the default. */
  readonly out?: string;
  /** `--remote URL`: say per output whether the remote holds it (default: SHOTLIST_REMOTE, else the project config). */
  readonly remote?: string;
}

/**
 * `shotlist status FILE`: the lockfile against disk and server. Exit 0 when every job is in
 * order, 1 when something needs attention (a file missing or altered, a job not rendered,
 * changed, failed or still in flight, an orphan), 5 when the server cannot be asked.
 */
export async function runStatus(file: string, flags: StatusFlags, ctx: CliContext): Promise<number> {
  const { io, log } = ctx;
  const { loaded } = await loadForCommand(file, flags, ctx);
  const outDir = explicitOutDir(flags, ctx);
  const remote = await openRemoteForCli(loaded.projectRoot, flags.remote, ctx);
  const { report, films, lockPath, providerId } = await checkStatus(loaded, {
    remote,
    now: Math.floor(io.now() / 1000),
    only: flags.only,
    offline: flags.offline === true,
    display: (p) => displayPath(ctx, p),
    server: serverOptions(ctx, flags),
    ...(outDir ? { outDir } : {}),
  }).finally(() => remote?.close());
  const attention = report.totals.attention + films.filter((film) => film.attention).length;

  if (log.json) {
    const jobEvents = statusEvents(report, loaded.storyboard.name);
    // The films' rows go before the total, as the jobs' do.
    for (const event of [...jobEvents.slice(0, -1), ...cutStatusEvents(films), ...jobEvents.slice(-1)]) log.event(event);
  } else {
    const header = `status of ${ctx.out.bold(loaded.storyboard.name)} on ${providerId} (${displayPath(ctx, lockPath)}${flags.offline ? ', offline' : ''})`;
    const shown = flags.quiet ? { ...report, rows: report.rows.filter((row) => row.attention) } : report;
    log.result(formatStatus(shown, header, log.out));
    const shownFilms = flags.quiet ? films.filter((film) => film.attention) : films;
    if (shownFilms.length > 0) log.result(`\n${formatCutStatus(shownFilms, log.out)}`);
    if (attention > 0) log.result(`run \`shotlist plan ${displayPath(ctx, loaded.storyboard.mainPath)}\` to see what render would do about it\n`);
  }
  return attention > 0 ? EXIT.jobsFailed : EXIT.ok;
}

/** `shotlist status FILE`. */
export const command = defineCommand({
  name: 'status',
  description: 'the lockfile against disk and server: files missing or altered, videos expired or expiring, jobs in flight, orphans',
  arguments: [['<file>', 'storyboard file']],
  options: (c) =>
    c
      .addOption(flag.provider())
      .addOption(flag.baseUrl())
      .addOption(flag.only())
      .option('--offline', 'do not ask the server; judge expiry by the lockfile')
      .option('--out <dir>', 'the directory the files were rendered to, if render was given --out')
      .addOption(flag.allowInsecureHttp())
      .addOption(flag.remote())
      .addOption(flag.json())
      .option('--quiet', 'list only the jobs that need attention')
      .addOption(flag.verbose()),
  run: ([file]: [string], flags: StatusFlags, ctx) => runStatus(file, flags, ctx),
});
