import { formatMoney, type Currency, type Money } from './money.js';

/**
 * A plan's cost, per currency: amounts in different currencies are never added together (a
 * storyboard may mix a USD provider with a EUR reseller through variants of `model`, and no
 * exchange rate is shotlist's to guess). Unknown prices are counted, never taken as zero. Pure.
 */
export interface CostTotals {
  /** Exact micros per currency, only currencies some job costs in. */
  readonly byCurrency: Readonly<Record<Currency, number>>;
  /** Jobs whose price is unknown. */
  readonly unknown: number;
}

export const NO_COST: CostTotals = { byCurrency: {}, unknown: 0 };

/** `totals` with one more job's cost (`null`: unknown). */
export function addCost(totals: CostTotals, cost: Money | null): CostTotals {
  if (cost === null) return { ...totals, unknown: totals.unknown + 1 };
  const before = Object.hasOwn(totals.byCurrency, cost.currency) ? totals.byCurrency[cost.currency]! : 0;
  return { ...totals, byCurrency: { ...totals.byCurrency, [cost.currency]: before + cost.micros } };
}

export function totalOf(costs: readonly (Money | null)[]): CostTotals {
  return costs.reduce<CostTotals>(addCost, NO_COST);
}

/** The totals as amounts, currencies in alphabetical order (stable output). */
export function totalsAsMoney(totals: CostTotals): Money[] {
  return Object.keys(totals.byCurrency)
    .sort()
    .map((currency) => ({ currency, micros: totals.byCurrency[currency]! }));
}

/** `$12.40 + 3.50 EUR` (`$0.00` when nothing costs anything known). */
export function formatTotals(totals: CostTotals): string {
  const amounts = totalsAsMoney(totals);
  return amounts.length === 0 ? formatMoney({ currency: 'USD', micros: 0 }) : amounts.map(formatMoney).join(' + ');
}

/**
 * Why a plan breaks `--max-cost`, as data: a currency over its limit, or a currency the plan
 * spends that no limit names (a limit of `25 EUR` says nothing about dollars, so a plan that
 * also spends dollars is refused rather than let through unbounded).
 */
export type MaxCostProblem =
  | { readonly code: 'over-limit'; readonly total: Money; readonly limit: Money }
  | { readonly code: 'currency-without-limit'; readonly total: Money; readonly limits: readonly Money[] };

/** Problems of `totals` against the limits (one per currency at most); empty when the plan is within them. */
export function checkMaxCost(totals: CostTotals, limits: readonly Money[]): MaxCostProblem[] {
  const problems: MaxCostProblem[] = [];
  for (const total of totalsAsMoney(totals)) {
    if (total.micros === 0) continue;
    const limit = limits.find((each) => each.currency === total.currency);
    if (!limit) problems.push({ code: 'currency-without-limit', total, limits });
    else if (total.micros > limit.micros) problems.push({ code: 'over-limit', total, limit });
  }
  return problems;
}
