import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InternalError } from '../errors.js';
import { writeFileAtomic } from '../lockfile/lockfile-io.js';
import { checkFilm } from './check-film.js';
import { CutInputError } from './errors.js';
import type { Film } from './film.js';
import { DEFAULT_ENCODER, measureArgs, planAssembly, renderArgs, type CopyBlocker, type EncoderSettings } from './ffmpeg-graph.js';
import {
  MAX_REFINEMENTS,
  parseWritten,
  parseMeasurement,
  planNormalisation,
  refineNormalisation,
  type LoudnessMeasurement,
  type Normalisation,
} from './loudness.js';
import { buildOtio, serializeOtio } from './otio.js';
import { probeAudio, probeClip, type ClipFacts } from './probe-media.js';
import { runFfmpeg, tempPathFor, writeWithFfmpeg } from './run-ffmpeg.js';

/** Progress of one film: `measure` (loudness, pass 1) then `assemble` (pass 2), each 0..1 of the film's length. */
export interface CutProgress {
  readonly film: string;
  readonly step: 'measure' | 'assemble';
  readonly fraction: number;
}

export interface AssembleOptions {
  readonly film: Film;
  /** Where the film is written (`renders/<name>/cuts/<id>.mp4`); the `.otio` goes beside it with the same stem. */
  readonly output: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CutProgress) => void;
  /** Default: DEFAULT_ENCODER. */
  readonly encoder?: EncoderSettings;
  /** Default: the ffmpeg of `@ffmpeg-installer/ffmpeg`. */
  readonly ffmpegPath?: string;
}

export interface WrittenFile {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface AssembledFilm {
  readonly film: string;
  /** `copy`: the clips' pictures joined as they are; `encode`: decoded and encoded once. */
  readonly mode: 'copy' | 'encode';
  /** Why the film was encoded rather than copied (empty for `copy`). */
  readonly blockers: readonly CopyBlocker[];
  readonly durationSeconds: number;
  /** The mix as pass 1 measured it (`null`: silent) and how pass 2 brought it to its target. */
  readonly loudness: { readonly measured: LoudnessMeasurement | null; readonly normalisation: Normalisation };
  readonly video: WrittenFile;
  readonly timeline: WrittenFile;
}

/** Arguments longer than this go to ffmpeg in a file (Linux caps one argument at 128 KiB). */
const LONGEST_ARGUMENT = 100_000;

/**
 * Assembles one film: reads its clips' facts, measures its loudness, writes the MP4 (atomically)
 * and the `.otio` beside it. Rejects with a CutInputError when a clip is not what the film
 * needs, an FfmpegError when ffmpeg fails, or the signal's reason when aborted; in every case
 * no partial output is left and an existing film at `output` is untouched.
 */
export async function assembleFilm(options: AssembleOptions): Promise<AssembledFilm> {
  const { film, output, signal } = options;
  const problems = checkFilm(film);
  // The storyboard layer reports these with their locations before anything runs.
  if (problems.length > 0) throw new InternalError(`film ${film.id} was not checked before assembly: ${problems.map((issue) => issue.code).join(', ')}`);
  const facts = await readClipFacts(film);
  const music = film.audio.music === undefined ? null : await readMusic(film);
  signal?.throwIfAborted();

  const work: string[] = [];
  try {
    const listPath = tempPathFor(output);
    const plan = planAssembly(film, facts, { concatListPath: listPath, musicChannels: music?.channels ?? 0 });
    if (plan.concatList !== null) {
      work.push(listPath);
      await writeFile(listPath, plan.concatList);
    }
    const run = async (args: readonly string[]): Promise<readonly string[]> => externalizeGraph(args, output, work);
    const progress =
      (step: CutProgress['step']) =>
      (fraction: number): void =>
        options.onProgress?.({ film: film.id, step, fraction });
    const common = {
      durationSeconds: plan.durationSeconds,
      ...(signal === undefined ? {} : { signal }),
      ...(options.ffmpegPath === undefined ? {} : { ffmpegPath: options.ffmpegPath }),
    };

    const measuring = measureArgs(plan);
    const measured = measuring === null ? null : parseMeasurement(await runFfmpeg({ ...common, args: await run(measuring), onProgress: progress('measure') }));
    let normalisation = planNormalisation(measured, film.audio.loudnessLufs);
    const encoder = options.encoder ?? DEFAULT_ENCODER;
    // The sound is measured as it is written (loudness.ts): a linear mix whose true peak went
    // over the ceiling, or a limited one short of its target, is written again (a few times at
    // most; the last try is kept whatever it measures).
    for (let limitedWrites = 0; ;) {
      // A linear mix turns limited at most once, and a limited one never back: the loop ends.
      const check = normalisation.kind === 'linear' || (normalisation.kind === 'limited' && limitedWrites < MAX_REFINEMENTS);
      if (normalisation.kind === 'limited') limitedWrites++;
      // The graphs are the same whatever the temp file's name: written out (if long) once, with a placeholder.
      const runs = renderArgs(plan, normalisation, OUTPUT_PLACEHOLDER, encoder, { measure: check });
      const [sound, filmArgs] = [await run(runs.sound), await run(runs.film)];
      let next: Normalisation | null = null;
      const keep = (stderr: string): boolean => {
        next = refineNormalisation(normalisation, parseWritten(stderr), film.audio.loudnessLufs);
        return next === null;
      };
      const written = await writeWithFfmpeg(output, {
        ...common,
        feed: sound,
        args: (temp) => filmArgs.map((arg) => (arg === OUTPUT_PLACEHOLDER ? temp : arg)),
        onProgress: progress('assemble'),
        ...(check ? { keep } : {}),
      });
      if (written) break;
      normalisation = next!;
    }

    const otioPath = timelinePathFor(output);
    await writeFileAtomic(
      otioPath,
      serializeOtio(buildOtio({ film, clipFacts: facts, musicSeconds: music?.seconds ?? null, otioDir: path.dirname(otioPath) })),
    );
    return {
      film: film.id,
      mode: plan.mode,
      blockers: plan.blockers,
      durationSeconds: plan.durationSeconds,
      loudness: { measured, normalisation },
      video: await describeFile(output),
      timeline: await describeFile(otioPath),
    };
  } finally {
    await Promise.all(work.map((file) => rm(file, { force: true })));
  }
}

/** `spot.mp4` → `spot.otio`, beside it. */
export function timelinePathFor(output: string): string {
  return path.join(path.dirname(output), `${path.basename(output, path.extname(output))}.otio`);
}

const OUTPUT_PLACEHOLDER = '\u0000output';

/** Reads every clip once (a clip used twice is read once) and checks it has its film's size. */
async function readClipFacts(film: Film): Promise<Map<number, ClipFacts>> {
  const byPath = new Map<string, Promise<ClipFacts>>();
  const facts = new Map<number, ClipFacts>();
  await Promise.all(
    film.sequence.map(async (segment, index) => {
      if (segment.kind !== 'clip') return;
      let read = byPath.get(segment.path);
      if (read === undefined) byPath.set(segment.path, (read = probeClip(segment.path)));
      const clip = await read.catch((error: unknown) => {
        throw new CutInputError(film.id, segment.path, `clip of ${segment.job} cannot be read as a video (${(error as Error).message})`, { cause: error });
      });
      if (clip.width !== film.width || clip.height !== film.height) {
        throw new CutInputError(film.id, segment.path, `clip of ${segment.job} is ${clip.width}x${clip.height}, the film is ${film.width}x${film.height}`);
      }
      facts.set(index, clip);
    }),
  );
  return facts;
}

async function readMusic(film: Film): Promise<{ readonly seconds: number; readonly channels: number }> {
  const music = film.audio.music!;
  const facts = await probeAudio(music.path).catch((error: unknown) => {
    throw new CutInputError(film.id, music.path, `music bed ${music.ref} cannot be read as audio (${(error as Error).message})`, { cause: error });
  });
  if (!(facts.seconds > 0)) throw new CutInputError(film.id, music.path, `music bed ${music.ref} has no sound`);
  return facts;
}

/** Moves an over-long filter graph into a script file (`-filter_complex_script`) beside `output`, recorded in `work` for removal. */
async function externalizeGraph(args: readonly string[], output: string, work: string[]): Promise<readonly string[]> {
  const at = args.indexOf('-filter_complex');
  const graph = args[at + 1];
  if (at < 0 || graph === undefined || graph.length <= LONGEST_ARGUMENT) return args;
  const script = tempPathFor(output);
  work.push(script);
  await writeFile(script, graph);
  return [...args.slice(0, at), '-filter_complex_script', script, ...args.slice(at + 2)];
}

async function describeFile(file: string): Promise<WrittenFile> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return { path: file, sha256: hash.digest('hex'), bytes: (await stat(file)).size };
}
