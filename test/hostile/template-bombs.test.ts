import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_LIMITS } from '../../src/storyboard/template-budget.js';
import { REPO, runCli } from '../helpers/cli.js';
import { userEnv } from '../helpers/dist.js';
import { writeProject, yaml } from '../storyboard/helpers.js';
import { brokenPromises, issuesOf } from './helpers.js';

/**
 * Templates whose cost is far beyond their text: partials that double at every level, blocks
 * nested over the same list, output that would be gigabytes. Each is refused quickly with a
 * located issue, in bounded memory, and a signal ends any command working on one.
 */

const HEAD = ['version: 1', 'name: bombs'];
type ReportedIssue = ReturnType<typeof issuesOf>[number] & { message: string; path: string };

/** The 45-line storyboard of the issue: p_n includes p_(n-1) twice, 40 levels (2^40 partials). */
function doublingPartials(levels: number, leaf = 'x', wrap = (body: string) => body): string[] {
  const lines = ['partials:', `  p0: "${leaf}"`];
  for (let i = 1; i <= levels; i++) lines.push(`  p${i}: "${wrap(`{{> p${i - 1}}}{{> p${i - 1}}}`)}"`);
  return lines;
}

const list = (n: number, item = '""') => `[${Array(n).fill(item).join(', ')}]`;

async function validate(files: Record<string, string>): Promise<{ code: number; ms: number; issues: ReportedIssue[]; stdout: string }> {
  const project = await writeProject(files);
  try {
    const started = performance.now();
    const run = await runCli(['validate', 'board.yaml', '--json'], { cwd: project.dir });
    const ms = performance.now() - started;
    expect(brokenPromises(run, [2]), run.stdout.slice(0, 2000)).toEqual([]);
    return { code: run.code, ms, issues: issuesOf(run) as ReportedIssue[], stdout: run.stdout };
  } finally {
    await project.cleanup();
  }
}

describe('template expansion bombs', () => {
  // Each ran for minutes or ran out of memory before; a generous bound keeps a loaded machine from failing them.
  const QUICK_MS = 15_000;

  it.each([
    ['partials doubling at each of 40 levels', [...doublingPartials(40), 'shots:', '  - id: a', '    prompt: "{{> p40}}"'], 'template-too-costly'],
    [
      'the same, producing nothing (blocks with empty bodies)',
      [...doublingPartials(40, '{{#if true}}{{/if}}'), 'shots:', '  - id: a', '    prompt: "{{> p40}}"'],
      'template-too-costly',
    ],
    [
      'the same, through {{#with}} blocks',
      [...doublingPartials(40, '', (body) => `{{#with @root}}${body}{{/with}}`), 'shots:', '  - id: a', '    prompt: "{{> p40}}"'],
      'template-too-costly',
    ],
    [
      'three {{#each @root.a}} nested over 1,000 items',
      [`vars: {a: ${list(1000, '1')}}`, 'shots:', '  - id: a', '    prompt: "{{#each @root.a}}{{#each @root.a}}{{#each @root.a}}{{/each}}{{/each}}{{/each}}"'],
      'template-too-costly',
    ],
    [
      'an {{#each}} over 50,000 empty strings',
      [`vars: {a: ${list(50_000)}}`, 'shots:', '  - id: a', '    prompt: "{{#each a}}{{this}}{{/each}}"'],
      'template-too-costly',
    ],
    [
      'a list of 300 lists printed 1,000 times',
      [`vars: {a: ${list(300, list(100, '1'))}}`, 'shots:', '  - id: a', `    prompt: "${'{{a}}'.repeat(1000)}"`],
      'template-too-costly',
    ],
    [
      'a 20,000-character value printed by an {{#each}} of 1,000 items',
      [`vars: {big: "${'y'.repeat(20_000)}", a: ${list(1000, '1')}}`, 'shots:', '  - id: a', '    prompt: "{{#each a}}{{@root.big}}{{/each}}"'],
      'prompt-too-long',
    ],
    [
      'partials doubling their text, 40 levels',
      [...doublingPartials(40, 'x'.repeat(100)), 'shots:', '  - id: a', '    prompt: "{{#if true}}{{> p40}}{{/if}}"'],
      'prompt-too-long',
    ],
  ])('%s: refused quickly, at the prompt', async (_name, lines, code) => {
    const { ms, issues } = await validate({ 'board.yaml': yaml(...HEAD, ...lines) });
    expect(issues.map((issue) => [issue.code, issue.path])).toEqual([[code, 'shots[0].prompt']]);
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it('an indented partial whose many lines would each be indented by thousands of spaces is refused before it is built', async () => {
    // A standalone `{{> nl}}` indented by 20,000 spaces: 16,000 lines of it would be 320 million characters.
    const lines = 'x\\n'.repeat(16_000);
    const { ms, issues } = await validate({
      'board.yaml': yaml(...HEAD, `partials: {nl: "${lines}"}`, 'shots:', '  - id: a', `    prompt: "start\\n${' '.repeat(20_000)}{{> nl}}\\nend"`),
    });
    expect(issues.map((issue) => issue.code)).toEqual(['prompt-too-long']);
    expect(issues[0]!.message).toContain('renders to more than 32,000 characters (in partial "nl")');
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it('the issue says where the work went: the limit, the job and the partial', async () => {
    const { issues } = await validate({ 'board.yaml': yaml(...HEAD, ...doublingPartials(40), 'shots:', '  - id: a', '    prompt: "{{> p40}}"') });
    expect(issues[0]).toMatchObject({
      code: 'template-too-costly',
      line: 47,
      column: 13,
      message: expect.stringMatching(/^the prompt of shot "a" takes more than 100,000 steps to render \(in partial "p\d+", \d+ partials deep\) \(job a\)$/),
    });
  });

  it('templates within the limits render as before, whatever the work per job (a 40-level partial chain, a 300-item loop)', async () => {
    const project = await writeProject({
      'board.yaml': yaml(
        ...HEAD,
        ...doublingPartials(12, '{{n}}'),
        `vars: {items: ${list(300, 'ab')}}`,
        'shots:',
        '  - id: a',
        '    prompt: "{{> p12}}|{{#each items}}{{this}}{{/each}}"',
        '    variants:',
        '      n: [1, 2]',
      ),
    });
    try {
      const run = await runCli(['plan', 'board.yaml', '--json'], { cwd: project.dir });
      expect(run.code, run.stderr).toBe(0);
      const prompts = run.events().filter((e) => e['event'] === 'plan.job');
      expect(prompts).toHaveLength(2);
      const { loadStoryboard } = await import('../../src/storyboard/load-storyboard.js');
      const { loaded } = await loadStoryboard('board.yaml', { cwd: project.dir });
      expect(loaded!.jobs.map((job) => job.prompt)).toEqual([`${'1'.repeat(4096)}|${'ab'.repeat(300)}`, `${'2'.repeat(4096)}|${'ab'.repeat(300)}`]);
    } finally {
      await project.cleanup();
    }
  });

  it("a storyboard whose jobs each stay under the per-render limit is stopped by the storyboard's limit, with one issue", async () => {
    const shots = Array.from({ length: 400 }, (_, i) => [
      `  - id: s${i}`,
      '    prompt: "{{#each @root.a}}{{#each @root.a}}{{#if true}}{{/if}}{{/each}}{{/each}}"',
    ]).flat();
    const { ms, issues } = await validate({ 'board.yaml': yaml(...HEAD, `vars: {a: ${list(100, '1')}}`, 'shots:', ...shots) });
    const storyboardWide = issues.filter((issue) => issue.message.startsWith("the storyboard's templates take more than 20,000,000 steps"));
    expect(storyboardWide).toHaveLength(1);
    // Every job before it was within the per-render limit (100 × 100 iterations, 6 steps each), so it rendered.
    expect(issues.filter((issue) => issue !== storyboardWide[0])).toEqual([]);
    expect(ms).toBeLessThan(60_000);
    expect(TEMPLATE_LIMITS.stepsPerStoryboard).toBe(20_000_000);
  });
});

describe('only the documented helpers', () => {
  it('{{log}} is an unknown helper (it wrote to the console, into --json output)', async () => {
    const { issues, stdout } = await validate({
      'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: "{{log \\"hello\\" level=\\"error\\"}}{{#log}}x{{/log}} done"'),
    });
    expect(issues.map((issue) => [issue.code, issue.column])).toEqual([
      ['unknown-helper', 16],
      ['unknown-helper', 50],
    ]);
    expect(issues[0]!.message).toBe('unknown helper "log" in the prompt of shot "a"');
    for (const line of stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('decorators and inline partials are refused where they are written', async () => {
    const { issues } = await validate({
      'board.yaml': yaml(...HEAD, 'partials: {p: x}', 'shots:', '  - id: a', '    prompt: "{{#*inline \\"p\\"}}{{> p}}{{/inline}}{{> p}} {{*log}}"'),
    });
    expect(issues.map((issue) => [issue.code, issue.line])).toEqual([
      ['unknown-helper', 6],
      ['unknown-helper', 6],
    ]);
  });
});

describe('signals end a command working on a bomb', () => {
  it('SIGTERM ends `shotlist validate` of storyboards at their limits promptly: exit 130, no stack trace', async () => {
    // 30 storyboards, each at the storyboard-wide limit: tens of seconds of work in all.
    const shots = Array.from({ length: 400 }, (_, i) => [
      `  - id: s${i}`,
      '    prompt: "{{#each @root.a}}{{#each @root.a}}{{#if true}}{{/if}}{{/each}}{{/each}}"',
    ]).flat();
    const board = yaml(...HEAD, `vars: {a: ${list(100, '1')}}`, 'shots:', ...shots);
    const files = Array.from({ length: 30 }, (_, i) => `b${i}.yaml`);
    const project = await writeProject(Object.fromEntries(files.map((file) => [file, board])));
    try {
      const child = spawn(process.execPath, [path.join(REPO, 'bin/shotlist.js'), 'validate', ...files], { cwd: project.dir, env: userEnv() });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
      );
      // Once the first storyboard is reported, the process is busy in the second.
      await new Promise<void>((resolve, reject) => {
        const check = (): void => void (stdout.includes('b0.yaml') ? resolve() : undefined);
        child.stdout.on('data', check);
        void exited.then(() => reject(new Error(`exited before any storyboard was validated: ${stderr}`)));
      });
      const sent = performance.now();
      child.kill('SIGTERM');
      const { code, signal, at } = await exited;
      expect({ code, signal }).toEqual({ code: 130, signal: null });
      expect(at - sent).toBeLessThan(5_000);
      expect(stderr).toContain('interrupted');
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stdout).not.toContain('b29.yaml');
    } finally {
      await project.cleanup();
    }
  }, 120_000);

  it('a process with 256 MB of heap validates the bombs without running out of memory', async () => {
    const project = await writeProject({
      'each.yaml': yaml(
        ...HEAD,
        `vars: {a: ${list(1000, '1')}}`,
        'shots:',
        '  - id: a',
        '    prompt: "{{#each @root.a}}{{#each @root.a}}{{#each @root.a}}x{{/each}}{{/each}}{{/each}}"',
      ),
      'partials.yaml': yaml(...HEAD, ...doublingPartials(40, 'x'.repeat(1000)), 'shots:', '  - id: a', '    prompt: "{{> p40}}"'),
    });
    try {
      const child = spawn(process.execPath, ['--max-old-space-size=256', path.join(REPO, 'bin/shotlist.js'), 'validate', 'each.yaml', 'partials.yaml'], {
        cwd: project.dir,
        env: userEnv(),
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, output).toBe(2);
      expect(output).toContain('each.yaml:6:13: error');
      expect(output).toContain('partials.yaml:47:13: error');
      expect(output).not.toMatch(/heap|allocation failed/i);
    } finally {
      await project.cleanup();
    }
  }, 120_000);
});
