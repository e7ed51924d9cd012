import path from 'node:path';
import type { Film } from './film.js';
import { timelineOf, type FilmTimeline, type SegmentSpan } from './film-timeline.js';
import type { ClipFacts } from './probe-media.js';

/**
 * The film as an OpenTimelineIO timeline (`.otio`, JSON), so an editor can finish it in an NLE:
 * one video track (the clips and stills with their source ranges and transitions), one audio
 * track (the clips' sound, same ranges), and a music track when there is a bed.
 *
 * Schema versions are those every OTIO release reads: `Clip.1` (with `media_reference`) rather
 * than `Clip.2`, because readers since 0.15 upgrade `Clip.1` on load while older ones (and the
 * NLEs built on them) cannot read `Clip.2`. The other schemas have had one version all along.
 *
 * Time is in frames at the film's rate. OTIO transitions take no time on their track: the cut
 * sits inside the overlap, the outgoing item covering `in_offset` frames of it and the incoming
 * one `out_offset`, each playing its handle beyond its own range for the rest. A crossfade is an
 * `SMPTE_Dissolve`; a fade through black has no OTIO type, so it is a `Custom_Transition` named
 * `Dip to black` (a tool that cannot render it ignores it, and the timing still holds).
 *
 * Media are named by URLs relative to the `.otio` (percent-encoded), so the file is the same on
 * every machine and survives moving the renders folder; `otiotool --relink-by-name` turns them
 * into absolute `file://` URLs for an NLE that needs those (clip names are the files' stems).
 */

export interface OtioInputs {
  readonly film: Film;
  /** Facts of each clip entry, by its index in the sequence (for the clips' available ranges). */
  readonly clipFacts: ReadonlyMap<number, ClipFacts>;
  /** Seconds of the music bed, when there is one. */
  readonly musicSeconds: number | null;
  /** The folder the `.otio` is written to: media URLs are relative to it. */
  readonly otioDir: string;
}

type Json = { readonly [key: string]: unknown };

export function buildOtio(inputs: OtioInputs): Json {
  const { film } = inputs;
  const timeline = timelineOf(film);
  const rate = timeline.rate.num / timeline.rate.den;
  const time = (value: number): Json => ({ OTIO_SCHEMA: 'RationalTime.1', rate, value });
  const range = (start: number, duration: number): Json => ({ OTIO_SCHEMA: 'TimeRange.1', duration: time(duration), start_time: time(start) });
  const tracks = [
    track('Video', 'Video', itemsOf(inputs, timeline, 'video', range, time)),
    track('Audio', 'Audio', itemsOf(inputs, timeline, 'audio', range, time)),
  ];
  if (film.audio.music !== undefined && inputs.musicSeconds !== null) tracks.push(track('Music', 'Audio', musicItems(inputs, timeline, range)));
  return {
    OTIO_SCHEMA: 'Timeline.1',
    metadata: {
      shotlist: {
        film: film.id,
        width: film.width,
        height: film.height,
        fps: film.fps,
        loudness_lufs: film.audio.loudnessLufs,
        ...(film.audio.music === undefined ? {} : { music_gain_db: film.audio.musicGainDb }),
      },
    },
    name: film.id,
    global_start_time: time(0),
    tracks: { OTIO_SCHEMA: 'Stack.1', metadata: {}, name: 'tracks', source_range: null, effects: [], markers: [], enabled: true, children: tracks },
  };
}

/** JSON as OTIO writes it: 4-space indent, a final newline. */
export function serializeOtio(timeline: Json): string {
  return `${JSON.stringify(timeline, null, 4)}\n`;
}

function track(name: string, kind: 'Video' | 'Audio', children: readonly Json[]): Json {
  return { OTIO_SCHEMA: 'Track.1', metadata: {}, name, source_range: null, effects: [], markers: [], enabled: true, kind, children };
}

/**
 * How each transition's overlap splits around its cut: the outgoing item keeps `inOffset` frames,
 * the incoming one `outOffset`. For a fade this is exactly what the film shows (the outgoing
 * half fading out, then the incoming half fading in); a crossfade is centred.
 */
function offsetsOf(span: SegmentSpan): { readonly inOffset: number; readonly outOffset: number } {
  const inOffset = Math.floor(span.transitionIn.frames / 2);
  return { inOffset, outOffset: span.transitionIn.frames - inOffset };
}

function itemsOf(
  inputs: OtioInputs,
  timeline: FilmTimeline,
  stream: 'video' | 'audio',
  range: (start: number, duration: number) => Json,
  time: (value: number) => Json,
): Json[] {
  const items: Json[] = [];
  const { spans } = timeline;
  spans.forEach((span, index) => {
    const next = spans[index + 1];
    const { inOffset, outOffset } = offsetsOf(span);
    if (span.transitionIn.frames > 0) {
      const dissolve = span.transitionIn.kind === 'crossfade';
      items.push({
        OTIO_SCHEMA: 'Transition.1',
        metadata: { shotlist: { transition: span.transitionIn.kind, frames: span.transitionIn.frames } },
        name: dissolve ? 'Cross dissolve' : 'Dip to black',
        in_offset: time(inOffset),
        out_offset: time(outOffset),
        transition_type: dissolve ? 'SMPTE_Dissolve' : 'Custom_Transition',
      });
    }
    // The item's own range: its frames less the part of each overlap the neighbour covers.
    const start = span.sourceStart + inOffset;
    const duration = span.frames - inOffset - (next === undefined ? 0 : offsetsOf(next).outOffset);
    const { segment } = span;
    if (segment.kind === 'image' && stream === 'audio') {
      items.push({ OTIO_SCHEMA: 'Gap.1', metadata: {}, name: '', source_range: range(0, duration), effects: [], markers: [], enabled: true });
      return;
    }
    const available = segment.kind === 'clip' ? availableFrames(inputs.clipFacts.get(index), timeline) : null;
    items.push({
      OTIO_SCHEMA: 'Clip.1',
      metadata: { shotlist: segment.kind === 'clip' ? { job: segment.job, sha256: segment.sha256 } : { image: segment.ref, sha256: segment.sha256 } },
      name: path.basename(segment.path, path.extname(segment.path)),
      source_range: range(start, duration),
      effects: [],
      markers: [],
      enabled: true,
      media_reference: externalReference(segment.path, inputs.otioDir, available === null ? null : range(0, available)),
    });
  });
  return items;
}

/** The bed from its start, again and again, the last pass cut at the film's end. */
function musicItems(inputs: OtioInputs, timeline: FilmTimeline, range: (start: number, duration: number) => Json): Json[] {
  const music = inputs.film.audio.music!;
  const loop = Math.max(1, Math.floor(((inputs.musicSeconds ?? 0) * timeline.rate.num) / timeline.rate.den));
  const items: Json[] = [];
  for (let at = 0; at < timeline.frames; at += loop) {
    items.push({
      OTIO_SCHEMA: 'Clip.1',
      metadata: { shotlist: { music: music.ref, sha256: music.sha256, gain_db: inputs.film.audio.musicGainDb } },
      name: path.basename(music.path, path.extname(music.path)),
      source_range: range(0, Math.min(loop, timeline.frames - at)),
      effects: [],
      markers: [],
      enabled: true,
      media_reference: externalReference(music.path, inputs.otioDir, range(0, loop)),
    });
  }
  return items;
}

function externalReference(file: string, otioDir: string, available: Json | null): Json {
  return {
    OTIO_SCHEMA: 'ExternalReference.1',
    metadata: {},
    name: path.basename(file),
    available_range: available,
    available_image_bounds: null,
    target_url: relativeUrl(otioDir, file),
  };
}

/** A clip's length in frames at the film's rate: its frame count when it runs at that rate. */
function availableFrames(facts: ClipFacts | undefined, timeline: FilmTimeline): number | null {
  if (facts === undefined) return null;
  const rate = timeline.rate.num / timeline.rate.den;
  return Math.abs(facts.fps - rate) < 0.01 ? facts.frames : Math.floor(facts.durationSeconds * rate + 1e-6);
}

/**
 * `file` as a URL relative to `dir`: `/`-separated, each segment percent-encoded except the
 * characters a path segment may hold as they are (so `hero[product=mug].mp4` stays readable
 * but for its brackets).
 */
export function relativeUrl(dir: string, file: string): string {
  const relative = path.relative(dir, file).split(path.sep);
  const encoded = relative.map((segment) => encodeURIComponent(segment).replace(/%(2C|3D|40|2B|3B|24|26)/g, (escape) => decodeURIComponent(escape)));
  const url = encoded.join('/');
  // A first segment with a colon would read as a URL scheme.
  return url.startsWith('.') ? url : `./${url}`;
}
