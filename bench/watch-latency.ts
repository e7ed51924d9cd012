import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startWatch, type WatchUpdate } from '../src/watch/watch-session.js';
import { generateStoryboard } from './plan-bench.js';

/**
 * Edit-to-new-plan latency of watch mode on a storyboard of N jobs: a real file write, real
 * chokidar, the debounce, and the whole re-validate + re-plan, to the moment the new plan is
 * delivered. The median over a series of edits.
 */
export async function benchWatchLatency(jobs = 1000, edits = 15): Promise<{ jobs: number; medianMs: number; p90Ms: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-watch-'));
  await mkdir(path.join(dir, '.git'));
  const file = path.join(dir, 'bench.yaml');
  const base = generateStoryboard(jobs);
  await writeFile(file, base);
  let waiting: ((update: WatchUpdate) => void) | null = null;
  const session = await startWatch({ file: 'bench.yaml', load: { cwd: dir }, plan: {}, now: Date.now, onUpdate: (update) => waiting?.(update) });
  const times: number[] = [];
  try {
    for (let i = 0; i < edits; i++) {
      const planned = new Promise<WatchUpdate>((resolve) => (waiting = resolve));
      const start = performance.now();
      await writeFile(file, base.replace('brand: Acme', `brand: Acme ${i}`));
      const update = await planned;
      if (update.kind !== 'planned') throw new Error(`edit ${i} gave ${update.kind}`);
      times.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await session.close();
    await rm(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { jobs, medianMs: times[Math.floor(times.length / 2)]!, p90Ms: times[Math.floor(times.length * 0.9)]! };
}
