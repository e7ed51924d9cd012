import type { LockEntry } from '../lockfile/lockfile.js';
import type { OutputState } from '../plan/plan.js';
import { planStoryboard } from '../plan/plan-storyboard.js';
import { OutputHashCache } from '../plan/read-outputs.js';
import { assessStatus, type ServerVideo } from '../status/assess-status.js';
import { readServerVideos } from '../status/read-server-videos.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { EXIT } from './exit-codes.js';
import { formatStatus, statusEvents } from './format-status.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext } from './context.js';
import { openServer } from '../embedded/open-server.js';
import { serverOptions } from './server-options.js';
import { defineCommand } from './define-command.js';
import { openRemoteForCli } from './remote-view.js';
import { remoteHolds } from '../remote/remote-holds.js';
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
  const { io } = ctx;
  const { loaded } = await loadForCommand(file, flags, ctx);
  const now = Math.floor(io.now() / 1000);
  // One hash cache for the plan (videos) and for the thumbnails below: read from disk once.
  const hashCache = await OutputHashCache.loadForProject(loaded.projectRoot);
  const outDir = explicitOutDir(flags, ctx);
  const store = await openRemoteForCli(loaded.projectRoot, flags.remote, ctx);
  let report;
  let lockPath: string;
  let providerId: string;
  try {
    const planned = await planStoryboard(loaded, { now, only: flags.only, hashCache, display: (p) => displayPath(ctx, p), ...(outDir ? { outDir } : {}), ...(store ? { remote: store, signal: io.signal } : {}) });
    ({ lockPath, providerId } = planned);
    const { plan, outputPaths } = planned;
    const entries = [...plan.jobs.flatMap((job) => (job.entry ? [job.entry] : [])), ...plan.orphans.map((orphan) => orphan.entry)];
    const files = await readRecordedFiles(entries, outputPaths, hashCache);
    const server = flags.offline ? null : await askServer(loaded, entries, flags, ctx);
    const remote = store ? await remoteHolds(store, blobsOf(entries), { signal: io.signal }) : null;
    report = assessStatus({ plan, files, server, now, remote });
  } finally {
    await store?.close();
  }

  const { log } = ctx;
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

/** Hashes of every recorded video and thumbnail (where the plan confined them), through the cache the plan has just used (its videos are known there). */
async function readRecordedFiles(entries: readonly LockEntry[], located: ReadonlyMap<string, string>, cache: OutputHashCache): Promise<Map<string, OutputState>> {
  const files = new Map(entries.flatMap((entry) => [entry.outputs.video, entry.outputs.thumbnail].flatMap((output) => (output ? [[output.path, output.bytes] as const] : []))));
  const states = new Map<string, OutputState>();
  for (const [recorded, bytes] of files) {
    const absPath = located.get(recorded);
    states.set(recorded, absPath === undefined ? null : await cache.stateOf(absPath, bytes));
  }
  await cache.save();
  return states;
}

/** Every recorded output's blob (sha256 → bytes): what the remote (`--remote`, `SHOTLIST_REMOTE`, the project config) is asked about. */
function blobsOf(entries: readonly LockEntry[]): Map<string, number> {
  return new Map(entries.flatMap((entry) => Object.values(entry.outputs).flatMap((output) => (output ? [[output.sha256, output.bytes] as const] : []))));
}

/** Only when some entry has a video id: a fresh checkout's status starts no emulator. */
async function askServer(loaded: LoadedStoryboard, entries: readonly LockEntry[], flags: StatusFlags, ctx: CliContext): Promise<Map<string, ServerVideo>> {
  const ids = entries.flatMap((entry) => (entry.video_id ? [entry.video_id] : []));
  if (ids.length === 0) return new Map();
  const opened = await openServer(loaded, serverOptions(ctx, flags));
  try {
    // Each video is asked of the server holding it; one on a server dropped from the pool is not asked.
    const answers = new Map<string, ServerVideo>();
    for (const server of opened.servers) {
      const held = entries.flatMap((entry) => (entry.video_id && opened.serverOf(entry) === server ? [entry.video_id] : []));
      for (const [id, video] of await readServerVideos(server.client, held, ctx.io.signal)) answers.set(id, video);
    }
    return answers;
  } finally {
    await opened.close();
  }
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
