import { loadStoryboard } from '../storyboard/load-storyboard.js';
import { EXIT } from './exit-codes.js';
import { formatIssues } from './format-issue.js';
import type { CliContext, CommonFlags } from './context.js';
import { Option } from 'commander';
import { defineCommand } from './define-command.js';
import { flag } from './flags.js';

/** `shotlist validate FILE...`: both validation passes on each file; nothing is sent anywhere. */
export async function runValidate(files: readonly string[], flags: Pick<CommonFlags, 'provider' | 'json'>, ctx: CliContext): Promise<number> {
  let code: number = EXIT.ok;
  for (const file of files) {
    const result = await loadStoryboard(file, { cwd: ctx.io.cwd, signal: ctx.io.signal, overrides: flags.provider ? { provider: flags.provider } : {} });
    const jobs = result.loaded?.jobs.length ?? 0;
    const shots = result.loaded?.storyboard.shots.length ?? 0;
    const { log } = ctx;
    for (const issue of result.issues) log.event({ event: 'issue', ...issue });
    log.event({ event: 'validate.file', file, valid: result.loaded !== null, shots, jobs, errors: result.issues.filter((i) => i.severity === 'error').length });
    if (!log.json && result.issues.length > 0) log.error(formatIssues(result.issues, result.texts, log.err));
    log.result(
      result.loaded
        ? `${log.out.green('✓')} ${file}: ${shots} shot${shots === 1 ? '' : 's'}, ${jobs} job${jobs === 1 ? '' : 's'}\n`
        : `${log.out.red('✗')} ${file}: invalid\n`,
    );
    if (!result.loaded) code = EXIT.invalid;
  }
  return code;
}

/** `shotlist validate FILE...`. */
export const command = defineCommand({
  name: 'validate',
  description: 'check storyboards (schema and semantic rules); nothing is sent anywhere',
  arguments: [['<files...>', 'storyboard files']],
  options: (c) => c.addOption(new Option('--provider <name>', 'validate against this provider profile')).addOption(flag.json()).addOption(flag.verbose()),
  run: ([files]: [string[]], flags: CommonFlags, ctx) => runValidate(files, flags, ctx),
});
