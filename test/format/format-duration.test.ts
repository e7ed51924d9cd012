import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/format/format-duration.js';
import { renderReport } from '../../src/report/render-report.js';

/** The one duration scale: seconds up to 90, minutes up to 90, hours up to 48, then days. */
const TABLE: readonly (readonly [number, string])[] = [
  [-5, '0 s'],
  [0, '0 s'],
  [0.4, '0 s'],
  [1, '1 s'],
  [89, '89 s'],
  [89.6, '2 min'],
  [90, '2 min'],
  [3599, '60 min'],
  [3600, '60 min'],
  [5399, '90 min'],
  [5400, '2 h'],
  [90_000, '25 h'],
  [172_799, '48 h'],
  [172_800, '2 days'],
  [30 * 86_400, '30 days'],
];

describe('formatDuration', () => {
  it.each(TABLE)('%s s reads %s', (seconds, words) => {
    expect(formatDuration(seconds)).toBe(words);
  });

  // The report's page redraws each card's age with the reader's clock, in its own script (it
  // cannot import): that copy must read as the terminal does.
  it("the report page's script reads ages on the same scale", () => {
    const html = renderReport({ name: 'x', generatedAt: 0, cards: [], shots: [], axes: [] });
    const source = /function ago\(seconds\) \{[\s\S]*?\n {2}\}/.exec(html)?.[0];
    expect(source).toBeDefined();
    const ago = new Function(`${source}; return ago;`)() as (seconds: number) => string;
    for (const [seconds, words] of TABLE) expect(ago(seconds)).toBe(Math.round(seconds) < 90 ? 'just now' : `${words} ago`);
  });
});
