import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * A structural reader of OpenTimelineIO JSON, written from OTIO's serialized-schema reference
 * (docs/tutorials/otio-serialized-schema.md) and its timeline-structure rules
 * (docs/tutorials/otio-timeline-structure.md, src/opentimelineio/track.cpp): no OTIO reader runs
 * here (the Python package is not installable, npm has none), so the tests hold the `.otio` to
 * the rules a reader applies. Returns the problems found and what a reader would compute.
 */

export interface OtioReading {
  readonly problems: string[];
  /** Per track: name, kind, and its duration in frames as OTIO computes it (Σ items, transitions excluded). */
  readonly tracks: { name: string; kind: string; frames: number; rate: number }[];
  /** Every media reference of a clip, with the range of it the timeline uses (handles included). */
  readonly references: {
    track: string;
    name: string;
    file: string | null;
    used: { start: number; end: number };
    available: { start: number; end: number } | null;
  }[];
}

/** The schemas and versions OTIO reads (Clip.1 is upgraded to Clip.2 on load). */
const KNOWN = new Set([
  'Timeline.1',
  'Stack.1',
  'Track.1',
  'Clip.1',
  'Clip.2',
  'Gap.1',
  'Transition.1',
  'ExternalReference.1',
  'MissingReference.1',
  'GeneratorReference.1',
  'RationalTime.1',
  'TimeRange.1',
]);
const TRANSITION_TYPES = new Set(['SMPTE_Dissolve', 'Custom_Transition']);

type Obj = Record<string, unknown>;

export function readOtio(document: unknown, otioDir: string): OtioReading {
  const problems: string[] = [];
  const tracks: OtioReading['tracks'] = [];
  const references: OtioReading['references'] = [];
  const fail = (where: string, what: string): void => void problems.push(`${where}: ${what}`);

  const object = (value: unknown, where: string, schema?: string): Obj | null => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      fail(where, 'expected an object');
      return null;
    }
    const found = (value as Obj)['OTIO_SCHEMA'];
    if (typeof found !== 'string' || !KNOWN.has(found)) fail(where, `unknown OTIO_SCHEMA ${String(found)}`);
    else if (schema !== undefined && !schema.split('|').includes(found)) fail(where, `expected ${schema}, found ${found}`);
    return value as Obj;
  };
  const time = (value: unknown, where: string): { value: number; rate: number } | null => {
    const rt = object(value, where, 'RationalTime.1');
    if (rt === null) return null;
    if (typeof rt['rate'] !== 'number' || !(rt['rate'] > 0)) fail(where, 'rate must be a positive number');
    if (typeof rt['value'] !== 'number' || !Number.isFinite(rt['value'])) fail(where, 'value must be a number');
    return { value: Number(rt['value']), rate: Number(rt['rate']) };
  };
  const range = (value: unknown, where: string): { start: number; duration: number; rate: number } | null => {
    const tr = object(value, where, 'TimeRange.1');
    if (tr === null) return null;
    const start = time(tr['start_time'], `${where}.start_time`);
    const duration = time(tr['duration'], `${where}.duration`);
    if (start === null || duration === null) return null;
    if (start.rate !== duration.rate) fail(where, 'start_time and duration at different rates');
    if (duration.value < 0) fail(where, 'negative duration');
    return { start: start.value, duration: duration.value, rate: duration.rate };
  };
  const composable = (item: Obj, where: string): void => {
    if (typeof item['name'] !== 'string') fail(where, 'name must be a string');
    if (item['metadata'] === null || typeof item['metadata'] !== 'object') fail(where, 'metadata must be an object');
  };

  const timeline = object(document, 'timeline', 'Timeline.1');
  if (timeline === null) return { problems, tracks, references };
  composable(timeline, 'timeline');
  if (timeline['global_start_time'] !== null) time(timeline['global_start_time'], 'timeline.global_start_time');
  const stack = object(timeline['tracks'], 'timeline.tracks', 'Stack.1');
  const children = stack?.['children'];
  if (!Array.isArray(children)) {
    fail('timeline.tracks', 'children must be a list');
    return { problems, tracks, references };
  }
  children.forEach((child, t) => {
    const where = `tracks[${t}]`;
    const track = object(child, where, 'Track.1');
    if (track === null) return;
    composable(track, where);
    if (track['kind'] !== 'Video' && track['kind'] !== 'Audio') fail(where, `kind must be Video or Audio, found ${String(track['kind'])}`);
    const items = Array.isArray(track['children']) ? (track['children'] as unknown[]) : [];
    let frames = 0;
    let rate = 0;
    const parsed = items.map((raw, i) => {
      const at = `${where}[${i}]`;
      const item = object(raw, at, 'Clip.1|Clip.2|Gap.1|Transition.1');
      if (item === null) return null;
      composable(item, at);
      if (item['OTIO_SCHEMA'] === 'Transition.1') {
        const inOffset = time(item['in_offset'], `${at}.in_offset`);
        const outOffset = time(item['out_offset'], `${at}.out_offset`);
        if (!TRANSITION_TYPES.has(String(item['transition_type']))) fail(at, `transition_type ${String(item['transition_type'])}`);
        return { kind: 'transition' as const, item, at, inOffset: inOffset?.value ?? 0, outOffset: outOffset?.value ?? 0 };
      }
      const own = range(item['source_range'], `${at}.source_range`);
      if (own === null) return null;
      rate ||= own.rate;
      if (own.rate !== rate) fail(at, `rate ${own.rate} differs from the track's ${rate}`);
      frames += own.duration;
      return { kind: item['OTIO_SCHEMA'] === 'Gap.1' ? ('gap' as const) : ('clip' as const), item, at, own };
    });
    // Transitions: between two items, never two in a row, offsets within their neighbours.
    parsed.forEach((entry, i) => {
      if (entry?.kind !== 'transition') return;
      const before = parsed[i - 1];
      const after = parsed[i + 1];
      if (before == null || after == null || before.kind === 'transition' || after.kind === 'transition') {
        fail(entry.at, 'a transition must sit between two items');
        return;
      }
      if (entry.inOffset > before.own.duration) fail(entry.at, `in_offset ${entry.inOffset} is longer than the item before (${before.own.duration})`);
      if (entry.outOffset > after.own.duration) fail(entry.at, `out_offset ${entry.outOffset} is longer than the item after (${after.own.duration})`);
    });
    // The handles a clip plays beyond its range (OTIO's Track::handles_of_child).
    parsed.forEach((entry, i) => {
      if (entry?.kind !== 'clip') return;
      const head = parsed[i - 1]?.kind === 'transition' ? (parsed[i - 1] as { inOffset: number }).inOffset : 0;
      const tail = parsed[i + 1]?.kind === 'transition' ? (parsed[i + 1] as { outOffset: number }).outOffset : 0;
      const used = { start: entry.own.start - head, end: entry.own.start + entry.own.duration + tail };
      const reference = object(
        entry.item['OTIO_SCHEMA'] === 'Clip.1' ? entry.item['media_reference'] : activeReference(entry.item),
        `${entry.at}.media_reference`,
        'ExternalReference.1|MissingReference.1|GeneratorReference.1',
      );
      if (reference === null) return;
      let available: { start: number; end: number } | null = null;
      if (reference['available_range'] !== null && reference['available_range'] !== undefined) {
        const a = range(reference['available_range'], `${entry.at}.media_reference.available_range`);
        if (a !== null) {
          if (a.rate !== entry.own.rate) fail(entry.at, 'available_range at another rate than source_range');
          available = { start: a.start, end: a.start + a.duration };
          if (used.start < available.start || used.end > available.end)
            fail(entry.at, `uses frames ${used.start}..${used.end} outside the media's ${available.start}..${available.end}`);
        }
      }
      let file: string | null = null;
      if (reference['OTIO_SCHEMA'] === 'ExternalReference.1') {
        const url = reference['target_url'];
        if (typeof url !== 'string' || url === '') fail(entry.at, 'ExternalReference without target_url');
        else {
          file = url.startsWith('file://') ? new URL(url).pathname : path.resolve(otioDir, decodeURIComponent(url));
          if (!existsSync(file)) fail(entry.at, `target_url ${url} names no file`);
        }
      }
      references.push({ track: String(track['name']), name: String(entry.item['name']), file, used, available });
    });
    if (items.length === 0) fail(where, 'an empty track');
    tracks.push({ name: String(track['name']), kind: String(track['kind']), frames, rate });
  });
  return { problems, tracks, references };
}

function activeReference(clip: Obj): unknown {
  const references = clip['media_references'] as Obj | undefined;
  return references?.[String(clip['active_media_reference_key'])];
}
