import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/repo.js';

/**
 * The dependency rules of .dependency-cruiser.mjs (the arrows of docs/architecture.md), run on
 * src/ as `npm run lint:deps` runs them, and on small trees built here that break one rule each,
 * so a rule that could never fire (a typo in a path, a wrong option) fails this file.
 */

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

async function cruiseTree(root: string): Promise<Violation[]> {
  const options = await extractDepcruiseOptions(path.join(REPO, '.dependency-cruiser.mjs'));
  const tsConfig = extractTSConfig(path.join(root, 'tsconfig.json'));
  const result = await cruise(['src'], { ...options, baseDir: root, tsConfig: { fileName: path.join(root, 'tsconfig.json') } }, {}, { tsConfig });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((violation) => ({ rule: violation.rule.name, from: violation.from, to: violation.to }));
}

const scratch: string[] = [];
afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A project holding `files` (path → the modules it imports, by path) and shotlist's tsconfig. */
async function tree(files: Record<string, readonly string[]>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'shotlist-deps-'));
  scratch.push(root);
  await writeFile(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }),
  );
  for (const [file, imports] of Object.entries(files)) {
    const lines = imports.map((target, i) => {
      let specifier = path.relative(path.dirname(file), target).replace(/\.ts$/, '.js');
      if (!specifier.startsWith('.')) specifier = `./${specifier}`;
      return `import { value as v${i} } from '${specifier}';\nexport const use${i} = v${i};`;
    });
    await mkdir(path.join(root, path.dirname(file)), { recursive: true });
    await writeFile(path.join(root, file), [...lines, 'export const value = 1;', ''].join('\n'));
  }
  return root;
}

// A cycle is reported once, at its first edge, whichever module the cruise meets first.
describe('the dependency rules', () => {
  it('pass on src/ as it is', async () => {
    expect(await cruiseTree(REPO)).toEqual([]);
  }, 60_000);

  it.each<[string, Record<string, readonly string[]>, Violation[]]>([
    [
      'a cycle between two parts',
      { 'src/lockfile/entry.ts': ['src/remote/store.ts'], 'src/remote/store.ts': ['src/lockfile/entry.ts'] },
      [
        { rule: 'no-cycle-between-parts', from: 'src/lockfile/entry.ts', to: 'src/remote/store.ts' },
        { rule: 'no-runtime-cycle', from: 'src/lockfile/entry.ts', to: 'src/remote/store.ts' },
      ],
    ],
    [
      'a runtime cycle inside a part',
      { 'src/run/a.ts': ['src/run/b.ts'], 'src/run/b.ts': ['src/run/c.ts'], 'src/run/c.ts': ['src/run/a.ts'] },
      [{ rule: 'no-runtime-cycle', from: 'src/run/a.ts', to: 'src/run/b.ts' }],
    ],
    [
      'the core importing the network',
      { 'src/storyboard/load.ts': ['src/api/client.ts'], 'src/api/client.ts': [] },
      [{ rule: 'core-knows-no-effects', from: 'src/storyboard/load.ts', to: 'src/api/client.ts' }],
    ],
    [
      'the plan importing the runner',
      { 'src/plan/plan.ts': ['src/run/scheduler.ts'], 'src/run/scheduler.ts': [] },
      [
        { rule: 'core-knows-no-effects', from: 'src/plan/plan.ts', to: 'src/run/scheduler.ts' },
        { rule: 'plan-never-run', from: 'src/plan/plan.ts', to: 'src/run/scheduler.ts' },
      ],
    ],
    [
      'the runner importing the terminal',
      { 'src/run/session.ts': ['src/cli/style.ts'], 'src/cli/style.ts': [] },
      [
        { rule: 'effects-never-cli', from: 'src/run/session.ts', to: 'src/cli/style.ts' },
        { rule: 'only-cli-imports-cli', from: 'src/run/session.ts', to: 'src/cli/style.ts' },
      ],
    ],
    [
      'the emulator importing the client',
      { 'src/emulator/server.ts': ['src/api/client.ts'], 'src/api/client.ts': [] },
      [{ rule: 'emulator-never-client', from: 'src/emulator/server.ts', to: 'src/api/client.ts' }],
    ],
    [
      'a part importing the cli',
      { 'src/watch/session.ts': ['src/cli/main.ts'], 'src/cli/main.ts': [] },
      [{ rule: 'only-cli-imports-cli', from: 'src/watch/session.ts', to: 'src/cli/main.ts' }],
    ],
    [
      'source importing a part above it',
      { 'src/source/yaml.ts': ['src/providers/profiles.ts', 'src/untrusted/redactor.ts'], 'src/providers/profiles.ts': [], 'src/untrusted/redactor.ts': [] },
      [{ rule: 'source-imports-nothing-of-shotlist', from: 'src/source/yaml.ts', to: 'src/providers/profiles.ts' }],
    ],
    [
      'a foundation importing a part',
      { 'src/files/read.ts': ['src/lockfile/lockfile.ts'], 'src/lockfile/lockfile.ts': [] },
      [{ rule: 'foundations-are-leaves', from: 'src/files/read.ts', to: 'src/lockfile/lockfile.ts' }],
    ],
    [
      'shipped code importing a test',
      { 'src/run/clock.ts': ['test/helpers/clock.ts'], 'test/helpers/clock.ts': [] },
      [{ rule: 'src-never-imports-tests', from: 'src/run/clock.ts', to: 'test/helpers/clock.ts' }],
    ],
  ])('fail on %s', async (_name, files, expected) => {
    const violations = await cruiseTree(await tree(files));
    const byRule = (a: Violation, b: Violation) => `${a.rule} ${a.from} ${a.to}`.localeCompare(`${b.rule} ${b.from} ${b.to}`);
    expect(violations.sort(byRule)).toEqual(expected.toSorted(byRule));
  });

  it('allow what the picture allows: the arrows down the pipeline, and a ring closed by a type-only import inside a part', async () => {
    const root = await tree({
      'src/cli/main.ts': ['src/run/session.ts', 'src/status/assess.ts'],
      'src/run/session.ts': ['src/plan/plan.ts', 'src/api/client.ts', 'src/lockfile/lockfile.ts'],
      'src/status/assess.ts': ['src/plan/plan.ts'],
      'src/plan/plan.ts': ['src/storyboard/job.ts', 'src/lockfile/lockfile.ts', 'src/providers/profiles.ts'],
      'src/storyboard/job.ts': ['src/source/yaml.ts', 'src/providers/profiles.ts'],
      'src/providers/profiles.ts': ['src/source/yaml.ts'],
      'src/lockfile/lockfile.ts': ['src/source/yaml.ts', 'src/files/read.ts'],
      'src/api/client.ts': ['src/providers/profiles.ts'],
      'src/source/yaml.ts': ['src/untrusted/redactor.ts'],
      'src/untrusted/redactor.ts': [],
      'src/files/read.ts': [],
    });
    await writeFile(path.join(root, 'src/plan/entry-state.ts'), "import type { Plan } from './plan.js';\nexport const entry = (plan: Plan) => plan;\n");
    await writeFile(
      path.join(root, 'src/plan/plan.ts'),
      "import { entry } from './entry-state.js';\nexport interface Plan { readonly jobs: number }\nexport const value = entry;\n",
    );
    expect(await cruiseTree(root)).toEqual([]);
  });
});
