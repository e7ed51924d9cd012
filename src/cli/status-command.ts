import { checkStatus } from '../status/status-session.js';
import { EXIT } from './exit-codes.js';
import { formatStatus, statusEvents } from './format-status.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext } from './context.js';
import { serverOptions } from './server-options.js';
import { defineCommand } from './define-command.js';
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
  const { report, lockPath, providerId } = await checkStatus(loaded, {
    now: Math.floor(io.now() / 1000),
    only: flags.only,
    offline: flags.offline === true,
    display: (p) => displayPath(ctx, p),
    server: serverOptions(ctx, flags),
    ...(outDir ? { outDir } : {}),
  });

  if (log.json) {
    for (const event of statusEvents(report, loaded.storyboard.name)) log.event(event);
  } else {
    const header = `status of ${ctx.out.bold(loaded.storyboard.name)} on ${providerId} (${displayPath(ctx, lockPath)}${flags.offline ? ', offline' : ''})`;
    const shown = flags.quiet ? { ...report, rows: report.rows.filter((row) => row.attention) } : report;
    log.result(formatStatus(shown, header, log.out));
    if (report.totals.attention > 0) log.result(`run \`shotlist plan ${displayPath(ctx, loaded.storyboard.mainPath)}\` to see what render would do about it\n`);
  }
  return report.totals.attention > 0 ? EXIT.jobsFailed : EXIT.ok;
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
      .addOption(flag.json())
      .option('--quiet', 'list only the jobs that need attention')
      .addOption(flag.verbose()),
  run: ([file]: [string], flags: StatusFlags, ctx) => runStatus(file, flags, ctx),
});
