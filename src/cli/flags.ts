import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseMaxCost } from '../providers/max-cost.js';
import type { Money } from '../providers/money.js';

/**
 * Flags several commands take, each written once so that it reads and parses the same in every
 * command's help (a fresh `Option` per command: commander keeps each one on its command).
 */
export const flag = {
  provider: () => new Option('--provider <name>', "provider profile to use instead of the storyboard's"),
  baseUrl: () => new Option('--base-url <url>', 'server base URL, including /v1 (repeatable: a pool of servers)').argParser(collect).default([]),
  only: () => new Option('--only <glob>', 'only job ids matching this glob (repeatable; brackets are literal)').argParser(collect).default([]),
  json: () => new Option('--json', 'newline-delimited JSON events on stdout'),
  verbose: () => new Option('--verbose', 'more detail, and stack traces of internal errors'),
  emulatorSpeed: () => new Option('--emulator-speed <n>', 'time scale of the in-process emulator (default 20)').argParser(positiveNumber),
  allowInsecureHttp: () => new Option('--allow-insecure-http', 'allow plain http:// to a host other than this machine'),
  remote: () =>
    new Option(
      '--remote <url>',
      'remote store for the renders: a directory or s3://bucket/prefix (default: SHOTLIST_REMOTE, else remote: in shotlist.config.yaml)',
    ),
};

/** Flags shared by plan, render and watch (SPEC §3). */
export function withCommonFlags(command: Command): Command {
  return command
    .addOption(flag.provider())
    .addOption(flag.baseUrl())
    .option('--concurrency <n>', "jobs in flight at most (never above the provider's limit)", positiveInteger)
    .addOption(flag.only())
    .option('--replace <glob>', 'render matching jobs again even if up to date (repeatable)', collect, [])
    .option('--retry-failed', 'send again jobs whose last attempt failed for good (moderation, invalid request)')
    .option(
      '--retry-ambiguous',
      'create again jobs whose create may have reached a server that cannot be searched for it (Gemini, fal): they may be paid twice',
    )
    .option('--frozen', 'fail, without sending anything, if any job would have to render')
    .option('--max-cost <amount>', 'refuse a plan that costs more than this: 12.50 (US dollars) or 25EUR; repeatable, one limit per currency', maxCostLimit, [])
    .addOption(flag.json())
    .option('--out <dir>', 'output directory (default renders/<name>/ beside the storyboard)')
    .option('--quiet', 'print only errors and the result line')
    .addOption(flag.remote())
    .addOption(flag.verbose());
}

/** One more `--max-cost` limit (`parseMaxCost`): a currency bounded twice is a mistake, not the lower of the two. */
export function maxCostLimit(value: string, previous: readonly Money[]): Money[] {
  const parsed = parseMaxCost(value);
  if ('error' in parsed)
    throw new InvalidArgumentError(`${parsed.error.message.replace(/^--max-cost: /, '')}; expected ${parsed.error.expected} (${parsed.error.hint}).`);
  if (previous.some((limit) => limit.currency === parsed.ok.currency))
    throw new InvalidArgumentError(`two limits for ${parsed.ok.currency}; give one --max-cost per currency.`);
  return [...previous, parsed.ok];
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of 0 or more.');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected an amount in dollars, like 12.50.');
  return n;
}
