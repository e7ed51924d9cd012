import { execFileSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { hasStackTrace, runCli } from '../helpers/cli.js';
import { png, writeProject, yaml } from '../storyboard/helpers.js';
import { brokenPromises, issuesOf } from './helpers.js';

/** Named hostile inputs: each refused (or made harmless) quickly, with a located, readable issue. */

const HEAD = ['version: 1', 'name: hostile'];

async function validate(files: Record<string, string | Uint8Array>, extra: (dir: string) => Promise<void> = async () => {}) {
  const project = await writeProject(files);
  try {
    await extra(project.dir);
    const started = performance.now();
    const run = await runCli(['validate', 'board.yaml', '--json'], { cwd: project.dir });
    const ms = performance.now() - started;
    expect(brokenPromises(run, [0, 2]), run.stdout).toEqual([]);
    return {
      run,
      ms,
      issues: issuesOf(run) as unknown as (ReturnType<typeof issuesOf>[number] & { message: string; path: string; found?: string })[],
      dir: project.dir,
    };
  } finally {
    await project.cleanup();
  }
}

describe('hostile storyboards', () => {
  it('a YAML alias bomb (billion laughs) is refused fast', async () => {
    const levels = Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`);
    const { run, ms, issues } = await validate({ 'board.yaml': yaml('l0: &l0 "lol"', ...levels, ...HEAD) });
    expect(run.code).toBe(2);
    expect(issues.map((i) => i.code)).toEqual(['yaml-aliases']);
    // Expanded, it would never finish; a generous bound keeps a noisy machine from failing it.
    expect(ms).toBeLessThan(5000);
  });

  it('10,000-deep nesting, flow or block, is refused without a stack overflow', async () => {
    for (const deep of [`x: ${'['.repeat(10_000)}${']'.repeat(10_000)}`, `x: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}`, `x:\n${'- '.repeat(10_000)}1`]) {
      const { run, issues, ms } = await validate({ 'board.yaml': yaml(...HEAD, deep) });
      expect(run.code).toBe(2);
      expect(run.stdout).not.toMatch(/call stack|RangeError/i);
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.every((issue) => issue.line >= 1)).toBe(true);
      expect(ms).toBeLessThan(10_000);
    }
    // The flow case names the limit, once, deterministically (regression: yaml's caught stack overflow, reported twice).
    const { issues } = await validate({ 'board.yaml': yaml(...HEAD, `x: ${'['.repeat(10_000)}${']'.repeat(10_000)}`) });
    expect(issues).toMatchObject([{ code: 'yaml-too-deep', line: 3, column: 4 + 64, message: 'the document nests deeper than 64 levels' }]);
  });

  it('a 5 MB prompt is refused; a prompt over 32,000 characters after rendering too', async () => {
    const huge = await validate({ 'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', `    prompt: ${'x'.repeat(5 * 1024 * 1024)}`) });
    expect(huge.run.code).toBe(2);
    expect(huge.issues).toMatchObject([{ code: 'file-too-large', file: 'board.yaml' }]);
    const rendered = await validate({ 'board.yaml': yaml(...HEAD, `vars: {p: "${'y'.repeat(20_000)}"}`, 'shots:', '  - id: a', '    prompt: "{{p}} {{p}}"') });
    expect(rendered.run.code).toBe(2);
    expect(rendered.issues.map((i) => i.code)).toContain('prompt-too-long');
  });

  it('an empty file or one holding only a comment is an issue, not an internal error (regression)', async () => {
    for (const text of ['', '# nothing here\n', '~\n']) {
      const { run, issues } = await validate({ 'board.yaml': text });
      expect(run.code).toBe(2);
      expect(issues).toMatchObject([{ code: 'wrong-type', file: 'board.yaml', line: 1 }]);
    }
    const { run, issues } = await validate({ 'board.yaml': yaml(...HEAD, 'import: [empty.yaml]', 'shots: [{id: a, prompt: hi}]'), 'empty.yaml': '' });
    expect(run.code).toBe(2);
    expect(issues.map((i) => i.file)).toContain('empty.yaml');
  });

  it('template helpers that reach for prototypes render nothing dangerous and expose no function', async () => {
    const project = await writeProject({
      'board.yaml': yaml(
        ...HEAD,
        'vars: {a: {b: 1}}',
        'shots:',
        '  - id: a',
        '    prompt: "1[{{lookup this \\"constructor\\"}}] 2[{{lookup this \\"__proto__\\"}}] 3[{{lookup a \\"constructor\\"}}] 4[{{#with a}}{{constructor}}{{__proto__}}{{/with}}] 5[{{lookup (lookup this \\"constructor\\") \\"constructor\\"}}]"',
      ),
    });
    try {
      const loaded = await loadStoryboard('board.yaml', { cwd: project.dir });
      expect(loaded.issues).toEqual([]);
      expect(loaded.loaded!.jobs.map((job) => job.prompt)).toEqual(['1[] 2[] 3[] 4[] 5[]']);
      const plan = await runCli(['plan', 'board.yaml', '--json'], { cwd: project.dir });
      expect(plan.code).toBe(0);
      expect(plan.stdout).not.toMatch(/function|native code|\[object/);
    } finally {
      await project.cleanup();
    }
  });

  it('{{constructor}}, {{__proto__.x}} and {{constructor.constructor}} are unknown variables at their columns', async () => {
    const { run, issues } = await validate({
      'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: "{{constructor}} {{__proto__.x}} {{constructor.constructor}}"'),
    });
    expect(run.code).toBe(2);
    expect(issues.map((i) => [i.code, i.line, i.column])).toEqual([
      ['unknown-variable', 5, 16],
      ['unknown-variable', 5, 32],
      ['unknown-variable', 5, 48],
    ]);
  });

  it("a variable or axis named __proto__ is a value, not the context's prototype (regression)", async () => {
    const project = await writeProject({
      'board.yaml': yaml(
        ...HEAD,
        'vars: {__proto__: {x: one}}',
        'shots:',
        '  - id: a',
        '    prompt: "{{__proto__.x}} {{__proto__}}"',
        '  - id: b',
        '    prompt: "[{{__proto__}}]"',
        '    variants:',
        '      __proto__: [p, q]',
      ),
    });
    try {
      const { loaded, issues } = await loadStoryboard('board.yaml', { cwd: project.dir });
      // shot a prints a map whole; shot b's two jobs differ by their axis, so their prompts must differ too.
      expect(issues.map((i) => i.code)).toEqual(['map-in-template']);
      expect(loaded).toBeNull();
      await writeFile(
        path.join(project.dir, 'board.yaml'),
        yaml(
          ...HEAD,
          'vars: {__proto__: {x: one}}',
          'shots:',
          '  - id: a',
          '    prompt: "{{__proto__.x}}"',
          '  - id: b',
          '    prompt: "[{{__proto__}}]"',
          '    variants:',
          '      __proto__: [p, q]',
        ),
      );
      const again = await loadStoryboard('board.yaml', { cwd: project.dir });
      expect(again.issues).toEqual([]);
      expect(again.loaded!.jobs.map((job) => [job.id, job.prompt])).toEqual([
        ['a', 'one'],
        ['b[__proto__=p]', '[p]'],
        ['b[__proto__=q]', '[q]'],
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('an include entry must bind an axis named constructor itself, not through the prototype (regression)', async () => {
    const { issues } = await validate({
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: a',
        '    prompt: "{{p}}"',
        '    variants:',
        '      p: [a]',
        '      constructor: [k]',
        '      include:',
        '        - {p: b}',
      ),
    });
    expect(issues).toMatchObject([{ code: 'include-incomplete', line: 10 }]);
  });

  it('a model named constructor, toString or __proto__ is a model no provider serves, not a crash (regression)', async () => {
    for (const model of ['constructor', 'toString', '__proto__']) {
      const { run, issues } = await validate({ 'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: hi', `    model: ${model}`) });
      expect(run.code, run.stderr).toBe(2);
      expect(issues.map((i) => [i.code, i.line, i.message])).toEqual([['unsupported-model', 6, `model "${model}" is not served by provider "emulator"`]]);
    }
  });

  it('a partial named __proto__ is refused where it is declared (regression)', async () => {
    const { issues } = await validate({ 'board.yaml': yaml(...HEAD, 'partials: {__proto__: "x"}', 'shots:', '  - id: a', '    prompt: "{{> __proto__}}"') });
    expect(issues.map((i) => [i.code, i.line])).toEqual([
      ['invalid-value', 3],
      ['unknown-partial', 6],
    ]);
  });

  it('printing a field of a plain value says so, instead of a JavaScript TypeError (regression)', async () => {
    const { issues } = await validate({
      'board.yaml': yaml(...HEAD, 'vars: {brand: Acme}', 'shots:', '  - id: a', '    prompt: "{{#with brand}}{{name}}{{/with}}"'),
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain('"name" not defined in the prompt of shot "a"');
    expect(issues[0]!.found).toBe('"Acme" is a plain value, not a map');
    expect(`${issues[0]!.message} ${issues[0]!.found}`).not.toContain("'in' operator");
  });

  it('job ids that try to escape --out are refused where the value is written', async () => {
    const { issues } = await validate({
      'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: "{{p}}"', '    variants:', '      p: ["../../x", "/etc/passwd", "a\\u0000b", "..\\\\x"]'),
    });
    expect(issues.map((i) => [i.code, i.line])).toEqual([
      ['bad-axis-label', 7],
      ['bad-axis-label', 7],
      ['bad-axis-label', 7],
      ['bad-axis-label', 7],
    ]);
    const ids = await validate({
      'board.yaml': yaml(...HEAD, 'shots:', '  - id: ../x', '    prompt: a', '  - id: /abs', '    prompt: b', '  - id: CON', '    prompt: c'),
    });
    // Shot ids are names: the schema refuses separators; `CON` is a legal id, made safe as a file name.
    expect(ids.issues.filter((i) => i.severity === 'error').map((i) => i.line)).toEqual([4, 6]);
  });

  it('input_reference outside the project, absolute, through a symlink or to a FIFO or device is refused', async () => {
    const shot = (id: string, ref: string) => [`  - id: ${id}`, '    prompt: x', `    input_reference: ${ref}`];
    const { issues } = await validate(
      {
        'board.yaml': yaml(
          ...HEAD,
          'defaults: {size: 1280x720}',
          'shots:',
          ...shot('up', '../x.png'),
          ...shot('abs', '/etc/hostname'),
          ...shot('link', 'link.png'),
          ...shot('fifo', 'fifo.png'),
          ...shot('dev', '/dev/zero'),
          ...shot('devrel', 'null.png'),
          ...shot('ok', 'ok.png'),
        ),
        'ok.png': png(1280, 720),
      },
      async (dir) => {
        await symlink('/etc/hostname', path.join(dir, 'link.png'));
        await symlink('/dev/null', path.join(dir, 'null.png'));
        execFileSync('mkfifo', [path.join(dir, 'fifo.png')]);
      },
    );
    expect(issues.map((i) => [i.line, i.code])).toEqual([
      [7, 'path-outside-project'],
      [10, 'input-reference-path'],
      [13, 'path-outside-project'],
      [16, 'input-reference-missing'],
      [19, 'input-reference-path'],
      [22, 'path-outside-project'],
    ]);
    expect(issues.find((i) => i.line === 16)!.message).toContain('is not a file');
  });

  it('imports and partial files outside the project are refused', async () => {
    const { issues } = await validate({
      'board.yaml': yaml(...HEAD, 'import: [../../etc/x.yaml]', 'partials: {p: {file: /etc/passwd}}', 'shots: [{id: a, prompt: "{{> p}}"}]'),
    });
    expect(issues.filter((i) => i.code === 'path-outside-project').map((i) => i.line)).toEqual([3, 4]);
  });
});

describe('hostile lockfiles', () => {
  async function planWithLock(lock: string) {
    const project = await writeProject({ 'board.yaml': yaml(...HEAD, 'shots: [{id: a, prompt: hi}]'), 'board.lock.json': lock });
    try {
      return await runCli(['plan', 'board.yaml'], { cwd: project.dir, env: { NO_COLOR: '1' } });
    } finally {
      await project.cleanup();
    }
  }

  it.each([
    ['not JSON at all', 'nonsense, edited by hand\n', 'board.lock.json:1:1: not valid JSON'],
    ['a trailing comma on line 3', '{\n  "lockfileVersion": 1,\n  "name": "x",\n}\n', 'board.lock.json:4:1: not valid JSON'],
    ['a merge conflict', '{\n  "lockfileVersion": 1,\n<<<<<<< HEAD\n  "name": "x",\n', 'board.lock.json:3:1: not valid JSON'],
    ['cut short', '{\n  "lockfileVersion": 1,\n  "name": "x", "jobs": {', 'board.lock.json:3:25: not valid JSON'],
    ['a wrong type', '{\n  "lockfileVersion": 1,\n  "name": "x",\n  "jobs": []\n}\n', 'board.lock.json:4:11 jobs: must be object'],
    ['a future version', '{"lockfileVersion": 7, "name": "x", "jobs": {}}', 'lockfileVersion 7 is not supported'],
  ])('%s: exit 2, a clear message with file:line:col', async (_name, lock, message) => {
    const run = await planWithLock(lock);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('output paths the lockfile cannot mean: inside the project (too long, through a file) plan as missing; outside (a device, up and out) are a located lockfile error; never a crash (regression)', async () => {
    const entry = (outputPath: string) => ({
      fingerprint: `sha256:${'0'.repeat(64)}`,
      request: { provider: 'emulator', model: 'sora-2', size: '720x1280', seconds: '4', prompt: 'hi' },
      video_id: 'video_1',
      remixed_from: null,
      status: 'completed',
      created_at: 1,
      expires_at: 2,
      cost_usd: null,
      error: null,
      outputs: { video: { path: outputPath, sha256: '0'.repeat(64), bytes: 1 } },
    });
    for (const outputPath of ['x'.repeat(5000), 'board.yaml/inside.mp4']) {
      const run = await planWithLock(JSON.stringify({ lockfileVersion: 1, name: 'hostile', jobs: { a: entry(outputPath) } }));
      expect(run.code, run.stderr.slice(0, 300)).toBe(0);
      expect(run.stderr).not.toContain('internal error');
    }
    // Out of the project: never opened, a lockfile error at the path's place (test/hostile/confined-paths.test.ts has the rest).
    for (const outputPath of ['/dev/zero', '../../../../../../etc/shadow']) {
      const run = await planWithLock(JSON.stringify({ lockfileVersion: 1, name: 'hostile', jobs: { a: entry(outputPath) } }));
      expect(run.code, run.stderr.slice(0, 300)).toBe(2);
      expect(run.stderr).toMatch(/^error: [^\n]*\.lock\.json:\d+:\d+ jobs\.a\.outputs\.video\.path: .* leads outside the project directory/m);
      expect(run.stderr).not.toContain('internal error');
    }
  });
});
