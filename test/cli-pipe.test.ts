import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { copyExamples, hasStackTrace, REPO } from './helpers/cli.js';
import { ensureDist } from './helpers/dist.js';

/** `shotlist plan big.yaml | head -1`: the reader leaves early; shotlist must not die of EPIPE with a stack trace. */
it('output to a reader that goes away (| head) ends quietly, not with an EPIPE stack trace', async ({ onTestFinished }) => {
  await ensureDist();
  const { dir, cleanup } = await copyExamples();
  onTestFinished(cleanup);
  const products = Array.from({ length: 1000 }, (_, i) => `p${i}`).join(', ');
  await writeFile(path.join(dir, 'big.yaml'), `version: 1\nname: big\nshots:\n  - id: a\n    prompt: A {{product}}\n    variants:\n      product: [${products}]\n      size: [1280x720, 720x1280]\n`);
  const child = spawn(process.execPath, [path.join(REPO, 'bin/shotlist.js'), 'plan', 'big.yaml'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let lines = 0;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Like `head -1`: read the first chunk, then close the pipe.
  child.stdout.once('data', (chunk: Buffer) => {
    lines = chunk.toString().split('\n').length;
    child.stdout.destroy();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(lines).toBeGreaterThan(0);
  expect(hasStackTrace(stderr), stderr).toBe(false);
  expect(stderr).not.toContain('EPIPE');
  expect(code).toBe(0);
});
