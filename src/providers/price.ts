import { microsOf, type Currency, type Money } from './money.js';
import type { ModelProfile } from './profile.js';

/**
 * What a model charges, as data, beyond per-second USD by size: per second or per generation
 * (a flat price per video, as resellers of the `/v1/videos` protocol charge), each keyed by
 * size (`1280x720`), by resolution (`720p`, `1080p`, `4k`: a size's shorter side) or `*` for
 * every size, in the profile's currency. Pure.
 */
export interface Price {
  /** Per second of output. */
  readonly perSecond?: Readonly<Record<string, number>>;
  /** Per video, whatever its length. Added to `perSecond` when both apply. */
  readonly perGeneration?: Readonly<Record<string, number>>;
}

/**
 * The key a size's price is found under, most specific first: the size itself, its resolution
 * (`1280x720` → `720p`, `3840x2160` → `4k`), then `*`.
 */
export function priceKeys(size: string): string[] {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) return [size, '*'];
  const short = Math.min(Number(match[1]), Number(match[2]));
  return [size, ...(short === 2160 ? ['4k', '2160p'] : [`${short}p`]), '*'];
}

function rateFor(table: Readonly<Record<string, number>> | undefined, size: string): number | undefined {
  if (!table) return undefined;
  for (const key of priceKeys(size)) if (Object.hasOwn(table, key)) return table[key];
  return undefined;
}

/** A model's price as one shape: `price` when set, else its `pricePerSecond` (USD by size). */
export function priceOfModel(model: ModelProfile): Price | undefined {
  return model.price ?? (model.pricePerSecond ? { perSecond: model.pricePerSecond } : undefined);
}

/**
 * What one video of `seconds` at `size` costs on this model, in `currency`; `null` when the
 * price is unknown (no price, or none for this size): shown as `?`, never as zero. `silent`: the
 * job sets `generate_audio: false`, priced at the model's `silentPrice` where it has one.
 */
export function costOfModel(model: ModelProfile, currency: Currency, size: string, seconds: number, silent = false): Money | null {
  const price = (silent ? model.silentPrice : undefined) ?? priceOfModel(model);
  if (!price) return null;
  const perSecond = rateFor(price.perSecond, size);
  const perGeneration = rateFor(price.perGeneration, size);
  if (perSecond === undefined && perGeneration === undefined) return null;
  // Whole seconds times integer micros: exact.
  const micros = (perSecond === undefined ? 0 : microsOf(perSecond) * seconds) + (perGeneration === undefined ? 0 : microsOf(perGeneration));
  return { currency, micros };
}

/** Whether the model has a price for at least one size (`shotlist providers`: prices known). */
export function hasPrice(model: ModelProfile): boolean {
  const price = priceOfModel(model);
  return price !== undefined && Object.keys({ ...price.perSecond, ...price.perGeneration }).length > 0;
}
