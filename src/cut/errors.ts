import { ShotlistError } from '../errors.js';

/** ffmpeg exited with an error (or was killed): the tool failed, not the user. */
export class FfmpegError extends ShotlistError {
  /** `exit 1`, or the signal that ended it. */
  readonly exit: string;
  /** The last lines ffmpeg wrote on stderr (bounded), for the report and `--verbose`. */
  readonly lastLines: readonly string[];

  constructor(exit: string, lastLines: readonly string[], options?: { cause?: unknown }) {
    super('ffmpeg-failed', `ffmpeg failed (${exit})${lastLines.length > 0 ? `: ${lastLines.at(-1)}` : ''}`, options);
    this.exit = exit;
    this.lastLines = lastLines;
  }
}

/**
 * A clip on disk is not what its film needs (another size than its job asked for, no video
 * track, unreadable): what the server delivered is wrong, not the storyboard. Names the clip.
 */
export class CutInputError extends ShotlistError {
  readonly film: string;
  readonly file: string;

  constructor(film: string, file: string, message: string, options?: { cause?: unknown }) {
    super('cut-input', `${film}: ${message}`, options);
    this.film = film;
    this.file = file;
  }
}
