/** What an `error` event says: a `ShotlistError`'s code, message and hint, or the same for a usage mistake. */
export interface ErrorFields {
  readonly code: string;
  readonly message: string;
  readonly hint?: string | undefined;
}

/**
 * `{"event":"error", ...}` for `--json` readers, from every command: what ended it, with the exit
 * code it ends with, or (`exit_code: null`) what watch mode reports and carries on after.
 */
export function errorEvent(error: ErrorFields, exitCode: number | null, now: number): Record<string, unknown> {
  return { event: 'error', code: error.code, message: error.message, hint: error.hint ?? null, exit_code: exitCode, at: new Date(now).toISOString() };
}
