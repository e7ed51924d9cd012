import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { assembleFilm } from '../src/cut/assemble-film.js';
import type { Film } from '../src/cut/film.js';
import { MediaRenderer } from '../src/emulator/media.js';

/**
 * Assembly speed as a multiple of real time (film seconds ÷ wall seconds) for a 10-clip 720p
 * film of the emulator's 4 s clips (24 fps, H.264 + AAC): hard cuts (pictures stream-copied,
 * sound rebuilt and normalised in two passes) and the full mix (a 0.5 s crossfade at every
 * join, the example's music bed under it, two-pass loudness normalisation, one H.264 encode).
 * The emulator's clips have mono sound, and a film keeps its clips' channels; a third row joins
 * the same pictures with stereo sound (re-encoded by ffmpeg), as most real clips have. Wall time
 * includes reading the clips' facts, every ffmpeg pass and writing the `.otio`; CPU time is
 * ffmpeg's (user + system, all threads), which the load of a shared machine does not inflate as
 * much as wall time.
 */

const CLIPS = 10;
const SIZE = { width: 1280, height: 720 };
const BED = fileURLToPath(new URL('../examples/assets/bed.m4a', import.meta.url));

export interface CutSpeed {
  readonly name: string;
  readonly mode: 'copy' | 'encode';
  readonly filmSeconds: number;
  /** Median over the runs. */
  readonly wallSeconds: number;
  readonly realTime: number;
  /** ffmpeg's CPU seconds (median run). */
  readonly cpuSeconds: number;
}

export async function benchCutSpeed(runs = 3): Promise<{ rows: CutSpeed[]; loadAverage: number[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-cut-bench-'));
  try {
    const renderer = new MediaRenderer({ root: path.join(dir, 'media'), ffmpegPath: ffmpeg.path, concurrency: 2 });
    const clips = await Promise.all(
      Array.from(
        { length: CLIPS },
        async (_, i) => (await renderer.ensure({ seedHex: (0xc0ffee + i).toString(16), ...SIZE, seconds: 4, fps: 24, image: null })).video,
      ),
    );
    await renderer.close();
    const stereoClips = await Promise.all(
      clips.map(async (clip, i) => {
        const file = path.join(dir, `stereo-${i}.mp4`);
        await promisify(execFile)(ffmpeg.path, ['-loglevel', 'error', '-i', clip, '-c:v', 'copy', '-ac', '2', '-c:a', 'aac', '-b:a', '128k', file]);
        return file;
      }),
    );
    const sequence = (transition: Film['sequence'][number]['transitionIn'], files = clips): Film['sequence'] =>
      files.map((clip, i) => ({
        kind: 'clip',
        job: `shot-${i}`,
        path: clip,
        sha256: String(i),
        ...SIZE,
        clipSeconds: 4,
        from: 0,
        to: 4,
        transitionIn: i === 0 ? 'cut' : transition,
      }));
    const films: { name: string; film: Film }[] = [
      { name: 'hard cuts (stream copy)', film: { id: 'copy', ...SIZE, fps: 24, sequence: sequence('cut'), audio: { musicGainDb: -14, loudnessLufs: -14 } } },
      {
        name: 'hard cuts (stream copy), stereo clips',
        film: { id: 'copy-stereo', ...SIZE, fps: 24, sequence: sequence('cut', stereoClips), audio: { musicGainDb: -14, loudnessLufs: -14 } },
      },
      {
        name: 'crossfades + music + loudness',
        film: {
          id: 'mix',
          ...SIZE,
          fps: 24,
          sequence: sequence({ crossfade: 0.5 }),
          audio: { music: { ref: 'bed.m4a', path: BED, sha256: 'bed' }, musicGainDb: -14, loudnessLufs: -14 },
        },
      },
    ];
    const loadAverage = os.loadavg();
    const rows: CutSpeed[] = [];
    for (const { name, film } of films) {
      const times: { wall: number; cpu: number }[] = [];
      let result: Awaited<ReturnType<typeof assembleFilm>> | null = null;
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        const cpuBefore = childrenCpuSeconds();
        result = await assembleFilm({ film, output: path.join(dir, `${film.id}-${run}.mp4`) });
        times.push({ wall: (performance.now() - started) / 1000, cpu: childrenCpuSeconds() - cpuBefore });
      }
      const median = times.sort((a, b) => a.wall - b.wall)[Math.floor(times.length / 2)]!;
      rows.push({
        name,
        mode: result!.mode,
        filmSeconds: result!.durationSeconds,
        wallSeconds: median.wall,
        realTime: result!.durationSeconds / median.wall,
        cpuSeconds: median.cpu,
      });
    }
    return { rows, loadAverage };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPU seconds of this process's finished children (Linux: /proc/self/stat cutime + cstime, at 100 ticks a second); NaN elsewhere. */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name start at field 3 (state): cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}
