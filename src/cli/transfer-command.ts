import type { TransferDirection } from '../remote/transfer.js';
import { transferLockfiles } from '../run/transfer-lockfiles.js';
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { displayPath, explicitOutDir } from './load-for-cli.js';
import { createTransferView, formatTransferSummary, openRemoteForCli } from './remote-view.js';
import { lockfileOf } from '../run/transfer-lockfiles.js';
import type { Command } from 'commander';
import { flag, positiveInteger } from './flags.js';

/** The flags `push` and `pull` share. */
export interface TransferFlags {
  readonly remote?: string;
  readonly out?: string;
  readonly concurrency?: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

export function transferFlags(command: Command): Command {
  return command
    .addOption(flag.remote())
    .option('--out <dir>', 'the directory the files were rendered to, if render was given --out')
    .option('--concurrency <n>', 'files in flight at once (default 8)', positiveInteger)
    .addOption(flag.json())
    .option('--quiet', 'print only errors and the summary line')
    .addOption(flag.verbose());
}

/**
 * `shotlist push|pull FILE...`: exit 0 when every output is where it should be; 1 when some
 * could not be transferred (a pull also when the remote lacks some); 2 for usage (no remote
 * named, a file that is no storyboard or lockfile); 130 when interrupted.
 */
export async function runTransfer(direction: TransferDirection, files: readonly string[], flags: TransferFlags, ctx: CliContext): Promise<number> {
  const first = lockfileOf(files[0]!, ctx.io.cwd);
  const store = await openRemoteForCli(first.projectRoot, flags.remote, ctx);
  if (store === null)
    throw new UsageError(`${direction} needs a remote, and none is named`, {
      hint: 'pass --remote URL, set SHOTLIST_REMOTE, or write remote: in shotlist.config.yaml at the project root',
    });
  const view = createTransferView(ctx);
  const summary = await transferLockfiles(direction, files, store, {
    cwd: ctx.io.cwd,
    outDir: explicitOutDir(flags, ctx),
    concurrency: flags.concurrency,
    signal: ctx.io.signal,
    display: (p) => displayPath(ctx, p),
    onEvent: view.onEvent,
  }).finally(async () => {
    view.close();
    await store.close();
  });
  ctx.log.event({ ...summary, at: new Date(ctx.io.now()).toISOString() });
  if (!ctx.log.json) ctx.io.stderr.write(formatTransferSummary(summary));
  if (summary.interrupted) return EXIT.interrupted;
  return summary.failed > 0 || (direction === 'pull' && summary.missing > 0) ? EXIT.jobsFailed : EXIT.ok;
}
