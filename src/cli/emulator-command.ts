import path from 'node:path';
import { FLAVOR_NAMES, parseFaultOptions, runEmulatorServer, type FlavorName } from '../emulator/index.js';
import { UsageError } from '../errors.js';
import { describeReadFailure, readBounded } from '../files/read-bounded.js';
import { judgeOwner, onThisHost, readOwner } from '../embedded/emulator-owner.js';
import { EXIT } from './exit-codes.js';
import type { CliContext } from './context.js';
import { defineCommand } from './define-command.js';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './flags.js';

export interface EmulatorFlags {
  readonly host: string;
  readonly port: number;
  readonly stateDir: string;
  readonly speed: number;
  readonly fps: number;
  readonly seed?: number;
  readonly faults?: string;
  /** The backend to imitate: openai (default), azure, vllm-omni, litellm; or gemini, fal, replicate. */
  readonly flavor?: string;
  /** guide-2026 mode: the March-2026 guide's characters on creates, 16 and 20 s, 1080p for sora-2-pro. */
  readonly guide2026?: boolean;
}

/** Largest --faults file read. */
const MAX_FAULTS_BYTES = 1024 * 1024;

/**
 * A project's embedded emulator already runs on this state directory (a render, status or watch
 * serves it): a second emulator would advance and persist the same jobs on its own.
 */
async function refuseServedState(stateDir: string): Promise<void> {
  const record = await readOwner(stateDir);
  const owner = record?.owner;
  if (!record || !owner || !onThisHost(owner) || (await judgeOwner(record)).verdict === 'stale') return;
  throw new UsageError(`${stateDir} is served by shotlist pid ${owner.pid} (since ${owner.since}${owner.url ? `, at ${owner.url}` : ''})`, {
    hint: owner.url ? `point at that one with --base-url ${owner.url}, or give this emulator another --state-dir` : 'give this emulator another --state-dir',
  });
}

/** `shotlist emulator`: serves OpenAI's /v1/videos contract (or a `--flavor`'s protocol) on this machine until Ctrl-C. */
export async function runEmulatorCommand(flags: EmulatorFlags, ctx: CliContext): Promise<number> {
  if (flags.flavor !== undefined && !(FLAVOR_NAMES as readonly string[]).includes(flags.flavor)) {
    throw new UsageError(`--flavor ${flags.flavor}: expected one of ${FLAVOR_NAMES.join(', ')}`);
  }
  let faults = flags.seed === undefined ? undefined : parseFaultOptions({ seed: flags.seed });
  if (flags.faults) {
    const file = path.resolve(ctx.io.cwd, flags.faults);
    const read = await readBounded(file, MAX_FAULTS_BYTES);
    if (!read.ok) throw new UsageError(`--faults ${flags.faults} ${describeReadFailure(read, MAX_FAULTS_BYTES)}`);
    let raw: unknown;
    try {
      raw = JSON.parse(read.bytes.toString('utf8'));
    } catch (error) {
      throw new UsageError(`--faults ${flags.faults}: ${(error as Error).message}`);
    }
    try {
      faults = parseFaultOptions({ ...(raw as object), ...(flags.seed === undefined ? {} : { seed: flags.seed }) });
    } catch (error) {
      throw new UsageError(`--faults ${flags.faults}: ${(error as Error).message}`);
    }
  }
  const stateDir = path.resolve(ctx.io.cwd, flags.stateDir);
  await refuseServedState(stateDir);
  await runEmulatorServer(
    {
      host: flags.host,
      port: flags.port,
      stateDir,
      speed: flags.speed,
      fps: flags.fps,
      ...(faults ? { faults } : {}),
      ...(flags.flavor ? { flavor: flags.flavor as FlavorName } : {}),
      ...(flags.guide2026 === true ? { guide2026: true } : {}),
    },
    { log: (line) => ctx.log.error(`${line}\n`), signal: ctx.io.signal },
  );
  return EXIT.ok;
}

/** `shotlist emulator`. */
export const command = defineCommand({
  name: 'emulator',
  description: "run the local emulator of OpenAI's /v1/videos contract until Ctrl-C",
  options: (c) =>
    c
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--port <n>', 'port (0 picks a free one)', nonNegativeInteger, 8090)
      .option('--state-dir <dir>', 'where videos persist', '.shotlist/emulator')
      .option('--speed <n>', 'time scale: 1 is realistic, 20 renders a 4 s clip in about 1.5 s', positiveNumber, 1)
      .option('--fps <n>', 'frame rate of the generated MP4s', positiveInteger, 24)
      .option('--seed <n>', 'seed of the fault injection', nonNegativeInteger)
      .option('--faults <file>', 'JSON file of fault options (see README)')
      .option('--guide-2026', "accept the March-2026 guide's extras: characters on creates, 16 and 20 s, 1080p for sora-2-pro")
      .option(
        '--flavor <name>',
        'imitate a backend: openai (default), azure, vllm-omni, litellm (docs/providers.md), or another protocol: gemini, fal, replicate (docs/protocols.md)',
      ),
  run: (_args: [], flags: EmulatorFlags, ctx) => runEmulatorCommand(flags, ctx),
});
