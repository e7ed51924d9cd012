import { describe, expect, it } from 'vitest';
import { createStyle } from '../src/cli/style.js';
import { copyExamples, runCli } from './helpers/cli.js';

describe('colours', () => {
  it('only on a terminal, never with NO_COLOR, and when FORCE_COLOR asks', () => {
    expect(createStyle(true, {}).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(createStyle(false, {}).red('x')).toBe('x');
    expect(createStyle(true, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(createStyle(true, { TERM: 'dumb' }).enabled).toBe(false);
    expect(createStyle(false, { FORCE_COLOR: '1' }).enabled).toBe(true);
  });

  it('errors printed to a pipe carry no escape codes', async () => {
    const { dir, cleanup } = await copyExamples();
    try {
      const run = await runCli(['plan', 'nope.yaml'], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('nope.yaml: error: nope.yaml does not exist [file-not-found]');
      expect(run.stderr).not.toContain('\u001b[');
    } finally {
      await cleanup();
    }
  });
});

describe('usage mistakes', () => {
  it.each([
    [['plan'], /missing required argument 'file'/],
    [['render', 'x.yaml', '--max-cost', 'lots'], /expected an amount like 25 or 25EUR/],
    [['render', 'x.yaml', '--concurrency', '0'], /expected a whole number of 1 or more/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j exits 2 with a message and no stack trace', async (argv, message) => {
    const run = await runCli(argv, { cwd: '/' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
