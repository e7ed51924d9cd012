import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { serializeLockfile } from '../src/lockfile/parse-lockfile.js';
import { planStoryboard } from '../src/plan/plan-storyboard.js';
import { loadStoryboard } from '../src/storyboard/load-storyboard.js';
import { completedLockfile, writeFakeOutputs } from '../test/helpers/campaign-lock.js';

/**
 * validate + expand + plan for generated storyboards of N jobs, shaped like real campaigns:
 * shots of 10 products (map values) × 2 sizes × 5 styles = 100 jobs each, every other shot a
 * remix of the one before it (100 remix jobs aligned to their parents), prompts with vars and
 * partials. Timed twice per size: with no lockfile, and with a lockfile where every job is
 * rendered and its file is on disk (the plan then hashes every file).
 */

export function generateStoryboard(jobs: number): string {
  const shots = Math.max(1, Math.round(jobs / 100));
  const products = Array.from({ length: 10 }, (_, i) => `      - { id: p${i}, name: product ${i}, colour: colour ${i} }`).join('\n');
  const lines = [
    'version: 1',
    'name: bench',
    'provider: emulator',
    'defaults: { model: sora-2, seconds: 8 }',
    'vars: { brand: Acme, season: spring }',
    'partials:',
    '  look: "Shot on 35mm film, soft light, {{season}} palette."',
    'shots:',
  ];
  for (let s = 0; s < shots; s++) {
    if (s % 2 === 1) {
      lines.push(
        `  - id: shot-${s}`,
        `    remix: shot-${s - 1}`,
        `    prompt: "Shot ${s}: the same {{product.name}} at dusk, {{style}} grade, {{brand}} logo."`,
      );
    } else {
      lines.push(
        `  - id: shot-${s}`,
        `    prompt: "{{> look}} Shot ${s}: a {{product.name}} in {{product.colour}}, {{style}} style, the {{brand}} logo."`,
        '    variants:',
        '      product:',
        products,
        '      size: [1280x720, 720x1280]',
        '      style: [documentary, macro, handheld, aerial, studio]',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface PlanBenchRow {
  readonly jobs: number;
  /** No lockfile: everything renders. */
  readonly coldMs: number;
  /** Everything rendered, every file hashed (no hash cache). */
  readonly hashedMs: number;
  /** Everything rendered, the hash cache warm: files are only stat'ed. */
  readonly cachedMs: number;
}

async function timeOnce(dir: string): Promise<{ ms: number; jobs: number }> {
  const start = performance.now();
  const { loaded, issues } = await loadStoryboard('bench.yaml', { cwd: dir });
  if (!loaded) throw new Error(`generated storyboard is invalid: ${issues[0]?.message}`);
  await planStoryboard(loaded, { now: Math.floor(Date.now() / 1000) });
  return { ms: performance.now() - start, jobs: loaded.jobs.length };
}

async function median(dir: string, runs: number, before: () => Promise<void> = async () => undefined): Promise<{ ms: number; jobs: number }> {
  await before();
  await timeOnce(dir); // warm-up: JIT, module caches
  const times: { ms: number; jobs: number }[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    times.push(await timeOnce(dir));
  }
  times.sort((a, b) => a.ms - b.ms);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchPlan(sizes: readonly number[] = [100, 1_000, 10_000]): Promise<PlanBenchRow[]> {
  const rows: PlanBenchRow[] = [];
  for (const size of sizes) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-bench-'));
    try {
      await mkdir(path.join(dir, '.git'));
      await writeFile(path.join(dir, 'bench.yaml'), generateStoryboard(size));
      const cold = await median(dir, 3);
      const { loaded } = await loadStoryboard('bench.yaml', { cwd: dir });
      const lock = completedLockfile(loaded!, Math.floor(Date.now() / 1000));
      await writeFile(path.join(dir, 'bench.lock.json'), serializeLockfile(lock));
      await writeFakeOutputs(dir, lock);
      const dropCache = () => rm(path.join(dir, '.shotlist'), { recursive: true, force: true });
      const hashed = await median(dir, 3, dropCache);
      const cached = await median(dir, 3);
      rows.push({ jobs: cold.jobs, coldMs: cold.ms, hashedMs: hashed.ms, cachedMs: cached.ms });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
