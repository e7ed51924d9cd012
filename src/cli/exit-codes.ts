/** The exit codes, documented in the README. Distinct, so cron and CI can act on each. */
export const EXIT = {
  /** Everything asked for is done (or, for validate/plan, the storyboard is valid). */
  ok: 0,
  /** Some jobs failed (moderation, server error); the rest completed. */
  jobsFailed: 1,
  /** Invalid storyboard, lockfile or command line; nothing was sent. */
  invalid: 2,
  /** `--frozen` or `--max-cost` refused the plan; nothing was sent. */
  refused: 3,
  /** Another process holds the lockfile's lock. */
  lockBusy: 4,
  /** The server could not be used at all (unreachable, credentials refused). */
  providerFailed: 5,
  /**
   * A file or directory could not be read or written (disk full, permission denied, read-only,
   * a file where a directory is expected): the user's environment; jobs in flight stay recorded.
   */
  environment: 6,
  /** A bug in shotlist. */
  internal: 70,
  /** Interrupted by Ctrl-C or SIGTERM; every job in flight is recorded. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
