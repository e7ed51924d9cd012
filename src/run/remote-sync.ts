import path from 'node:path';
import pLimit from 'p-limit';
import type { OutputFile } from '../lockfile/lockfile.js';
import { readLockfileSource } from '../lockfile/lockfile-io.js';
import type { StoryboardPlan } from '../plan/plan-storyboard.js';
import { confineOutputPaths } from '../plan/read-outputs.js';
import { ClaimWatch, createClaimIdentity, type ClaimContext } from '../remote/claim-lease.js';
import { ClaimsUnsupportedError } from '../remote/errors.js';
import type { RemoteStore } from '../remote/store.js';
import { pullOutputs, pushOutputs, type StoredOutput, type TransferEvent, type TransferSummary } from '../remote/transfer.js';
import { pinnedOutputs } from './pinned-outputs.js';
import { listAllBlobs } from '../remote/list-blobs.js';

/**
 * What a render does with its remote (SPEC §8): pull the files the plan says the remote holds
 * (read-through), push every output the lockfile pins that the remote lacks (write-through,
 * which also completes the push of an earlier run that stopped between a download and its
 * push), and open the claims that keep a request paid once across machines.
 */

export interface RemoteSyncOptions {
  readonly signal: AbortSignal;
  readonly display: (absPath: string) => string;
  readonly onEvent?: ((event: TransferEvent) => void) | undefined;
  /** From this many pinned outputs, the push sweep lists the remote instead of asking blob by blob. Default 256. */
  readonly listFrom?: number;
  /** Blobs a pull found damaged on the remote: pushed again from a good copy on disk. */
  readonly replace?: ReadonlySet<string>;
}

/**
 * Write-through as jobs complete: each completed job's outputs are pushed the moment it is
 * recorded, a couple at a time beside the rendering, so a run stopped later has pushed what it
 * finished. The sweep after the run (`pushPinned`) completes whatever this missed.
 */
export class WriteThrough {
  private readonly pending: Promise<{ readonly summary: TransferSummary; readonly startMs: number; readonly endMs: number }>[] = [];
  private readonly limit = pLimit(2);

  constructor(
    private readonly store: RemoteStore,
    private readonly lockDir: string,
    private readonly options: RemoteSyncOptions,
  ) {}

  add(pinned: Readonly<Record<string, OutputFile | undefined>>): void {
    const outputs = Object.values(pinned).flatMap((output) =>
      output
        ? [
            {
              sha256: output.sha256,
              bytes: output.bytes,
              path: path.resolve(this.lockDir, output.path),
              label: this.options.display(path.resolve(this.lockDir, output.path)),
            },
          ]
        : [],
    );
    if (outputs.length === 0) return;
    this.pending.push(
      this.limit(async () => {
        const startMs = performance.now();
        const summary = await pushOutputs(this.store, outputs, { signal: this.options.signal, onEvent: this.options.onEvent });
        return { summary, startMs, endMs: performance.now() };
      }),
    );
  }

  /**
   * Waits for the pushes under way; what they moved, to merge into the sweep's summary, and for
   * how long: the time at least one was in flight, so a rate over the run's pushes is a true one.
   */
  async settle(): Promise<WriteThroughMoved> {
    const done = await Promise.allSettled(this.pending);
    const ok = done.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    return {
      transferred: ok.reduce((sum, { summary }) => sum + summary.transferred, 0),
      bytes: ok.reduce((sum, { summary }) => sum + summary.bytes_transferred, 0),
      seconds: busyMs(ok) / 1000,
    };
  }
}

export interface WriteThroughMoved {
  readonly transferred: number;
  readonly bytes: number;
  /** Time during which at least one write-through push was in flight. */
  readonly seconds: number;
}

/** How long, in all, at least one of `spans` was under way (overlaps counted once). */
export function busyMs(spans: readonly { readonly startMs: number; readonly endMs: number }[]): number {
  let busy = 0;
  let reached = -Infinity;
  for (const { startMs, endMs } of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const from = Math.max(startMs, reached);
    if (endMs > from) busy += endMs - from;
    reached = Math.max(reached, endMs);
  }
  return busy;
}

/**
 * The sweep's summary with the write-through's transfers counted in (the sweep found those
 * present), and its time, so that the summary's rate is bytes over the time spent pushing them.
 */
export function withWriteThrough(sweep: TransferSummary | null, moved: WriteThroughMoved): TransferSummary | null {
  if (sweep === null || moved.transferred === 0) return sweep;
  return {
    ...sweep,
    transferred: sweep.transferred + moved.transferred,
    present: Math.max(0, sweep.present - moved.transferred),
    bytes_transferred: sweep.bytes_transferred + moved.bytes,
    seconds: sweep.seconds + moved.seconds,
  };
}

/** The blobs a pull refused as damaged (their bytes are not their sha256): the plan counts them absent, the push replaces them. */
export function refusedBlobs(summary: TransferSummary | null): Set<string> {
  return new Set((summary?.failures ?? []).filter((failure) => failure.code === 'blob-corrupt').map((failure) => failure.sha256));
}

/** Fetches the files of the jobs planned `pull`; `null` when there are none. */
export async function pullPlanned(planned: StoryboardPlan, store: RemoteStore, options: RemoteSyncOptions): Promise<TransferSummary | null> {
  const ids = new Set(planned.plan.jobs.filter((job) => job.action === 'pull').map((job) => job.id));
  if (ids.size === 0) return null;
  const outputs = pinnedOutputs(planned.lockfile, planned.outputPaths, options.display, ids);
  return pullOutputs(store, outputs, { signal: options.signal, onEvent: options.onEvent });
}

/**
 * Pushes every output the lockfile at `lockPath` pins (as it is on disk now, after the run) that
 * the remote lacks; outputs not on disk are counted `missing`, never a failure.
 */
export async function pushPinned(
  lockPath: string,
  roots: { readonly projectRoot: string; readonly outDir?: string | undefined },
  store: RemoteStore,
  options: RemoteSyncOptions,
): Promise<TransferSummary | null> {
  const source = await readLockfileSource(lockPath, options.display(lockPath), roots.projectRoot);
  if (source === null) return null;
  const located = confineOutputPaths(source, path.dirname(lockPath), {
    projectRoot: roots.projectRoot,
    ...(roots.outDir === undefined ? {} : { outDir: roots.outDir }),
  });
  const outputs = pinnedOutputs(source.lockfile, located, options.display);
  if (outputs.length === 0) return null;
  const run = { signal: options.signal, onEvent: options.onEvent, replace: options.replace };
  if (outputs.length < (options.listFrom ?? LIST_FROM)) return pushOutputs(store, outputs, run);
  // Many outputs, most pushed by earlier runs: one listing (a page per 1,000 blobs) instead of a request per output.
  const held = new Map((await listAllBlobs(store, options.signal)).map((blob) => [blob.sha256, blob.bytes]));
  const isHeld = (output: StoredOutput) => held.get(output.sha256) === output.bytes && options.replace?.has(output.sha256) !== true;
  const lacking = outputs.filter((output) => !isHeld(output));
  const present = new Set(outputs.filter(isHeld).map((output) => output.sha256)).size;
  const summary = await pushOutputs(store, lacking, run);
  return { ...summary, items: summary.items + present, present: summary.present + present };
}

/** From this many pinned outputs, the sweep lists the remote rather than asking blob by blob. */
const LIST_FROM = 256;

/**
 * The remote's claims for one run, or why there are none: a remote that cannot keep create-only
 * writes is told (never silently used without the guarantee), and the run goes on without claims.
 */
export async function openClaims(
  store: RemoteStore,
  options: { readonly signal: AbortSignal; readonly now: () => number },
): Promise<{ readonly claims: ClaimContext } | { readonly unsupported: ClaimsUnsupportedError }> {
  try {
    const claims = await store.claims({ signal: options.signal });
    return { claims: { claims, me: createClaimIdentity(), watch: new ClaimWatch(), now: options.now, signal: options.signal } };
  } catch (error) {
    if (error instanceof ClaimsUnsupportedError) return { unsupported: error };
    throw error;
  }
}
