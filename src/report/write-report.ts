import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { confinePath } from '../files/confined-path.js';
import { onEnvironment } from '../files/environment-error.js';
import { readLockfileSource, writeFileAtomic } from '../lockfile/lockfile-io.js';
import { confineOutputPaths } from '../plan/read-outputs.js';
import { lockfilePathFor } from '../lockfile/lockfile.js';
import type { JobReport } from '../run/render-storyboard.js';
import type { LoadedStoryboard } from '../storyboard/load-storyboard.js';
import { renderReport } from './render-report.js';
import { redact } from '../untrusted/redactor.js';
import { buildReportData, type RunOutcome } from './report-data.js';
import { buildFilmCards } from './film-cards.js';

/** The contact sheet's file name, inside the renders directory. */
export const REPORT_FILE = 'report.html';

export interface WriteReportOptions {
  readonly loaded: LoadedStoryboard;
  /** Absolute renders directory; the report is written inside it. Default: `renders/<name>/` beside the storyboard. */
  readonly outDir?: string;
  /** Milliseconds since the epoch: ages on the page are counted from it until its script updates them. */
  readonly now: number;
  /** Shown in messages instead of an absolute path; default the path itself. */
  readonly display?: (absPath: string) => string;
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
  const outDir = options.outDir ?? outputDirOf(options.loaded, undefined);
  const lockPath = lockfilePathFor(storyboard.mainPath);
  const lockDir = path.dirname(lockPath);
  const { projectRoot } = options.loaded;
  const source = await readLockfileSource(lockPath, options.display?.(lockPath) ?? lockPath, projectRoot);
  const lockfile = source?.lockfile ?? null;
  // An output directory outside the project was named with --out: files recorded there count too.
  const roots = confinePath(projectRoot, outDir).ok ? { projectRoot } : { projectRoot, outDir };
  const located = source === null ? new Map<string, string>() : confineOutputPaths(source, lockDir, roots);
  const present = existing(located);
  const cards = buildReportData({
    name: storyboard.name,
    jobs,
    lockfile,
    lockDir,
    reportDir: outDir,
    present,
    now: Math.floor(options.now / 1000),
    ...(options.outcomes ? { outcomes: options.outcomes } : {}),
  });
  const anchors = new Map(cards.cards.map((card) => [card.id, card.anchor]));
  const data = { ...cards, films: buildFilmCards({ cuts: options.loaded.cuts, lockfile, lockDir, reportDir: outDir, present, anchors }) };
  await onEnvironment('create the directory', outDir, () => mkdir(outDir, { recursive: true }));
  const file = path.join(outDir, REPORT_FILE);
  // Whatever a card quotes (a server's reason, a lockfile's string), no credential leaves in the page.
  await writeFileAtomic(file, redact(renderReport(data)));
  return { path: file, cards: data.cards.length };
}

/** `renders/<name>/` beside the storyboard, where `render` puts the files by default. */
export function defaultRendersDir(loaded: LoadedStoryboard): string {
  return path.join(loaded.storyboard.dir, 'renders', loaded.storyboard.name);
}

/**
 * The directory outputs go to: the one `--out` named (`explicit`, absolute), wherever it is,
 * since the user said so; else `renders/<name>/`, which must lead inside the project through
 * every symlink on the way (a committed `renders -> /elsewhere` would otherwise write outside
 * it, on a machine that only cloned the repository). The path is kept as written (a project
 * under a symlinked directory still shows `renders/<name>`).
 */
export function outputDirOf(loaded: LoadedStoryboard, explicit: string | undefined, display: (absPath: string) => string = (p) => p): string {
  if (explicit !== undefined) return explicit;
  const dir = defaultRendersDir(loaded);
  const confined = confinePath(loaded.projectRoot, dir);
  if (confined.ok) return dir;
  const how = confined.reason === 'dangling' ? 'through a symlink to nothing' : `to ${confined.resolved}, through a symlink`;
  throw new UserError(
    'output-outside-project',
    `the renders directory ${display(dir)} leads outside the project directory (${how}); outputs are written inside the project unless --out names another place`,
    {
      hint: confined.reason === 'dangling' ? 'remove the symlink' : `remove the symlink, or pass --out ${confined.resolved} to write there on purpose`,
    },
  );
}

/** A run's reports as the outcomes the report shows: the jobs it did not complete, with why. */
export function outcomesOf(reports: readonly JobReport[]): Map<string, RunOutcome> {
  const outcomes = new Map<string, RunOutcome>();
  for (const report of reports) {
    if (report.status === 'completed') continue;
    outcomes.set(report.job.id, report.status === 'cancelled' ? { status: 'cancelled' } : { status: report.status, message: report.reason });
  }
  return outcomes;
}

/** The recorded paths whose (confined) file exists. */
function existing(located: ReadonlyMap<string, string>): Set<string> {
  const found = new Set<string>();
  for (const [recorded, absPath] of located) if (statSync(absPath, { throwIfNoEntry: false })?.isFile()) found.add(recorded);
  return found;
}
