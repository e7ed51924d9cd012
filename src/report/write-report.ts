import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readLockfile, writeFileAtomic } from '../lockfile/lockfile-io.js';
import { lockfilePathFor } from '../lockfile/lockfile.js';
import type { JobReport } from '../run/render-storyboard.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { renderReport } from './render-report.js';
import { redact } from '../untrusted/redactor.js';
import { buildReportData, type RunOutcome } from './report-data.js';

/** The contact sheet's file name, inside the renders directory. */
export const REPORT_FILE = 'report.html';

export interface WriteReportOptions {
  readonly loaded: LoadedStoryboard;
  /** Absolute renders directory; the report is written inside it. Default: `renders/<name>/` beside the storyboard. */
  readonly outDir?: string;
  /** Milliseconds since the epoch: ages on the page are counted from it until its script updates them. */
  readonly now: number;
  /** How the run that just ended left the jobs it did not complete (see `outcomesOf`). */
  readonly outcomes?: ReadonlyMap<string, RunOutcome>;
}

export interface WrittenReport {
  /** Absolute path of the written HTML file. */
  readonly path: string;
  readonly cards: number;
}

/**
 * Writes the contact sheet (`report.html`) beside the renders, from the storyboard and its
 * lockfile, atomically. `render` calls it at the end of a run; `shotlist report` on its own.
 */
export async function writeReport(options: WriteReportOptions): Promise<WrittenReport> {
  const { storyboard, jobs } = options.loaded;
  const outDir = options.outDir ?? defaultRendersDir(options.loaded);
  const lockPath = lockfilePathFor(storyboard.mainPath);
  const lockDir = path.dirname(lockPath);
  const lockfile = await readLockfile(lockPath);
  const recorded = Object.values(lockfile?.jobs ?? {}).flatMap((entry) => [entry.outputs.video?.path, entry.outputs.thumbnail?.path].filter((p): p is string => p !== undefined));
  const present = await existing(recorded, lockDir);
  const data = buildReportData({
    name: storyboard.name,
    jobs,
    lockfile,
    lockDir,
    reportDir: outDir,
    present,
    now: Math.floor(options.now / 1000),
    ...(options.outcomes ? { outcomes: options.outcomes } : {}),
  });
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, REPORT_FILE);
  // Whatever a card quotes (a server's reason, a lockfile's string), no credential leaves in the page.
  await writeFileAtomic(file, redact(renderReport(data)));
  return { path: file, cards: data.cards.length };
}

/** `renders/<name>/` beside the storyboard, where `render` puts the files by default. */
export function defaultRendersDir(loaded: LoadedStoryboard): string {
  return path.join(loaded.storyboard.dir, 'renders', loaded.storyboard.name);
}

/** A run's reports as the outcomes the report shows: the jobs it did not complete, with why. */
export function outcomesOf(reports: readonly JobReport[]): Map<string, RunOutcome> {
  const outcomes = new Map<string, RunOutcome>();
  for (const report of reports) {
    if (report.status === 'completed') continue;
    outcomes.set(report.job.id, report.status === 'cancelled' ? { status: 'cancelled', reason: 'not started: the run was interrupted' } : { status: report.status, reason: report.reason });
  }
  return outcomes;
}

async function existing(recorded: readonly string[], lockDir: string): Promise<Set<string>> {
  const found = new Set<string>();
  await Promise.all(
    [...new Set(recorded)].map(async (p) => {
      const info = await stat(path.resolve(lockDir, p)).catch(() => null);
      if (info?.isFile()) found.add(p);
    }),
  );
  return found;
}
