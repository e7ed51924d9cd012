import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { copyExamples } from '../helpers/cli.js';
import { startRenderEmulator } from './helpers.js';

/** Which progress view a render picks: the live view only on a terminal that can redraw. */

let dir: string;
let cleanup: () => Promise<void>;
let emu: RunningEmulator;
beforeEach(async () => {
  ({ dir, cleanup } = await copyExamples());
  emu = await startRenderEmulator();
});
afterEach(async () => {
  await emu.close();
  await cleanup();
});

async function renderOnTerminal(env: Record<string, string>): Promise<string> {
  let stderr = '';
  const code = await main(['render', 'quickstart.yaml', '--base-url', emu.url, '--no-report'], {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text), isTTY: true },
    env,
    cwd: dir,
    now: () => Date.now(),
    signal: new AbortController().signal,
  });
  expect(code).toBe(0);
  return stderr;
}

describe('render progress on a terminal', () => {
  it('redraws a live view (erasing its lines) on a terminal', async () => {
    expect(await renderOnTerminal({ NO_COLOR: '1' })).toContain('\u001b[2K');
  });

  it('prints one line per state change on a dumb terminal, with no cursor movement', async () => {
    const stderr = await renderOnTerminal({ TERM: 'dumb' });
    expect(stderr).not.toContain('\u001b[');
    expect(stderr).toMatch(/ {2}queued {7}hero\[product=mug\]/);
  });
});
