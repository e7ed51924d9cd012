/**
 * `npm run bench`: the figures the README reports. Machines here are shared and noisy, so
 * compare the ratios within one run rather than absolute times.
 */
import { benchPlan } from './plan-bench.js';

const rows = await benchPlan();
console.log('validate + expand + plan (median of 3, after a warm-up)');
console.log('| jobs | no lockfile | everything rendered (files hashed) | µs per job (rendered) |');
console.log('|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.jobs} | ${row.coldMs.toFixed(0)} ms | ${row.lockedMs.toFixed(0)} ms | ${((row.lockedMs * 1000) / row.jobs).toFixed(0)} |`);
}
const first = rows[0]!;
const last = rows.at(-1)!;
console.log(`growth from ${first.jobs} to ${last.jobs} jobs: ×${(last.lockedMs / first.lockedMs).toFixed(1)} time for ×${(last.jobs / first.jobs).toFixed(0)} jobs`);
