import { transitionParts, type Film, type FilmSegment } from './film.js';

/**
 * A film laid out in whole frames at its rate. Seconds from the storyboard are rounded to frames
 * once, here, and everything after (the ffmpeg graph, the `.otio`, the checks, the tests) counts
 * frames, so the film's length is exactly Σ entries − Σ transitions, in frames.
 */
export interface FilmTimeline {
  readonly rate: FrameRate;
  readonly spans: readonly SegmentSpan[];
  /** Length of the film in frames. */
  readonly frames: number;
}

/** A frame rate as a fraction, as ffmpeg and OTIO want it. */
export interface FrameRate {
  readonly num: number;
  readonly den: number;
}

export interface SegmentSpan {
  readonly segment: FilmSegment;
  /** First frame used of the clip (0 for an image). */
  readonly sourceStart: number;
  /** Frames the entry lasts, its transitions included. */
  readonly frames: number;
  /** The transition into this entry (a cut: 0 frames). */
  readonly transitionIn: { readonly kind: 'cut' | 'crossfade' | 'fade'; readonly frames: number };
  /** Frames of the transition out of this entry into the next (0 for the last entry or a cut). */
  readonly transitionOutFrames: number;
  /** Where the entry starts on the film's timeline, its transition-in included. */
  readonly filmStart: number;
}

/** Audio is assembled at one rate whatever the clips carry. */
export const AUDIO_RATE = 48_000;

/** `24` → 24/1; `29.97` → 30000/1001; anything else to a thousandth of a frame. */
export function frameRateOf(fps: number): FrameRate {
  if (Number.isInteger(fps)) return { num: fps, den: 1 };
  const ntsc = Math.round(fps * 1.001);
  if (Math.abs(fps - (ntsc * 1000) / 1001) < 0.001) return { num: ntsc * 1000, den: 1001 };
  return { num: Math.round(fps * 1000), den: 1000 };
}

export function formatRate(rate: FrameRate): string {
  return rate.den === 1 ? String(rate.num) : `${rate.num}/${rate.den}`;
}

/** Seconds → the nearest whole frame. */
export function framesOf(seconds: number, rate: FrameRate): number {
  return Math.round((seconds * rate.num) / rate.den);
}

export function secondsOf(frames: number, rate: FrameRate): number {
  return (frames * rate.den) / rate.num;
}

/**
 * The audio sample at which film frame `frame` starts. Counting samples from the film's frames
 * (not from each entry's length) makes the parts' sample counts add up to the film's exactly.
 */
export function sampleAt(frame: number, rate: FrameRate): number {
  return Math.round((frame * AUDIO_RATE * rate.den) / rate.num);
}

export function timelineOf(film: Film): FilmTimeline {
  const rate = frameRateOf(film.fps);
  const spans: SegmentSpan[] = [];
  let filmStart = 0;
  film.sequence.forEach((segment, index) => {
    const sourceStart = segment.kind === 'clip' ? framesOf(segment.from, rate) : 0;
    const frames = segment.kind === 'clip' ? framesOf(segment.to, rate) - sourceStart : framesOf(segment.seconds, rate);
    const transition = transitionParts(segment.transitionIn);
    // The first entry has nothing to overlap: a transition there is reported by checkFilm and laid out as a cut.
    const transitionIn = index === 0 ? { kind: 'cut' as const, frames: 0 } : { kind: transition.kind, frames: framesOf(transition.seconds, rate) };
    filmStart -= transitionIn.frames;
    spans.push({ segment, sourceStart, frames, transitionIn, transitionOutFrames: 0, filmStart });
    filmStart += frames;
  });
  for (let i = 0; i + 1 < spans.length; i++) spans[i] = { ...spans[i]!, transitionOutFrames: spans[i + 1]!.transitionIn.frames };
  return { rate, spans, frames: filmStart };
}
