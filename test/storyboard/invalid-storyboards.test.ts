import { afterAll, describe, expect, it } from 'vitest';
import { png, yaml } from './helpers.js';
import { expectIssues, type InvalidRow } from './invalid-table.js';

/**
 * The invalid table: each row is a project written to a temp dir and run through
 * `shotlist validate`; it must exit 2 and print exactly the expected issues, each at its
 * `file:line:col`, with its document path, code, a message fragment and (where given) a hint.
 */

const HEAD = ['version: 1', 'name: t'];
const SHOT_A = ['shots:', '  - id: a'];
/** A billion-laughs document: nine levels of nine-fold aliases. */
const ALIAS_BOMB = [
  ...HEAD,
  'vars:',
  '  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...Array.from({ length: 8 }, (_, i) => `  l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`),
  ...SHOT_A,
  '    prompt: "{{l8}}"',
];

const INVALID: InvalidRow[] = [
  // ── YAML and limits ─────────────────────────────────────────────────────────────────────
  {
    name: 'a YAML syntax error',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: Close-up: a mug on a counter') },
    issues: [{ at: 'board.yaml:5:13', code: 'yaml-syntax', path: '', message: 'Nested mappings are not allowed', hint: 'quoting the value' }],
  },
  {
    // yaml notices the missing `]` where the next item starts.
    name: 'an unclosed flow sequence',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: [unclosed, list', '  - id: b') },
    issues: [
      { at: 'board.yaml:6:3', code: 'yaml-syntax', path: '', message: 'Flow sequence in block collection must be sufficiently indented and end with a ]' },
    ],
  },
  {
    name: 'an unclosed quote',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: "A mug on a counter', '  - id: b') },
    issues: [{ at: 'board.yaml:7:1', code: 'yaml-syntax', path: '', message: 'Missing closing "quote', hint: 'never closed' }],
  },
  {
    name: 'two YAML documents in one file',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '---', 'version: 1') },
    issues: [{ at: 'board.yaml:6:1', code: 'yaml-syntax', path: '', message: 'more than one YAML document', hint: 'remove the `---` separator' }],
  },
  {
    name: 'a duplicate key',
    files: { 'board.yaml': yaml('version: 1', 'name: t', 'name: u', ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'board.yaml:3:1', code: 'yaml-syntax', path: '', message: 'Map keys must be unique', hint: 'each key may appear once' }],
  },
  {
    name: 'tab indentation',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '\t- id: a', '\t  prompt: hi') },
    issues: [
      { at: 'board.yaml:4:1', code: 'yaml-syntax', path: '', message: 'Tabs are not allowed', hint: 'not tabs' },
      { at: 'board.yaml:5:1', code: 'yaml-syntax', path: '', message: 'Tabs are not allowed', hint: 'not tabs' },
    ],
  },
  {
    name: 'an alias bomb (billion laughs)',
    files: { 'board.yaml': yaml(...ALIAS_BOMB) },
    issues: [{ at: 'board.yaml:1:1', code: 'yaml-aliases', path: '', message: 'too many aliases', hint: 'at most 100 alias expansions' }],
  },
  {
    name: 'nesting deeper than 64 levels',
    files: { 'board.yaml': yaml(...HEAD, 'vars:', `  deep: ${'['.repeat(70)}${']'.repeat(70)}`, ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'board.yaml:4:72', code: 'yaml-too-deep', path: '', message: 'nests deeper than 64 levels' }],
  },

  // ── schema: required, unknown and mistyped properties ───────────────────────────────────
  {
    name: 'a missing version',
    files: { 'board.yaml': yaml('name: t', ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'board.yaml:1:1', code: 'missing-property', path: '', message: 'missing required property "version"', hint: 'version: 1' }],
  },
  {
    name: 'a missing name',
    files: { 'board.yaml': yaml('version: 1', ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'board.yaml:1:1', code: 'missing-property', path: '', message: 'missing required property "name"', hint: 'renders/<name>/' }],
  },
  {
    name: 'missing shots',
    files: { 'board.yaml': yaml(...HEAD, 'vars:', '  brand: Acme') },
    issues: [{ at: 'board.yaml:1:1', code: 'missing-property', path: '', message: 'missing required property "shots"', hint: 'add a `shots:` list' }],
  },
  {
    name: 'a shot without a prompt',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    description: no prompt here') },
    issues: [
      { at: 'board.yaml:4:5', code: 'missing-property', path: 'shots[0]', message: 'missing required property "prompt"', hint: 'every shot needs a prompt' },
    ],
  },
  {
    name: 'version 2',
    files: { 'board.yaml': yaml('version: 2', 'name: t', ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'board.yaml:1:10', code: 'invalid-value', path: 'version', message: 'version must be 1' }],
  },
  {
    name: 'an unknown top-level property',
    files: { 'board.yaml': yaml(...HEAD, 'default:', '  size: 1280x720', ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'board.yaml:3:1', code: 'unknown-property', path: 'default', message: 'unknown property "default"', hint: 'did you mean "defaults"?' }],
  },
  {
    name: 'a typo in a shot property',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    secnds: 8') },
    issues: [
      { at: 'board.yaml:6:5', code: 'unknown-property', path: 'shots[0].secnds', message: 'unknown property "secnds"', hint: 'did you mean "seconds"?' },
    ],
  },
  {
    name: 'seconds written as a list',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    seconds: [8]') },
    issues: [{ at: 'board.yaml:6:14', code: 'wrong-type', path: 'shots[0].seconds', message: 'expected a whole number of seconds, like 8' }],
  },
  {
    name: 'a size that is not WIDTHxHEIGHT',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    size: 1280*720') },
    issues: [
      { at: 'board.yaml:6:11', code: 'invalid-value', path: 'shots[0].size', message: 'expected a size written WIDTHxHEIGHT, like 1280x720, found "1280*720"' },
    ],
  },

  // ── request fields against the provider profile ─────────────────────────────────────────
  {
    name: 'seconds the model does not render',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    seconds: 10') },
    issues: [
      { at: 'board.yaml:6:14', code: 'unsupported-seconds', path: 'shots[0].seconds', message: 'expected one of 4, 8, 12 seconds for sora-2, found 10' },
    ],
  },
  {
    name: 'a size only sora-2-pro renders, on sora-2',
    files: { 'board.yaml': yaml(...HEAD, 'defaults:', '  model: sora-2', ...SHOT_A, '    prompt: hi', '    size: 1792x1024') },
    issues: [
      {
        at: 'board.yaml:8:11',
        code: 'unsupported-size',
        path: 'shots[0].size',
        message: 'expected one of 720x1280, 1280x720 for sora-2, found 1792x1024',
        hint: 'sora-2-pro renders 1792x1024',
      },
    ],
  },
  {
    name: 'an unknown model',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    model: sora-3') },
    issues: [
      {
        at: 'board.yaml:6:12',
        code: 'unsupported-model',
        path: 'shots[0].model',
        message: 'model "sora-3" is not served by provider "emulator"',
        hint: 'sora-2, sora-2-pro',
      },
    ],
  },

  // ── shots and remix graph ───────────────────────────────────────────────────────────────
  {
    name: 'a duplicate shot id',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: one', '  - id: a', '    prompt: two') },
    issues: [{ at: 'board.yaml:6:9', code: 'duplicate-shot-id', path: 'shots[1].id', message: 'shot id "a" is already used by shots[0]' }],
  },
  {
    name: 'an unknown remix target',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: hero', '    prompt: one', '  - id: dusk', '    remix: heor', '    prompt: two') },
    issues: [
      {
        at: 'board.yaml:7:12',
        code: 'unknown-remix-target',
        path: 'shots[1].remix',
        message: 'remix target "heor" is not a shot',
        hint: 'did you mean "hero"?',
      },
    ],
  },
  {
    name: 'a remix cycle',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    remix: b', '    prompt: one', '  - id: b', '    remix: a', '    prompt: two') },
    issues: [{ at: 'board.yaml:5:12', code: 'remix-cycle', path: 'shots[0].remix', message: 'remix cycle: a -> b -> a' }],
  },
  {
    name: 'a shot that remixes itself',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    remix: a', '    prompt: one') },
    issues: [{ at: 'board.yaml:5:12', code: 'remix-cycle', path: 'shots[0].remix', message: 'remix cycle: a -> a' }],
  },
  ...(['size: 1280x720', 'seconds: 8', 'model: sora-2-pro', 'input_reference: assets/mug.png'] as const).map((line): InvalidRow => {
    const field = line.slice(0, line.indexOf(':'));
    return {
      name: `a remix shot that sets ${field}`,
      files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: hero', '    prompt: one', '  - id: dusk', '    remix: hero', '    prompt: two', `    ${line}`) },
      issues: [
        {
          at: 'board.yaml:9:5',
          code: 'forbidden-property',
          path: `shots[1].${field}`,
          message:
            field === 'input_reference'
              ? 'a remix shot cannot set input_reference: a remix edits its parent video and sends only a prompt'
              : `a remix shot cannot set ${field}: a remix inherits model, size and seconds from its parent video`,
        },
      ],
    };
  }),
  {
    name: 'a remix shot with a variant axis named size',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: one',
        '  - id: dusk',
        '    remix: hero',
        '    prompt: two',
        '    variants:',
        '      size: [1280x720, 720x1280]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:10:7',
        code: 'forbidden-property',
        path: 'shots[1].variants.size',
        message: 'a remix shot cannot vary request fields (model, size, seconds, seed, ...): a remix edits its parent video and sends only a prompt',
      },
    ],
  },

  // ── templates ───────────────────────────────────────────────────────────────────────────
  {
    name: 'an unknown variable in a folded block scalar',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'vars:',
        '  brand: Acme',
        'shots:',
        '  - id: hero',
        '    prompt: >',
        '      Slow dolly-in on a mug on a sunlit counter,',
        '      the {{brnd}} logo on its side.',
      ),
    },
    issues: [
      {
        at: 'board.yaml:9:13',
        code: 'unknown-variable',
        path: 'shots[0].prompt',
        message: 'unknown variable "brnd" in the prompt of shot "hero"',
        hint: 'did you mean "brand"?',
      },
    ],
  },
  {
    name: 'an unknown variable inside a partial file',
    files: {
      'board.yaml': yaml(...HEAD, 'partials:', '  look: {file: parts/look.hbs}', ...SHOT_A, '    prompt: "{{> look}} A mug."'),
      'parts/look.hbs': 'Soft morning light.\nA {{colr}} glow on the rim.\n',
    },
    issues: [{ at: 'parts/look.hbs:2:5', code: 'unknown-variable', path: '', message: 'unknown variable "colr" in partial "look"' }],
  },
  {
    name: 'an unknown partial',
    files: { 'board.yaml': yaml(...HEAD, 'partials:', '  look: Soft light.', ...SHOT_A, '    prompt: "{{> lok}} A mug."') },
    issues: [{ at: 'board.yaml:7:18', code: 'unknown-partial', path: 'shots[0].prompt', message: 'unknown partial "lok"', hint: 'did you mean "look"?' }],
  },
  {
    name: 'partials that include each other',
    files: { 'board.yaml': yaml(...HEAD, 'partials:', '  a: "x {{> b}}"', '  b: "y {{> a}}"', ...SHOT_A, '    prompt: "{{> a}}"') },
    issues: [{ at: 'board.yaml:5:9', code: 'partial-cycle', path: 'partials.b', message: 'partial "a" includes itself: a -> b -> a' }],
  },
  {
    name: 'an unknown helper',
    files: { 'board.yaml': yaml(...HEAD, 'vars:', '  brand: Acme', ...SHOT_A, '    prompt: "{{shout brand}} on a mug"') },
    issues: [
      { at: 'board.yaml:7:16', code: 'unknown-helper', path: 'shots[0].prompt', message: 'unknown helper "shout"', hint: 'built-in Handlebars helpers' },
    ],
  },
  {
    name: 'a Handlebars syntax error',
    files: { 'board.yaml': yaml(...HEAD, 'vars:', '  product: mug', ...SHOT_A, '    prompt: "A {{product} on a counter"') },
    issues: [
      {
        at: 'board.yaml:7:25',
        code: 'template-syntax',
        path: 'shots[0].prompt',
        message: 'invalid Handlebars in the prompt of shot "a": unexpected "}", expected "}}"',
      },
    ],
  },
  {
    name: 'a prompt over 32,000 characters once rendered',
    files: { 'board.yaml': yaml(...HEAD, 'vars:', `  long: ${'x'.repeat(20_000)}`, ...SHOT_A, '    prompt: "{{long}} {{long}}"') },
    issues: [{ at: 'board.yaml:7:13', code: 'prompt-too-long', path: 'shots[0].prompt', message: 'has 40001 characters once rendered (job a)' }],
  },
  {
    name: 'a prompt over 32,000 characters in each of four jobs',
    files: {
      'board.yaml': yaml(...HEAD, 'vars:', `  long: ${'x'.repeat(40_000)}`, ...SHOT_A, '    prompt: "{{long}}{{n}}"', '    variants:', '      n: [1, 2, 3, 4]'),
    },
    issues: [
      {
        at: 'board.yaml:7:13',
        code: 'prompt-too-long',
        path: 'shots[0].prompt',
        message: 'the prompt of shot "a" has 40001 characters once rendered (4 jobs: a[n=1], a[n=2], a[n=3] and 1 more)',
      },
    ],
  },
  {
    name: 'a map variable printed whole in a prompt',
    files: { 'board.yaml': yaml(...HEAD, 'vars:', '  palette: {main: teal}', ...SHOT_A, '    prompt: "A {{palette}} mug"') },
    issues: [{ at: 'board.yaml:7:18', code: 'map-in-template', path: 'shots[0].prompt', message: '"palette" is a map', hint: '{{palette.main}}' }],
  },
  {
    name: 'a map axis value printed whole in a prompt',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "A {{product}} on a counter"',
        '    variants:',
        '      product:',
        '        - {id: mug, name: stoneware mug}',
      ),
    },
    issues: [
      {
        at: 'board.yaml:5:18',
        code: 'map-in-template',
        path: 'shots[0].prompt',
        message: '"product" is a map, which would print as "[object Object]" in the prompt of shot "a"',
        hint: '{{product.id}}',
      },
    ],
  },
  {
    name: 'an unclosed block helper',
    files: { 'board.yaml': yaml(...HEAD, 'vars:', '  brand: Acme', ...SHOT_A, '    prompt: "{{#if brand}}A mug"') },
    issues: [{ at: 'board.yaml:7:31', code: 'template-syntax', path: 'shots[0].prompt', message: 'unexpected end of the template, expected a closing {{/…}}' }],
  },
  {
    name: 'a variable only some jobs define (an include key)',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "A {{product}}, {{finish}}"',
        '    variants:',
        '      product: [mug]',
        '      include:',
        '        - {product: teapot, finish: matte}',
      ),
    },
    issues: [
      {
        at: 'board.yaml:5:31',
        code: 'unknown-variable',
        path: 'shots[0].prompt',
        message: '"finish" is not defined for job a[product=mug] in the prompt of shot "a"',
        hint: 'bind it in every include entry',
      },
    ],
  },
  {
    // Six jobs render the same template: one typo, one issue, at the member, with the nearest key.
    name: 'an unknown member of a map var, in a matrix of six jobs',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'vars:',
        '  product: {name: mug}',
        ...SHOT_A,
        '    prompt: "A {{product.nmae}} on a {{surface}}"',
        '    variants:',
        '      surface: [table, counter, shelf]',
        '      size: [1280x720, 720x1280]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:7:18',
        code: 'unknown-variable',
        path: 'shots[0].prompt',
        message: 'unknown member "nmae" of "product" in the prompt of shot "a"',
        hint: 'did you mean "name"?',
      },
    ],
  },
  {
    name: 'an unknown member of every map value of an axis',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "A {{product.nmae}}"',
        '    variants:',
        '      product: [{id: mug, name: stoneware mug}, {id: cup, name: tin cup}]',
        '      size: [1280x720, 720x1280]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:5:18',
        code: 'unknown-variable',
        path: 'shots[0].prompt',
        message: 'unknown member "nmae" of "product" in the prompt of shot "a"',
        hint: 'did you mean "name"?',
      },
    ],
  },
  {
    // What differs per job is said once, naming the values concerned.
    name: 'a member only some map values of an axis have',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "A {{product.colour}} {{product.id}}"',
        '    variants:',
        '      product: [{id: mug, colour: red}, {id: teapot, color: blue}, {id: cup}]',
        '      size: [1280x720, 720x1280]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:5:18',
        code: 'unknown-variable',
        path: 'shots[0].prompt',
        message: '"product.colour" is not defined for product=teapot and product=cup in the prompt of shot "a"',
        hint: 'did you mean "color"?',
      },
    ],
  },
  {
    name: 'a member of a plain value, in a remix of two jobs',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'vars:',
        '  brand: Acme',
        ...SHOT_A,
        '    prompt: "A {{tone}} mug"',
        '    variants:',
        '      tone: [warm, cold]',
        '  - id: b',
        '    remix: a',
        '    prompt: "{{brand.name}} at dusk"',
      ),
    },
    issues: [
      {
        at: 'board.yaml:12:16',
        code: 'unknown-variable',
        path: 'shots[1].prompt',
        message: '"brand" is "Acme", not a map: {{brand.name}} in the prompt of shot "b" cannot read "name"',
      },
    ],
  },
  {
    // Inside {{#each}} names are looked up only when rendering: still one issue, naming the jobs.
    name: 'an unknown name inside an each block, met by every job',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'vars:',
        '  looks: [{name: soft}]',
        ...SHOT_A,
        '    prompt: "{{#each looks}}{{nmae}}{{/each}} {{n}}"',
        '    variants:',
        '      n: [1, 2, 3, 4, 5]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:7:31',
        code: 'unknown-variable',
        path: 'shots[0].prompt',
        message: '"nmae" not defined in the prompt of shot "a" (5 jobs: a[n=1], a[n=2], a[n=3] and 2 more)',
      },
    ],
  },
  {
    name: 'a member guarded by {{#if}} is not a problem where it is missing',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "{{#if product.colour}}{{product.colour}} {{/if}}{{product.nmae}}"',
        '    variants:',
        '      product: [{id: mug, colour: red, name: mug}, {id: cup, name: cup}]',
      ),
    },
    issues: [
      { at: 'board.yaml:5:64', code: 'unknown-variable', path: 'shots[0].prompt', message: 'unknown member "nmae" of "product"', hint: 'did you mean "name"?' },
    ],
  },
  {
    name: 'an unknown variable in an inline partial of an import',
    files: {
      'board.yaml': yaml(...HEAD, 'import:', '  - shared/look.yaml', ...SHOT_A, '    prompt: "{{> look}} A mug."'),
      'shared/look.yaml': yaml('partials:', '  look: "Soft {{colr}} light"'),
    },
    issues: [{ at: 'shared/look.yaml:2:17', code: 'unknown-variable', path: 'partials.look', message: 'unknown variable "colr" in partial "look"' }],
  },
  {
    name: 'a var named size',
    files: { 'board.yaml': yaml(...HEAD, 'vars:', '  size: big', ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'board.yaml:4:3', code: 'forbidden-property', path: 'vars.size', message: 'a var may not be named model, size or seconds' }],
  },

  // ── variants ────────────────────────────────────────────────────────────────────────────
  {
    name: 'an empty shots list',
    files: { 'board.yaml': yaml(...HEAD, 'shots: []') },
    issues: [{ at: 'board.yaml:3:8', code: 'invalid-value', path: 'shots', message: 'found a list of 0', hint: 'may not be empty' }],
  },
  {
    name: 'a variant axis whose name is not an identifier',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    variants:', '      product-name: [mug]') },
    issues: [{ at: 'board.yaml:7:7', code: 'invalid-value', path: 'shots[0].variants.product-name', message: 'expected an identifier' }],
  },
  {
    name: 'a map axis value with neither id nor name',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: "A {{product.colour}} mug"', '    variants:', '      product:', '        - {colour: red}') },
    issues: [
      {
        at: 'board.yaml:8:11',
        code: 'unnamed-axis-value',
        path: 'shots[0].variants.product[0]',
        message: 'needs an "id" or "name" key',
        hint: 'add `id: short-name`',
      },
    ],
  },
  {
    name: 'axis values holding a comma and a bracket',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: "A {{product}}"', '    variants:', '      product: ["a,b", "x]"]') },
    issues: [
      { at: 'board.yaml:7:17', code: 'bad-axis-label', path: 'shots[0].variants.product[0]', message: 'variant value "a,b" cannot name a job' },
      { at: 'board.yaml:7:24', code: 'bad-axis-label', path: 'shots[0].variants.product[1]', message: 'variant value "x]" cannot name a job' },
    ],
  },
  {
    name: 'an exclude naming an unknown axis',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "A {{product}}"',
        '    variants:',
        '      product: [mug, teapot]',
        '      exclude:',
        '        - {colour: red}',
      ),
    },
    issues: [
      {
        at: 'board.yaml:9:12',
        code: 'unknown-axis',
        path: 'shots[0].variants.exclude[0].colour',
        message: 'exclude names "colour", which is not a variant axis',
      },
    ],
  },
  {
    name: 'an include entry missing an axis',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "A {{colour}} {{product}}"',
        '    variants:',
        '      product: [mug]',
        '      colour: [red]',
        '      include:',
        '        - {product: teapot}',
      ),
    },
    issues: [{ at: 'board.yaml:10:11', code: 'include-incomplete', path: 'shots[0].variants.include[0]', message: 'include entry does not bind "colour"' }],
  },
  {
    name: "a remix axis clashing with the parent's axis",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: "A {{product}}"',
        '    variants:',
        '      product: [mug, teapot]',
        '  - id: dusk',
        '    remix: hero',
        '    prompt: "The {{product}} at dusk"',
        '    variants:',
        '      product: [kettle]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:12:7',
        code: 'axis-clash',
        path: 'shots[1].variants.product',
        message: 'variant axis "product" is already bound by the shot this one remixes',
      },
    ],
  },
  {
    name: 'two map values with the same id',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "{{product.name}}"',
        '    variants:',
        '      product:',
        '        - {id: mug, name: one}',
        '        - {id: mug, name: two}',
      ),
    },
    issues: [
      { at: 'board.yaml:9:11', code: 'duplicate-job-id', path: 'shots[0].variants.product[1]', message: 'two variants make the same job id "a[product=mug]"' },
    ],
  },
  {
    name: 'the same field set by the shot and by an axis',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    size: 1280x720', '    variants:', '      size: [1280x720, 720x1280]') },
    issues: [{ at: 'board.yaml:6:5', code: 'field-set-twice', path: 'shots[0].size', message: 'size is set both by the shot and by its variant axis "size"' }],
  },
  {
    name: 'a variant axis with more values than allowed',
    files: {
      'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi {{n}}', '    variants:', `      n: [${Array.from({ length: 1001 }, (_, i) => i).join(', ')}]`),
    },
    issues: [{ at: 'board.yaml:7:10', code: 'invalid-value', path: 'shots[0].variants.n', message: 'expected at most 1000 items, found a list of 1001' }],
  },
  {
    name: 'a seed sweep on a provider that takes no seed',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    variants:', '      seed: [1, 2, 3]') },
    issues: [
      {
        at: 'board.yaml:7:7',
        code: 'unsupported-field',
        path: 'shots[0].variants.seed',
        message: 'variant axis "seed" sets the request field seed, which provider "emulator" does not take',
      },
    ],
  },
  {
    name: 'a seed axis with a value that is not a seed',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider: {profile: vllm-omni, base_url: "http://127.0.0.1:1/v1"}',
        ...SHOT_A,
        '    prompt: hi',
        '    variants:',
        '      seed: [1, -5]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:8:17',
        code: 'invalid-value',
        path: 'shots[0].variants.seed[1]',
        message: 'variant axis "seed" sets the request field; expected a whole number from 0 to 2147483647, or auto, found number -5',
      },
    ],
  },
  {
    name: 'seeds that are neither a whole number from 0 nor auto',
    files: {
      'board.yaml': yaml(...HEAD, 'defaults: {seed: 1.5}', ...SHOT_A, '    prompt: hi', '    seed: -1', '  - id: b', '    prompt: hi', '    seed: random'),
    },
    issues: [
      {
        at: 'board.yaml:3:18',
        code: 'invalid-value',
        path: 'defaults.seed',
        message: 'expected a whole number from 0 to 2147483647, or auto, found number 1.5',
      },
      {
        at: 'board.yaml:7:11',
        code: 'invalid-value',
        path: 'shots[0].seed',
        message: 'expected a whole number from 0 to 2147483647, or auto, found number -1',
      },
      {
        at: 'board.yaml:10:11',
        code: 'invalid-value',
        path: 'shots[1].seed',
        message: 'expected a whole number from 0 to 2147483647, or auto, found "random"',
      },
    ],
  },
  {
    name: 'a num_frames axis with a value that is not a frame count',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider: {profile: vllm-omni, base_url: "http://127.0.0.1:1/v1"}',
        ...SHOT_A,
        '    prompt: hi',
        '    variants:',
        '      num_frames: [81, 0]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:8:24',
        code: 'invalid-value',
        path: 'shots[0].variants.num_frames[1]',
        message: 'variant axis "num_frames" sets the request field; expected a whole number of frames from 1 to 100000, found number 0',
      },
    ],
  },
  {
    name: 'an fps out of range in a shot',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    fps: 500') },
    issues: [{ at: 'board.yaml:6:10', code: 'invalid-value', path: 'shots[0].fps', message: 'expected a whole number from 1 to 240, found number 500' }],
  },
  {
    name: 'a seed set by the shot and by an axis',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider: {profile: vllm-omni, base_url: "http://127.0.0.1:1/v1"}',
        ...SHOT_A,
        '    prompt: hi',
        '    seed: 7',
        '    variants:',
        '      seed: [1, 2]',
      ),
    },
    issues: [{ at: 'board.yaml:7:5', code: 'field-set-twice', path: 'shots[0].seed', message: 'seed is set both by the shot and by its variant axis "seed"' }],
  },
  {
    name: 'a remix with an axis named like a request field',
    files: {
      'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '  - id: b', '    remix: a', '    prompt: again', '    variants:', '      seed: [4, 8]'),
    },
    issues: [
      {
        at: 'board.yaml:10:7',
        code: 'forbidden-property',
        path: 'shots[1].variants.seed',
        message: 'a remix shot cannot vary request fields (model, size, seconds, seed, ...): a remix edits its parent video and sends only a prompt',
      },
    ],
  },
  {
    name: 'a remix whose include entry binds a request field',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: hi',
        '  - id: b',
        '    remix: a',
        '    prompt: again {{tone}}',
        '    variants:',
        '      tone: [warm]',
        '      include:',
        '        - {tone: cool, seconds: 8}',
      ),
    },
    issues: [
      {
        at: 'board.yaml:12:24',
        code: 'remix-field',
        path: 'shots[1].variants.include[0].seconds',
        message: 'variant axis "seconds" would set the request field seconds, but a remix sends only its prompt',
      },
    ],
  },

  {
    name: 'a key of a map value that sets a request field with a value not of its form',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "{{format.id}}"',
        '    variants:',
        '      format: [{id: landscape, size: 1280x720}, {id: odd, size: 99x}]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:7:65',
        code: 'invalid-value',
        path: 'shots[0].variants.format[1].size',
        message: 'key "size" of variant axis "format" sets the request field; expected a size written WIDTHxHEIGHT, like 1280x720, found "99x"',
      },
    ],
  },
  {
    name: 'a key of a map value that sets a size the model does not render',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'defaults: {model: sora-2}',
        ...SHOT_A,
        '    prompt: "{{format.id}}"',
        '    variants:',
        '      format: [{id: wide, size: 1792x1024}]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:8:33',
        code: 'unsupported-size',
        path: 'shots[0].variants.format[0].size',
        message: 'expected one of 720x1280, 1280x720 for sora-2, found 1792x1024',
      },
    ],
  },
  {
    name: 'the same field set by the shot and by a key of a map value',
    files: {
      'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: "{{format.id}}"', '    seconds: 8', '    variants:', '      format: [{id: short, seconds: 4}]'),
    },
    issues: [
      {
        at: 'board.yaml:6:5',
        code: 'field-set-twice',
        path: 'shots[0].seconds',
        message: 'seconds is set both by the shot and by its key "seconds" of variant axis "format"',
      },
    ],
  },
  {
    name: 'the same field set by an axis and by a key of a map value',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "{{format.id}}"',
        '    variants:',
        '      format: [{id: portrait, size: 720x1280}]',
        '      size: [1280x720]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:8:7',
        code: 'field-set-twice',
        path: 'shots[0].variants.size',
        message: 'size is set both by key "size" of variant axis "format" and by variant axis "size"',
      },
    ],
  },
  {
    name: 'a remix whose map value has a key named like a request field',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: hi',
        '  - id: b',
        '    remix: a',
        '    prompt: again {{look.id}}',
        '    variants:',
        '      look: [{id: warm, seconds: 8}]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:10:25',
        code: 'remix-field',
        path: 'shots[1].variants.look[0].seconds',
        message: 'key "seconds" of variant axis "look" would set the request field seconds, but a remix sends only its prompt',
      },
    ],
  },
  {
    name: 'a map value setting an extra field the provider does not take',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: "{{take.id}}"', '    variants:', '      take: [{id: one, seed: 1}]') },
    issues: [
      {
        at: 'board.yaml:7:24',
        code: 'unsupported-field',
        path: 'shots[0].variants.take[0].seed',
        message: 'key "seed" of variant axis "take" sets the request field seed, which provider "emulator" does not take',
      },
    ],
  },

  // ── provider ────────────────────────────────────────────────────────────────────────────
  {
    name: 'an api_key in the provider block',
    files: { 'board.yaml': yaml(...HEAD, 'provider:', '  profile: openai', '  api_key: sk-not-a-real-key', ...SHOT_A, '    prompt: hi') },
    issues: [
      {
        at: 'board.yaml:5:3',
        code: 'forbidden-property',
        path: 'provider.api_key',
        message: 'credentials never go in a storyboard; set OPENAI_API_KEY, AZURE_OPENAI_API_KEY or SHOTLIST_API_KEY in the environment',
      },
    ],
  },
  {
    name: 'an unknown provider',
    files: { 'board.yaml': yaml(...HEAD, 'provider: emulatr', ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'board.yaml:3:11', code: 'unknown-provider', path: 'provider', message: 'unknown provider "emulatr"', hint: 'did you mean "emulator"?' }],
  },
  {
    name: 'azure without a base_url',
    files: { 'board.yaml': yaml(...HEAD, 'provider: azure', ...SHOT_A, '    prompt: hi') },
    issues: [
      {
        at: 'board.yaml:3:11',
        code: 'missing-base-url',
        path: 'provider',
        message: 'provider "azure" needs a base URL',
        hint: 'set base_url in the provider block, or pass --base-url',
      },
    ],
  },
  {
    name: '--provider naming no provider',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi') },
    args: ['--provider', 'nosuch'],
    issues: [
      {
        at: 'board.yaml',
        code: 'unknown-provider',
        path: '--provider',
        message: 'unknown provider "nosuch"',
        hint: 'built-in providers: emulator, veo, fal, replicate',
      },
    ],
  },

  // ── files ───────────────────────────────────────────────────────────────────────────────
  {
    name: 'an import that does not exist',
    files: { 'board.yaml': yaml(...HEAD, 'import:', '  - shared/brand.yaml', ...SHOT_A, '    prompt: hi') },
    issues: [
      {
        at: 'board.yaml:4:5',
        code: 'file-not-found',
        path: 'import[0]',
        message: 'shared/brand.yaml does not exist',
        hint: 'relative to the file that names them',
      },
    ],
  },
  {
    name: 'an import holding shots',
    files: {
      'board.yaml': yaml(...HEAD, 'import:', '  - shared/brand.yaml', ...SHOT_A, '    prompt: hi'),
      'shared/brand.yaml': yaml('vars:', '  brand: Acme', ...SHOT_A, '    prompt: from the import'),
    },
    issues: [{ at: 'shared/brand.yaml:3:1', code: 'unknown-property', path: 'shots', message: 'unknown property "shots"', hint: 'defaults, vars, partials' }],
  },
  {
    name: 'an import outside the project directory',
    file: 'campaign/board.yaml',
    files: { 'campaign/board.yaml': yaml(...HEAD, 'import:', '  - ../../x.yaml', ...SHOT_A, '    prompt: hi') },
    issues: [{ at: 'campaign/board.yaml:4:5', code: 'path-outside-project', path: 'import[0]', message: 'is outside the project directory' }],
  },
  {
    name: 'a partial file that does not exist',
    files: { 'board.yaml': yaml(...HEAD, 'partials:', '  look: {file: parts/look.hbs}', ...SHOT_A, '    prompt: "{{> look}}"') },
    issues: [{ at: 'board.yaml:4:16', code: 'file-not-found', path: 'partials.look.file', message: 'parts/look.hbs does not exist' }],
  },
  {
    name: 'an input_reference outside the project directory',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    size: 1280x720', '    input_reference: ../x.png') },
    issues: [
      {
        at: 'board.yaml:7:22',
        code: 'path-outside-project',
        path: 'shots[0].input_reference',
        message: 'input_reference ../x.png is outside the project directory',
      },
    ],
  },
  {
    name: 'an input_reference that does not exist',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    size: 1280x720', '    input_reference: assets/mug.png') },
    issues: [
      {
        at: 'board.yaml:7:22',
        code: 'input-reference-missing',
        path: 'shots[0].input_reference',
        message: 'input_reference assets/mug.png does not exist (job a)',
      },
    ],
  },
  {
    name: 'an input_reference that does not exist, named by three jobs',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "{{tone}}"',
        '    size: 1280x720',
        '    input_reference: assets/mug.png',
        '    variants:',
        '      tone: [warm, cold, grey]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:7:22',
        code: 'input-reference-missing',
        path: 'shots[0].input_reference',
        message: 'input_reference assets/mug.png does not exist (jobs a[tone=warm], a[tone=cold] and a[tone=grey])',
      },
    ],
  },
  {
    name: 'an input_reference of the wrong pixel size',
    files: {
      'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    size: 1280x720', '    input_reference: assets/mug.png'),
      'assets/mug.png': png(640, 360),
    },
    issues: [
      {
        at: 'board.yaml:7:22',
        code: 'input-reference-size',
        path: 'shots[0].input_reference',
        message: 'input_reference assets/mug.png is 640x360 pixels, the job renders 1280x720',
        hint: 'exactly 1280x720',
      },
    ],
  },
  {
    name: 'an input_reference that is text named .png',
    files: {
      'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    size: 1280x720', '    input_reference: assets/mug.png'),
      'assets/mug.png': 'not an image at all\n',
    },
    issues: [
      {
        at: 'board.yaml:7:22',
        code: 'input-reference-type',
        path: 'shots[0].input_reference',
        message: 'is not a JPEG, PNG or WebP image',
        hint: 'read from the bytes, not the file name',
      },
    ],
  },
  {
    name: 'an input_reference template naming an unknown variable',
    files: { 'board.yaml': yaml(...HEAD, ...SHOT_A, '    prompt: hi', '    input_reference: assets/{{prodct}}.png', '    variants:', '      product: [mug]') },
    issues: [
      {
        at: 'board.yaml:6:31',
        code: 'unknown-variable',
        path: 'shots[0].input_reference',
        message: 'unknown variable "prodct" in the input_reference of shot "a"',
        hint: 'did you mean "product"?',
      },
    ],
  },

  // ── several problems at once: every one is reported ─────────────────────────────────────
  {
    name: 'several schema problems in one file',
    files: { 'board.yaml': yaml('version: 3', 'name: "bad name!"', ...SHOT_A, '    prompt: ""', '    size: big') },
    issues: [
      { at: 'board.yaml:1:10', code: 'invalid-value', path: 'version', message: 'version must be 1' },
      { at: 'board.yaml:2:7', code: 'invalid-value', path: 'name', message: 'expected a name of letters, digits' },
      { at: 'board.yaml:5:13', code: 'invalid-value', path: 'shots[0].prompt', message: 'found ""' },
      { at: 'board.yaml:6:11', code: 'invalid-value', path: 'shots[0].size', message: 'expected a size written WIDTHxHEIGHT' },
    ],
  },
  {
    name: 'several semantic problems in one file',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOT_A,
        '    prompt: "A {{colour}} mug"',
        '    seconds: 10',
        '  - id: b',
        '    prompt: b',
        '    size: 1792x1024',
        '  - id: a',
        '    prompt: again',
        '  - id: c',
        '    remix: zzz',
        '    prompt: remixed',
        '  - id: d',
        '    prompt: "{{product}}"',
        '    variants:',
        '      product: ["x,y"]',
      ),
    },
    issues: [
      { at: 'board.yaml:5:18', code: 'unknown-variable', path: 'shots[0].prompt', message: 'unknown variable "colour"' },
      { at: 'board.yaml:6:14', code: 'unsupported-seconds', path: 'shots[0].seconds', message: 'found 10' },
      { at: 'board.yaml:9:11', code: 'unsupported-size', path: 'shots[1].size', message: 'found 1792x1024' },
      { at: 'board.yaml:10:9', code: 'duplicate-shot-id', path: 'shots[2].id', message: 'shot id "a" is already used' },
      { at: 'board.yaml:13:12', code: 'unknown-remix-target', path: 'shots[3].remix', message: 'remix target "zzz"' },
      { at: 'board.yaml:18:17', code: 'bad-axis-label', path: 'shots[4].variants.product[0]', message: 'variant value "x,y" cannot name a job' },
    ],
  },
];

describe('invalid storyboards', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('has a row for every kind of problem the brief lists', () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(35);
    expect(new Set(INVALID.map((row) => row.name)).size).toBe(INVALID.length);
  });

  it.each(INVALID)('reports $name', (row) => expectIssues(row, cleanups));
});
