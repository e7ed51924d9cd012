import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { hashBounded } from '../files/read-bounded.js';
import { assembleFilm, timelinePathFor, type WrittenFile } from '../cut/assemble-film.js';
import { fingerprintOfFilm } from '../cut/cut-fingerprint.js';
import { asEnvironmentError } from '../files/environment-error.js';
import type { CutEntry, OutputFile } from '../lockfile/lockfile.js';
import type { PlannedCut } from '../plan/plan-cuts.js';
import { filmOfCut, type ClipFile } from '../storyboard/film-of-cut.js';
import type { LockRecorder } from './lock-recorder.js';
import { fileStemOf } from './output-names.js';
import { removeStaleFiles } from './stale-files.js';

/**
 * Assembles the films a plan owes (SPEC §9) while the jobs render: a film starts the moment the
 * last clip it plays is on disk, at most one ffmpeg per core, and is recorded under the
 * lockfile's `cuts` as soon as its files are in place. A film whose clip did not complete is
 * skipped, naming the clip.
 */

/** What became of a film in this run. `reused`: its clips rendered again to the same bytes, and its files were intact. */
export type CutReport =
  | {
      readonly id: string;
      readonly status: 'built';
      readonly mode: 'copy' | 'encode';
      readonly seconds: number;
      readonly video: string;
      readonly timeline: string;
      readonly elapsedMs: number;
    }
  | { readonly id: string; readonly status: 'reused'; readonly video: string; readonly timeline: string }
  | { readonly id: string; readonly status: 'failed'; readonly reason: string }
  /** `clip`: the job whose video it needed and did not get. */
  | { readonly id: string; readonly status: 'skipped'; readonly clip: string; readonly reason: string }
  | { readonly id: string; readonly status: 'cancelled' };

/** A film's progress as it runs: waiting for clips, assembling (0..1 over measuring and writing), then its report. */
export type CutEvent =
  | { readonly type: 'cut-started'; readonly id: string }
  | { readonly type: 'cut-progress'; readonly id: string; readonly fraction: number }
  | { readonly type: 'cut-settled'; readonly report: CutReport };

export interface CutRunOptions {
  /** The films to assemble (the plan's `cut` actions). */
  readonly cuts: readonly PlannedCut[];
  /** Jobs this run renders, resumes or downloads: a film waits for those it plays. */
  readonly pending: ReadonlySet<string>;
  /** The run's lockfile writer: clips are read from it, films recorded in it. */
  readonly recorder: LockRecorder;
  readonly lockDir: string;
  readonly outDir: string;
  readonly signal: AbortSignal;
  /** Films assembled at once; default one per core. */
  readonly concurrency?: number;
  readonly onEvent?: (event: CutEvent) => void;
  /** Default: the bundled ffmpeg. */
  readonly ffmpegPath?: string;
}

export interface CutRun {
  /** A job of the run settled: a film waiting for it starts once it has all its clips, or is skipped when this one did not complete. */
  clipSettled(jobId: string, completed: boolean, why?: string): void;
  /** Every job has settled: films still waiting are skipped; resolves with every film's report once the last one ends. */
  finish(): Promise<CutReport[]>;
}

/** Where a film's MP4 goes: `<out>/cuts/<film id as a file stem>.mp4`, its `.otio` beside it. */
export function cutOutputPath(outDir: string, filmId: string): string {
  return path.join(outDir, 'cuts', `${fileStemOf(filmId)}.mp4`);
}

export async function startCuts(options: CutRunOptions): Promise<CutRun> {
  const finals = options.cuts.flatMap((cut) => {
    const video = cutOutputPath(options.outDir, cut.id);
    return [video, timelinePathFor(video)];
  });
  // A run without films to make leaves no `cuts/` directory behind.
  if (finals.length > 0) {
    await mkdir(path.join(options.outDir, 'cuts'), { recursive: true }).catch((error: unknown) => {
      throw asEnvironmentError(error, 'create the directory', path.join(options.outDir, 'cuts'));
    });
    // Left by a run killed mid-assembly; this one holds the lock.
    await removeStaleFiles(finals);
  }

  const limit = Math.max(1, options.concurrency ?? availableParallelism());
  const reports = new Map<string, CutReport>();
  const waiting = new Map(options.cuts.map((cut) => [cut.id, new Set(cut.clips.filter((id) => options.pending.has(id)))]));
  const ready: PlannedCut[] = [];
  const running = new Set<Promise<void>>();
  let drained: (() => void) | null = null;
  const tell = (event: CutEvent): void => options.onEvent?.(event);
  const settle = (report: CutReport): void => {
    reports.set(report.id, report);
    tell({ type: 'cut-settled', report });
  };
  const pump = (): void => {
    while (running.size < limit && ready.length > 0) {
      const cut = ready.shift()!;
      const run = buildCut(cut, options, tell).then(settle, (error: unknown) => settle(failure(cut.id, error, options.signal)));
      running.add(run);
      void run.finally(() => {
        running.delete(run);
        pump();
        if (running.size === 0 && ready.length === 0) drained?.();
      });
    }
  };
  const release = (cut: PlannedCut): void => {
    waiting.delete(cut.id);
    if (options.signal.aborted) return settle({ id: cut.id, status: 'cancelled' });
    ready.push(cut);
    pump();
  };
  for (const cut of options.cuts) if (waiting.get(cut.id)!.size === 0) release(cut);

  return {
    clipSettled(jobId, completed, why) {
      for (const cut of options.cuts) {
        const clips = waiting.get(cut.id);
        if (!clips?.has(jobId)) continue;
        if (!completed) {
          waiting.delete(cut.id);
          settle({ id: cut.id, status: 'skipped', clip: jobId, reason: `not assembled, because clip ${jobId} ${why ?? 'did not complete'}` });
          continue;
        }
        clips.delete(jobId);
        if (clips.size === 0) release(cut);
      }
    },
    async finish() {
      for (const [id, clips] of waiting) {
        const clip = [...clips][0]!;
        settle(
          options.signal.aborted
            ? { id, status: 'cancelled' }
            : { id, status: 'skipped', clip, reason: `not assembled, because clip ${clip} did not complete` },
        );
      }
      waiting.clear();
      if (running.size > 0 || ready.length > 0) await new Promise<void>((resolve) => (drained = resolve));
      return options.cuts.map((cut) => reports.get(cut.id)!);
    },
  };
}

async function buildCut(cut: PlannedCut, options: CutRunOptions, tell: (event: CutEvent) => void): Promise<CutReport> {
  const { recorder, lockDir } = options;
  const clips = new Map<string, ClipFile>();
  for (const id of cut.clips) {
    const video = recorder.entry(id)?.outputs.video;
    if (video !== undefined) clips.set(id, { path: path.resolve(lockDir, video.path), sha256: video.sha256 });
  }
  const missing = cut.clips.find((id) => !clips.has(id));
  if (missing !== undefined) return { id: cut.id, status: 'skipped', clip: missing, reason: `not assembled, because clip ${missing} has no file` };
  const film = filmOfCut(cut.cut, (id) => clips.get(id));
  const fingerprint = fingerprintOfFilm(film);
  const recorded = recorder.cut(cut.id);
  // Clips that rendered again to the very same bytes leave an intact film as it is.
  if (cut.reason.code === 'clips-render' && recorded?.fingerprint === fingerprint && (await intact(recorded, lockDir))) {
    return {
      id: cut.id,
      status: 'reused',
      video: path.resolve(lockDir, recorded.outputs.video.path),
      timeline: path.resolve(lockDir, recorded.outputs.timeline.path),
    };
  }
  tell({ type: 'cut-started', id: cut.id });
  const started = Date.now();
  const output = cutOutputPath(options.outDir, cut.id);
  const built = await assembleFilm({
    film,
    output,
    signal: options.signal,
    // Measuring is the first half of the work, writing the second.
    onProgress: ({ step, fraction }) => tell({ type: 'cut-progress', id: cut.id, fraction: step === 'measure' ? fraction / 2 : 0.5 + fraction / 2 }),
    ...(options.ffmpegPath === undefined ? {} : { ffmpegPath: options.ffmpegPath }),
  });
  const entry: CutEntry = {
    fingerprint,
    clips: Object.fromEntries([...clips].map(([id, clip]) => [id, clip.sha256])),
    outputs: { video: relativeTo(lockDir, built.video), timeline: relativeTo(lockDir, built.timeline) },
  };
  await recorder.recordCut(cut.id, entry);
  return {
    id: cut.id,
    status: 'built',
    mode: built.mode,
    seconds: built.durationSeconds,
    video: built.video.path,
    timeline: built.timeline.path,
    elapsedMs: Date.now() - started,
  };
}

/**
 * A film that could not be made fails alone (ffmpeg failed, a clip on disk is not what the job
 * asked for, the disk refused the files): the other films and the jobs go on, and the run's
 * exit code says so.
 */
function failure(id: string, error: unknown, signal: AbortSignal): CutReport {
  if (signal.aborted) return { id, status: 'cancelled' };
  return { id, status: 'failed', reason: error instanceof Error ? error.message : String(error) };
}

function relativeTo(lockDir: string, file: WrittenFile): OutputFile {
  return { path: path.relative(lockDir, file.path).split(path.sep).join('/'), sha256: file.sha256, bytes: file.bytes };
}

/**
 * Whether both of a film's recorded files are on disk with their recorded bytes: read as any
 * file a lockfile names is (a regular file, no more than its recorded size), so a FIFO or a
 * device in a film's place is not intact rather than a read that never ends.
 */
async function intact(entry: CutEntry, lockDir: string): Promise<boolean> {
  for (const file of [entry.outputs.video, entry.outputs.timeline]) {
    const hashed = await hashBounded(path.resolve(lockDir, file.path), file.bytes);
    if (!hashed.ok || hashed.sha256 !== file.sha256 || hashed.bytes !== file.bytes) return false;
  }
  return true;
}
