import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDist } from '../helpers/dist.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * One directory of emulator media (ffmpeg encodes, keyed by request) for the whole run:
     * a request encoded once serves every emulator of every file after it. Link it as
     * `<stateDir>/media` (test/crash/harness.ts does); each emulator keeps its own jobs.
     */
    mediaCache: string;
  }
}

/** A RAM disk where there is one: every write of a run is fsynced, and a test proves the process, not the disk. */
function scratchRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

interface Shared {
  users: number;
  readonly mediaCache: Promise<string>;
}

// Vitest calls a global setup once per project (and for the root) in its one main process: the
// build and the cache are made by the first call and shared through globalThis.
const SHARED = Symbol.for('shotlist.test.global-setup');
const registry = globalThis as { [SHARED]?: Shared };

/**
 * Runs before any test file: builds dist/ when src/ is newer (the tests that run
 * `bin/shotlist.js` as a real process need it; building it in each file's beforeAll cost one
 * tsc check per file) and makes the shared media cache, removed when the last project ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry[SHARED] ??= {
    users: 0,
    mediaCache: ensureDist().then(() => mkdtemp(path.join(scratchRoot(), 'shotlist-test-media-'))),
  });
  shared.users++;
  const mediaCache = await shared.mediaCache;
  project.provide('mediaCache', mediaCache);
  return async () => {
    if (--shared.users > 0) return;
    delete registry[SHARED];
    await rm(mediaCache, { recursive: true, force: true });
  };
}
