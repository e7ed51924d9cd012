import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createVideosClient } from '../src/api/index.js';
import { startEmulator } from '../src/emulator/index.js';
import { planTiming } from '../src/emulator/lifecycle.js';
import { planStoryboard } from '../src/plan/plan-storyboard.js';
import { systemClock } from '../src/run/clock.js';
import { renderStoryboard } from '../src/run/render-storyboard.js';
import { loadStoryboard } from '../src/storyboard/load-storyboard.js';
import { makespanLowerBound } from './makespan.js';

/**
 * The whole engine against the emulator, time-scaled: a long remix chain, a short one, and
 * many short independent shots written FIRST in the storyboard (the case where plain
 * storyboard order starts the long chain late). Makespan ÷ lower bound, where the lower bound
 * is max(critical path, total work ÷ 2) of the emulator's simulated job times; the run adds
 * real overheads (HTTP, polling, ffmpeg encodes) on top.
 */

const SPEED = 40;

function storyboard(): string {
  const lines = ['version: 1', 'name: makespan', 'provider: emulator', 'defaults: { model: sora-2, size: 1280x720 }', 'shots:'];
  lines.push(
    '  - id: short',
    '    seconds: 4',
    '    prompt: "Short shot {{n}}."',
    '    variants:',
    `      n: [${Array.from({ length: 12 }, (_, i) => i + 1).join(', ')}]`,
  );
  const chain = (name: string, length: number) => {
    lines.push(`  - id: ${name}-0`, '    seconds: 12', `    prompt: "Chain ${name}, first take."`);
    for (let i = 1; i < length; i++) lines.push(`  - id: ${name}-${i}`, `    remix: ${name}-${i - 1}`, `    prompt: "Chain ${name}, edit ${i}."`);
  };
  chain('long', 10);
  chain('brief', 3);
  return `${lines.join('\n')}\n`;
}

export interface RenderMakespan {
  readonly order: 'critical-path' | 'fifo';
  readonly jobs: number;
  readonly makespanMs: number;
  readonly lowerBoundMs: number;
  readonly ratio: number;
}

export async function benchRenderMakespan(
  order: 'critical-path' | 'fifo',
  options: { trace?: (id: string, state: string, atMs: number) => void } = {},
): Promise<RenderMakespan> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-makespan-'));
  const emulator = await startEmulator({ speed: SPEED, fps: 2 });
  try {
    await mkdir(path.join(dir, '.git'));
    await writeFile(path.join(dir, 'makespan.yaml'), storyboard());
    const { loaded, issues } = await loadStoryboard('makespan.yaml', { cwd: dir, overrides: { baseUrls: [emulator.url] } });
    if (!loaded) throw new Error(`bench storyboard is invalid: ${issues[0]?.message}`);
    const planned = await planStoryboard(loaded, { now: Math.floor(Date.now() / 1000) });
    const durations = new Map(
      loaded.jobs.map((job) => {
        const timing = planTiming({ model: job.model!.value, size: job.size.value, seconds: job.seconds.value }, SPEED);
        return [job.id, timing.queueMs + timing.runMs];
      }),
    );
    // The lower bound in the emulator's simulated time; the graph's order puts parents first, as a DagJob's index must.
    const dag = planned.graph.order.map((id, index) => ({ id, parentId: planned.graph.parentOf.get(id) ?? null, duration: durations.get(id)!, index }));
    const lowerBoundMs = makespanLowerBound(dag, loaded.storyboard.provider.inFlight);
    // FIFO simply gives every job the same priority.
    const graph = order === 'fifo' ? { ...planned.graph, remaining: new Map(loaded.jobs.map((job) => [job.id, 0])) } : planned.graph;
    const client = createVideosClient({ profile: loaded.storyboard.provider.profile, baseUrl: emulator.url, apiKey: null });
    const start = performance.now();
    const result = await renderStoryboard({
      loaded,
      planned: { ...planned, graph },
      servers: [{ name: '', inFlight: loaded.storyboard.provider.inFlight, client }],
      outDir: path.join(dir, 'renders'),
      clock: systemClock,
      wallNow: Date.now,
      signal: new AbortController().signal,
      pruneOrphans: true,
      onState: (id, state) => options.trace?.(id, state, performance.now() - start),
    });
    const makespanMs = performance.now() - start;
    await client.close();
    if (result.reports.some((report) => report.status !== 'completed')) throw new Error('a bench job did not complete');
    return { order, jobs: loaded.jobs.length, makespanMs, lowerBoundMs, ratio: makespanMs / lowerBoundMs };
  } finally {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}
