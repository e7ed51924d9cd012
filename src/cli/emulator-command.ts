import path from 'node:path';
import { FLAVOR_NAMES, parseFaultOptions, runEmulatorServer, type FlavorName } from '../emulator/index.js';
import { UsageError } from '../errors.js';
import { describeReadFailure, readBounded } from '../files/read-bounded.js';
import { judgeOwner, onThisHost, readOwner } from '../embedded/emulator-owner.js';
import { EXIT } from './exit-codes.js';
import type { CliContext } from './main.js';

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
    { host: flags.host, port: flags.port, stateDir, speed: flags.speed, fps: flags.fps, ...(faults ? { faults } : {}), ...(flags.flavor ? { flavor: flags.flavor as FlavorName } : {}) },
    { log: (line) => ctx.io.stderr.write(`${line}\n`), signal: ctx.io.signal },
  );
  return EXIT.ok;
}
