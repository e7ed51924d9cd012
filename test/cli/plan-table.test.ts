import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import stringWidth from 'string-width';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import { writeFakeOutputs } from '../helpers/campaign-lock.js';
import { copyExamples, REPO, runCli } from '../helpers/cli.js';

/**
 * The plan table as a terminal shows it: each job's model and size, and columns that stay in
 * line whatever the reasons say and whatever characters the job ids hold. Positions are
 * measured in terminal columns (a CJK character takes two).
 */

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await copyExamples()));
afterEach(() => cleanup());

async function planText(file: string): Promise<string[]> {
  const run = await runCli(['plan', file], { cwd: dir, now: NOW, env: { NO_COLOR: '1' } });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.split('\n');
}

/** The job rows: those naming one of the ids, with where each id ends. */
function rowsOf(lines: readonly string[], ids: readonly string[]): { line: string; id: string }[] {
  return ids.map((id) => {
    const line = lines.find((l) => /^ {2}\S+ \S+ +/.test(l) && l.includes(` ${id} `));
    expect(line, `a row for ${id} in\n${lines.join('\n')}`).toBeDefined();
    return { line: line!, id };
  });
}

/** The terminal column where the cell after the job id starts. */
function columnAfterId({ line, id }: { line: string; id: string }): number {
  const end = line.indexOf(` ${id} `) + id.length + 1;
  const next = end + (line.slice(end).length - line.slice(end).trimStart().length);
  return stringWidth(line.slice(0, next));
}

/** The terminal column where the cost (`$…`) ends. */
function costEnd(line: string): number {
  const match = /\$[\d.?]+/.exec(line)!;
  return stringWidth(line.slice(0, match.index + match[0].length));
}

describe('the plan table', () => {
  it("shows each job's model and size", async () => {
    const lines = await planText('campaign.yaml');
    expect(lines).toContain('  + render  teaser                                                    sora-2-pro  1792x1024  4 s  $2.00  new job');
    expect(lines).toContain('  + render  hero[product=mug,size=720x1280]                           sora-2      720x1280   8 s  $0.80  new job');
  });

  it('keeps its columns in line when a reason runs long', async () => {
    const fixture = path.join(REPO, 'test/fixtures/campaign.lock.json');
    const lock = parseLockfile(await readFile(fixture, 'utf8'), fixture);
    const failed = {
      ...lock,
      jobs: {
        ...lock.jobs,
        'unboxing[product=mug]': {
          ...lock.jobs['unboxing[product=mug]']!,
          status: 'failed' as const,
          error: { code: 'server_error', message: 'The server had an error' },
          outputs: {},
        },
      },
    };
    await writeFile(path.join(dir, 'campaign.lock.json'), serializeLockfile(failed));
    await writeFakeOutputs(dir, failed);
    const storyboard = path.join(dir, 'campaign.yaml');
    await writeFile(
      storyboard,
      (await readFile(storyboard, 'utf8')).replace('The same scene at dusk, warm lamp light', 'The same scene at dusk, candle light'),
    );

    const lines = await planText('campaign.yaml');
    const long = rowsOf(lines, ['unboxing[product=mug]'])[0]!;
    expect(long.line).toContain('the last attempt failed (server_error)');
    const renders = rowsOf(lines, [
      'unboxing[product=mug]',
      'hero-dusk[product=mug,size=1280x720]',
      'hero-dusk-grade[product=kettle,size=1280x720,grade=cool]',
    ]);
    expect(new Set(renders.map(({ line }) => costEnd(line))).size, lines.join('\n')).toBe(1);
    const all = rowsOf(lines, ['unboxing[product=mug]', 'hero[product=mug,size=1280x720]', 'hero-dusk[product=mug,size=1280x720]', 'teaser']);
    expect(new Set(all.map(columnAfterId)).size, lines.join('\n')).toBe(1);
  });

  it('keeps its columns in line when job ids hold wide (CJK) characters', async () => {
    await writeFile(
      path.join(dir, 'wide.yaml'),
      'version: 1\nname: wide\nprovider: emulator\ndefaults: {model: sora-2, size: 1280x720, seconds: 4}\nshots:\n  - id: cup\n    prompt: A {{product}} on a table.\n    variants:\n      product: [茶碗, mug, ティーポット, tasse]\n',
    );
    const lines = await planText('wide.yaml');
    const rows = rowsOf(lines, ['cup[product=茶碗]', 'cup[product=mug]', 'cup[product=ティーポット]', 'cup[product=tasse]']);
    expect(new Set(rows.map(columnAfterId)).size, lines.join('\n')).toBe(1);
    expect(new Set(rows.map(({ line }) => costEnd(line))).size, lines.join('\n')).toBe(1);
  });
});
