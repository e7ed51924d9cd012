import type { ClipSegment, ImageSegment } from '../cut/film.js';
import type { Origin } from '../source/issue.js';
import type { Binding } from './job.js';

/**
 * One film of a cut: the cut with one combination of its variants applied, every shot entry
 * bound to the one job it plays, every image read and measured. What the runner needs, with the
 * clips' files, to make the `Film` that `src/cut/` assembles (see film-of-cut.ts).
 */
export interface ResolvedCut {
  /** Written like a job id: `spot`, or `spot[product=mug,size=1280x720]`. */
  readonly id: string;
  /** The cut's own id, as written. */
  readonly cutId: string;
  /** Index of the cut in `cuts:`. */
  readonly cutIndex: number;
  /** The cut's variant bindings, axes in the order written. */
  readonly bindings: readonly Binding[];
  /** Pixels; every clip and image of the film has this size (checked). */
  readonly width: number;
  readonly height: number;
  /** Frames per second: the cut's `fps`, else the clips' `fps` when they all set one, else 24. */
  readonly fps: number;
  /** In playing order, as written. */
  readonly sequence: readonly ResolvedCutEntry[];
  readonly audio: ResolvedCutAudio;
  /** The cut in the storyboard. */
  readonly origin: Origin;
}

export type ResolvedCutEntry = CutClipEntry | CutImageEntry;

/**
 * A stretch of one job's video, as the engine's `ClipSegment` without the file: it exists only
 * once the job is rendered (`filmOfCut` adds its path and sha256). `clipSeconds` is the video the
 * job makes (an extension's whole length).
 */
export interface CutClipEntry extends Omit<ClipSegment, 'path' | 'sha256'> {
  /** The entry in the storyboard. */
  readonly origin: Origin;
}

/** A still image held on screen, read and measured while validating: the engine's `ImageSegment`, and where it was written. */
export interface CutImageEntry extends ImageSegment {
  readonly origin: Origin;
}

export interface ResolvedCutAudio {
  /** The music bed, read while validating; `null` without one. */
  readonly music: { readonly ref: string; readonly path: string; readonly sha256: string } | null;
  /** `music_gain_db`, default -14. */
  readonly musicGainDb: number;
  /** `loudness` in LUFS, default -14. */
  readonly loudnessLufs: number;
}

/** Defaults of a cut's settings (README, "Cuts"). */
export const CUT_DEFAULTS = { fps: 24, musicGainDb: -14, loudnessLufs: -14 } as const;

/** The jobs a film plays, each once, in playing order: the clips it waits for, and whose failure skips it. */
export function jobsOfCut(cut: Pick<ResolvedCut, 'sequence'>): string[] {
  return [...new Set(cut.sequence.flatMap((entry) => (entry.kind === 'clip' ? [entry.job] : [])))];
}
