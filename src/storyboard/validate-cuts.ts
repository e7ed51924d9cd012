import { checkFilm, type FilmIssue } from '../cut/check-film.js';
import { transitionParts } from '../cut/film.js';
import type { Issue } from '../source/issue.js';
import { issueAt, type YamlSource } from '../source/yaml-source.js';
import type { CutImageEntry, ResolvedCut, ResolvedCutAudio, ResolvedCutEntry } from './cut.js';
import { filmOfCut } from './film-of-cut.js';
import { FilmIssueGroups } from './film-issue-groups.js';
import type { CutFiles, MusicInfo } from './read-cut-files.js';
import type { InputReferenceInfo } from './read-input-references.js';
import type { CutDraft, DraftImage } from './resolve-cuts.js';
import type { WrittenStoryboard } from './written.js';
import { describeRefusal, type RefusalWording } from './project-file.js';

const CUT_IMAGE: RefusalWording = { noun: 'image', codePrefix: 'cut-image', keepInside: 'images', limit: 'at most 20 MiB' };
const CUT_MUSIC: RefusalWording = {
  noun: 'music',
  codePrefix: 'cut-music',
  keepInside: 'the music bed',
  limit: 'at most 100 MiB',
  tooLargeHint: 'a bed is looped to the film: a short one will do',
};

/**
 * The films with their files read: every image exists inside the project, is a JPEG, PNG or
 * WebP by its bytes and has the film's size; the music bed exists inside the project; and the
 * film as a whole passes `checkFilm` (sizes, trims inside the clips, transitions shorter than
 * both sides), each problem located at the entry and field it is about. Pure.
 */
export function validateCuts(source: YamlSource, drafts: readonly CutDraft[], files: CutFiles): { cuts: ResolvedCut[]; issues: Issue[] } {
  const groups = new FilmIssueGroups();
  const cuts: ResolvedCut[] = [];
  for (const draft of drafts) {
    const add = (at: readonly (string | number)[], fields: Omit<Issue, 'file' | 'line' | 'column' | 'length' | 'path' | 'severity'>, key = false) =>
      groups.add(issueAt(source, at, fields, { key }), draft.cutIndex, draft.id);
    const sequence = draft.sequence.map((entry) => (entry?.kind === 'image' ? imageOf(entry, files.images.get(entry.file.absPath), add) : entry));
    const music = draft.music ? musicOf(draft, files.music.get(draft.music.absPath), add) : draft.music;
    const known = sequence.filter((entry) => entry !== null);
    const size = draft.size ?? firstImageSize(known);
    if (size === null) continue;
    const [width, height] = size.text.split('x').map(Number) as [number, number];
    const complete = known.length === sequence.length && music !== undefined;
    const audio: ResolvedCutAudio = { music: music ?? null, musicGainDb: draft.musicGainDb, loudnessLufs: draft.loudnessLufs };
    const cut: ResolvedCut = {
      id: draft.id,
      cutId: draft.cutId,
      cutIndex: draft.cutIndex,
      bindings: draft.bindings,
      width,
      height,
      fps: draft.fps,
      sequence: known,
      audio,
      origin: draft.origin,
    };
    // checkFilm reads no file: the clips are checked by what their jobs will render, before they exist.
    // A film missing an entry (reported) is still checked for sizes; its lengths and transitions are not.
    const problems = draft.settled
      ? checkFilm(filmOfCut(cut, () => ({ path: '', sha256: '' }))).filter((problem) => complete || problem.code === 'size-mismatch')
      : [];
    for (const problem of problems) {
      const { at, fields, key } = describe(problem, cut, size.at, source);
      add(at, fields, key);
    }
    if (complete && draft.settled && problems.length === 0) cuts.push(cut);
  }
  const films = new Map<number, number>();
  for (const draft of drafts) films.set(draft.cutIndex, (films.get(draft.cutIndex) ?? 0) + 1);
  return { cuts, issues: groups.issues((cutIndex) => films.get(cutIndex) ?? 0) };
}

type Add = (at: readonly (string | number)[], fields: Omit<Issue, 'file' | 'line' | 'column' | 'length' | 'path' | 'severity'>) => void;

function imageOf(entry: DraftImage, info: InputReferenceInfo | undefined, add: Add): CutImageEntry | null {
  const at = [...entry.origin.path, 'image'];
  const file = entry.file.written;
  if (!info) return null;
  if (info.status !== 'ok') {
    add(at, describeRefusal(info, file, CUT_IMAGE));
    return null;
  }
  if (info.type === null || info.width === null || info.height === null) {
    add(at, {
      code: 'cut-image-type',
      message: `image ${file} is not a JPEG, PNG or WebP image${info.type === null ? '' : ' of a readable size'}`,
      expected: 'JPEG, PNG or WebP bytes',
      hint: 'the type is read from the bytes, not the file name; convert the image',
    });
    return null;
  }
  return {
    kind: 'image',
    ref: entry.file.ref,
    path: entry.file.absPath,
    sha256: info.sha256,
    width: info.width,
    height: info.height,
    seconds: entry.seconds,
    transitionIn: entry.transitionIn,
    origin: entry.origin,
  };
}

function musicOf(draft: CutDraft, info: MusicInfo | undefined, add: Add): ResolvedCutAudio['music'] | undefined {
  const at = [...draft.origin.path, 'audio', 'music'];
  const file = draft.music!.written;
  if (!info) return undefined;
  if (info.status !== 'ok') {
    add(at, describeRefusal(info, file, CUT_MUSIC));
    return undefined;
  }
  return { ref: draft.music!.ref, path: draft.music!.absPath, sha256: info.sha256 };
}

/** A film of images only takes its size from the first one. */
function firstImageSize(sequence: readonly ResolvedCutEntry[]): CutDraft['size'] {
  const image = sequence.find((entry) => entry.kind === 'image');
  return image ? { text: `${image.width}x${image.height}`, at: [...image.origin.path, 'image'] } : null;
}

const seconds = (value: number): string => `${Math.round(value * 1000) / 1000} s`;

/** A film's problem as the storyboard says it: at the entry's field, in words that do not name the film (issues are grouped over films). */
function describe(
  problem: FilmIssue,
  cut: ResolvedCut,
  sizeAt: readonly (string | number)[],
  source: YamlSource,
): { at: readonly (string | number)[]; fields: Parameters<Add>[1]; key: boolean } {
  const film = `${cut.width}x${cut.height}`;
  if (!('segment' in problem)) {
    switch (problem.code) {
      case 'film-size-invalid':
        return {
          at: sizeAt,
          key: false,
          fields: {
            code: 'cut-size-odd',
            message: `the film's size ${problem.width}x${problem.height} has an odd side; H.264 films need an even width and height`,
            found: `${problem.width}x${problem.height}`,
            hint: 'use an even width and height, e.g. one pixel less',
          },
        };
      case 'film-rate-invalid':
        return {
          at: [...cut.origin.path, 'fps'],
          key: false,
          fields: { code: 'invalid-value', message: `the film's frame rate ${problem.fps} is not one a film can have`, expected: '1 to 240 frames per second' },
        };
      case 'loudness-out-of-range':
        return {
          at: [...cut.origin.path, 'audio', 'loudness'],
          key: false,
          fields: {
            code: 'invalid-value',
            message: `loudness ${problem.lufs} LUFS is outside ${problem.min} to ${problem.max}`,
            expected: `${problem.min} to ${problem.max} LUFS`,
          },
        };
      case 'film-empty':
        return { at: [...cut.origin.path, 'sequence'], key: false, fields: { code: 'cut-empty', message: 'the film has no entries' } };
    }
  }
  const entry = cut.sequence[problem.segment]!;
  const at = fieldAt(source, entry.origin.path, problem.field);
  const clip = entry.kind === 'clip' ? `the clip (${seconds(entry.clipSeconds)})` : 'the image';
  switch (problem.code) {
    case 'size-mismatch': {
      const found = `${problem.found.width}x${problem.found.height}`;
      const hint =
        entry.kind === 'clip'
          ? `every clip of a film has the film's size: render the shot at ${film} (a size axis like the cut's), or leave it out of this film`
          : `resize or pad the image to exactly ${film} (a template like endcard-{{size}}.png picks one per size)`;
      return {
        at,
        key: false,
        fields: {
          code: 'cut-size-mismatch',
          message: `${entry.kind === 'clip' ? 'the clip' : 'the image'} is ${found}, the film ${film}`,
          expected: film,
          found,
          hint,
        },
      };
    }
    case 'trim-out-of-range':
      return {
        at,
        key: false,
        fields: {
          code: 'cut-trim-out-of-range',
          message: `${problem.field} ${seconds(problem.value)} is outside ${clip}`,
          expected:
            problem.field === 'from'
              ? `from ${seconds(problem.min)} up to (not including) ${seconds(problem.max)}`
              : `after ${seconds(problem.min)}, up to ${seconds(problem.max)}`,
          found: seconds(problem.value),
          hint: 'from and to are seconds into the clip, with from before to',
        },
      };
    case 'entry-too-short':
      return {
        at,
        key: false,
        fields: {
          code: 'cut-entry-too-short',
          message: `the entry lasts ${seconds(problem.seconds)}, less than one frame at ${cut.fps} fps`,
          expected: `at least ${seconds(problem.minSeconds)}`,
        },
      };
    case 'transition-on-first-entry':
      return {
        at,
        key: false,
        fields: {
          code: 'cut-transition-first',
          message: 'the first entry has no entry before it to transition from',
          hint: 'remove the transition, or move the entry',
        },
      };
    case 'transition-too-short': {
      const { kind } = transitionParts(entry.transitionIn);
      return {
        at,
        key: false,
        fields: {
          code: 'cut-transition-too-short',
          message: `a ${kind} of ${seconds(problem.seconds)} is shorter than the ${seconds(problem.minSeconds)} it takes at ${cut.fps} fps`,
          expected: `at least ${seconds(problem.minSeconds)}`,
        },
      };
    }
    case 'transition-too-long': {
      const { kind } = transitionParts(entry.transitionIn);
      const against =
        problem.against === 'this'
          ? 'this entry'
          : problem.against === 'previous'
            ? 'the entry before it'
            : 'what the entry before it has left after its own transition in';
      return {
        at,
        key: false,
        fields: {
          code: 'cut-transition-too-long',
          message: `a ${kind} of ${seconds(problem.seconds)} is longer than ${against} allows`,
          expected: `at most ${seconds(problem.maxSeconds)}`,
          found: seconds(problem.seconds),
          hint: `a transition overlaps the two entries it joins, so it is shorter than both: shorten it to at most ${seconds(problem.maxSeconds)}, or lengthen the entries`,
        },
      };
    }
  }
}

/** The field where it is written; the entry itself for a field left to its default (or a bare shot id). */
function fieldAt(source: YamlSource, entryPath: readonly (string | number)[], field: string): readonly (string | number)[] {
  let value: unknown = source.value as WrittenStoryboard;
  for (const part of entryPath) value = (value as Record<string | number, unknown> | undefined)?.[part];
  return typeof value === 'object' && value !== null && Object.hasOwn(value, field) ? [...entryPath, field] : entryPath;
}
