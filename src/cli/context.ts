import type { Money } from '../providers/money.js';
import type { Logger } from './logger.js';
import type { Style } from './style.js';

/**
 * What a command needs of the process, and nothing else: where it reads and writes, its
 * environment, working directory, clock and Ctrl-C, and the one logger made in `main`.
 */

/** Where the CLI reads and writes; passed in so tests call `main` directly, without a subprocess. */
export interface CliIO {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Milliseconds since the epoch; injected so tests control time. */
  readonly now: () => number;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** Where answers to questions come from (gc's confirmation); asked only when it is a terminal. Default: never asked. */
  readonly stdin?: InputStream;
}

/** A readable stream of the user's typing; `isTTY` says whether anyone is there to answer. */
export type InputStream = NodeJS.ReadableStream & { readonly isTTY?: boolean };

export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** A terminal's size; the live view fits its rows to it. */
  readonly columns?: number;
  readonly rows?: number;
  /** A terminal's `resize` event. */
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

/** What every command receives. */
export interface CliContext {
  readonly io: CliIO;
  /** Styling for stdout and for stderr (each decides on its own whether it is a terminal). */
  readonly out: Style;
  readonly err: Style;
  readonly verbose: boolean;
  /** The one logger: it alone knows `--json`, `--quiet`, `--verbose` and `NO_COLOR`. */
  readonly log: Logger;
}

/** The common flags of SPEC §3, as commander parses them. */
export interface CommonFlags {
  readonly provider?: string;
  /** `--base-url`, repeatable: one server, or a pool. */
  readonly baseUrl?: readonly string[];
  readonly concurrency?: number;
  readonly only: string[];
  readonly replace: string[];
  /** `--retry-failed`: send again jobs whose last attempt failed for good (moderation, invalid request). */
  readonly retryFailed?: boolean;
  /** `--retry-ambiguous`: create again jobs whose create may have reached a server that cannot be searched for it. */
  readonly retryAmbiguous?: boolean;
  readonly frozen?: boolean;
  /** `--max-cost`: at most one limit per currency; a bare number is USD. */
  readonly maxCost?: readonly Money[];
  readonly json?: boolean;
  readonly out?: string;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  /** `--remote URL`: the remote store (SPEC §8); else `SHOTLIST_REMOTE`, else the project config. */
  readonly remote?: string;
}
