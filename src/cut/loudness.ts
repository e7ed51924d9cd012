/**
 * EBU R128 loudness normalisation in two passes (rarely more where the sound has peaks).
 * Pass 1 measures the whole mix with ffmpeg's `ebur128` scanner (integrated loudness, its gate,
 * loudness range, sample peak). Pass 2 applies one gain, target − measured: `loudnorm`'s linear
 * mode (`linear=true` with the measured values), whenever that gain keeps the peaks under the
 * ceiling. When it would not, the gain goes through a peak limiter run at 4× the sample rate
 * (so it catches the peaks between samples too).
 *
 * Pass 2 measures what it writes, in the run that makes the sound (beside the encoder, off the
 * critical path): a linear mix its true peak, a limited one its integrated loudness. The sample
 * peak pass 1 measures is a lower bound of the true peak, so a mix whose true peak the gain
 * would still push over the ceiling is written again through the limiter; and because limiting
 * takes loudness away, a limited mix more than 0.3 LU short is written again with the gain
 * raised by what is missing (at most three times in all). Measuring the true peak in pass 1
 * instead (4× oversampling) cost that pass 40 % and decided the same.
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
  /** Sample peak, dBFS: the true peak is at least this. */
  readonly samplePeak: number;
}

/** What pass 2 measured of the sound it wrote (`null`: that was not measured, or silence). */
export interface WrittenMeasurement {
  readonly integrated: number | null;
  readonly truePeak: number | null;
}

/** How pass 2 brings the mix to its target. */
export type Normalisation =
  { readonly kind: 'silent' } | { readonly kind: 'linear'; readonly gainDb: number } | { readonly kind: 'limited'; readonly gainDb: number };

/** Pass 1's filter: its per-frame lines go to the verbose log (not shown), its summary to stderr, read by parseMeasurement. */
export const MEASURE_FILTER = 'ebur128=peak=sample:framelog=verbose';

/**
 * What pass 2 measures of the sound it writes (read by parseWritten): a linear mix's true peak
 * (was the gain safe?), a limited mix's integrated loudness only (the limiter holds the peaks).
 */
export function checkFilter(normalisation: Normalisation): string {
  return normalisation.kind === 'linear' ? 'ebur128=peak=true:framelog=verbose' : 'ebur128=framelog=verbose';
}

/** Below this the scanner has found no gated sound at all. */
const SILENCE_LUFS = -70;

export function planNormalisation(measured: LoudnessMeasurement | null, targetLufs: number): Normalisation {
  if (measured === null || measured.integrated <= SILENCE_LUFS) return { kind: 'silent' };
  const gainDb = round2(targetLufs - measured.integrated);
  // loudnorm's own rule for its linear mode, on the sample peak; pass 2 checks the true peak.
  if (measured.samplePeak + gainDb <= TRUE_PEAK_DBTP) return { kind: 'linear', gainDb };
  return { kind: 'limited', gainDb };
}

/**
 * What to write instead, given what pass 2 measured of `current`: a linear mix whose true peak
 * went over the ceiling goes through the limiter at the same gain; a limited mix more than the
 * tolerance off its target gets the gain raised by what is missing. `null`: keep it.
 */
export function refineNormalisation(current: Normalisation, written: WrittenMeasurement, targetLufs: number): Normalisation | null {
  if (current.kind === 'linear') return written.truePeak !== null && written.truePeak > TRUE_PEAK_DBTP ? { kind: 'limited', gainDb: current.gainDb } : null;
  if (current.kind !== 'limited' || written.integrated === null) return null;
  const missing = targetLufs - written.integrated;
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
  const summary = summaryOf(stderr);
  const integrated = /Integrated loudness:\s+I:\s+(\S+) LUFS\s+Threshold:\s+(\S+) LUFS/.exec(summary);
  const range = /Loudness range:\s+LRA:\s+(\S+) LU/.exec(summary);
  const peak = /Sample peak:\s+Peak:\s+(\S+) dBFS/.exec(summary);
  if (integrated === null || range === null || peak === null) throw new Error('the loudness scanner printed no summary');
  const measurement = { integrated: Number(integrated[1]), threshold: Number(integrated[2]), range: Number(range[1]), samplePeak: Number(peak[1]) };
  // `-inf` reads as NaN: silence.
  return Object.values(measurement).every(Number.isFinite) ? measurement : null;
}

/** What a `checkFilter` run measured: the integrated loudness (`null` for silence), and the true peak when it was asked. Throws when there is no summary. */
export function parseWritten(stderr: string): WrittenMeasurement {
  const summary = summaryOf(stderr);
  const integrated = /Integrated loudness:\s+I:\s+(\S+) LUFS/.exec(summary);
  if (integrated === null) throw new Error('the loudness scanner printed no summary');
  const lufs = Number(integrated[1]);
  const peak = /True peak:\s+Peak:\s+(\S+) dBFS/.exec(summary);
  const truePeak = peak === null ? null : Number(peak[1]);
  return { integrated: Number.isFinite(lufs) && lufs > SILENCE_LUFS ? lufs : null, truePeak: truePeak !== null && Number.isFinite(truePeak) ? truePeak : null };
}

function summaryOf(stderr: string): string {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  if (!summary.startsWith('Summary:')) throw new Error('the loudness scanner printed no summary');
  return summary;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
