import ansiEscapes from 'ansi-escapes';
import cliTruncate from 'cli-truncate';
import { createLogUpdate } from 'log-update';
import stringWidth from 'string-width';
import { InternalError } from '../errors.js';
import type { CliContext, OutputStream } from './context.js';

/**
 * A region at the bottom of the terminal that is redrawn in place (the render's live view),
 * with everything else written to the terminal kept above it: a line printed while the region
 * is drawn clears the region, is written, and the region is drawn again below it.
 */
export interface LiveRegion {
  /** Lines the region may use: the terminal's height less one, so the frame never scrolls off. */
  readonly height: number;
  /** The terminal's width now, in cells. */
  readonly width: number;
  /** Shows these rows, each cut to the terminal's width so that none wraps. */
  draw(rows: readonly string[]): void;
  /** Leaves the last frame on screen; writes go below it again. */
  close(): void;
}

/**
 * The terminal a command writes to. Text written through `stdout` and `stderr` stays on screen
 * above the live region, when one is open; otherwise it is written as it is.
 */
export interface Screen {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Opens the live region on stderr, below everything written so far; one at a time. */
  openLive(): LiveRegion;
}

/** When the stream does not say (log-update's defaults too). */
const DEFAULT_WIDTH = 80;
const DEFAULT_HEIGHT = 24;

export function createScreen(io: { readonly stdout: OutputStream; readonly stderr: OutputStream }): Screen {
  let live: Frame | null = null;
  /** Text of an unfinished line, held while the region is drawn (it would otherwise start the frame mid-line). */
  const partial = new Map<OutputStream, string>();
  const through = (raw: OutputStream): OutputStream => ({
    get isTTY() {
      return raw.isTTY === true;
    },
    write(text: string) {
      // Not the terminal the region is drawn on (piped to a file): nothing to keep clear of.
      if (live === null || raw.isTTY !== true) return raw.write(text);
      const held = (partial.get(raw) ?? '') + text;
      const end = held.lastIndexOf('\n') + 1;
      partial.set(raw, held.slice(end));
      if (end > 0) live.above(raw, held.slice(0, end));
      return true;
    },
  });
  return {
    stdout: through(io.stdout),
    stderr: through(io.stderr),
    openLive() {
      if (live !== null) throw new InternalError('a live region is already open on this screen');
      const frame = openFrame(io.stderr);
      live = frame;
      return {
        get height() {
          return frame.height();
        },
        get width() {
          return frame.width();
        },
        draw: (rows) => frame.draw(rows),
        close() {
          frame.close();
          live = null;
          for (const [raw, text] of partial) if (text !== '') raw.write(text);
          partial.clear();
        },
      };
    },
  };
}

/** A command's context whose output goes through the screen. */
export function onScreen(ctx: CliContext, screen: Screen): CliContext {
  return { ...ctx, io: { ...ctx.io, stdout: screen.stdout, stderr: screen.stderr }, log: ctx.log.to(screen.stdout, screen.stderr) };
}

interface Frame {
  height(): number;
  width(): number;
  draw(rows: readonly string[]): void;
  /** Writes `text` (whole lines) to `to` above the frame. */
  above(to: OutputStream, text: string): void;
  close(): void;
}

/**
 * log-update draws and diffs the frame; what it cannot know is how the terminal reflowed the
 * frame when the window got narrower (most terminals re-wrap long lines then), so the frame is
 * erased by its reflowed line count in that case. Rows are cut to the width: a row that wraps
 * would be miscounted by any terminal that does not reflow.
 */
function openFrame(stream: OutputStream): Frame {
  const update = createLogUpdate(stream as unknown as NodeJS.WritableStream, { showCursor: true, defaultWidth: DEFAULT_WIDTH, defaultHeight: DEFAULT_HEIGHT });
  const width = () => (stream.columns !== undefined && stream.columns > 0 ? stream.columns : DEFAULT_WIDTH);
  const height = () => Math.max(1, (stream.rows !== undefined && stream.rows > 0 ? stream.rows : DEFAULT_HEIGHT) - 1);
  let rows: readonly string[] = [];
  /** The frame as it was written, and the width then; null when nothing is on screen. */
  let shown: { readonly width: number; readonly rows: readonly string[] } | null = null;

  const erase = (): void => {
    if (shown === null) return;
    const now = width();
    if (now < shown.width) {
      const lines = shown.rows.reduce((sum, row) => sum + Math.max(1, Math.ceil(stringWidth(row) / now)), 0);
      // log-update's cursor rests on the line below the frame, which it counts too.
      stream.write(ansiEscapes.eraseLines(lines + 1));
      update.done();
    } else update.clear();
    shown = null;
  };
  const paint = (): void => {
    if (shown !== null && width() < shown.width) erase();
    if (rows.length === 0) return erase();
    const now = width();
    const fitted = rows.slice(Math.max(0, rows.length - height())).map((row) => cliTruncate(row, now));
    update(fitted.join('\n'));
    shown = { width: now, rows: fitted };
  };
  const onResize = (): void => paint();
  stream.on?.('resize', onResize);
  return {
    height,
    width,
    draw(next) {
      rows = next;
      paint();
    },
    above(to, text) {
      erase();
      to.write(text);
      paint();
    },
    close() {
      stream.off?.('resize', onResize);
      update.done();
      shown = null;
    },
  };
}
