import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../../src/providers/builtin.js';
import { addCost, checkMaxCost, formatTotals, NO_COST, totalOf } from '../../src/providers/cost-totals.js';
import { parseMaxCost } from '../../src/providers/max-cost.js';
import { formatAmount, formatMoney, parseDecimalMicros } from '../../src/providers/money.js';
import { priceKeys } from '../../src/providers/price.js';
import { costOf, priceOf, type ProviderProfile } from '../../src/providers/profile.js';

/** Prices as data: per second or per generation, by size or resolution, in the profile's currency; exact sums; `--max-cost` per currency. */

const usd = (micros: number) => ({ currency: 'USD', micros });
const eur = (micros: number) => ({ currency: 'EUR', micros });

/** A reseller of the `/v1/videos` protocol charging €0.50 a generation, whatever its length. */
const reseller: ProviderProfile = {
  ...builtinProfiles['emulator']!,
  name: 'reseller',
  currency: 'EUR',
  models: { 'sora-2': { sizes: ['720x1280', '1280x720'], seconds: ['4', '8', '12'], price: { perGeneration: { '*': 0.5 } } } },
};

describe('cost of one video', () => {
  const veo = builtinProfiles['veo']!;
  const fal = builtinProfiles['fal']!;
  const CASES: readonly { profile: ProviderProfile; model: string; size: string; seconds: number; cost: { currency: string; micros: number } | null }[] = [
    // Per second by resolution (gemini-veo.md §9): 720p and 1080p are keyed by resolution, not by size.
    { profile: veo, model: 'veo-3.1-fast-generate-preview', size: '1280x720', seconds: 8, cost: usd(800_000) },
    { profile: veo, model: 'veo-3.1-fast-generate-preview', size: '1080x1920', seconds: 8, cost: usd(960_000) },
    { profile: veo, model: 'veo-3.1-generate-preview', size: '3840x2160', seconds: 8, cost: usd(4_800_000) },
    { profile: veo, model: 'veo-3.1-lite-generate-preview', size: '720x1280', seconds: 4, cost: usd(200_000) },
    // No known price: unknown, never zero.
    { profile: veo, model: 'veo-2.0-generate-001', size: '1280x720', seconds: 8, cost: null },
    { profile: veo, model: 'no-such-model', size: '1280x720', seconds: 8, cost: null },
    // fal's Kling: $1.40 for 5 s, $0.28 a second more; Hailuo 02 at $0.045 a second (sub-cent rates stay exact).
    { profile: fal, model: 'fal-ai/kling-video/v2.1/master/text-to-video', size: '1920x1080', seconds: 5, cost: usd(1_400_000) },
    { profile: fal, model: 'fal-ai/kling-video/v2.1/master/text-to-video', size: '1080x1080', seconds: 10, cost: usd(2_800_000) },
    { profile: fal, model: 'fal-ai/minimax/hailuo-02/standard/text-to-video', size: '1360x768', seconds: 6, cost: usd(270_000) },
    // Per generation, in euros.
    { profile: reseller, model: 'sora-2', size: '720x1280', seconds: 12, cost: eur(500_000) },
    // The existing per-second USD table by size is still read.
    { profile: builtinProfiles['openai']!, model: 'sora-2-pro', size: '1792x1024', seconds: 12, cost: usd(6_000_000) },
  ];
  for (const row of CASES) {
    it(`${row.profile.name} ${row.model} ${row.size} ${row.seconds}s`, () => {
      expect(costOf(row.profile, row.model, row.size, row.seconds)).toEqual(row.cost);
    });
  }

  it('a size is priced by its own key, then its resolution, then *', () => {
    expect(priceKeys('1280x720')).toEqual(['1280x720', '720p', '*']);
    expect(priceKeys('2160x3840')).toEqual(['2160x3840', '4k', '2160p', '*']);
    const both: ProviderProfile = {
      ...reseller,
      models: { m: { sizes: 'any', seconds: 'any', price: { perSecond: { '1280x720': 0.3, '720p': 0.2, '*': 0.1 } } } },
    };
    expect([costOf(both, 'm', '1280x720', 1), costOf(both, 'm', '720x1280', 1), costOf(both, 'm', '640x360', 1)]).toEqual([
      eur(300_000),
      eur(200_000),
      eur(100_000),
    ]);
  });

  it('per second and per generation add up (a base fee plus seconds)', () => {
    const mixed: ProviderProfile = {
      ...reseller,
      models: { m: { sizes: 'any', seconds: 'any', price: { perSecond: { '*': 0.1 }, perGeneration: { '*': 0.05 } } } },
    };
    expect(costOf(mixed, 'm', '1280x720', 8)).toEqual(eur(850_000));
  });

  it('priceOf stays USD only: a euro price is no dollar price', () => {
    expect(priceOf(builtinProfiles['veo']!, 'veo-3.1-generate-preview', '1920x1080', 8)).toBe(3.2);
    expect(priceOf(reseller, 'sora-2', '720x1280', 4)).toBeNull();
  });
});

describe('money', () => {
  it('sums exactly where floats drift', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; ten jobs of $0.045/s × 7 s in floats are 3.1499999999999995.
    const totals = totalOf(Array.from({ length: 10 }, () => usd(45_000 * 7)));
    expect(totals.byCurrency).toEqual({ USD: 3_150_000 });
    expect(formatTotals(totals)).toBe('$3.15');
    expect(parseDecimalMicros('0.1')! + parseDecimalMicros('0.2')!).toBe(parseDecimalMicros('0.3'));
  });

  it("rounds half up only when shown, in the currency's minor digits", () => {
    expect(formatAmount(usd(1_005_000))).toBe('1.01');
    expect(formatAmount(usd(1_004_999))).toBe('1.00');
    expect(formatMoney(eur(12_500_000))).toBe('12.50 EUR');
    expect(formatMoney({ currency: 'JPY', micros: 1_500_600_000 })).toBe('1501 JPY');
  });

  it('never adds currencies together; unknown prices are counted', () => {
    const totals = [usd(800_000), eur(500_000), null, usd(200_000)].reduce(addCost, NO_COST);
    expect(totals).toEqual({ byCurrency: { USD: 1_000_000, EUR: 500_000 }, unknown: 1 });
    expect(formatTotals(totals)).toBe('0.50 EUR + $1.00');
    expect(formatTotals(NO_COST)).toBe('$0.00');
  });
});

describe('--max-cost', () => {
  const VALID: readonly [string, { currency: string; micros: number }][] = [
    ['25EUR', eur(25_000_000)],
    ['25 EUR', eur(25_000_000)],
    ['25 eur', eur(25_000_000)],
    ['12.5', usd(12_500_000)],
    ['0', usd(0)],
    ['$12.50', usd(12_500_000)],
    ['€3', eur(3_000_000)],
    ['0.045USD', usd(45_000)],
  ];
  for (const [text, value] of VALID) it(`reads ${JSON.stringify(text)}`, () => expect(parseMaxCost(text)).toEqual({ ok: value }));

  const INVALID: readonly [string, string][] = [
    ['', 'expected an amount like 25 or 25EUR, found ""'],
    ['ten', 'expected an amount like 25 or 25EUR, found "ten"'],
    ['-5', 'expected an amount like 25 or 25EUR, found "-5"'],
    ['1.2.3', '"1.2.3" is not an amount'],
    ['25 EURO', '"EURO" is not a currency code'],
    ['$25EUR', '"$" and EUR name different currencies'],
    ['0.0000001', '"0.0000001" is not an amount'],
  ];
  for (const [text, message] of INVALID) {
    it(`refuses ${JSON.stringify(text)} saying what was expected`, () => {
      const result = parseMaxCost(text);
      expect('error' in result && result.error.message).toContain(message);
      expect('error' in result && result.error).toMatchObject({
        expected: expect.stringContaining('25EUR'),
        found: text,
        hint: expect.stringContaining('US dollars'),
      });
    });
  }

  it('bounds each currency by its own limit, and refuses a currency no limit names', () => {
    const totals = totalOf([usd(3_000_000), eur(2_000_000)]);
    expect(checkMaxCost(totals, [usd(5_000_000), eur(2_000_000)])).toEqual([]);
    expect(checkMaxCost(totals, [usd(5_000_000), eur(1_000_000)])).toEqual([{ code: 'over-limit', total: eur(2_000_000), limit: eur(1_000_000) }]);
    expect(checkMaxCost(totals, [usd(5_000_000)])).toEqual([{ code: 'currency-without-limit', total: eur(2_000_000), limits: [usd(5_000_000)] }]);
    // Unknown prices are the plan's to show; they break no limit by themselves.
    expect(checkMaxCost(totalOf([null]), [usd(0)])).toEqual([]);
  });
});
