import type { CutEntry, LockEntry } from '../lockfile/lockfile.js';
import { assessCuts } from '../status/assess-cuts.js';
import { cutStatusEvents, formatCutStatus } from './format-cut-status.js';
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
  const { io } = ctx;
  const { loaded } = await loadForCommand(file, flags, ctx);
  const now = Math.floor(io.now() / 1000);
  // One hash cache for the plan (videos) and for the thumbnails below: read from disk once.
  const hashCache = await OutputHashCache.loadForProject(loaded.projectRoot);
  const outDir = explicitOutDir(flags, ctx);
  const { plan, lockPath, providerId, outputPaths, cuts, lockfile } = await planStoryboard(loaded, { now, only: flags.only, hashCache, display: (p) => displayPath(ctx, p), ...(outDir ? { outDir } : {}) });
  const entries = [...plan.jobs.flatMap((job) => (job.entry ? [job.entry] : [])), ...plan.orphans.map((orphan) => orphan.entry)];
  const files = await readRecordedFiles(entries, outputPaths, hashCache, Object.values(lockfile?.cuts ?? {}));
  const server = flags.offline ? null : await askServer(loaded, entries, flags, ctx);
  const report = assessStatus({ plan, files, server, now });
  const films = assessCuts(cuts, lockfile?.cuts ?? {}, files);
  const attention = report.totals.attention + films.filter((film) => film.attention).length;

  const { log } = ctx;
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

/** Hashes of every recorded video and thumbnail (where the plan confined them), through the cache the plan has just used (its videos are known there). */
async function readRecordedFiles(entries: readonly LockEntry[], located: ReadonlyMap<string, string>, cache: OutputHashCache, films: readonly CutEntry[]): Promise<Map<string, OutputState>> {
  const files = new Map(entries.flatMap((entry) => [entry.outputs.video, entry.outputs.thumbnail].flatMap((output) => (output ? [[output.path, output.bytes] as const] : []))));
  for (const film of films) for (const output of [film.outputs.video, film.outputs.timeline]) files.set(output.path, output.bytes);
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
