import cliTruncate from 'cli-truncate';
import { formatDuration } from '../format/format-duration.js';
import type { JobState } from '../run/job-runner.js';
import type { JobReport } from '../run/render-storyboard.js';
import type { LiveRegion, Screen } from './live-region.js';
import type { OutputStream } from './context.js';
import { costOfReport } from './run-summary.js';
import type { Style } from './style.js';
import { printable } from '../untrusted/control-characters.js';

/**
 * How a render shows its progress: a live view on a terminal (a row per active job: state,
 * progress, elapsed; a footer with done/total, ETA and spend), one line per state change
 * elsewhere, or newline-delimited JSON events with `--json`.
 */
export interface Progress {
  state(jobId: string, state: JobState, detail: { readonly videoId?: string | null; readonly progress?: number | null; readonly message?: string }): void;
  settled(report: JobReport): void;
  /** Stops redrawing; leaves the final view on screen. */
  close(): void;
}

export interface ProgressOptions {
  readonly mode: 'live' | 'lines' | 'json' | 'quiet';
  /** Where lines and JSON events go. */
  readonly out: OutputStream;
  /** Where the live view is drawn; failures are written above it. */
  readonly screen: Screen;
  readonly style: Style;
  /** Unix milliseconds. */
  readonly now: () => number;
  /** Jobs the run works on, and what their renders cost. */
  readonly total: number;
  readonly costOf: (jobId: string) => number | null;
  /** An output file's path as shown to the user. */
  readonly display: (absPath: string) => string;
}

interface Row {
  state: JobState;
  progress: number | null;
  since: number;
  videoId: string | null;
}

const ACTIVE: ReadonlySet<JobState> = new Set(['creating', 'queued', 'in_progress', 'completed', 'downloading']);

export function createProgress(options: ProgressOptions): Progress {
  switch (options.mode) {
    case 'json':
      return jsonProgress(options);
    case 'live':
      return liveProgress(options);
    case 'lines':
      return lineProgress(options, false);
    case 'quiet':
      return lineProgress(options, true);
  }
}

function jsonProgress({ out, now, display }: ProgressOptions): Progress {
  const emit = (event: object) => out.write(`${JSON.stringify(event)}\n`);
  return {
    state: (id, state, detail) =>
      emit({
        event: 'job',
        id,
        state,
        video_id: detail.videoId ?? null,
        progress: detail.progress ?? null,
        ...(detail.message ? { message: detail.message } : {}),
        at: new Date(now()).toISOString(),
      }),
    settled: (report) =>
      emit({
        event: 'job.result',
        id: report.job.id,
        status: report.status,
        ...('reason' in report ? { reason: report.reason } : {}),
        video_id: report.videoId,
        outputs: report.status === 'completed' ? Object.fromEntries(Object.entries(report.outputs).map(([kind, file]) => [kind, display(file)])) : {},
        cost_usd: costOfReport(report),
        at: new Date(now()).toISOString(),
      }),
    close: () => undefined,
  };
}

function lineProgress({ out, style, now }: ProgressOptions, quiet: boolean): Progress {
  const last = new Map<string, JobState>();
  return {
    state(id, state, detail) {
      if (last.get(id) === state) return;
      last.set(id, state);
      if (quiet && state !== 'failed') return;
      const time = new Date(now()).toISOString().slice(11, 19);
      const colour = state === 'failed' ? style.red : state === 'done' ? style.green : (text: string) => text;
      out.write(
        `${style.dim(time)}  ${colour(state.padEnd(11))}  ${id}${detail.videoId ? style.dim(`  ${printable(detail.videoId)}`) : ''}${detail.message ? `  ${printable(detail.message)}` : ''}\n`,
      );
    },
    settled: () => undefined,
    close: () => undefined,
  };
}

/** Job rows shown at most; the rest are counted in one line. */
const MAX_ROWS = 12;

function liveProgress({ screen, style, now, total, costOf }: ProgressOptions): Progress {
  const rows = new Map<string, Row>();
  const started = now();
  let done = 0;
  let failed = 0;
  let spend = 0;
  const durations: number[] = [];
  const region: LiveRegion = screen.openLive();
  const frame = (): string[] => {
    const lines: string[] = [];
    const active = [...rows].filter(([, row]) => ACTIVE.has(row.state));
    // Room for the footer and the "more" line, so the frame fits a short terminal too.
    const shown = Math.max(0, Math.min(MAX_ROWS, region.height - 2));
    for (const [id, row] of active.slice(0, shown)) {
      const pct = row.progress === null ? '    ' : `${String(row.progress).padStart(3)}%`;
      const head = `  ${row.state.padEnd(11)} ${pct}  ${formatDuration((now() - row.since) / 1000).padStart(6)}  `;
      // Cut in the middle: the bindings that tell one job from its siblings are at the end.
      lines.push(`${head}${cliTruncate(id, Math.max(1, region.width - head.length), { position: 'middle' })}`);
    }
    if (active.length > shown) lines.push(style.dim(`  … and ${active.length - shown} more`));
    lines.push(footer());
    return lines;
  };
  const footer = () => {
    const average = durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
    const left = total - done - failed;
    const eta = average === null || left <= 0 ? '' : `, ETA ${formatDuration((average * left) / Math.max(1, Math.min(2, left)) / 1000)}`;
    return style.bold(
      `${done}/${total} done${failed > 0 ? style.red(`, ${failed} failed`) : ''}, ${formatDuration((now() - started) / 1000)} elapsed${eta}, spent $${spend.toFixed(2)}`,
    );
  };
  const draw = () => region.draw(frame());
  const timer = setInterval(draw, 250);
  timer.unref();
  return {
    state(id, state, detail) {
      const row = rows.get(id);
      if (!row || row.state !== state) {
        rows.set(id, {
          state,
          progress: detail.progress ?? null,
          since: row && ACTIVE.has(row.state) ? row.since : now(),
          videoId: detail.videoId ?? row?.videoId ?? null,
        });
        if (state === 'completed') spend += costOf(id) ?? 0;
        if (state === 'done') {
          done++;
          if (row) durations.push(now() - row.since);
        }
        if (state === 'failed') {
          failed++;
          // Failures stay on screen, above the live view.
          screen.stderr.write(`${style.red('failed')}  ${id}  ${printable(detail.message ?? '')}\n`);
        }
      } else row.progress = detail.progress ?? row.progress;
    },
    settled(report) {
      rows.delete(report.job.id);
    },
    close() {
      clearInterval(timer);
      draw();
      region.close();
    },
  };
}
