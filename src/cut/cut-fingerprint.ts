import { createHash } from 'node:crypto';
import { canonicalJson } from '../lockfile/canonical-json.js';
import type { Film } from './film.js';
import { formatRate, timelineOf } from './film-timeline.js';

/**
 * Bump when the assembly changes what it writes (encoder settings, graph, `.otio` layout), so
 * every film is built again once with the new recipe.
 */
export const CUT_RECIPE = 'cut-1';

/**
 * sha256 of what a film is made of: its inputs by their bytes' sha256 (and the job or path that
 * names them in the `.otio`), and its settings as whole frames at its rate (the lengths the
 * assembly uses, so 0.5 s and 0.501 s at 24 fps are one film). Not the cut's id, not a path on
 * this machine: two machines with the same inputs agree, and the lockfile records it under `cuts`.
 * Written as the lockfile writes job fingerprints: `sha256:` and the hex digest of the canonical
 * JSON (RFC 8785).
 */
export function fingerprintOfFilm(film: Film): string {
  const timeline = timelineOf(film);
  const canonical = {
    recipe: CUT_RECIPE,
    width: film.width,
    height: film.height,
    rate: formatRate(timeline.rate),
    sequence: timeline.spans.map(({ segment, sourceStart, frames, transitionIn }) => ({
      ...(segment.kind === 'clip' ? { kind: 'clip', job: segment.job } : { kind: 'image', ref: segment.ref }),
      sha256: segment.sha256,
      from_frame: sourceStart,
      frames,
      transition: { kind: transitionIn.kind, frames: transitionIn.frames },
    })),
    audio: {
      music: film.audio.music === undefined ? null : { ref: film.audio.music.ref, sha256: film.audio.music.sha256 },
      music_gain_db: film.audio.music === undefined ? null : film.audio.musicGainDb,
      loudness_lufs: film.audio.loudnessLufs,
    },
  };
  return `sha256:${createHash('sha256').update(canonicalJson(canonical)).digest('hex')}`;
}
