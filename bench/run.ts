/**
 * `npm run bench`: the figures the README reports. Machines here are shared and noisy, so
 * compare the ratios within one run rather than absolute times.
 */
import os from 'node:os';
import { benchCutSpeed } from './cut-speed.js';
import { benchDownloadMemory } from './download-memory.js';
import { summarizeMakespan } from './makespan.js';
import { benchPlan } from './plan-bench.js';
import { benchRenderMakespan } from './render-makespan.js';
import { benchRemoteThroughput } from './remote-throughput.js';
import { benchWatchLatency } from './watch-latency.js';

const only = process.argv[2];

if (!only || only === 'plan') {
  const rows = await benchPlan();
  console.log('\n## validate + expand + plan (median of 3, after a warm-up)\n');
  console.log('| jobs | no lockfile | all rendered, every file hashed | all rendered, hash cache warm | µs per job (no lockfile) |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const row of rows)
    console.log(
      `| ${row.jobs} | ${row.coldMs.toFixed(0)} ms | ${row.hashedMs.toFixed(0)} ms | ${row.cachedMs.toFixed(0)} ms | ${((row.coldMs * 1000) / row.jobs).toFixed(0)} |`,
    );
  const [first, last] = [rows[0]!, rows.at(-1)!];
  console.log(
    `\ngrowth from ${first.jobs} to ${last.jobs} jobs (×${last.jobs / first.jobs}): time ×${(last.coldMs / first.coldMs).toFixed(1)} without lockfile, ×${(last.cachedMs / first.cachedMs).toFixed(1)} with it (cache warm)`,
  );
}

if (!only || only === 'watch') {
  const run = await benchWatchLatency(1000, 15);
  console.log('\n## watch: edit-to-new-plan latency, 1,000-job storyboard (15 edits; includes the 25 ms debounce)\n');
  console.log(`median ${run.medianMs.toFixed(0)} ms, p90 ${run.p90Ms.toFixed(0)} ms`);
}

if (!only || only === 'makespan') {
  console.log('\n## makespan ÷ lower bound, scheduler on a virtual clock (20 seeded DAGs, 2 in flight)\n');
  console.log('| order | mean | worst |');
  console.log('|---|---:|---:|');
  for (const order of ['critical-path', 'fifo'] as const) {
    const summary = await summarizeMakespan(20, { order });
    console.log(`| ${order} | ${summary.meanRatio.toFixed(3)} | ${summary.worstRatio.toFixed(3)} |`);
  }
  // A pool: lower bound max(critical path, work ÷ 5 slots); each remix chain stays on one server.
  console.log('\n## makespan ÷ lower bound, a pool of 3 servers (in flight 2 + 1 + 2), same 20 DAGs\n');
  console.log('| order | mean | worst |');
  console.log('|---|---:|---:|');
  for (const order of ['critical-path', 'fifo'] as const) {
    const summary = await summarizeMakespan(20, { order, pool: [2, 1, 2] });
    console.log(`| ${order} | ${summary.meanRatio.toFixed(3)} | ${summary.worstRatio.toFixed(3)} |`);
  }
  console.log('\n## makespan ÷ lower bound, whole engine against the emulator (time-scaled ×40)\n');
  console.log('| order | jobs | makespan | lower bound | ratio |');
  console.log('|---|---:|---:|---:|---:|');
  for (const order of ['critical-path', 'fifo'] as const) {
    const run = await benchRenderMakespan(order);
    console.log(`| ${order} | ${run.jobs} | ${(run.makespanMs / 1000).toFixed(1)} s | ${(run.lowerBoundMs / 1000).toFixed(1)} s | ${run.ratio.toFixed(3)} |`);
  }
}

if (!only || only === 'download') {
  await benchDownloadMemory(4, 4); // warm-up: modules, JIT, connection pool
  console.log('\n## peak RSS growth while downloading 20 files, 4 at a time\n');
  console.log('| file size | peak RSS growth | time |');
  console.log('|---:|---:|---:|');
  for (const size of [16, 128]) {
    const run = await benchDownloadMemory(size);
    console.log(`| ${size} MiB | ${run.peakRssGrowthMiB.toFixed(0)} MiB | ${run.seconds.toFixed(1)} s |`);
  }
}

if (!only || only === 'cut') {
  const { rows, loadAverage } = await benchCutSpeed();
  console.log(
    `\n## cut assembly speed, 10 clips of 4 s at 1280x720, 24 fps (median of 3; load average ${loadAverage.map((load) => load.toFixed(1)).join(' / ')} on ${os.availableParallelism()} cores)\n`,
  );
  console.log('| film | mode | film length | wall time | × real time | ffmpeg CPU time | × real time per CPU second |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const row of rows)
    console.log(
      `| ${row.name} | ${row.mode} | ${row.filmSeconds.toFixed(1)} s | ${row.wallSeconds.toFixed(2)} s | ${row.realTime.toFixed(1)}× | ${row.cpuSeconds.toFixed(2)} s | ${(row.filmSeconds / row.cpuSeconds).toFixed(1)}× |`,
    );
}

if (!only || only === 'remote') {
  const rows = await benchRemoteThroughput();
  console.log('\n## remote: push and pull through a directory store vs cp -r of the same files (median of 3)\n');
  console.log(
    '| files | cp | cp + sync | cp ‖ sha256 | push | pull | push ÷ cp | pull ÷ cp | (cp ‖ sha256) ÷ cp: the ceiling | push ÷ (cp + sync) | pull ÷ (cp + sync) | peak RSS growth push / pull |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      `| ${r.label} | ${r.cpMBps.toFixed(0)} MB/s | ${r.cpSyncMBps.toFixed(0)} MB/s | ${r.cpHashMBps.toFixed(0)} MB/s | ${r.pushMBps.toFixed(0)} MB/s | ${r.pullMBps.toFixed(0)} MB/s | ${ratio(r.pushMBps, r.cpMBps)} | ${ratio(r.pullMBps, r.cpMBps)} | ${ratio(r.cpHashMBps, r.cpMBps)} | ${ratio(r.pushMBps, r.cpSyncMBps)} | ${ratio(r.pullMBps, r.cpSyncMBps)} | ${r.pushPeakRssMiB.toFixed(0)} / ${r.pullPeakRssMiB.toFixed(0)} MiB |`,
    );
  }
}
