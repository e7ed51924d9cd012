import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** Plans priced in another currency than USD (SPEC §10): per-currency totals, never summed, and `--max-cost` per currency. */

const PROVIDERS = [
  'providers:',
  '  reseller:',
  '    extends: litellm',
  '    base_url: https://videos.example.eu/v1',
  '    currency: EUR',
  '    models:',
  '      sora-2: {sizes: [1280x720], seconds: [4, 8], price_per_generation: {"*": 0.5}}',
  '',
].join('\n');

const STORYBOARD = `version: 1
name: eu
provider: reseller
defaults:
  model: sora-2
  size: 1280x720
  seconds: 4
shots:
  - id: a
    prompt: One.
  - id: b
    prompt: Two.
  - id: c
    prompt: Three.
`;

async function project(onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-currency-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'shotlist.providers.yaml'), PROVIDERS);
  await writeFile(path.join(dir, 'eu.yaml'), STORYBOARD);
  return dir;
}

describe('a plan priced in euros', () => {
  it('--json gives each render its cost with its currency and totals per currency; dollars stay 0', async ({ onTestFinished }) => {
    const dir = await project(onTestFinished);
    const run = await runCli(['plan', 'eu.yaml', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const jobs = run.events().filter((e) => e['event'] === 'plan.job');
    expect(jobs.map((job) => job['cost'])).toEqual([0, 1, 2].map(() => ({ amount: 0.5, currency: 'EUR' })));
    // A euro price is not a dollar price: the USD field does not take it.
    expect(jobs.map((job) => job['cost_usd'])).toEqual([null, null, null]);
    const total = run.events().find((e) => e['event'] === 'plan.total')!;
    expect(total).toMatchObject({ render: 3, costs: { EUR: 1.5 }, cost_usd: 0, unpriced: 0 });
  });

  it('the table shows euros, row by row and in the total', async ({ onTestFinished }) => {
    const dir = await project(onTestFinished);
    const run = await runCli(['plan', 'eu.yaml'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0.50 EUR');
    expect(run.stdout).toContain('3 to render (12 s of video, 1.50 EUR)');
  });

  it('--max-cost bounds each currency: over the euro limit, or with no euro limit at all, refused (exit 3)', async ({ onTestFinished }) => {
    const dir = await project(onTestFinished);
    const over = await runCli(['plan', 'eu.yaml', '--max-cost', '1EUR'], { cwd: dir });
    expect(over.code).toBe(3);
    expect(over.stderr).toContain('the plan costs 1.50 EUR, above the limit of 1.00 EUR');
    const dollarsOnly = await runCli(['plan', 'eu.yaml', '--max-cost', '100'], { cwd: dir });
    expect(dollarsOnly.code).toBe(3);
    expect(dollarsOnly.stderr).toContain('no limit is given in EUR');
    const both = await runCli(['plan', 'eu.yaml', '--max-cost', '100', '--max-cost', '€1.50'], { cwd: dir });
    expect(both.code).toBe(0);
    const twice = await runCli(['plan', 'eu.yaml', '--max-cost', '1EUR', '--max-cost', '2 eur'], { cwd: dir });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('two limits for EUR');
  });
});
