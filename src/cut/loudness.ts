/**
 * Two-pass EBU R128 loudness normalisation with ffmpeg's `loudnorm`: the first pass measures the
 * whole mix, the second applies one gain computed from that measurement (`linear=true`), which
 * keeps the mix's dynamics. loudnorm itself falls back to its dynamic mode only where one gain
 * would push the true peak over the ceiling.
 */

/** True-peak ceiling of the mix, dBTP: the common delivery limit for streaming platforms. */
export const TRUE_PEAK_DBTP = -1;
/** Loudness range target, LU; only the dynamic fallback uses it. */
export const LOUDNESS_RANGE_LU = 11;

/** What the first pass measured (loudnorm's `input_*` and `target_offset`). */
export interface LoudnessMeasurement {
  readonly integrated: number;
  readonly truePeak: number;
  readonly range: number;
  readonly threshold: number;
  readonly offset: number;
}

/** The first pass: measure and print the measurement as JSON on stderr. */
export function measureFilter(targetLufs: number): string {
  return `loudnorm=I=${targetLufs}:TP=${TRUE_PEAK_DBTP}:LRA=${LOUDNESS_RANGE_LU}:print_format=json`;
}

/**
 * The second pass: the measured values make loudnorm apply one linear gain. loudnorm works at
 * 192 kHz internally; the resample brings the mix back to the film's rate.
 */
export function applyFilter(targetLufs: number, measured: LoudnessMeasurement, sampleRate: number): string {
  const options = [
    `I=${targetLufs}`,
    `TP=${TRUE_PEAK_DBTP}`,
    // The dynamic fallback is chosen when the measured range exceeds the target; never because of that.
    `LRA=${Math.min(20, Math.max(LOUDNESS_RANGE_LU, Math.ceil(measured.range)))}`,
    `measured_I=${measured.integrated}`,
    `measured_TP=${measured.truePeak}`,
    `measured_LRA=${measured.range}`,
    `measured_thresh=${measured.threshold}`,
    `offset=${measured.offset}`,
    'linear=true',
    'print_format=summary',
  ];
  return `loudnorm=${options.join(':')},aresample=${sampleRate}`;
}

/**
 * The measurement printed by the first pass: the last JSON object on stderr that has loudnorm's
 * keys. `null` when the mix is silent (loudnorm prints `-inf`): there is nothing to normalise.
 * Throws when no measurement is there at all.
 */
export function parseMeasurement(stderr: string): LoudnessMeasurement | null {
  const start = stderr.lastIndexOf('{');
  const end = stderr.indexOf('}', start);
  if (start < 0 || end < 0) throw new Error('loudnorm printed no measurement');
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(stderr.slice(start, end + 1)) as Record<string, unknown>;
  } catch {
    throw new Error('loudnorm printed a measurement that is not JSON');
  }
  const read = (key: string): number => {
    const value = fields[key];
    if (typeof value !== 'string') throw new Error(`loudnorm's measurement has no ${key}`);
    return Number(value);
  };
  const measurement = {
    integrated: read('input_i'),
    truePeak: read('input_tp'),
    range: read('input_lra'),
    threshold: read('input_thresh'),
    offset: read('target_offset'),
  };
  // `-inf` (silence) reads as NaN; so would anything else that is not a number.
  return Object.values(measurement).every(Number.isFinite) ? measurement : null;
}
