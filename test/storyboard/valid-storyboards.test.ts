import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { REPO, runCli } from '../helpers/cli.js';
import { encodeImage, png, writeProject, yaml, type Tree } from './helpers.js';

/**
 * The valid table: each row is a project that must load without issues into exactly the
 * listed job ids, in order, with the listed fields; `shotlist validate` must agree.
 */

interface Images {
  readonly jpeg1280x720: Buffer;
  readonly webp1280x720: Buffer;
}

/** What a job must hold; fields left out are not checked. */
interface JobFacts {
  readonly prompt?: string;
  readonly model?: string | null;
  readonly size?: string;
  readonly seconds?: string;
  readonly remixOf?: string | null;
  /** The input_reference as resolved, and what its bytes are. */
  readonly inputReference?: { readonly path: string; readonly type: 'png' | 'jpeg' | 'webp'; readonly width: number; readonly height: number };
}

interface ValidRow {
  readonly name: string;
  readonly files: Tree | ((images: Images) => Tree);
  readonly shots: number;
  /** Every job id, in the order the storyboard yields them. */
  readonly jobs: readonly string[];
  readonly facts?: Readonly<Record<string, JobFacts>>;
}

const HEAD = ['version: 1', 'name: t'];

const VALID: ValidRow[] = [
  {
    name: 'a shot without variants, with the provider defaults',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: hero', '    prompt: A mug on a counter.') },
    shots: 1,
    jobs: ['hero'],
    facts: { hero: { prompt: 'A mug on a counter.', model: 'sora-2', size: '720x1280', seconds: '4', remixOf: null } },
  },
  {
    name: 'a matrix in the order written, an axis named size setting the request field',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'defaults:',
        '  size: 720x1280',
        'shots:',
        '  - id: hero',
        '    prompt: A {{product}} at {{size}}, {{seconds}} seconds.',
        '    seconds: 8',
        '    variants:',
        '      product: [mug, teapot]',
        '      size: [1280x720, 720x1280]',
        '  - id: alt',
        '    prompt: A {{product}}.',
        '    variants:',
        '      seconds: [12, 4]',
        '      product: [mug]',
      ),
    },
    shots: 2,
    jobs: [
      'hero[product=mug,size=1280x720]',
      'hero[product=mug,size=720x1280]',
      'hero[product=teapot,size=1280x720]',
      'hero[product=teapot,size=720x1280]',
      'alt[seconds=12,product=mug]',
      'alt[seconds=4,product=mug]',
    ],
    facts: {
      'hero[product=mug,size=1280x720]': { prompt: 'A mug at 1280x720, 8 seconds.', size: '1280x720', seconds: '8' },
      'hero[product=teapot,size=720x1280]': { prompt: 'A teapot at 720x1280, 8 seconds.', size: '720x1280' },
      'alt[seconds=12,product=mug]': { seconds: '12', size: '720x1280' },
      'alt[seconds=4,product=mug]': { seconds: '4' },
    },
  },
  {
    name: 'include and exclude',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: A {{product}}.',
        '    variants:',
        '      product: [mug, teapot]',
        '      size: [1280x720, 720x1280]',
        '      exclude:',
        '        - {product: teapot, size: 720x1280}',
        '      include:',
        '        - {product: kettle, size: 1280x720}',
        '        - {product: mug, size: 1280x720}', // already in the matrix: no second job
        '  - id: wide',
        '    prompt: A wide {{product}}.',
        '    variants:',
        '      product: [mug, teapot]',
        '      size: [1280x720, 720x1280]',
        '      exclude:',
        '        - {size: 720x1280}', // one key drops every job with that value
      ),
    },
    shots: 2,
    jobs: [
      'hero[product=mug,size=1280x720]',
      'hero[product=mug,size=720x1280]',
      'hero[product=teapot,size=1280x720]',
      'hero[product=kettle,size=1280x720]',
      'wide[product=mug,size=1280x720]',
      'wide[product=teapot,size=1280x720]',
    ],
    facts: { 'hero[product=kettle,size=1280x720]': { prompt: 'A kettle.', size: '1280x720' } },
  },
  {
    name: 'map values named by id, else by name',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: A {{product.name}} in {{product.colour}}.',
        '    variants:',
        '      product:',
        '        - {id: mug, name: stoneware mug, colour: sage}',
        '        - {name: teapot, colour: black}',
        '        - {id: 7, name: "Mug, blue", colour: blue}',
      ),
    },
    shots: 1,
    jobs: ['hero[product=mug]', 'hero[product=teapot]', 'hero[product=7]'],
    facts: {
      'hero[product=mug]': { prompt: 'A stoneware mug in sage.' },
      'hero[product=teapot]': { prompt: 'A teapot in black.' },
      'hero[product=7]': { prompt: 'A Mug, blue in blue.' },
    },
  },
  {
    name: 'a remix chain with fan-out, parent bindings first',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    size: 1280x720',
        '    seconds: 8',
        '    prompt: A {{product}}.',
        '    variants:',
        '      product: [mug, teapot]',
        '  - id: dusk',
        '    remix: hero',
        '    prompt: The {{product}} at dusk, graded {{grade}}.',
        '    variants:',
        '      grade: [warm, cool]',
        '  - id: final',
        '    remix: dusk',
        '    prompt: Final cut of the {{product}}, {{grade}}.',
      ),
    },
    shots: 3,
    jobs: [
      'hero[product=mug]',
      'hero[product=teapot]',
      'dusk[product=mug,grade=warm]',
      'dusk[product=mug,grade=cool]',
      'dusk[product=teapot,grade=warm]',
      'dusk[product=teapot,grade=cool]',
      'final[product=mug,grade=warm]',
      'final[product=mug,grade=cool]',
      'final[product=teapot,grade=warm]',
      'final[product=teapot,grade=cool]',
    ],
    facts: {
      'dusk[product=teapot,grade=cool]': { prompt: 'The teapot at dusk, graded cool.', remixOf: 'hero[product=teapot]', size: '1280x720', seconds: '8' },
      'final[product=mug,grade=warm]': { prompt: 'Final cut of the mug, warm.', remixOf: 'dusk[product=mug,grade=warm]', size: '1280x720', seconds: '8' },
    },
  },
  {
    name: 'a remix written before its parent: the same ids',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: dusk',
        '    remix: hero',
        '    prompt: The {{product}} at dusk.',
        '  - id: hero',
        '    prompt: A {{product}}.',
        '    variants:',
        '      product: [mug, teapot]',
      ),
    },
    shots: 2,
    jobs: ['dusk[product=mug]', 'dusk[product=teapot]', 'hero[product=mug]', 'hero[product=teapot]'],
    facts: { 'dusk[product=teapot]': { remixOf: 'hero[product=teapot]' } },
  },
  {
    name: 'imports: the importing file wins, later imports win over earlier ones',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'import:',
        '  - shared/a.yaml',
        '  - shared/b.yaml',
        'defaults:',
        '  size: 1280x720',
        'vars:',
        '  mood: from-main',
        'shots:',
        '  - id: hero',
        '    prompt: "{{> look}} | {{brand}} {{tone}} {{mood}} | {{> sig}}"',
      ),
      'shared/a.yaml': yaml(
        'defaults:',
        '  seconds: 8',
        '  size: 720x1280',
        'vars:',
        '  brand: Alpha',
        '  tone: from-a',
        '  mood: from-a',
        'partials:',
        '  look: look-a',
      ),
      'shared/b.yaml': yaml(
        'defaults:',
        '  seconds: 12',
        'vars:',
        '  tone: from-b',
        '  mood: from-b',
        'partials:',
        '  look: look-b of {{brand}}',
        '  sig: {file: parts/sig.hbs}',
      ),
      // A partial file is relative to the file that declares it, and used verbatim.
      'shared/parts/sig.hbs': 'signed, {{brand}}',
    },
    shots: 1,
    jobs: ['hero'],
    facts: { hero: { prompt: 'look-b of Alpha | Alpha from-b from-main | signed, Alpha', size: '1280x720', seconds: '12' } },
  },
  {
    name: 'HTML-like characters left as written',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'vars:',
        `  brand: "Tom & Jerry's <b>"`,
        'shots:',
        '  - id: hero',
        `    prompt: '<b>{{brand}}</b> & "quotes" {{{brand}}} &amp;'`,
      ),
    },
    shots: 1,
    jobs: ['hero'],
    facts: { hero: { prompt: `<b>Tom & Jerry's <b></b> & "quotes" Tom & Jerry's <b> &amp;` } },
  },
  {
    name: 'input_reference images by their bytes, with templated paths',
    files: (images) => ({
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: still',
        '    size: 1280x720',
        '    input_reference: assets/{{product.file}}',
        '    prompt: A {{product.id}} comes to life.',
        '    variants:',
        '      product:',
        '        - {id: mug, file: mug.png}',
        '        - {id: teapot, file: teapot.jpg}',
        '        - {id: kettle, file: kettle.webp}',
        '  - id: turn',
        '    input_reference: assets/mug-{{size}}.png',
        '    prompt: The mug turns.',
        '    variants:',
        '      size: [1280x720, 720x1280]',
      ),
      'assets/mug.png': png(1280, 720),
      'assets/teapot.jpg': images.jpeg1280x720,
      // The type comes from the bytes: a WebP named .webp, but also a PNG below named .png.
      'assets/kettle.webp': images.webp1280x720,
      'assets/mug-1280x720.png': png(1280, 720),
      'assets/mug-720x1280.png': png(720, 1280),
    }),
    shots: 2,
    jobs: ['still[product=mug]', 'still[product=teapot]', 'still[product=kettle]', 'turn[size=1280x720]', 'turn[size=720x1280]'],
    facts: {
      'still[product=mug]': { inputReference: { path: 'assets/mug.png', type: 'png', width: 1280, height: 720 } },
      'still[product=teapot]': { inputReference: { path: 'assets/teapot.jpg', type: 'jpeg', width: 1280, height: 720 } },
      'still[product=kettle]': { inputReference: { path: 'assets/kettle.webp', type: 'webp', width: 1280, height: 720 } },
      'turn[size=720x1280]': { size: '720x1280', inputReference: { path: 'assets/mug-720x1280.png', type: 'png', width: 720, height: 1280 } },
    },
  },
  {
    name: 'a provider block, sora-2-pro sizes, seconds as text',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider:',
        '  profile: azure',
        '  base_url: https://example.openai.azure.com/openai/v1',
        'shots:',
        '  - id: hero',
        '    prompt: A mug.',
        '    seconds: "12"',
        '    size: 1280x720',
      ),
    },
    shots: 1,
    jobs: ['hero'],
    facts: { hero: { model: 'sora-2', size: '1280x720', seconds: '12' } },
  },
  {
    name: 'sora-2-pro at 1792x1024, and helpers from Handlebars itself',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'vars:',
        '  palette: {main: teal, accent: coral}',
        '  props: [cup, saucer]',
        'shots:',
        '  - id: teaser',
        '    model: sora-2-pro',
        '    size: 1792x1024',
        '    prompt: "{{#if palette}}In {{palette.main}}{{/if}}{{#each props}}, a {{this}}{{/each}}{{#with palette}}, {{accent}} light{{/with}}."',
      ),
    },
    shots: 1,
    jobs: ['teaser'],
    facts: { teaser: { model: 'sora-2-pro', size: '1792x1024', prompt: 'In teal, a cup, a saucer, coral light.' } },
  },
  {
    name: 'keys of map values named like request fields set them, in the matrix and in include entries; remixes inherit them',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'defaults: {model: sora-2, size: 1280x720, seconds: 4}',
        'shots:',
        '  - id: hero',
        '    prompt: A mug, {{format.id}}, {{size}}, {{seconds}} s, {{model}}.',
        '    variants:',
        '      format:',
        '        - {id: landscape, size: 1280x720}',
        '        - {id: portrait, size: 720x1280, seconds: 8}',
        '      include:',
        '        - {format: {id: tall, size: 1024x1792, model: sora-2-pro, seconds: 12}}',
        '  - id: dusk',
        '    remix: hero',
        '    prompt: At dusk.',
        '  - id: size-only',
        '    prompt: A size named {{size.id}}.',
        '    variants:',
        '      size: [{id: wide, size: 1280x720}]',
      ),
    },
    shots: 3,
    jobs: [
      'hero[format=landscape]',
      'hero[format=portrait]',
      'hero[format=tall]',
      'dusk[format=landscape]',
      'dusk[format=portrait]',
      'dusk[format=tall]',
      'size-only[size=wide]',
    ],
    facts: {
      'hero[format=landscape]': { prompt: 'A mug, landscape, 1280x720, 4 s, sora-2.', model: 'sora-2', size: '1280x720', seconds: '4' },
      'hero[format=portrait]': { prompt: 'A mug, portrait, 720x1280, 8 s, sora-2.', size: '720x1280', seconds: '8' },
      'hero[format=tall]': { model: 'sora-2-pro', size: '1024x1792', seconds: '12' },
      'dusk[format=portrait]': { size: '720x1280', seconds: '8', remixOf: 'hero[format=portrait]' },
      'size-only[size=wide]': { size: '1280x720' },
    },
  },
];

describe('valid storyboards', () => {
  let images: Images;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    images = { jpeg1280x720: await encodeImage('jpeg', 1280, 720), webp1280x720: await encodeImage('webp', 1280, 720) };
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it.each(VALID)('loads $name', async (row) => {
    const { dir, cleanup } = await writeProject(typeof row.files === 'function' ? row.files(images) : row.files);
    cleanups.push(cleanup);

    const result = await loadStoryboard('board.yaml', { cwd: dir });
    expect(result.issues).toEqual([]);
    const loaded = result.loaded!;
    expect(loaded.jobs.map((job) => job.id)).toEqual(row.jobs);
    for (const [id, facts] of Object.entries(row.facts ?? {})) {
      const job = loaded.jobs.find((j) => j.id === id)!;
      expect(job, id).toBeDefined();
      if (facts.prompt !== undefined) expect(job.prompt, id).toBe(facts.prompt);
      if (facts.model !== undefined) expect(job.model?.value ?? null, id).toBe(facts.model);
      if (facts.size !== undefined) expect(job.size.value, id).toBe(facts.size);
      if (facts.seconds !== undefined) expect(job.seconds.value, id).toBe(facts.seconds);
      if (facts.remixOf !== undefined) expect(job.remixOf, id).toBe(facts.remixOf);
      if (facts.inputReference !== undefined) {
        const { path: relative, ...image } = facts.inputReference;
        expect(job.inputReference?.path, id).toBe(relative);
        expect(loaded.inputReferences.get(path.join(dir, relative)), id).toMatchObject({ status: 'ok', ...image });
      }
    }

    const run = await runCli(['validate', 'board.yaml'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`✓ board.yaml: ${row.shots} shot${row.shots === 1 ? '' : 's'}, ${row.jobs.length} job${row.jobs.length === 1 ? '' : 's'}\n`);
    expect(run.code).toBe(0);
  });

  it('validates the examples', async () => {
    const run = await runCli(['validate', 'examples/campaign.yaml', 'examples/quickstart.yaml'], { cwd: REPO });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('✓ examples/campaign.yaml: 5 shots, 18 jobs\n✓ examples/quickstart.yaml: 2 shots, 4 jobs\n');
    expect(run.code).toBe(0);
  });
});
