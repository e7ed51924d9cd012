/**
 * One error base class with a stable `code`. A user's mistake (`UserError` and its kinds) and a
 * failure of the tool, the network or the server (`ProviderError` in api/errors.ts, `InternalError`) are
 * different types: the CLI prints the first without a stack trace, always.
 */
export class ShotlistError extends Error {
  /** Stable, documented, machine-readable code, e.g. `storyboard-invalid`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The user's input is wrong: a storyboard, a flag, a lockfile edited by hand. */
export class UserError extends ShotlistError {
  /** Optional one-line hint on what to do about it. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super(code, message, options);
    this.hint = options?.hint;
  }
}

/** A command-line usage mistake (unknown flag, bad value). */
export class UsageError extends UserError {
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super('usage', message, options);
  }
}

/** Validation found problems; they are carried as data and printed by the CLI. */
export class StoryboardInvalidError extends UserError {
  readonly issues: readonly import('./source/issue.js').Issue[];

  constructor(issues: readonly import('./source/issue.js').Issue[]) {
    super('storyboard-invalid', `${issues.length} problem${issues.length === 1 ? '' : 's'} in the storyboard`);
    this.issues = issues;
  }
}

/** The lockfile cannot be read: wrong version, not JSON, entries that make no sense. */
export class LockfileError extends UserError {
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super('lockfile-invalid', message, options);
  }
}

/** A plan was refused by `--frozen` or `--max-cost`; nothing was sent. */
export class PlanRefusedError extends UserError {
  constructor(code: 'frozen' | 'max-cost', message: string, options?: { hint?: string }) {
    super(code, message, options);
  }
}

/** Another process holds the lockfile's advisory lock. */
export class LockBusyError extends ShotlistError {
  constructor(message: string) {
    super('lock-busy', message);
  }
}

/** The run was interrupted (Ctrl-C, SIGTERM); every job in flight is recorded. */
export class InterruptedError extends ShotlistError {
  constructor(message = 'interrupted') {
    super('interrupted', message);
  }
}

/**
 * The machine refused a file operation on a path: no space left, permission denied, a read-only
 * filesystem, a file where a directory is expected. The user's environment, not a bug: printed
 * without a stack, naming the path (see files/environment-error.ts).
 */
export class EnvironmentError extends ShotlistError {
  /** Optional one-line hint on what to do about it. */
  readonly hint: string | undefined;

  constructor(
    message: string,
    readonly path: string | null,
    options?: { cause?: unknown; hint?: string },
  ) {
    super('environment', message, options);
    this.hint = options?.hint;
  }
}

/** A bug: shown with its stack under `--verbose` only. */
export class InternalError extends ShotlistError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

/**
 * The stable code of any thrown value: a ShotlistError's (or a server's, a store's) own `code`,
 * a system error's (`ENOSPC`), else `internal`.
 */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'internal';
}

/** The message of any thrown value. */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
