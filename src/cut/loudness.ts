/**
 * EBU R128 loudness normalisation in two passes (rarely more where the sound has peaks).
 * Pass 1 measures the whole mix with ffmpeg's `ebur128` scanner (integrated loudness, its gate,
 * loudness range, true peak). Pass 2 applies one gain, target − measured: `loudnorm`'s linear
 * mode (`linear=true` with the measured values), whenever that gain keeps the true peak under
 * the ceiling. When it would not, the gain goes through a peak limiter run at 4× the sample
 * rate (so it catches the peaks between samples too), and because limiting takes loudness
 * away, pass 2 measures the limited mix as it writes it; when that is more than 0.3 LU short,
 * the gain is raised by what is missing and the film written again (at most three times).
 *
 * Why not `loudnorm` itself: its linear mode is exactly that one gain, but it resamples the mix
 * to 192 kHz and back to apply it and measures at 8× `ebur128`'s cost, and on a stream-copied
 * film the sound is all the work there is. Its dynamic mode, its answer to peaks, lands short
 * films 1.5-6 LU under the target (measured on 8 s films with bursts and clicks), outside the
 * ±1 LU a delivery allows.
 */

/** True-peak ceiling of the mix, dBTP: the common delivery limit for streaming platforms. */
export const TRUE_PEAK_DBTP = -1;
/** Where the limiter holds sample peaks (at 4× rate), a little under the ceiling for what resampling adds. */
const LIMIT_LINEAR = 0.794; // -2 dBFS
/** Close enough to the target to stop refining a limited mix, LU. */
export const REFINE_TOLERANCE_LU = 0.3;
/** Refinement passes at most. */
export const MAX_REFINEMENTS = 3;

/** What a measuring pass found. */
export interface LoudnessMeasurement {
  /** Integrated loudness, LUFS. */
  readonly integrated: number;
  /** The relative gate of the integrated measurement, LUFS. */
  readonly threshold: number;
  /** Loudness range, LU. */
  readonly range: number;
  /** True peak, dBTP. */
  readonly truePeak: number;
}

/** How pass 2 brings the mix to its target. */
export type Normalisation =
  { readonly kind: 'silent' } | { readonly kind: 'linear'; readonly gainDb: number } | { readonly kind: 'limited'; readonly gainDb: number };

/** Pass 1's filter: its per-frame lines go to the verbose log (not shown), its summary to stderr, read by parseMeasurement. */
export const MEASURE_FILTER = 'ebur128=peak=true:framelog=verbose';
/**
 * The check of a limited mix as pass 2 writes it: integrated loudness only, read by
 * parseIntegrated. The limiter holds the peaks; measuring them again at 4× the rate would cost
 * a quarter of the pass and decide nothing.
 */
export const CHECK_FILTER = 'ebur128=framelog=verbose';

/** Below this the scanner has found no gated sound at all. */
const SILENCE_LUFS = -70;

export function planNormalisation(measured: LoudnessMeasurement | null, targetLufs: number): Normalisation {
  if (measured === null || measured.integrated <= SILENCE_LUFS) return { kind: 'silent' };
  const gainDb = round2(targetLufs - measured.integrated);
  // loudnorm's own rule for its linear mode.
  if (measured.truePeak + gainDb <= TRUE_PEAK_DBTP) return { kind: 'linear', gainDb };
  return { kind: 'limited', gainDb };
}

/**
 * The next gain for a limited mix whose integrated loudness came out at `afterLufs`, or `null`
 * when it is close enough to the target (or is not limited).
 */
export function refineNormalisation(current: Normalisation, afterLufs: number | null, targetLufs: number): Normalisation | null {
  if (current.kind !== 'limited' || afterLufs === null) return null;
  const missing = targetLufs - afterLufs;
  if (Math.abs(missing) <= REFINE_TOLERANCE_LU) return null;
  return { kind: 'limited', gainDb: round2(current.gainDb + missing) };
}

/** The filter from `[mix]` to the finished sound at `sampleRate`. */
export function normaliseFilter(normalisation: Normalisation, sampleRate: number): string {
  if (normalisation.kind === 'silent') return 'anull';
  if (normalisation.kind === 'linear') return `volume=${normalisation.gainDb}dB`;
  const oversampled = 4 * sampleRate;
  return `volume=${normalisation.gainDb}dB,aresample=${oversampled},alimiter=limit=${LIMIT_LINEAR}:attack=1:release=50:level=false,aresample=${sampleRate}`;
}

/**
 * The measurement in the summary `ebur128` prints at the end of pass 1; `null` when the mix
 * has no sound (`-inf` peak). Throws when there is no summary.
 */
export function parseMeasurement(stderr: string): LoudnessMeasurement | null {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = /Integrated loudness:\s+I:\s+(\S+) LUFS\s+Threshold:\s+(\S+) LUFS/.exec(summary);
  const range = /Loudness range:\s+LRA:\s+(\S+) LU/.exec(summary);
  const peak = /True peak:\s+Peak:\s+(\S+) dBFS/.exec(summary);
  if (!summary.startsWith('Summary:') || integrated === null || range === null || peak === null) throw new Error('the loudness scanner printed no summary');
  const measurement = { integrated: Number(integrated[1]), threshold: Number(integrated[2]), range: Number(range[1]), truePeak: Number(peak[1]) };
  // `-inf` reads as NaN: silence.
  return Object.values(measurement).every(Number.isFinite) ? measurement : null;
}

/** The integrated loudness in the summary of a CHECK_FILTER run; `null` for silence. Throws when there is no summary. */
export function parseIntegrated(stderr: string): number | null {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = /Integrated loudness:\s+I:\s+(\S+) LUFS/.exec(summary);
  if (!summary.startsWith('Summary:') || integrated === null) throw new Error('the loudness scanner printed no summary');
  const lufs = Number(integrated[1]);
  return Number.isFinite(lufs) && lufs > SILENCE_LUFS ? lufs : null;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
