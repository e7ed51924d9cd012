import { UsageError } from '../errors.js';
import { readLockfileSource } from '../lockfile/lockfile-io.js';
import type { Lockfile } from '../lockfile/lockfile.js';
import { deleteBlobs, listAllBlobs, pinnedBlobs, unpinnedBlobs } from '../gc/remote-gc.js';
import { lockfileOf } from '../run/transfer-lockfiles.js';
import { printable } from '../untrusted/control-characters.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { displayPath } from './load-for-cli.js';
import { readLine } from './read-line.js';
import { formatBytes, openRemoteForCli } from './remote-view.js';

/**
 * `shotlist gc --remote [URL] FILE...`: deletes the remote's blobs that no lockfile of the given
 * storyboards pins, after confirmation (`y/N` on a terminal, `--yes` for scripts; only a listing
 * otherwise), or lists them with `--dry-run`. Exit 0 when done, 1 when some deletes failed.
 */
export async function runRemoteGc(
  files: readonly string[],
  flags: { readonly remote: string | true; readonly yes?: boolean; readonly dryRun?: boolean },
  ctx: CliContext,
): Promise<number> {
  const { io, log } = ctx;
  const first = lockfileOf(files[0]!, io.cwd);
  const store = await openRemoteForCli(first.projectRoot, flags.remote === true ? undefined : flags.remote, ctx);
  if (store === null) {
    throw new UsageError('gc --remote needs a remote, and none is named', {
      hint: 'pass --remote URL, set SHOTLIST_REMOTE, or write remote: in shotlist.config.yaml at the project root',
    });
  }
  try {
    // Listed before the lockfiles are read (see gc/remote-gc.ts).
    const listed = await listAllBlobs(store, io.signal);
    const lockfiles: Lockfile[] = [];
    for (const file of files) {
      const { lockPath, projectRoot } = lockfileOf(file, io.cwd);
      const source = await readLockfileSource(lockPath, displayPath(ctx, lockPath), projectRoot);
      if (source === null) log.warn(`${displayPath(ctx, lockPath)} does not exist: it pins nothing`);
      else lockfiles.push(source.lockfile);
    }
    const unpinned = unpinnedBlobs(listed, pinnedBlobs(lockfiles));
    const bytes = unpinned.reduce((sum, blob) => sum + blob.bytes, 0);
    log.result(
      `${printable(store.description)}: ${listed.length} blob${listed.length === 1 ? '' : 's'}, ${listed.length - unpinned.length} pinned by ${files.join(', ')}\n`,
    );
    for (const blob of unpinned) {
      log.event({ event: 'gc.blob', sha256: blob.sha256, bytes: blob.bytes, action: flags.dryRun || !flags.yes ? 'listed' : 'unpinned' });
      log.result(`  ${blob.sha256}  ${formatBytes(blob.bytes)}\n`);
    }
    const total = (deleted: number, failed: number, confirmed: boolean) => {
      log.event({
        event: 'gc.total',
        remote: store.description,
        listed: listed.length,
        unpinned: unpinned.length,
        deleted,
        failed,
        dry_run: flags.dryRun === true,
        confirmed,
      });
      return failed > 0 ? EXIT.jobsFailed : EXIT.ok;
    };
    if (unpinned.length === 0) {
      log.result('nothing to delete: every blob is pinned\n');
      return total(0, 0, false);
    }
    log.result(
      `${unpinned.length} unpinned blob${unpinned.length === 1 ? '' : 's'} (${formatBytes(bytes)})${flags.dryRun ? ' would be deleted (--dry-run)' : ''}\n`,
    );
    if (flags.dryRun || !(await confirm(unpinned.length, store.description, flags, ctx))) return total(0, 0, false);
    const outcome = await deleteBlobs(store, unpinned, {
      signal: io.signal,
      onDeleted: (blob) => log.event({ event: 'gc.blob', sha256: blob.sha256, bytes: blob.bytes, action: 'deleted' }),
    });
    for (const failure of outcome.failed) log.error(`${log.err.red('not deleted')} ${failure.sha256}: ${printable(failure.message)}\n`);
    log.result(`deleted ${outcome.deleted} blob${outcome.deleted === 1 ? '' : 's'}${outcome.failed.length > 0 ? `, ${outcome.failed.length} failed` : ''}\n`);
    return total(outcome.deleted, outcome.failed.length, true);
  } finally {
    await store.close();
  }
}

async function confirm(count: number, remote: string, flags: { readonly yes?: boolean }, ctx: CliContext): Promise<boolean> {
  if (flags.yes) return true;
  const stdin = ctx.io.stdin;
  if (stdin?.isTTY !== true) {
    ctx.log.error(`not deleted: no terminal to confirm on; run again with --yes to delete ${count === 1 ? 'it' : 'them'}\n`);
    return false;
  }
  ctx.log.error(
    `Outputs pinned only by lockfiles not named on this command line (other storyboards, teammates' unpushed commits) count as unpinned.\nDelete ${count} blob${count === 1 ? '' : 's'} from ${printable(remote)}? [y/N] `,
  );
  const answer = await readLine(stdin, ctx.io.signal);
  const yes = answer !== null && /^\s*y(es)?\s*$/i.test(answer);
  if (!yes) ctx.log.error('nothing deleted\n');
  return yes;
}
