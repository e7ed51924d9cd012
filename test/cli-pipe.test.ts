import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { copyExamples, hasStackTrace, REPO } from './helpers/cli.js';

/**
 * `shotlist plan big.yaml | head -1`: the reader leaves early; shotlist must not die of EPIPE with
 * a stack trace. Through a real OS pipe, as a shell makes it: a child_process 'pipe' is a socket
 * pair whose buffer took all of this plan's output, so its reader could never leave early.
 */
it('output to a reader that goes away (| head) ends quietly, not with an EPIPE stack trace', async ({ onTestFinished }) => {
  const { dir, cleanup } = await copyExamples();
  onTestFinished(cleanup);
  const products = Array.from({ length: 1000 }, (_, i) => `p${i}`).join(', ');
  await writeFile(
    path.join(dir, 'big.yaml'),
    `version: 1\nname: big\nshots:\n  - id: a\n    prompt: A {{product}}\n    variants:\n      product: [${products}]\n      size: [1280x720, 720x1280]\n`,
  );
  // About 180 KB of plan, well past the 64 KB a pipe holds: shotlist is still writing when head
  // has gone. pipefail: the exit code is shotlist's (head's is 0).
  const script = 'set -o pipefail; "$0" "$1" plan big.yaml | head -1';
  const child = spawn('bash', ['-c', script, process.execPath, path.join(REPO, 'bin/shotlist.js')], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = stdout.split('\n').filter(Boolean).length;
  expect(lines).toBeGreaterThan(0);
  expect(stdout, 'head read the start of the plan, and only its first line').toBe('plan for big on emulator (big.lock.json)\n');
  expect(hasStackTrace(stderr), stderr).toBe(false);
  expect(stderr).not.toContain('EPIPE');
  expect(code).toBe(0);
});
