import { currencyCode, parseDecimalMicros, type Money } from './money.js';

/**
 * `--max-cost` values: `25EUR`, `25 EUR`, `25 eur`, `12.5` (a bare number stays USD, as the flag
 * always meant), `$12.50`, `€25`. A flag given several times bounds several currencies. Pure.
 */

/** What was wrong with a value, in the shape of every located message (expected, found, hint). */
export interface MaxCostError {
  readonly message: string;
  readonly expected: string;
  readonly found: string;
  readonly hint: string;
}

const SYMBOLS: Readonly<Record<string, string>> = { $: 'USD', '€': 'EUR', '£': 'GBP' };

export function parseMaxCost(text: string): { readonly ok: Money } | { readonly error: MaxCostError } {
  const found = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  const fail = (message: string): { error: MaxCostError } => ({
    error: {
      message: `--max-cost: ${message}`,
      expected: 'an amount and an optional currency code, like 25, 12.50 USD or 25EUR',
      found,
      hint: 'a bare number is in US dollars; write the code of any other currency after it (25EUR)',
    },
  });
  const match = /^\s*([$€£])?\s*(\d[\d.]*|\.\d+)\s*([A-Za-z]*)\s*$/u.exec(text);
  if (!match) return fail(`expected an amount like 25 or 25EUR, found "${found}"`);
  const [, symbol, number = '', code = ''] = match;
  const micros = parseDecimalMicros(number);
  if (micros === null) return fail(`"${number}" is not an amount (digits, at most one point, up to 6 decimals)`);
  const fromCode = code === '' ? null : currencyCode(code);
  if (code !== '' && fromCode === null) return fail(`"${code}" is not a currency code (three letters, like USD or EUR)`);
  const fromSymbol = symbol === undefined ? null : SYMBOLS[symbol]!;
  if (fromSymbol !== null && fromCode !== null && fromSymbol !== fromCode) return fail(`"${symbol}" and ${fromCode} name different currencies`);
  return { ok: { currency: fromCode ?? fromSymbol ?? 'USD', micros } };
}
