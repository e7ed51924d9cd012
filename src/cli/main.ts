import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EnvironmentError, InternalError, ShotlistError, StoryboardInvalidError, UserError } from '../errors.js';
import { asEnvironmentError } from '../files/environment-error.js';
import { errorEvent, type ErrorFields } from './error-event.js';
import { EXIT } from './exit-codes.js';
import type { CliContext, CliIO, OutputStream } from './context.js';
import { registerCommand, type CommandDefinition } from './define-command.js';
export type { CliContext, CliIO, CommonFlags, InputStream, OutputStream } from './context.js';
import { createLogger, logModeOf } from './logger.js';
import { safeOutput } from './safe-output.js';
import { rememberCredentialsOf } from '../untrusted/redactor.js';
import { printable, safeOutputText } from '../untrusted/control-characters.js';

/**
 * The one exit point: runs a command line and returns its exit code. Only this function prints
 * fatal errors; lower layers throw typed errors or return issues. Every credential of the
 * environment is known to the redactor from here on, and both output streams redact and
 * neutralise whatever is written to them.
 */
export async function main(argv: readonly string[], given: CliIO): Promise<number> {
  rememberCredentialsOf(given.env);
  const io: CliIO = { ...given, stdout: safeOutput(given.stdout), stderr: safeOutput(given.stderr) };
  const mode = logModeOf(argv);
  const log = createLogger(mode, io.stdout, io.stderr, io.env);
  const ctx: CliContext = { io, out: log.out, err: log.err, verbose: mode.verbose, log };
  let code: number = EXIT.ok;
  try {
    const program = await buildProgram(argv, ctx, (result) => (code = result));
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    // Looked for in argv, not in parsed flags: a usage error comes before (or instead of) parsing.
    return reportError(error, ctx);
  }
}

/**
 * Each command's module (its flags and its run function) is imported only when that command is
 * asked for, as citty resolves its sub-commands: `validate` and `plan` start without loading
 * the HTTP client, the emulator, the file watcher or the report writer. Without a known command
 * (top-level `--help`, `--version`, a typo to suggest a command for) every command is loaded.
 */
const COMMANDS: Readonly<Record<string, () => Promise<{ readonly command: CommandDefinition }>>> = {
  validate: () => import('./validate-command.js'),
  plan: () => import('./plan-command.js'),
  render: () => import('./render-command.js'),
  watch: () => import('./watch-command.js'),
  status: () => import('./status-command.js'),
  gc: () => import('./gc-command.js'),
  push: () => import('./push-command.js'),
  pull: () => import('./pull-command.js'),
  report: () => import('./report-command.js'),
  providers: () => import('./providers-command.js'),
  emulator: () => import('./emulator-command.js'),
};

async function buildProgram(argv: readonly string[], ctx: CliContext, setCode: (code: number) => void): Promise<Command> {
  const program = new Command('shotlist')
    .description('Declarative batch renderer for AI video: YAML storyboards in, MP4s and a lockfile out.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s), outputError: (s, write) => write(s) })
    .showHelpAfterError('(run with --help for usage)');
  const asked = argv.find((arg) => !arg.startsWith('-'));
  const names = asked !== undefined && Object.hasOwn(COMMANDS, asked) ? [asked] : Object.keys(COMMANDS);
  for (const name of names) registerCommand(program, (await COMMANDS[name]!()).command, ctx, setCode);
  return program;
}

/** Prints what ended the command on stderr and, with `--json`, as an `error` event on stdout. */
function reportError(error: unknown, ctx: CliContext): number {
  const { log } = ctx;
  const event = (fields: ErrorFields, exitCode: number): number => {
    log.event(errorEvent(fields, exitCode, ctx.io.now()));
    return exitCode;
  };
  if (error instanceof CommanderError) {
    // Commander already printed the message (help and version exit with 0).
    if (error.exitCode === 0) return EXIT.ok;
    // "error: unknown option '--fast'\n(Did you mean --wait?)": the suggestion is the hint.
    const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
    const hint = rest
      .join(' ')
      .replace(/^\((.*)\)$/, '$1')
      .trim();
    return event({ code: 'usage', message: first, hint: hint || 'run with --help for usage' }, EXIT.invalid);
  }
  if (error instanceof StoryboardInvalidError) {
    // The issues were printed, with their code frames, where the storyboard was loaded.
    return event(error, EXIT.invalid);
  }
  // A full disk or a read-only directory met anywhere is the user's environment, not a bug.
  error = asEnvironmentError(error, null, null);
  // Messages quote servers, lockfiles and storyboards: printable, each on its one line.
  if (error instanceof UserError || error instanceof EnvironmentError) {
    log.error(`${log.err.red('error')}: ${printable(error.message)}\n${error.hint ? `  ${log.err.cyan('hint:')} ${printable(error.hint)}\n` : ''}`);
    return event(error, exitCodeOf(error));
  }
  if (error instanceof ShotlistError && !(error instanceof InternalError)) {
    log.error(`${log.err.red('error')}: ${printable(error.message)}\n`);
    return event(error, exitCodeOf(error));
  }
  const message = error instanceof Error ? error.message : String(error);
  log.error(`${log.err.red('internal error')}: ${printable(message)}\n`);
  log.error(
    log.verbose && error instanceof Error && error.stack ? `${error.stack}\n` : '  (this is a bug in shotlist; run again with --verbose for details)\n',
  );
  return event({ code: 'internal', message, hint: 'this is a bug in shotlist; run again with --verbose for details' }, EXIT.internal);
}

function exitCodeOf(error: ShotlistError): number {
  switch (error.code) {
    case 'frozen':
    case 'max-cost':
      return EXIT.refused;
    case 'lock-busy':
      return EXIT.lockBusy;
    case 'interrupted':
      return EXIT.interrupted;
    case 'internal':
      return EXIT.internal;
    case 'environment':
      return EXIT.environment;
    default:
      return error instanceof UserError ? EXIT.invalid : EXIT.providerFailed;
  }
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * An output stream whose reader may go away (`shotlist plan x | head`, a CI log collector that
 * died): writes after that are dropped instead of crashing the process with EPIPE. A render
 * whose output nobody reads still finishes and records every job.
 */
function survivingClose(stream: NodeJS.WriteStream): OutputStream {
  let open = true;
  stream.on('error', () => {
    open = false;
  });
  return {
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    get rows() {
      return stream.rows;
    },
    on: (event, listener) => stream.on(event, listener),
    off: (event, listener) => stream.off(event, listener),
    write: (text: string) => open && stream.write(text),
  };
}

/** The `bin` entry: real process streams, Ctrl-C wired to one abort signal. */
export function runCli(): void {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIO = {
    stdout: survivingClose(process.stdout),
    stderr: survivingClose(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
    signal: controller.signal,
    stdin: process.stdin,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
    (error: unknown) => {
      process.stderr.write(safeOutputText(`internal error: ${String(error)}\n`));
      process.exitCode = EXIT.internal;
    },
  );
}
