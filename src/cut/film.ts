/**
 * A film as the storyboard layer resolves it from one cut and one combination of the cut's
 * variants: every shot reference already bound to its job, every path absolute, every input's
 * sha256 known. The engine in `src/cut/` checks, fingerprints and assembles it; nothing here
 * reads a file.
 */
export interface Film {
  /** The cut's id with its bindings, written like a job id: `spot[product=mug,size=1280x720]`. */
  readonly id: string;
  /** Pixels; every clip and image of the film has exactly this size. */
  readonly width: number;
  readonly height: number;
  /**
   * Frames per second of the film and of its OTIO timeline: an integer, or an NTSC rate
   * (23.976, 29.97, 59.94, read as 24000/1001 ...). Clips at another rate are resampled.
   */
  readonly fps: number;
  /** In playing order; at least one entry. */
  readonly sequence: readonly FilmSegment[];
  readonly audio: FilmAudio;
}

/** How an entry begins: a hard cut, or an overlap of `S` seconds with the entry before it. */
export type Transition = 'cut' | { readonly crossfade: number } | { readonly fade: number };

/** A stretch of one job's video. */
export interface ClipSegment {
  readonly kind: 'clip';
  /** The job whose video this is: names the clip in messages and in the `.otio`. */
  readonly job: string;
  /** The downloaded MP4, absolute. */
  readonly path: string;
  /** Hex sha256 of the file's bytes, as the lockfile records it. */
  readonly sha256: string;
  /** The job's size: what the clip must measure. */
  readonly width: number;
  readonly height: number;
  /** The job's `seconds`: how long the clip is. */
  readonly clipSeconds: number;
  /** Seconds into the clip where the entry starts; 0 when untrimmed. */
  readonly from: number;
  /** Seconds into the clip where the entry ends (exclusive); `clipSeconds` when untrimmed. */
  readonly to: number;
  readonly transitionIn: Transition;
}

/** A still image held on screen (an end card, a title). */
export interface ImageSegment {
  readonly kind: 'image';
  /** The path as written in the storyboard after templating, relative to the project (`/` separators). */
  readonly ref: string;
  /** The image file, absolute. */
  readonly path: string;
  readonly sha256: string;
  /** The image's size in pixels, as read from its bytes. */
  readonly width: number;
  readonly height: number;
  readonly seconds: number;
  readonly transitionIn: Transition;
}

export type FilmSegment = ClipSegment | ImageSegment;

/** A music bed, looped or cut to the film's length and mixed under the clips' own audio. */
export interface MusicBed {
  /** As written, relative to the project (`/` separators). */
  readonly ref: string;
  readonly path: string;
  readonly sha256: string;
}

export interface FilmAudio {
  /** Absent: the film's sound is the clips' own audio. */
  readonly music?: MusicBed;
  /** Gain applied to the music bed before mixing, in dB (the storyboard's `music_gain_db`). */
  readonly musicGainDb: number;
  /** Integrated loudness target of the final mix, LUFS (EBU R128); the storyboard's default is -14. */
  readonly loudnessLufs: number;
}

/** The transition's kind and length in seconds (0 for a cut). */
export function transitionParts(transition: Transition): { readonly kind: 'cut' | 'crossfade' | 'fade'; readonly seconds: number } {
  if (transition === 'cut') return { kind: 'cut', seconds: 0 };
  if ('crossfade' in transition) return { kind: 'crossfade', seconds: transition.crossfade };
  return { kind: 'fade', seconds: transition.fade };
}
