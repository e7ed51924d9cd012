/**
 * Amounts of money, exact: integer millionths of the currency's unit ("micros"), never binary
 * floats that drift when summed. A price of $0.045 a second is 45 000 micros; a total of many
 * jobs stays an integer well inside Number's safe range (9 × 10⁹ units). Pure.
 */

/** An ISO 4217 code, upper case: `USD`, `EUR`, `GBP`, `JPY`. */
export type Currency = string;

export const DEFAULT_CURRENCY: Currency = 'USD';

export interface Money {
  readonly currency: Currency;
  /** Millionths of one unit of `currency` (1 USD = 1 000 000). */
  readonly micros: number;
}

export const MICROS_PER_UNIT = 1_000_000;

/** `EUR`, `usd` → `USD`; anything else is not a currency code. */
export function currencyCode(text: string): Currency | null {
  return /^[A-Za-z]{3}$/.test(text) ? text.toUpperCase() : null;
}

/**
 * A decimal written as text (`12.5`, `0.045`, `25`) in micros, parsed digit by digit so that
 * no float is involved; `null` for anything else, or more than 6 decimals.
 */
export function parseDecimalMicros(text: string): number | null {
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * MICROS_PER_UNIT + Number((match[2] ?? '').padEnd(6, '0'));
}

/**
 * A price as a number from data (a YAML file, a built-in table) in micros. Prices have at most 6
 * decimals that matter; rounding to the nearest micro removes the float's representation error
 * (0.045 × 10⁶ = 45000.000000000004).
 */
export function microsOf(amount: number): number {
  return Math.round(amount * MICROS_PER_UNIT);
}

/** Digits after the point the currency is written with (USD 2, JPY 0), from the platform's ICU data. */
export function minorDigits(currency: Currency): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * The amount as a decimal with the currency's minor digits, rounded half up (`12.50`, `1500`
 * for JPY): what the plan shows. The micros stay exact; only the text is rounded.
 */
export function formatAmount(value: Money): string {
  const digits = minorDigits(value.currency);
  const step = 10 ** (6 - digits);
  const negative = value.micros < 0;
  const units = Math.floor((Math.abs(value.micros) + step / 2) / step);
  const whole = Math.floor(units / 10 ** digits);
  const fraction = digits === 0 ? '' : `.${String(units % 10 ** digits).padStart(digits, '0')}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** `$12.50` for USD (the form the plan has always shown), `12.50 EUR` for every other currency. */
export function formatMoney(value: Money): string {
  return value.currency === 'USD' ? `$${formatAmount(value)}` : `${formatAmount(value)} ${value.currency}`;
}

/** The amount as a number of units, for JSON output and for the USD-only callers of `priceOf`. */
export function unitsOf(value: Money): number {
  return value.micros / MICROS_PER_UNIT;
}
