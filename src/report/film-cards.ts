import path from 'node:path';
import { transitionParts } from '../cut/film.js';
import type { Lockfile } from '../lockfile/lockfile.js';
import type { ResolvedCut } from '../storyboard/cut.js';

/**
 * The films of the cuts on the contact sheet: each with its poster (its first clip's thumbnail),
 * its MP4 to play and its `.otio`, and its sequence, every clip linked to that job's card. Pure.
 */

export interface FilmCard {
  /** HTML id: `film-0`. */
  readonly anchor: string;
  readonly id: string;
  readonly size: string;
  /** `built`: its recorded MP4 is on disk; `missing`: recorded, the file is not there; `not_built`: never assembled. */
  readonly status: 'built' | 'missing' | 'not_built';
  /** URLs relative to the report, or `null` when there is no file. */
  readonly video: string | null;
  readonly timeline: string | null;
  readonly poster: string | null;
  readonly sequence: readonly FilmStep[];
}

/** One entry of a film: a clip (linked to its job's card) or an image, with how it begins. */
export type FilmStep =
  | { readonly kind: 'clip'; readonly job: string; readonly anchor: string | null; readonly from: number; readonly to: number; readonly transition: string }
  | { readonly kind: 'image'; readonly ref: string; readonly seconds: number; readonly transition: string };

export interface FilmCardsInput {
  readonly cuts: readonly ResolvedCut[];
  readonly lockfile: Lockfile | null;
  readonly lockDir: string;
  readonly reportDir: string;
  /** Recorded output paths whose files exist. */
  readonly present: ReadonlySet<string>;
  /** Job id → its card's anchor. */
  readonly anchors: ReadonlyMap<string, string>;
}

export function buildFilmCards(input: FilmCardsInput): FilmCard[] {
  const url = (recorded: string | undefined): string | null => {
    if (recorded === undefined || !input.present.has(recorded)) return null;
    const relative = path.relative(input.reportDir, path.resolve(input.lockDir, recorded));
    return relative
      .split(path.sep)
      .map((segment) => (segment === '..' ? segment : encodeURIComponent(segment)))
      .join('/');
  };
  return input.cuts.map((cut, index) => {
    const entry = input.lockfile?.cuts?.[cut.id] ?? null;
    const video = url(entry?.outputs.video.path);
    const firstClip = cut.sequence.find((step) => step.kind === 'clip');
    const poster = firstClip?.kind === 'clip' ? url(input.lockfile?.jobs[firstClip.job]?.outputs.thumbnail?.path) : null;
    const sequence = cut.sequence.map((step): FilmStep => {
      const { kind, seconds } = transitionParts(step.transitionIn);
      const transition = kind === 'cut' ? 'cut' : `${kind} ${seconds} s`;
      return step.kind === 'clip'
        ? { kind: 'clip', job: step.job, anchor: input.anchors.get(step.job) ?? null, from: step.from, to: step.to, transition }
        : { kind: 'image', ref: step.ref, seconds: step.seconds, transition };
    });
    return {
      anchor: `film-${index}`,
      id: cut.id,
      size: `${cut.width}x${cut.height}`,
      status: entry === null ? 'not_built' : video === null ? 'missing' : 'built',
      video,
      timeline: url(entry?.outputs.timeline.path),
      poster,
      sequence,
    };
  });
}
