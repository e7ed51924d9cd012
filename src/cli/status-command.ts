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
import type { CliContext } from './main.js';
import { openServer } from '../embedded/open-server.js';
import { serverOptions } from './server-options.js';

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
  const { io } = ctx;
  const { loaded } = await loadForCommand(file, flags, ctx);
  const now = Math.floor(io.now() / 1000);
  // One hash cache for the plan (videos) and for the thumbnails below: read from disk once.
  const hashCache = await OutputHashCache.loadForProject(loaded.projectRoot);
  const outDir = explicitOutDir(flags, ctx);
  const { plan, lockPath, providerId, outputPaths } = await planStoryboard(loaded, { now, only: flags.only, hashCache, display: (p) => displayPath(ctx, p), ...(outDir ? { outDir } : {}) });
  const entries = [...plan.jobs.flatMap((job) => (job.entry ? [job.entry] : [])), ...plan.orphans.map((orphan) => orphan.entry)];
  const files = await readRecordedFiles(entries, outputPaths, hashCache);
  const server = flags.offline ? null : await askServer(loaded, entries, flags, ctx);
  const report = assessStatus({ plan, files, server, now });

  if (flags.json) {
    for (const event of statusEvents(report, loaded.storyboard.name)) io.stdout.write(`${JSON.stringify(event)}\n`);
  } else {
    const header = `status of ${ctx.out.bold(loaded.storyboard.name)} on ${providerId} (${displayPath(ctx, lockPath)}${flags.offline ? ', offline' : ''})`;
    const shown = flags.quiet ? { ...report, rows: report.rows.filter((row) => row.attention) } : report;
    io.stdout.write(formatStatus(shown, header, ctx.out));
    if (report.totals.attention > 0) io.stdout.write(`run \`shotlist plan ${displayPath(ctx, loaded.storyboard.mainPath)}\` to see what render would do about it\n`);
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
