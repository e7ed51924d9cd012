import type { ClipSegment, Film, ImageSegment, Transition } from '../../src/cut/film.js';

/** Builders for films in tests: a clip or an image entry with defaults, a film around them. */

export function clipEntry(job: string, fields: Partial<Omit<ClipSegment, 'kind' | 'job'>> = {}): ClipSegment {
  return {
    kind: 'clip',
    job,
    path: `/renders/${job}.mp4`,
    sha256: `sha-${job}`,
    width: 1280,
    height: 720,
    clipSeconds: 4,
    from: 0,
    to: fields.clipSeconds ?? 4,
    transitionIn: 'cut',
    ...fields,
  };
}

export function imageEntry(ref: string, fields: Partial<Omit<ImageSegment, 'kind' | 'ref'>> = {}): ImageSegment {
  return { kind: 'image', ref, path: `/project/${ref}`, sha256: `sha-${ref}`, width: 1280, height: 720, seconds: 2, transitionIn: 'cut', ...fields };
}

export function film(sequence: Film['sequence'], fields: Partial<Omit<Film, 'sequence'>> = {}): Film {
  return { id: 'spot', width: 1280, height: 720, fps: 24, audio: { musicGainDb: -14, loudnessLufs: -14 }, sequence, ...fields };
}

export const crossfade = (seconds: number): Transition => ({ crossfade: seconds });
export const fade = (seconds: number): Transition => ({ fade: seconds });
