import { loadStoryboard } from '../storyboard/load-storyboard.js';
import { EXIT } from './exit-codes.js';
import { formatIssues } from './format-issue.js';
import type { CliContext, CommonFlags } from './main.js';

/** `shotlist validate FILE...`: both validation passes on each file; nothing is sent anywhere. */
export async function runValidate(files: readonly string[], flags: Pick<CommonFlags, 'provider' | 'json'>, ctx: CliContext): Promise<number> {
  let code: number = EXIT.ok;
  for (const file of files) {
    const result = await loadStoryboard(file, { cwd: ctx.io.cwd, overrides: flags.provider ? { provider: flags.provider } : {} });
    const jobs = result.loaded?.jobs.length ?? 0;
    const shots = result.loaded?.storyboard.shots.length ?? 0;
    if (flags.json) {
      for (const issue of result.issues) ctx.io.stdout.write(`${JSON.stringify({ event: 'issue', ...issue })}\n`);
      ctx.io.stdout.write(`${JSON.stringify({ event: 'validate.file', file, valid: result.loaded !== null, shots, jobs, errors: result.issues.filter((i) => i.severity === 'error').length })}\n`);
    } else {
      if (result.issues.length > 0) ctx.io.stderr.write(formatIssues(result.issues, result.texts, ctx.err));
      if (result.loaded) ctx.io.stdout.write(`${ctx.out.green('✓')} ${file}: ${shots} shot${shots === 1 ? '' : 's'}, ${jobs} job${jobs === 1 ? '' : 's'}\n`);
      else ctx.io.stdout.write(`${ctx.out.red('✗')} ${file}: invalid\n`);
    }
    if (!result.loaded) code = EXIT.invalid;
  }
  return code;
}
