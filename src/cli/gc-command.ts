import type { Video } from '../api/index.js';
import { UsageError } from '../errors.js';
import { lockfilePathFor, type Lockfile } from '../lockfile/lockfile.js';
import { applyGc, readCheckedLockfile, type ApplyGcOutcome, type GcClient, type LockedStoryboard } from '../gc/apply-gc.js';
import { missingGcFeatures, planGc, referencedVideoIds } from '../gc/plan-gc.js';
import { providerIdentity } from '../providers/profile.js';
import { describeHolder } from '../run/advisory-lock.js';
import { truncate } from '../source/describe.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { formatDuration } from '../format/format-duration.js';
import { EXIT } from './exit-codes.js';
import { displayPath, loadForCommand } from './load-for-cli.js';
import type { CliContext } from './context.js';
import { embeddedStateDir, openServer } from '../embedded/open-server.js';
import { serverOptions } from './server-options.js';
import { printable } from '../untrusted/control-characters.js';
import { redact } from '../untrusted/redactor.js';
import { defineCommand } from './define-command.js';
import { readLine } from './read-line.js';
import { flag } from './flags.js';

export interface GcFlags {
  readonly provider?: string;
  readonly baseUrl?: readonly string[];
  /** Delete without asking. */
  readonly yes?: boolean;
  /** List what would be deleted; delete nothing, ask nothing. */
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly allowInsecureHttp?: boolean;
  /** Wait for renders holding the storyboards' locks before deleting, instead of exiting 4. */
  readonly wait?: boolean;
  /** `--remote [URL]`: collect the remote's blobs instead of the server's videos (`true`: the remote the project names). */
  readonly remote?: string | true;
}

/** The storyboards that share one server, and what their lockfiles reference. */
interface ServerGroup {
  readonly label: string;
  readonly loaded: LoadedStoryboard;
  readonly lockNames: string[];
}

/**
 * `shotlist gc FILE...`: deletes the server's videos that no lockfile of the given storyboards
 * references, after confirmation (`y/N` on a terminal, `--yes` for scripts). Without a terminal
 * and without `--yes` it only lists. Exit 0 when done, 1 when the server refused some deletes.
 */
export async function runGc(files: readonly string[], flags: GcFlags, ctx: CliContext): Promise<number> {
  if (flags.remote !== undefined) return (await import('./gc-remote.js')).runRemoteGc(files, { ...flags, remote: flags.remote }, ctx);
  const lockfiles: Lockfile[] = [];
  const groups = new Map<string, ServerGroup>();
  const lockPaths = new Map<string, LockedStoryboard>();
  for (const file of files) {
    const { loaded } = await loadForCommand(file, flags, ctx);
    const lockPath = lockfilePathFor(loaded.storyboard.mainPath);
    const read = await readCheckedLockfile(loaded, lockPath, (p) => displayPath(ctx, p));
    if (read) lockfiles.push(read);
    else ctx.log.warn(`${displayPath(ctx, lockPath)} does not exist: ${displayPath(ctx, loaded.storyboard.mainPath)} references no video`);
    lockPaths.set(lockPath, { loaded, lockPath });
    const key = serverKey(loaded);
    const group = groups.get(key) ?? { label: serverLabel(loaded, ctx), loaded, lockNames: [] };
    group.lockNames.push(displayPath(ctx, lockPath));
    groups.set(key, group);
  }
  // Checked for every server before anything is listed or deleted.
  for (const group of groups.values()) requireFeatures(group.loaded, flags);
  const referenced = referencedVideoIds(lockfiles);
  const storyboards = [...lockPaths.values()];
  let code: number = EXIT.ok;
  for (const group of groups.values()) {
    const result = await collectServer(group, referenced, storyboards, flags, ctx);
    if (result !== EXIT.ok) code = result;
  }
  return code;
}

function serverKey(loaded: LoadedStoryboard): string {
  const { provider } = loaded.storyboard;
  const stateDir = embeddedStateDir(loaded);
  if (stateDir !== null) return `embedded ${stateDir}`;
  return provider.servers.map((server) => providerIdentity(provider.profile, server.baseUrl)).join(' + ');
}

function serverLabel(loaded: LoadedStoryboard, ctx: CliContext): string {
  const { provider } = loaded.storyboard;
  const stateDir = embeddedStateDir(loaded);
  if (stateDir !== null) return `${provider.profile.name} (${displayPath(ctx, stateDir)})`;
  return providerIdentity(provider.profile, provider.baseUrl);
}

function requireFeatures(loaded: LoadedStoryboard, flags: GcFlags): void {
  const { profile } = loaded.storyboard.provider;
  // Gemini, fal and Replicate delete nothing: their outputs expire on their own (a cancel is not a delete).
  if (profile.protocol !== 'openai-videos') {
    throw new UsageError(
      `gc deletes videos from /v1/videos servers; provider "${profile.name}" speaks the ${profile.protocol} protocol, whose outputs expire on their own`,
      { hint: 'there is nothing gc can do there' },
    );
  }
  const missing = missingGcFeatures(profile, flags.dryRun === true);
  if (missing.length === 0) return;
  throw new UsageError(
    `gc needs a server that can ${missing.join(' and ')} videos; provider "${profile.name}" cannot (its profile sets ${missing.map((f) => `features.${f}: false`).join(', ')})`,
    {
      hint: profile.features.list
        ? 'run with --dry-run to only list the unreferenced videos'
        : "videos on this provider's servers expire on their own; there is nothing gc can do there",
    },
  );
}

/** Each server of the group's provider in turn: one, or every server of a pool. */
async function collectServer(
  group: ServerGroup,
  referenced: ReadonlySet<string>,
  storyboards: readonly LockedStoryboard[],
  flags: GcFlags,
  ctx: CliContext,
): Promise<number> {
  const opened = await openServer(group.loaded, serverOptions(ctx, flags));
  try {
    let code: number = EXIT.ok;
    for (const server of opened.servers) {
      const label = opened.servers.length > 1 ? providerIdentity(group.loaded.storyboard.provider.profile, server.name) : group.label;
      const { listAll, delete: remove } = server.client;
      if (listAll === undefined || remove === undefined)
        throw new UsageError(`provider "${group.loaded.storyboard.provider.profile.name}" cannot list and delete videos`);
      const result = await collectOne({ ...group, label }, { listAll, delete: remove }, referenced, storyboards, flags, ctx);
      if (result !== EXIT.ok) code = result;
    }
    return code;
  } finally {
    await opened.close();
  }
}

async function collectOne(
  group: ServerGroup,
  client: GcClient,
  referenced: ReadonlySet<string>,
  storyboards: readonly LockedStoryboard[],
  flags: GcFlags,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const videos: Video[] = [];
  for await (const video of client.listAll({ order: 'desc' }, { signal: io.signal })) videos.push(video);
  const { unreferenced, kept } = planGc(videos, referenced);
  const listed = unreferenced.length + kept.length;
  const inFlight = kept.filter((k) => k.reason === 'in_flight');
  const say = (text: string) => ctx.log.result(text);
  const now = Math.floor(io.now() / 1000);

  say(
    `${group.label}: ${listed} video${listed === 1 ? '' : 's'} on the server, ${kept.length - inFlight.length} referenced by ${group.lockNames.join(', ')}${inFlight.length > 0 ? `, ${inFlight.length} in flight (kept)` : ''}\n`,
  );
  for (const { video } of inFlight) emit(ctx, { id: video.id, status: video.status, created_at: video.createdAt, action: 'kept', reason: 'in flight' });
  if (unreferenced.length === 0) {
    say('nothing to delete: every finished video is referenced\n');
    return total(ctx, flags, group, listed, kept.length, unreferenced.length, { deleted: 0, refused: 0, confirmed: false });
  }
  for (const video of unreferenced)
    say(
      `  ${printable(video.id)}  ${video.status.padEnd(9)}  ${video.createdAt === null ? '' : `created ${formatDuration(now - video.createdAt)} ago  `}${quote(video.prompt)}\n`,
    );
  say(`${unreferenced.length} unreferenced video${unreferenced.length === 1 ? '' : 's'}${flags.dryRun ? ' would be deleted (--dry-run)' : ''}\n`);

  const confirmed = flags.dryRun ? false : await confirm(unreferenced.length, group, flags, ctx);
  if (!confirmed) {
    for (const video of unreferenced) emit(ctx, { id: video.id, status: video.status, created_at: video.createdAt, action: 'listed', reason: 'unreferenced' });
    return total(ctx, flags, group, listed, kept.length, unreferenced.length, { deleted: 0, refused: 0, confirmed: false });
  }
  const outcome = await deleteUnderLocks(client, unreferenced, storyboards, flags, ctx);
  return total(ctx, flags, group, listed, kept.length + outcome.kept, unreferenced.length, { ...outcome, confirmed: true });
}

/** The delete phase (`gc/apply-gc.ts`), each video's fate told as it happens. */
function deleteUnderLocks(
  client: GcClient,
  candidates: readonly Video[],
  storyboards: readonly LockedStoryboard[],
  flags: GcFlags,
  ctx: CliContext,
): Promise<ApplyGcOutcome> {
  const { io, log } = ctx;
  return applyGc(client, candidates, storyboards, {
    wait: flags.wait === true,
    signal: io.signal,
    display: (p) => displayPath(ctx, p),
    onEvent: (event) => {
      if (event.type === 'lock-wait') {
        log.info(`waiting for ${describeHolder(event.holder, event.judged)} to finish rendering ${displayPath(ctx, event.lockPath)}\n`);
        return;
      }
      const { video, action, reason } = event;
      emit(ctx, { id: video.id, status: video.status, created_at: video.createdAt, action, reason });
      if (action === 'kept') log.result(`kept ${printable(video.id)}: a lockfile references it since it was listed\n`);
      else if (action === 'deleted') log.result(`deleted ${printable(video.id)}${reason === 'unreferenced' ? '' : ` (${printable(reason)})`}\n`);
      else log.result(`${log.out.red('not deleted')} ${printable(video.id)}: ${printable(reason)}\n`);
    },
  });
}

/** `--yes` deletes; a terminal is asked; anything else (a pipe, cron) only lists. */
async function confirm(count: number, group: ServerGroup, flags: GcFlags, ctx: CliContext): Promise<boolean> {
  if (flags.yes) return true;
  const stdin = ctx.io.stdin;
  if (stdin?.isTTY !== true) {
    ctx.log.error(`not deleted: no terminal to confirm on; run again with --yes to delete ${count === 1 ? 'it' : 'them'}\n`);
    return false;
  }
  ctx.log.error(
    `Videos of storyboards not named on this command line count as unreferenced.\nDelete ${count} video${count === 1 ? '' : 's'} from ${group.label}? [y/N] `,
  );
  const answer = await readLine(stdin, ctx.io.signal);
  const yes = answer !== null && /^\s*y(es)?\s*$/i.test(answer);
  if (!yes) ctx.log.error('nothing deleted\n');
  return yes;
}

function emit(ctx: CliContext, event: Record<string, unknown>): void {
  ctx.log.event({ event: 'gc.video', ...event });
}

function total(
  ctx: CliContext,
  flags: GcFlags,
  group: ServerGroup,
  listed: number,
  kept: number,
  unreferenced: number,
  outcome: { deleted: number; refused: number; confirmed: boolean },
): number {
  ctx.log.event({
    event: 'gc.total',
    server: group.label,
    listed,
    kept,
    unreferenced,
    deleted: outcome.deleted,
    refused: outcome.refused,
    dry_run: flags.dryRun === true,
    confirmed: outcome.confirmed,
  });
  if (outcome.confirmed) {
    ctx.log.result(
      `deleted ${outcome.deleted} video${outcome.deleted === 1 ? '' : 's'}${outcome.refused > 0 ? `, ${outcome.refused} refused` : ''}; kept ${kept}\n`,
    );
  }
  return outcome.refused > 0 ? EXIT.jobsFailed : EXIT.ok;
}

/** A prompt as one short line: control characters shown as spaces, cut at 60 characters as any echoed input is. */
function quote(prompt: string | null): string {
  if (prompt === null) return '';
  // Redacted before it is cut (half a key is not found); printable for what JSON leaves raw (C1, bidi).
  return printable(
    JSON.stringify(
      truncate(
        redact(prompt)
          .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
          .trim(),
      ),
    ),
  );
}

/** `shotlist gc FILE...`. */
export const command = defineCommand({
  name: 'gc',
  description: 'delete server-side videos that no lockfile of the given storyboards references',
  arguments: [['<files...>', 'storyboard files whose lockfiles say which videos to keep']],
  options: (c) =>
    c
      .option('--provider <name>', "provider profile to use instead of the storyboards'")
      .addOption(flag.baseUrl())
      .option('--yes', 'delete without asking')
      .option('--dry-run', 'list what would be deleted; delete nothing')
      .option('--wait', 'wait for renders of these storyboards to finish before deleting, instead of exiting')
      .option(
        '--remote [url]',
        "delete the remote's blobs that no given lockfile pins, instead of server videos (default: SHOTLIST_REMOTE, else remote: in shotlist.config.yaml)",
      )
      .addOption(flag.allowInsecureHttp())
      .addOption(flag.json())
      .addOption(flag.verbose()),
  run: ([files]: [string[]], flags: GcFlags, ctx) => runGc(files, flags, ctx),
});
