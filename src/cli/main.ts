import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EnvironmentError, InternalError, ShotlistError, StoryboardInvalidError, UserError } from '../errors.js';
import { asEnvironmentError } from '../files/environment-error.js';
import { errorEvent, type ErrorFields } from './error-event.js';
import { EXIT } from './exit-codes.js';
import type { EmulatorFlags } from './emulator-command.js';
import type { GcFlags } from './gc-command.js';
import type { ProvidersFlags } from './providers-command.js';
import type { RenderFlags } from './render-command.js';
import type { ReportFlags } from './report-command.js';
import type { StatusFlags } from './status-command.js';
import type { CliContext, CliIO, CommonFlags, OutputStream } from './context.js';
export type { CliContext, CliIO, CommonFlags, InputStream, OutputStream } from './context.js';
import { createLogger, logModeOf } from './logger.js';
import { safeOutput } from './safe-output.js';
import { rememberCredentialsOf } from '../untrusted/redactor.js';
import { printable, safeOutputText } from '../untrusted/control-characters.js';
import type { WatchFlags } from './watch-command.js';

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
  const program = buildProgram(ctx, (result) => (code = result));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    // Looked for in argv, not in parsed flags: a usage error comes before (or instead of) parsing.
    return reportError(error, ctx);
  }
}

/**
 * Each command's module is imported when the command runs: `validate` and `plan` start without
 * loading the HTTP client, the emulator, the file watcher or the report writer.
 */
function buildProgram(ctx: CliContext, setCode: (code: number) => void): Command {
  const program = new Command('shotlist')
    .description('Declarative batch renderer for AI video: YAML storyboards in, MP4s and a lockfile out.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s), outputError: (s, write) => write(s) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('validate')
    .description('check storyboards (schema and semantic rules); nothing is sent anywhere')
    .argument('<files...>', 'storyboard files')
    .addOption(new Option('--provider <name>', 'validate against this provider profile'))
    .addOption(flag.json())
    .addOption(flag.verbose())
    .action(async (files: string[], flags: CommonFlags) => setCode(await (await import('./validate-command.js')).runValidate(files, flags, ctx)));

  withCommonFlags(
    program
      .command('plan')
      .description('show what render would do, job by job, with the reason and the cost')
      .argument('<file>', 'storyboard file'),
  ).action(async (file: string, flags: CommonFlags) => setCode(await (await import('./plan-command.js')).runPlan(file, flags, ctx)));

  withCommonFlags(
    program
      .command('render')
      .description('plan, then create, poll, download and record every job that needs it')
      .argument('<files...>', 'storyboard files'),
  )
    .option('--wait', 'wait for another shotlist rendering the same storyboard instead of exiting')
    .option('--summary <file>', 'append a Markdown summary of the run to this file (e.g. $GITHUB_STEP_SUMMARY)')
    .option('--no-report', 'do not write the contact sheet (report.html) at the end of the run')
    .addOption(flag.emulatorSpeed())
    .addOption(flag.allowInsecureHttp())
    .action(async (files: string[], flags: RenderFlags) => setCode(await (await import('./render-command.js')).runRender(files, flags, ctx)));

  withCommonFlags(
    program
      .command('watch')
      .description('re-validate and re-plan on every change of any file the storyboard reads, until Ctrl-C')
      .argument('<file>', 'storyboard file'),
  )
    .option('--render', 'also render what each new plan owes (in-flight jobs finish when the storyboard changes)')
    .addOption(flag.emulatorSpeed())
    .addOption(flag.allowInsecureHttp())
    .action(async (file: string, flags: WatchFlags) => setCode(await (await import('./watch-command.js')).runWatch(file, flags, ctx)));

  program
    .command('status')
    .description('the lockfile against disk and server: files missing or altered, videos expired or expiring, jobs in flight, orphans')
    .argument('<file>', 'storyboard file')
    .addOption(flag.provider())
    .addOption(flag.baseUrl())
    .addOption(flag.only())
    .option('--offline', 'do not ask the server; judge expiry by the lockfile')
    .option('--out <dir>', 'the directory the files were rendered to, if render was given --out')
    .addOption(flag.allowInsecureHttp())
    .addOption(flag.json())
    .option('--quiet', 'list only the jobs that need attention')
    .addOption(flag.verbose())
    .action(async (file: string, flags: StatusFlags) => setCode(await (await import('./status-command.js')).runStatus(file, flags, ctx)));

  program
    .command('gc')
    .description('delete server-side videos that no lockfile of the given storyboards references')
    .argument('<files...>', 'storyboard files whose lockfiles say which videos to keep')
    .option('--provider <name>', 'provider profile to use instead of the storyboards\'')
    .addOption(flag.baseUrl())
    .option('--yes', 'delete without asking')
    .option('--dry-run', 'list what would be deleted; delete nothing')
    .option('--wait', 'wait for renders of these storyboards to finish before deleting, instead of exiting')
    .addOption(flag.allowInsecureHttp())
    .addOption(flag.json())
    .addOption(flag.verbose())
    .action(async (files: string[], flags: GcFlags) => setCode(await (await import('./gc-command.js')).runGc(files, flags, ctx)));

  program
    .command('report')
    .description('write the contact sheet (report.html) beside the renders')
    .argument('<file>', 'storyboard file')
    .option('--out <dir>', 'renders directory holding the report (default renders/<name>/ beside the storyboard)')
    .addOption(flag.json())
    .option('--quiet', 'print only errors')
    .addOption(flag.verbose())
    .action(async (file: string, flags: ReportFlags) => setCode(await (await import('./report-command.js')).runReport(file, flags, ctx)));

  program
    .command('providers')
    .description('the built-in provider profiles and those in shotlist.providers.yaml, and what each supports')
    .addOption(flag.json())
    .action(async (flags: ProvidersFlags) => setCode(await (await import('./providers-command.js')).runProviders(flags, ctx)));

  program
    .command('emulator')
    .description("run the local emulator of OpenAI's /v1/videos contract until Ctrl-C")
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', nonNegativeInteger, 8090)
    .option('--state-dir <dir>', 'where videos persist', '.shotlist/emulator')
    .option('--speed <n>', 'time scale: 1 is realistic, 20 renders a 4 s clip in about 1.5 s', positiveNumber, 1)
    .option('--fps <n>', 'frame rate of the generated MP4s', positiveInteger, 24)
    .option('--seed <n>', 'seed of the fault injection', nonNegativeInteger)
    .option('--faults <file>', 'JSON file of fault options (see README)')
    .option('--flavor <name>', 'imitate a backend: openai (default), azure, vllm-omni, litellm (docs/providers.md), or another protocol: gemini, fal, replicate (docs/protocols.md)')
    .action(async (flags: EmulatorFlags) => setCode(await (await import('./emulator-command.js')).runEmulatorCommand(flags, ctx)));

  return program;
}

/** Flags shared by plan, render, watch and status (SPEC §3). */
function withCommonFlags(command: Command): Command {
  return command
    .addOption(flag.provider())
    .addOption(flag.baseUrl())
    .option('--concurrency <n>', 'jobs in flight at most (never above the provider\'s limit)', positiveInteger)
    .addOption(flag.only())
    .option('--replace <glob>', 'render matching jobs again even if up to date (repeatable)', collect, [])
    .option('--retry-failed', 'send again jobs whose last attempt failed for good (moderation, invalid request)')
    .option('--frozen', 'fail, without sending anything, if any job would have to render')
    .option('--max-cost <usd>', 'refuse a plan that costs more than this many dollars', nonNegativeNumber)
    .addOption(flag.json())
    .option('--out <dir>', 'output directory (default renders/<name>/ beside the storyboard)')
    .option('--quiet', 'print only errors and the result line')
    .addOption(flag.verbose());
}

/**
 * Flags several commands take, each written once so that it reads and parses the same in every
 * command's help (a fresh `Option` per command: commander keeps each one on its command).
 */
const flag = {
  provider: () => new Option('--provider <name>', "provider profile to use instead of the storyboard's"),
  baseUrl: () => new Option('--base-url <url>', 'server base URL, including /v1 (repeatable: a pool of servers)').argParser(collect).default([]),
  only: () => new Option('--only <glob>', 'only job ids matching this glob (repeatable; brackets are literal)').argParser(collect).default([]),
  json: () => new Option('--json', 'newline-delimited JSON events on stdout'),
  verbose: () => new Option('--verbose', 'more detail, and stack traces of internal errors'),
  emulatorSpeed: () => new Option('--emulator-speed <n>', 'time scale of the in-process emulator (default 20)').argParser(positiveNumber),
  allowInsecureHttp: () => new Option('--allow-insecure-http', 'allow plain http:// to a host other than this machine'),
};

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of 0 or more.');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected an amount in dollars, like 12.50.');
  return n;
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
    const hint = rest.join(' ').replace(/^\((.*)\)$/, '$1').trim();
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
  log.error(log.verbose && error instanceof Error && error.stack ? `${error.stack}\n` : '  (this is a bug in shotlist; run again with --verbose for details)\n');
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
  const io: CliIO = { stdout: survivingClose(process.stdout), stderr: survivingClose(process.stderr), env: process.env, cwd: process.cwd(), now: () => Date.now(), signal: controller.signal, stdin: process.stdin };
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

