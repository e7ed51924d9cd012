import { defineConfig } from 'vitest/config';

/**
 * Three tiers, one run: `npm test` (the README's test command, what CI runs) runs every project;
 * `npm run test:unit`, `test:e2e` and `test:crash` run one. A file belongs to the first tier
 * whose globs match it.
 *
 * - e2e: the CLI as a whole (in-process `main` or `bin/shotlist.js` as a real process) against
 *   an emulator, a browser, a language server or an S3 server; the README's commands.
 * - crash: real processes killed at chosen moments, racing for locks, soaking under faults.
 * - unit: everything else, parts tested through their own functions (the emulator included).
 *
 * test/setup/global.ts runs once per run: dist/ built and the shared media cache made.
 */
const CRASH = ['test/crash/**/*.test.ts'];
const E2E = [
  'test/cli-pipe.test.ts',
  'test/cli/**/*.test.ts',
  'test/editor/**/*.test.ts',
  'test/front-door/**/*.test.ts',
  'test/gc/**/*.test.ts',
  'test/render/**/*.test.ts',
  'test/report/**/*.test.ts',
  'test/status/**/*.test.ts',
  'test/watch/**/*.test.ts',
  'test/remote/s3-*.test.ts',
  'test/emulator/flavor-command.test.ts',
  'test/hostile/io-errors.test.ts',
  'test/hostile/process-trust.test.ts',
];

export default defineConfig({
  test: {
    // A hang guard, not a speed check (benchmarks under bench/ measure speed): CI's three workers
    // on two cores slow a test 2–3× (a 4 s test took 13 s; a campaign render with its plan,
    // status and two more renders 18.5 s), and a guard that close only makes noise.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Three workers on the 2-core machines CI runs on (vitest's default would be one): the suite
    // is mostly waiting on processes, emulators and ffmpeg. Measured on the whole suite: 464 s of
    // wall time on two workers, 408 s on three.
    maxWorkers: 3,
    // Building dist/ on a busy machine takes minutes.
    globalSetup: ['test/setup/global.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...CRASH, ...E2E] } },
      { extends: true, test: { name: 'e2e', include: E2E } },
      { extends: true, test: { name: 'crash', include: CRASH } },
    ],
  },
});
