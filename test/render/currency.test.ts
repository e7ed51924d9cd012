import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { events, lockPathOf, startRenderEmulator } from './helpers.js';

/** A render priced in euros: the lockfile records each cost with its currency, the summary spends euros, nothing is taken for dollars. */
describe('a render priced in euros', () => {
  it('records cost {amount, currency} in the lockfile and spent per currency in the summary', async ({ onTestFinished }) => {
    const emu = await startRenderEmulator();
    onTestFinished(() => emu.close());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-eur-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, 'shotlist.providers.yaml'),
      [
        'providers:',
        '  reseller:',
        '    extends: emulator',
        '    currency: EUR',
        '    models:',
        '      sora-2: {sizes: [1280x720], seconds: [4], price_per_generation: {"*": 0.5}}',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(dir, 'eu.yaml'),
      'version: 1\nname: eu\nprovider: reseller\ndefaults: { model: sora-2, size: 1280x720, seconds: 4 }\nshots:\n  - id: a\n    prompt: One.\n  - id: b\n    prompt: Two.\n',
    );
    const run = await runCli(['render', 'eu.yaml', '--base-url', emu.url, '--json', '--summary', 'summary.md'], { cwd: dir, now: () => Date.now() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lock = JSON.parse(await readFile(lockPathOf(dir, 'eu.yaml'), 'utf8')) as { jobs: Record<string, { cost_usd: number | null; cost?: unknown }> };
    for (const entry of Object.values(lock.jobs)) expect([entry.cost_usd, entry.cost]).toEqual([null, { amount: 0.5, currency: 'EUR' }]);
    expect(events(run, 'run.summary')[0]).toMatchObject({ spent_usd: 0, spent: { EUR: 1 } });
    expect(await readFile(path.join(dir, 'summary.md'), 'utf8')).toContain('Spent: 1.00 EUR');
    // The lockfile, read back by the next run, plans nothing and keeps the costs as they were.
    const again = await runCli(['render', 'eu.yaml', '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(again.code).toBe(0);
    expect(JSON.parse(await readFile(lockPathOf(dir, 'eu.yaml'), 'utf8'))).toEqual(lock);
  });
});
