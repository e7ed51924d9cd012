import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { userEnv } from '../helpers/dist.js';
import { editStoryboard } from '../render/helpers.js';

/**
 * examples/ci/github-actions.yml, read as GitHub reads it, and its check step run for real (with
 * bash, as the runner does) in a campaign repository that has shotlist installed: the step
 * must fail on storyboard changes nobody rendered and pass on what a nightly run is for.
 */

const run = promisify(execFile);

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly 'continue-on-error'?: boolean | string;
}
interface Job {
  readonly permissions?: Record<string, string> | string;
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly permissions?: Record<string, string> | string;
  readonly jobs: Record<string, Job>;
}

const WORKFLOW = path.join(REPO, 'examples/ci/github-actions.yml');
const readWorkflow = async () => parse(await readFile(WORKFLOW, 'utf8')) as Workflow;

describe('the GitHub Actions example', () => {
  it('no step may fail without failing the run: a check under continue-on-error checks nothing', async () => {
    const workflow = await readWorkflow();
    const lenient = Object.values(workflow.jobs).flatMap((job) =>
      job.steps.filter((step) => step['continue-on-error'] !== undefined && step['continue-on-error'] !== false),
    );
    expect(lenient.map((step) => step.name ?? step.run)).toEqual([]);
  });

  it('a job that pushes may write the repository contents (GITHUB_TOKEN is read-only by default)', async () => {
    const workflow = await readWorkflow();
    const pushing = Object.entries(workflow.jobs).filter(([, job]) => job.steps.some((step) => /\bgit push\b/.test(step.run ?? '')));
    expect(pushing.map(([name]) => name)).toEqual(['render']);
    for (const [name, job] of pushing) {
      const permissions = job.permissions ?? workflow.permissions;
      expect(
        permissions === 'write-all' || (typeof permissions === 'object' && permissions['contents'] === 'write'),
        `job ${name}: permissions ${JSON.stringify(permissions)}`,
      ).toBe(true);
    }
  });

  it('names a remote for every step, so a fresh checkout pulls what earlier nights rendered', async () => {
    const workflow = (await readWorkflow()) as Workflow & { env?: Record<string, string> };
    expect(workflow.env?.['SHOTLIST_REMOTE']).toMatch(/^s3:\/\//);
  });
});

const STORYBOARD = `version: 1
name: spring
provider: emulator
defaults: { model: sora-2, size: 1280x720, seconds: 4 }
shots:
  - id: hero
    prompt: A {{product}} on a counter.
    variants:
      product: [mug, teapot]
  - id: hero-dusk
    remix: hero
    prompt: The same {{product}} at dusk.
  - id: headline
    refresh: always
    prompt: Today's headline card.
  - id: brand
    frozen: true
    prompt: The approved brand film.
`;

describe('the second night on a fresh checkout, with the remote the example names (a directory here)', () => {
  it('plans to render only what is due: every other file is pulled', async ({ onTestFinished }) => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'shotlist-campaign-remote-'));
    onTestFinished(() => rm(repo, { recursive: true, force: true }));
    await mkdir(path.join(repo, '.git'));
    await mkdir(path.join(repo, 'campaigns'));
    await writeFile(path.join(repo, 'campaigns/spring.yaml'), STORYBOARD);
    const remote = path.join(repo, '.team-remote');
    const shotlist = (env: Record<string, string>, ...args: string[]) =>
      run(process.execPath, [path.join(REPO, 'bin/shotlist.js'), ...args], { cwd: repo, env: { ...userEnv(), ...env }, timeout: 60_000 }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    // The first night renders everything and pushes it.
    expect((await shotlist({ SHOTLIST_REMOTE: remote }, 'render', 'campaigns/spring.yaml')).code).toBe(0);
    // The next night: a fresh checkout (no renders/), and the server has forgotten every video.
    await rm(path.join(repo, 'campaigns/renders'), { recursive: true });
    const lockPath = path.join(repo, 'campaigns/spring.lock.json');
    const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { jobs: Record<string, { created_at: number; expires_at: number }> };
    for (const entry of Object.values(lock.jobs)) entry.expires_at = entry.created_at + 1;
    await writeFile(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
    const actions = async (env: Record<string, string>) => {
      const planned = await shotlist(env, 'plan', 'campaigns/spring.yaml', '--json');
      return Object.fromEntries(
        planned.stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((e) => e.event === 'plan.job')
          .map((e) => [e['id'], e['action']]),
      );
    };
    // Without the remote: five jobs paid for again, and the frozen take blocked.
    expect(Object.values(await actions({})).filter((action) => action === 'render')).toHaveLength(5);
    // With it: only the shot whose refresh is due.
    expect(await actions({ SHOTLIST_REMOTE: remote })).toEqual({
      'hero[product=mug]': 'pull',
      'hero[product=teapot]': 'pull',
      'hero-dusk[product=mug]': 'pull',
      'hero-dusk[product=teapot]': 'pull',
      headline: 'render',
      brand: 'pull',
    });
  }, 120_000);
});

describe("the example's check step, run in a campaign repository", () => {
  let repo: string;
  let check: string;

  /** The step's script as the runner runs it: `bash --noprofile --norc -eo pipefail`. */
  const runCheck = () =>
    run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', check], {
      cwd: repo,
      env: { ...userEnv(), npm_config_offline: 'true', npm_config_update_notifier: 'false' },
      timeout: 60_000,
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout + error.stderr }),
    );
  const shotlist = (...args: string[]) =>
    run(process.execPath, [path.join(REPO, 'bin/shotlist.js'), ...args], { cwd: repo, env: userEnv(), timeout: 60_000 }).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
  const lockPath = () => path.join(repo, 'campaigns/spring.lock.json');

  beforeAll(async () => {
    const steps = Object.values((await readWorkflow()).jobs).flatMap((job) => job.steps);
    const checks = steps.filter((step) => /\bshotlist plan\b/.test(step.run ?? ''));
    expect(checks).toHaveLength(1);
    check = checks[0]!.run!;
    // A campaign repository with shotlist as a dependency, installed as `npm ci` would.
    repo = await mkdtemp(path.join(os.tmpdir(), 'shotlist-campaign-'));
    await mkdir(path.join(repo, '.git'));
    await mkdir(path.join(repo, 'campaigns'));
    await writeFile(path.join(repo, 'campaigns/spring.yaml'), STORYBOARD);
    await writeFile(path.join(repo, 'package.json'), JSON.stringify({ name: 'campaign', private: true, devDependencies: { shotlist: `file:${REPO}` } }));
    await mkdir(path.join(repo, 'node_modules/.bin'), { recursive: true });
    await symlink(REPO, path.join(repo, 'node_modules/shotlist'));
    await symlink('../shotlist/bin/shotlist.js', path.join(repo, 'node_modules/.bin/shotlist'));
  }, 120_000);
  afterAll(() => (repo ? rm(repo, { recursive: true, force: true }) : undefined));

  it('fails on a storyboard nobody rendered, one error annotation per new job', async () => {
    const result = await runCheck();
    expect(result.code, result.stdout).toBe(3);
    expect(
      result.stdout
        .split('\n')
        .filter((line) => line.startsWith('::error::'))
        .sort(),
    ).toEqual([
      '::error::brand: new job; render it and commit the lockfile',
      '::error::headline: new job; render it and commit the lockfile',
      '::error::hero-dusk[product=mug]: new job; render it and commit the lockfile',
      '::error::hero-dusk[product=teapot]: new job; render it and commit the lockfile',
      '::error::hero[product=mug]: new job; render it and commit the lockfile',
      '::error::hero[product=teapot]: new job; render it and commit the lockfile',
    ]);
  });

  it('passes once rendered, though a refresh is due', async () => {
    expect(await shotlist('render', 'campaigns/spring.yaml')).toBe(0);
    const result = await runCheck();
    expect(result.code, result.stdout).toBe(0);
  });

  it("passes when a frozen take's prompt changed: the take is kept, nothing renders", async () => {
    await editStoryboard(repo, 'campaigns/spring.yaml', 'The approved brand film.', 'The approved brand film, recut.');
    const result = await runCheck();
    expect(result.code, result.stdout).toBe(0);
  });

  it('passes on a fresh checkout whose videos the server forgot (every job renders again), where plan --frozen fails', async () => {
    await rm(path.join(repo, 'campaigns/renders'), { recursive: true });
    const lock = JSON.parse(await readFile(lockPath(), 'utf8')) as { jobs: Record<string, { created_at: number; expires_at: number }> };
    for (const entry of Object.values(lock.jobs)) entry.expires_at = entry.created_at + 1;
    await writeFile(lockPath(), `${JSON.stringify(lock, null, 2)}\n`);
    expect(await shotlist('plan', 'campaigns/spring.yaml', '--frozen')).toBe(3);
    const result = await runCheck();
    expect(result.code, result.stdout).toBe(0);
  });

  it('fails on a changed prompt, naming the changed jobs (their remixes follow them)', async () => {
    await editStoryboard(repo, 'campaigns/spring.yaml', 'A {{product}} on a counter.', 'A {{product}} on an oak counter.');
    const result = await runCheck();
    expect(result.code, result.stdout).toBe(3);
    expect(
      result.stdout
        .split('\n')
        .filter((line) => line.startsWith('::error::'))
        .sort(),
    ).toEqual([
      '::error::hero[product=mug]: prompt changed; render it and commit the lockfile',
      '::error::hero[product=teapot]: prompt changed; render it and commit the lockfile',
    ]);
  });
});
