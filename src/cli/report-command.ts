import { checkCollisions } from '../plan/check-collisions.js';
import { outputDirOf, writeReport } from '../report/write-report.js';
import { EXIT } from './exit-codes.js';
import { displayPath, explicitOutDir, loadForCommand } from './load-for-cli.js';
import type { CliContext } from './context.js';
import { defineCommand } from './define-command.js';
import { flag } from './flags.js';

export interface ReportFlags {
  /** The renders directory (default `renders/<name>/` beside the storyboard); the report goes inside it. */
  readonly out?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

/** `shotlist report FILE`: writes the contact sheet, `report.html`, beside the renders. Nothing is sent anywhere. */
export async function runReport(file: string, flags: ReportFlags, ctx: CliContext): Promise<number> {
  const { loaded } = await loadForCommand(file, flags, ctx);
  const display = (p: string) => displayPath(ctx, p);
  await checkCollisions(loaded.storyboard, { explicitOut: flags.out !== undefined, display });
  const written = await writeReport({ loaded, now: ctx.io.now(), outDir: outputDirOf(loaded, explicitOutDir(flags, ctx), display), display });
  const shown = displayPath(ctx, written.path);
  ctx.log.event({ event: 'report.written', path: shown, jobs: written.cards });
  if (!ctx.log.quiet) ctx.log.result(`wrote ${shown} (${written.cards} job${written.cards === 1 ? '' : 's'})\n`);
  return EXIT.ok;
}

/** `shotlist report FILE`. */
export const command = defineCommand({
  name: 'report',
  description: 'write the contact sheet (report.html) beside the renders',
  arguments: [['<file>', 'storyboard file']],
  options: (c) =>
    c
      .option('--out <dir>', 'renders directory holding the report (default renders/<name>/ beside the storyboard)')
      .addOption(flag.json())
      .option('--quiet', 'print only errors')
      .addOption(flag.verbose()),
  run: ([file]: [string], flags: ReportFlags, ctx) => runReport(file, flags, ctx),
});
