import type { OutputStream } from './context.js';
import { createStyle, type Style } from './style.js';

/**
 * The output mode of one command line, decided once in `main`: `--json` (events on stdout and
 * nothing else there), `--quiet` (errors and the result only), `--verbose` (more detail).
 */
export interface LogMode {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

/**
 * The one logger of a command line (vite's model: made in `main`, passed down). It alone knows
 * the output mode and whether colours are wanted (`NO_COLOR`, a terminal); commands say what
 * kind of thing they tell, and the logger decides where it goes and whether it is shown.
 */
export interface Logger extends LogMode {
  /** Styling for stdout and for stderr (each a terminal or not on its own). */
  readonly out: Style;
  readonly err: Style;
  /** Whether stderr is a terminal that can redraw a live view (not `TERM=dumb`). */
  readonly live: boolean;
  /** Narration on stderr (totals, waits, what was written); not under `--json` or `--quiet`. */
  info(text: string): void;
  /** Text on stderr that `--quiet` keeps (it is not narration of a run); not under `--json`. */
  notice(text: string): void;
  /** A warning on stderr; not under `--json` (it is an event there, or nothing). */
  warn(message: string): void;
  /** Text on stderr whatever the mode: errors, refusals, notes that must be seen. */
  error(text: string): void;
  /** Detail on stderr, only with `--verbose`. */
  debug(text: string): void;
  /** A command's result on stdout (a table, a listing); not under `--json`, where events say it. */
  result(text: string): void;
  /** A JSON event on stdout, one a line; only under `--json`. */
  event(event: object): void;
  /** The same logger writing to other streams (the live view's, which keep text above it). */
  to(stdout: OutputStream, stderr: OutputStream): Logger;
}

export function createLogger(mode: LogMode, stdout: OutputStream, stderr: OutputStream, env: Readonly<Record<string, string | undefined>>): Logger {
  const out = createStyle(stdout.isTTY === true, env);
  const err = createStyle(stderr.isTTY === true, env);
  return {
    ...mode,
    out,
    err,
    live: stderr.isTTY === true && env['TERM'] !== 'dumb',
    info: (text) => void (!mode.json && !mode.quiet && stderr.write(text)),
    notice: (text) => void (!mode.json && stderr.write(text)),
    warn: (message) => void (!mode.json && stderr.write(`${err.yellow('warning')}: ${message}\n`)),
    error: (text) => void stderr.write(text),
    debug: (text) => void (mode.verbose && stderr.write(text)),
    result: (text) => void (!mode.json && stdout.write(text)),
    event: (event) => void (mode.json && stdout.write(`${JSON.stringify(event)}\n`)),
    to: (nextOut, nextErr) => ({ ...createLogger(mode, nextOut, nextErr, env), out, err }),
  };
}

/** The mode as argv asks for it: looked for before parsing, since a usage error comes before (or instead of) parsing. */
export function logModeOf(argv: readonly string[]): LogMode {
  return { json: argv.includes('--json'), quiet: argv.includes('--quiet'), verbose: argv.includes('--verbose') };
}
