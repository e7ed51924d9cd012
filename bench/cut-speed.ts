import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { assembleFilm } from '../src/cut/assemble-film.js';
import type { Film } from '../src/cut/film.js';
import { MediaRenderer } from '../src/emulator/media.js';

/**
 * Assembly speed as a multiple of real time (film seconds ÷ wall seconds) for a 10-clip 720p
 * film of the emulator's 4 s clips (24 fps, H.264 + AAC): hard cuts (pictures stream-copied,
 * sound rebuilt and normalised in two passes) and the full mix (a 0.5 s crossfade at every
 * join, the example's music bed under it, two-pass loudnorm, one H.264 encode). Wall time
 * includes reading the clips' facts, both ffmpeg passes and writing the `.otio`.
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
}

export async function benchCutSpeed(runs = 3): Promise<{ rows: CutSpeed[]; loadAverage: number[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-cut-bench-'));
  try {
    const renderer = new MediaRenderer({ root: path.join(dir, 'media'), ffmpegPath: ffmpeg.path, concurrency: 2 });
    const clips = await Promise.all(Array.from({ length: CLIPS }, async (_, i) => (await renderer.ensure({ seedHex: (0xc0ffee + i).toString(16), ...SIZE, seconds: 4, fps: 24, image: null })).video));
    await renderer.close();
    const sequence = (transition: Film['sequence'][number]['transitionIn']): Film['sequence'] => clips.map((clip, i) => ({
      kind: 'clip', job: `shot-${i}`, path: clip, sha256: String(i), ...SIZE, clipSeconds: 4, from: 0, to: 4, transitionIn: i === 0 ? 'cut' : transition,
    }));
    const films: { name: string; film: Film }[] = [
      { name: 'hard cuts (stream copy)', film: { id: 'copy', ...SIZE, fps: 24, sequence: sequence('cut'), audio: { musicGainDb: -14, loudnessLufs: -14 } } },
      { name: 'crossfades + music + loudnorm', film: { id: 'mix', ...SIZE, fps: 24, sequence: sequence({ crossfade: 0.5 }), audio: { music: { ref: 'bed.m4a', path: BED, sha256: 'bed' }, musicGainDb: -14, loudnessLufs: -14 } } },
    ];
    const loadAverage = os.loadavg();
    const rows: CutSpeed[] = [];
    for (const { name, film } of films) {
      const times: number[] = [];
      let result: Awaited<ReturnType<typeof assembleFilm>> | null = null;
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        result = await assembleFilm({ film, output: path.join(dir, `${film.id}-${run}.mp4`) });
        times.push((performance.now() - started) / 1000);
      }
      const wallSeconds = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      rows.push({ name, mode: result!.mode, filmSeconds: result!.durationSeconds, wallSeconds, realTime: result!.durationSeconds / wallSeconds });
    }
    return { rows, loadAverage };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
