import type { Film, FilmSegment } from '../cut/film.js';
import type { ResolvedCut } from './cut.js';

/** A rendered clip on disk: the downloaded MP4 (absolute) and the sha256 of its bytes, as the lockfile records them. */
export interface ClipFile {
  readonly path: string;
  readonly sha256: string;
}

/**
 * The film `src/cut/` assembles from a resolved cut, once its clips are on disk: `clipOf` gives
 * the file of each job the cut plays (the runner reads them from the lockfile's outputs). Pure.
 * Throws when a job has no file: a cut runs only after every clip it needs exists.
 */
export function filmOfCut(cut: ResolvedCut, clipOf: (jobId: string) => ClipFile | undefined): Film {
  const sequence = cut.sequence.map((entry): FilmSegment => {
    if (entry.kind === 'image') {
      const { kind, ref, path, sha256, width, height, seconds, transitionIn } = entry;
      return { kind, ref, path, sha256, width, height, seconds, transitionIn };
    }
    const clip = clipOf(entry.job);
    if (clip === undefined) throw new Error(`cut ${cut.id} needs the video of job ${entry.job}, which has no file`);
    const { kind, job, width, height, clipSeconds, from, to, transitionIn } = entry;
    return { kind, job, path: clip.path, sha256: clip.sha256, width, height, clipSeconds, from, to, transitionIn };
  });
  const music = cut.audio.music;
  return {
    id: cut.id,
    width: cut.width,
    height: cut.height,
    fps: cut.fps,
    sequence,
    audio: {
      ...(music === null ? {} : { music: { ref: music.ref, path: music.path, sha256: music.sha256 } }),
      musicGainDb: cut.audio.musicGainDb,
      loudnessLufs: cut.audio.loudnessLufs,
    },
  };
}
