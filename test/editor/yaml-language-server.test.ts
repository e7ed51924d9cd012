import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issue } from '../../src/source/issue.js';
import { REPO, runCli } from '../helpers/cli.js';
import { writeProject, yaml } from '../storyboard/helpers.js';
import { YamlLanguageServer } from './language-server.js';

/**
 * What an editor shows through the modeline (`# yaml-language-server: $schema=...`), checked
 * with the real YAML language server: each row is a storyboard beside examples/ (so the
 * modeline names ../schemas/storyboard.schema.json, as in the README), and its diagnostics must
 * be exactly the expected ones, in the words the CLI uses for the same problem, never a raw
 * pattern or "Matches a schema that is not allowed.". Hovers must render their Markdown, not
 * show escaped backticks. One server serves the whole table.
 */

const MODELINE = '# yaml-language-server: $schema=../schemas/storyboard.schema.json';
const HEAD = ['version: 1', 'name: t'];

interface EditorRow {
  readonly name: string;
  /** The storyboard after the modeline: its first line is line 2. */
  readonly lines: readonly string[];
  /** Exactly what the editor shows: `line:col` and the whole message. */
  readonly diagnostics: readonly { readonly at: string; readonly message: string }[];
}

const ROWS: EditorRow[] = [
  {
    name: 'a refresh that is no interval',
    lines: [...HEAD, 'shots:', '  - id: a', '    prompt: hi', '    refresh: sometimes'],
    diagnostics: [{ at: '7:14', message: 'expected always, daily, weekly, or an interval like 12h or 3d' }],
  },
  {
    name: 'a size that is not WIDTHxHEIGHT',
    lines: [...HEAD, 'shots:', '  - id: a', '    prompt: hi', '    size: 1280*720'],
    diagnostics: [{ at: '7:11', message: 'expected a size written WIDTHxHEIGHT, like 1280x720' }],
  },
  {
    name: 'seconds written as a list',
    lines: [...HEAD, 'shots:', '  - id: a', '    prompt: hi', '    seconds: [8]'],
    diagnostics: [{ at: '7:14', message: 'expected a whole number of seconds, like 8' }],
  },
  {
    name: 'a seed that is neither a number nor auto',
    lines: [...HEAD, 'defaults: {seed: random}', 'shots:', '  - id: a', '    prompt: hi'],
    diagnostics: [{ at: '4:18', message: 'expected a whole number from 0 to 2147483647, or auto' }],
  },
  {
    name: 'version 2',
    lines: ['version: 2', 'name: t', 'shots:', '  - id: a', '    prompt: hi'],
    diagnostics: [{ at: '2:10', message: 'the storyboard language version must be 1' }],
  },
  {
    name: 'a shot id with a space',
    lines: [...HEAD, 'shots:', '  - id: hero shot', '    prompt: hi'],
    diagnostics: [{ at: '5:9', message: "expected a name of letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)" }],
  },
  {
    name: 'a variant axis whose name is not an identifier',
    lines: [...HEAD, 'shots:', '  - id: a', '    prompt: hi', '    variants:', '      product-name: [mug]'],
    diagnostics: [{ at: '8:7', message: "expected an identifier: letters, digits and '_', not starting with a digit" }],
  },
  {
    name: 'a variant axis that is not a list',
    lines: [...HEAD, 'shots:', '  - id: a', '    prompt: hi', '    variants:', '      product: mug'],
    diagnostics: [{ at: '8:16', message: 'expected a list of values for this variant axis' }],
  },
  {
    name: 'a var named size',
    lines: [...HEAD, 'vars:', '  size: big', 'shots:', '  - id: a', '    prompt: hi'],
    diagnostics: [{ at: '5:3', message: "a var may not be named model, size or seconds: those names hold the job's request fields" }],
  },
  {
    name: 'an api_key in the provider block',
    lines: [...HEAD, 'provider:', '  profile: openai', '  api_key: sk-not-a-real-key', 'shots:', '  - id: a', '    prompt: hi'],
    diagnostics: [
      { at: '6:3', message: 'credentials never go in a storyboard; set OPENAI_API_KEY, AZURE_OPENAI_API_KEY or SHOTLIST_API_KEY in the environment' },
    ],
  },
  {
    name: 'a remix shot that sets size and input_reference',
    lines: [
      ...HEAD,
      'shots:',
      '  - id: hero',
      '    prompt: one',
      '  - id: dusk',
      '    remix: hero',
      '    prompt: two',
      '    size: 1280x720',
      '    input_reference: a.png',
    ],
    diagnostics: [
      { at: '10:5', message: 'a remix shot cannot set size: a remix inherits model, size and seconds from its parent video and sends only a prompt' },
      { at: '11:5', message: 'a remix shot cannot set input_reference: a remix edits its parent video and sends only a prompt' },
    ],
  },
  {
    name: 'a remix shot with a variant axis named seconds',
    lines: [
      ...HEAD,
      'shots:',
      '  - id: hero',
      '    prompt: one',
      '  - id: dusk',
      '    remix: hero',
      '    prompt: two',
      '    variants:',
      '      seconds: [4, 8]',
    ],
    diagnostics: [
      {
        at: '11:7',
        message: 'a remix shot cannot vary request fields (model, size, seconds, seed, ...): a remix edits its parent video and sends only a prompt',
      },
    ],
  },
  {
    name: 'a continue shot that sets input_reference',
    lines: [...HEAD, 'shots:', '  - id: a', '    prompt: one', '  - id: b', '    continue: a', '    prompt: two', '    input_reference: a.png'],
    diagnostics: [{ at: '10:5', message: 'a continue shot cannot set input_reference: its first frame is the last frame of the shot it continues' }],
  },
  {
    name: 'an extend shot with a variant axis named size',
    lines: [...HEAD, 'shots:', '  - id: a', '    prompt: one', '  - id: b', '    extend: a', '    prompt: two', '    variants:', '      size: [1280x720]'],
    diagnostics: [
      {
        at: '11:7',
        message:
          'an extend shot can vary only seconds among request fields: an extension continues its parent video and sends only a prompt and the seconds to add',
      },
    ],
  },
  {
    name: 'a character whose name is only spaces',
    lines: [...HEAD, 'characters:', '  - name: " "', '    clip: a.mp4', 'shots:', '  - id: a', '    prompt: hi'],
    diagnostics: [{ at: '5:11', message: "expected a character's name: 1 to 80 characters, not only spaces" }],
  },
  {
    name: 'a cut whose image entry is trimmed like a shot',
    lines: [
      ...HEAD,
      'shots:',
      '  - id: hero',
      '    prompt: one',
      'cuts:',
      '  - id: spot',
      '    sequence:',
      '      - hero',
      '      - { image: card.png, seconds: 2, from: 1 }',
    ],
    diagnostics: [{ at: '11:40', message: 'from and to trim a shot; an image is held on screen for seconds' }],
  },
  {
    name: 'a cut at a frame rate that is no rate',
    lines: [...HEAD, 'shots:', '  - id: hero', '    prompt: one', 'cuts:', '  - id: spot', '    fps: 30.5', '    sequence: [hero]'],
    diagnostics: [{ at: '9:10', message: 'expected a whole number of frames per second from 1 to 240, or 23.976, 29.97 or 59.94' }],
  },
];

describe('the schema in an editor (yaml-language-server)', () => {
  let server: YamlLanguageServer;
  let project: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    [server, project] = await Promise.all([YamlLanguageServer.start(REPO), writeProject({})]);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await project?.cleanup();
  });

  it.each(ROWS)(
    'says what the CLI says: $name',
    async (row) => {
      const text = yaml(MODELINE, ...row.lines);
      const shown = await server.open(path.join(REPO, 'examples', `editor-${ROWS.indexOf(row)}.yaml`), text);
      const listing = shown.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n');
      expect(listing, listing).toBe(row.diagnostics.map((d) => `${d.at} ${d.message}`).join('\n'));

      // The CLI, on the same text, reports each of them on the same line in the same words.
      const file = `editor-${ROWS.indexOf(row)}.yaml`;
      await writeFile(path.join(project.dir, file), text);
      const run = await runCli(['validate', file, '--json'], { cwd: project.dir });
      const issues = run.events().filter((event) => event['event'] === 'issue') as unknown as Issue[];
      for (const diagnostic of shown) {
        const said = issues.find((issue) => issue.line === diagnostic.line && issue.message.startsWith(diagnostic.message));
        expect(said, `the CLI said:\n${issues.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n')}`).toBeDefined();
      }
    },
    30_000,
  );

  it.each(['quickstart.yaml', 'campaign.yaml', 'shared/look.yaml'])(
    'finds nothing wrong with examples/%s',
    async (name) => {
      const file = path.join(REPO, 'examples', name);
      const text = await readFile(file, 'utf8');
      expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=/);
      expect(await server.open(file, text)).toEqual([]);
    },
    30_000,
  );

  it('completes the keys of a cut, of a sequence entry and of its audio from the schema', async () => {
    const lines = [
      MODELINE,
      ...HEAD,
      'shots:',
      '  - id: hero',
      '    prompt: one',
      'cuts:',
      '  - id: spot',
      '    ',
      '    sequence:',
      '      - shot: hero',
      '        ',
      '    audio:',
      '      ',
    ];
    const file = path.join(REPO, 'examples', 'editor-completion.yaml');
    await server.open(file, yaml(...lines));
    const at = (index: number) => [index + 1, lines[index]!.length + 1] as const;
    expect(await server.complete(file, ...at(8))).toEqual(['description', 'fps', 'size', 'variants']);
    expect(await server.complete(file, ...at(11))).toEqual(expect.arrayContaining(['from', 'to', 'transition']));
    expect(await server.complete(file, ...at(13))).toEqual(['loudness', 'music', 'music_gain_db']);
  }, 30_000);

  it("the example campaign's hovers render as Markdown", async () => {
    // Its text under a name of its own beside it, so this test does not depend on the one above having opened it.
    const text = await readFile(path.join(REPO, 'examples', 'campaign.yaml'), 'utf8');
    const file = path.join(REPO, 'examples', 'editor-hover.yaml');
    await server.open(file, text);

    // Every key in the file (hovered on its second character: on the first, the server answers for the node before): Markdown, never an escaped backtick.
    const lines = text.split('\n');
    const hovers: string[] = [];
    for (const [index, line] of lines.entries()) {
      const key = /^(\s*(?:- )?)([A-Za-z_]+):/.exec(line);
      if (key) hovers.push(await server.hover(file, index + 1, key[1]!.length + 2));
    }
    expect(hovers.filter((hover) => hover !== '').length).toBeGreaterThan(10);
    for (const hover of hovers) expect(hover).not.toContain('\\`');

    const hoverOf = async (key: string) => server.hover(file, lines.findIndex((line) => line.startsWith(`${key}:`)) + 1, 2);
    expect(await hoverOf('import')).toContain('Other YAML files holding only `vars`, `partials` and `defaults`');
    expect(await hoverOf('name')).toContain('the default output folder is `renders/<name>/`');
    expect(await hoverOf('vars')).toContain('used in prompts as `{{name}}`');
  }, 30_000);
});
