import { transitionParts, type Film } from './film.js';
import { framesOf, secondsOf, timelineOf } from './film-timeline.js';

/**
 * A problem with a resolved film, as data: `segment` is the index in `film.sequence` and `field`
 * the key of that entry that is wrong, so the storyboard layer can point at
 * `cuts[i].sequence[segment].field` with file:line:col and word the message and hint.
 * Lengths are compared in whole frames at the film's rate, as the film is assembled.
 */
export type FilmIssue =
  | { readonly code: 'film-empty' }
  | { readonly code: 'film-size-invalid'; readonly width: number; readonly height: number }
  | { readonly code: 'film-rate-invalid'; readonly fps: number }
  | { readonly code: 'loudness-out-of-range'; readonly lufs: number; readonly min: number; readonly max: number }
  | { readonly code: 'size-mismatch'; readonly segment: number; readonly field: 'shot' | 'image'; readonly expected: Size; readonly found: Size }
  | {
      readonly code: 'trim-out-of-range';
      readonly segment: number;
      readonly field: 'from' | 'to';
      readonly value: number;
      readonly min: number;
      readonly max: number;
    }
  | { readonly code: 'entry-too-short'; readonly segment: number; readonly field: 'seconds' | 'to'; readonly seconds: number; readonly minSeconds: number }
  | { readonly code: 'transition-on-first-entry'; readonly segment: 0; readonly field: 'transition' }
  | { readonly code: 'transition-too-short'; readonly segment: number; readonly field: 'transition'; readonly seconds: number; readonly minSeconds: number }
  | {
      readonly code: 'transition-too-long';
      readonly segment: number;
      readonly field: 'transition';
      readonly seconds: number;
      /** The longest transition that fits, in seconds (a whole number of frames). */
      readonly maxSeconds: number;
      /** What it does not fit in: the entry before, this entry, or what is left of an entry between its two transitions. */
      readonly against: 'previous' | 'this' | 'between-transitions';
      /** The entry it does not fit in. */
      readonly other: number;
    };

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** ffmpeg's loudnorm accepts integrated targets in this range. */
export const LOUDNESS_RANGE = { min: -70, max: -5 } as const;

/** Every problem with the film, in sequence order; an empty list means it can be assembled. */
export function checkFilm(film: Film): FilmIssue[] {
  const issues: FilmIssue[] = [];
  if (!(film.width > 0 && film.height > 0 && film.width % 2 === 0 && film.height % 2 === 0)) {
    // H.264 in yuv420p needs even dimensions.
    issues.push({ code: 'film-size-invalid', width: film.width, height: film.height });
  }
  if (!(Number.isFinite(film.fps) && film.fps >= 1 && film.fps <= 240)) {
    issues.push({ code: 'film-rate-invalid', fps: film.fps });
    return issues; // frames cannot be counted without a rate
  }
  const { min, max } = LOUDNESS_RANGE;
  if (!(film.audio.loudnessLufs >= min && film.audio.loudnessLufs <= max))
    issues.push({ code: 'loudness-out-of-range', lufs: film.audio.loudnessLufs, min, max });
  if (film.sequence.length === 0) {
    issues.push({ code: 'film-empty' });
    return issues;
  }
  const entryIssues = checkEntries(film);
  issues.push(...entryIssues);
  // An entry whose own length is wrong is reported once; measuring transitions against it adds noise.
  const unmeasured = new Set(entryIssues.flatMap((issue) => ('segment' in issue && issue.code !== 'size-mismatch' ? [issue.segment] : [])));
  issues.push(...checkTransitions(film, unmeasured));
  return issues;
}

function checkEntries(film: Film): FilmIssue[] {
  const issues: FilmIssue[] = [];
  const { rate, spans } = timelineOf(film);
  const oneFrame = secondsOf(1, rate);
  film.sequence.forEach((segment, index) => {
    if (segment.width !== film.width || segment.height !== film.height) {
      issues.push({
        code: 'size-mismatch',
        segment: index,
        field: segment.kind === 'clip' ? 'shot' : 'image',
        expected: { width: film.width, height: film.height },
        found: { width: segment.width, height: segment.height },
      });
    }
    if (segment.kind === 'clip') {
      const fromOk = segment.from >= 0 && segment.from < segment.clipSeconds;
      const toOk = segment.to > segment.from && segment.to <= segment.clipSeconds;
      if (!fromOk)
        issues.push({ code: 'trim-out-of-range', segment: index, field: 'from', value: segment.from, min: 0, max: Math.min(segment.to, segment.clipSeconds) });
      if (!toOk)
        issues.push({ code: 'trim-out-of-range', segment: index, field: 'to', value: segment.to, min: Math.max(segment.from, 0), max: segment.clipSeconds });
      if (fromOk && toOk && spans[index]!.frames < 1)
        issues.push({ code: 'entry-too-short', segment: index, field: 'to', seconds: segment.to - segment.from, minSeconds: oneFrame });
    } else if (!(spans[index]!.frames >= 1)) {
      issues.push({ code: 'entry-too-short', segment: index, field: 'seconds', seconds: segment.seconds, minSeconds: oneFrame });
    }
  });
  return issues;
}

/**
 * A transition overlaps the end of the entry before it with the start of its own entry, so it
 * must be shorter than both; and an entry with transitions at both ends must hold both without
 * them overlapping (OTIO forbids that too).
 */
function checkTransitions(film: Film, unmeasured: ReadonlySet<number>): FilmIssue[] {
  const issues: FilmIssue[] = [];
  const { rate, spans } = timelineOf(film);
  film.sequence.forEach((segment, index) => {
    const { kind, seconds } = transitionParts(segment.transitionIn);
    if (kind === 'cut') return;
    if (index === 0) {
      issues.push({ code: 'transition-on-first-entry', segment: 0, field: 'transition' });
      return;
    }
    const frames = framesOf(seconds, rate);
    // A fade through black needs a frame going out and a frame coming in.
    const minFrames = kind === 'fade' ? 2 : 1;
    if (!(frames >= minFrames)) {
      issues.push({ code: 'transition-too-short', segment: index, field: 'transition', seconds, minSeconds: secondsOf(minFrames, rate) });
      return;
    }
    const before = spans[index - 1]!;
    const own = spans[index]!;
    const tooLong = (maxFrames: number, against: 'previous' | 'this' | 'between-transitions', other: number): void => {
      issues.push({
        code: 'transition-too-long',
        segment: index,
        field: 'transition',
        seconds,
        maxSeconds: secondsOf(Math.max(0, maxFrames), rate),
        against,
        other,
      });
    };
    // Shorter than both sides: each keeps at least one frame of its own.
    if (!unmeasured.has(index - 1)) {
      if (frames >= before.frames) tooLong(before.frames - 1, 'previous', index - 1);
      else if (before.transitionIn.frames + frames > before.frames) tooLong(before.frames - before.transitionIn.frames, 'between-transitions', index - 1);
    }
    if (!unmeasured.has(index) && frames >= own.frames) tooLong(own.frames - 1, 'this', index);
  });
  return issues;
}
