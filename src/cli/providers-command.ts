import { StoryboardInvalidError } from '../errors.js';
import { builtinProfiles } from '../providers/builtin.js';
import { summarizeProfile, type ProfileSummary } from '../providers/describe-profile.js';
import { readProviderConfig } from '../providers/read-provider-config.js';
import { findProjectRoot } from '../storyboard/read-storyboard.js';
import { EXIT } from './exit-codes.js';
import { formatIssues } from './format-issue.js';
import { displayPath } from './load-for-cli.js';
import type { CliContext } from './context.js';
import { defineCommand } from './define-command.js';
import { flag } from './flags.js';

export interface ProvidersFlags {
  readonly json?: boolean;
}

/** `shotlist providers`: the built-in profiles and the project's own (shotlist.providers.yaml), and what each supports. */
export async function runProviders(_flags: ProvidersFlags, ctx: CliContext): Promise<number> {
  const { log } = ctx;
  const config = await readProviderConfig(findProjectRoot(ctx.io.cwd), builtinProfiles, (p) => displayPath(ctx, p));
  if (config.issues.length > 0) {
    for (const issue of config.issues) log.event({ event: 'issue', ...issue });
    if (!log.json) log.error(formatIssues(config.issues, config.texts, log.err));
    throw new StoryboardInvalidError(config.issues);
  }
  const configured = new Set(config.configured);
  const rows = Object.values(config.profiles).map((profile) => summarizeProfile(profile, configured.has(profile.name) ? 'configured' : 'built-in'));
  for (const row of rows) log.event({ event: 'provider', ...row });
  log.result(formatTable(rows));
  for (const row of rows)
    log.result(
      `${log.out.bold(row.name)}: ${row.description}${row.retired ? ` ${log.out.yellow(`(retired ${row.retired}: ${row.retired_note ?? 'stays usable for servers that still answer'})`)}` : ''}\n`,
    );
  if (rows.some((row) => !row.finds_lost_creates))
    log.result(
      `\nfinds lost: whether a create whose answer was lost can be found on the server; where not, such a job is not created again without --retry-ambiguous\n`,
    );
  return EXIT.ok;
}

const COLUMNS: readonly [string, (row: ProfileSummary) => string][] = [
  ['provider', (r) => r.name],
  ['from', (r) => r.source],
  ['protocol', (r) => r.protocol],
  ['encoding', (r) => r.encoding],
  ['auth', (r) => r.auth],
  ['remix', (r) => yesNo(r.remix)],
  ['delete', (r) => yesNo(r.delete)],
  ['list', (r) => yesNo(r.list)],
  // A create whose answer was lost: looked for on the server, or (no) left to --retry-ambiguous.
  ['finds lost', (r) => yesNo(r.finds_lost_creates)],
  ['variants', (r) => r.variants.join(',')],
  ['extra fields', (r) => (r.extra_fields.length === 0 ? '-' : r.extra_placement === 'extra_body' ? 'in extra_body' : 'flat')],
  // A pool shows each server's cap: `1+1+2`.
  ['in flight', (r) => (r.servers ? r.servers.map((server) => server.in_flight).join('+') : String(r.in_flight))],
  ['creates/min', (r) => (r.creates_per_minute === null ? '-' : String(r.creates_per_minute))],
  ['prices', (r) => (r.prices_known ? 'known' : 'unknown')],
  ['retired', (r) => r.retired ?? '-'],
];

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

function formatTable(rows: readonly ProfileSummary[]): string {
  const cells = [COLUMNS.map(([title]) => title), ...rows.map((row) => COLUMNS.map(([, cell]) => cell(row)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return `${cells
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n\n`;
}

/** `shotlist providers`. */
export const command = defineCommand({
  name: 'providers',
  description: 'the built-in provider profiles and those in shotlist.providers.yaml, and what each supports',
  options: (c) => c.addOption(flag.json()),
  run: (_args: [], flags: ProvidersFlags, ctx) => runProviders(flags, ctx),
});
