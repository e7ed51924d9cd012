import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { completedLockfile, writeFakeOutputs } from '../helpers/campaign-lock.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../remote/helpers.js';

/**
 * `shotlist push` and `shotlist pull` of a campaign of 1,000 outputs, through the CLI on real
 * directories: every file pushed once, skipped the second time, pulled back into an empty
 * checkout byte for byte, and a render of that checkout with the remote plans nothing to send.
 */

const PRODUCTS = Array.from({ length: 1000 }, (_, i) => `p${String(i).padStart(4, '0')}`);
const STORYBOARD = `version: 1
name: many
provider: emulator
defaults: { model: sora-2, size: 1280x720, seconds: 4 }
shots:
  - id: hero
    prompt: A {{product}} on a counter.
    variants:
      product: [${PRODUCTS.join(', ')}]
`;

describe('push and pull of a campaign of 1,000 outputs', () => {
  it('pushes each once, pulls them back into an empty checkout, and the plan there reuses all', async ({ onTestFinished }) => {
    const { dir: work, cleanup } = await tempDir('shotlist-many-');
    onTestFinished(cleanup);
    const project = path.join(work, 'a');
    await mkdir(path.join(project, '.git'), { recursive: true });
    await writeFile(path.join(project, 'many.yaml'), STORYBOARD);
    const { loaded } = await loadStoryboard('many.yaml', { cwd: project });
    const lock = completedLockfile(loaded!, Math.floor(Date.UTC(2026, 10, 22, 11) / 1000));
    await writeFile(path.join(project, 'many.lock.json'), serializeLockfile(lock));
    await writeFakeOutputs(project, lock);
    const remote = path.join(work, 'remote');

    const push = await runCli(['push', 'many.yaml', '--remote', remote, '--json'], { cwd: project });
    expect(push.code, push.stderr).toBe(0);
    expect(push.events().at(-1)).toMatchObject({ event: 'remote.summary', direction: 'push', items: 1000, transferred: 1000, failed: 0 });
    const again = await runCli(['push', 'many.lock.json', '--remote', remote, '--json'], { cwd: project });
    expect(again.events().at(-1)).toMatchObject({ transferred: 0, present: 1000 });

    // A teammate's checkout: the storyboard and the lockfile, no renders.
    const clone = path.join(work, 'b');
    await mkdir(path.join(clone, '.git'), { recursive: true });
    for (const file of ['many.yaml', 'many.lock.json']) await writeFile(path.join(clone, file), await readFile(path.join(project, file)));
    const plan = await runCli(['plan', 'many.yaml', '--remote', remote, '--json'], { cwd: clone, now: Date.UTC(2026, 10, 22, 12) });
    expect(plan.events().find((e) => e.event === 'plan.total')).toMatchObject({ pull: 1000, render: 0, cost_usd: 0 });
    const pull = await runCli(['pull', 'many.yaml', '--remote', remote, '--json'], { cwd: clone });
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.events().at(-1)).toMatchObject({ direction: 'pull', items: 1000, transferred: 1000, failed: 0, missing: 0 });
    for (const entry of Object.values(lock.jobs).filter((_, i) => i % 97 === 0)) {
      expect(await readFile(path.join(clone, entry.outputs.video!.path))).toEqual(await readFile(path.join(project, entry.outputs.video!.path)));
    }
    const reused = await runCli(['plan', 'many.yaml', '--remote', remote, '--json'], { cwd: clone, now: Date.UTC(2026, 10, 22, 12) });
    expect(reused.events().find((e) => e.event === 'plan.total')).toMatchObject({ reuse: 1000 });
    // An interrupted pull continues: half the files gone, the next pull fetches only those.
    for (const entry of Object.values(lock.jobs).slice(0, 500)) await rm(path.join(clone, entry.outputs.video!.path));
    const resumed = await runCli(['pull', 'many.yaml', '--remote', remote, '--json'], { cwd: clone });
    expect(resumed.events().at(-1)).toMatchObject({ transferred: 500, present: 500 });
  }, 120_000);
});
