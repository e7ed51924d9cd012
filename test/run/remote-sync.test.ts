import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRemoteStore } from '../../src/remote/index.js';
import { busyMs, withWriteThrough, WriteThrough } from '../../src/run/remote-sync.js';
import type { TransferSummary } from '../../src/remote/transfer.js';
import { largeFile, tempDir } from '../remote/helpers.js';

/** The write-through's pushes beside the rendering, on a real directory store: what the run's push summary says of them. */

let work: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  work = await tempDir('shotlist-write-through-');
});
afterEach(async () => {
  await work.cleanup();
});

describe('busyMs', () => {
  it.each([
    { spans: [], busy: 0 },
    { spans: [[0, 10]], busy: 10 },
    {
      spans: [
        [0, 10],
        [20, 25],
      ],
      busy: 15,
    },
    {
      spans: [
        [0, 10],
        [5, 12],
      ],
      busy: 12,
    },
    {
      spans: [
        [5, 12],
        [0, 10],
        [1, 2],
      ],
      busy: 12,
    },
    {
      spans: [
        [0, 30],
        [5, 12],
        [40, 41],
      ],
      busy: 31,
    },
  ])('$spans → $busy ms', ({ spans, busy }) => {
    expect(busyMs(spans.map(([startMs, endMs]) => ({ startMs: startMs!, endMs: endMs! })))).toBe(busy);
  });
});

describe('the write-through pushes in the run summary', () => {
  it('counts their files, bytes and the time they took, so the rate is bytes over the time spent pushing', async () => {
    const store = await openRemoteStore({ kind: 'directory', path: path.join(work.dir, 'remote') });
    const lockDir = path.join(work.dir, 'project');
    const writeThrough = new WriteThrough(store, lockDir, { signal: new AbortController().signal, display: (p) => p });
    const files = await Promise.all([0, 1, 2, 3].map((i) => largeFile(path.join(lockDir, 'renders', `shot-${i}.mp4`), 8 * 1024 * 1024, i)));
    const started = performance.now();
    for (const file of files) writeThrough.add({ video: { path: path.relative(lockDir, file.path), sha256: file.sha256, bytes: file.bytes } });
    const moved = await writeThrough.settle();
    const elapsed = (performance.now() - started) / 1000;
    expect(moved).toMatchObject({ transferred: 4, bytes: 4 * 8 * 1024 * 1024 });
    // Pushes ran two at a time from the first add to the settle: busy for most of it, never longer.
    expect(moved.seconds).toBeGreaterThan(elapsed / 2);
    expect(moved.seconds).toBeLessThanOrEqual(elapsed);

    const sweep: TransferSummary = {
      event: 'remote.summary',
      direction: 'push',
      remote: store.description,
      items: 4,
      transferred: 0,
      present: 4,
      missing: 0,
      failed: 0,
      bytes_transferred: 0,
      seconds: 0.002,
      interrupted: false,
      failures: [],
    };
    expect(withWriteThrough(sweep, moved)).toMatchObject({ transferred: 4, present: 0, bytes_transferred: moved.bytes, seconds: 0.002 + moved.seconds });
  });
});
