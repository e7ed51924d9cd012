import { afterAll, describe, it } from 'vitest';
import { yaml } from './helpers.js';
import { expectIssues, type InvalidRow } from './invalid-table.js';

/**
 * What the schema rejects hides nothing else: the semantic pass runs on the rest of the file.
 * Each row pairs a node the first pass rejects with semantic problems elsewhere that must still
 * be reported, and with checks that read the rejected node, which must not add follow-on
 * errors. The table is by kind of node: what is rejected decides what is skipped.
 */

const HEAD = ['version: 1', 'name: t'];

const ROWS: InvalidRow[] = [
  // ── a shot's own fields ────────────────────────────────────────────────────────────────
  {
    name: 'a bad refresh on one shot hides neither a remix cycle nor an unknown variable on others',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'vars:',
        '  brand: Acme',
        'shots:',
        '  - id: a',
        '    prompt: hi',
        '    refresh: sometimes',
        '  - id: b',
        '    remix: c',
        '    prompt: x',
        '  - id: c',
        '    remix: b',
        '    prompt: "{{brnd}}"',
      ),
    },
    issues: [
      { at: 'board.yaml:8:14', code: 'invalid-value', path: 'shots[0].refresh', message: 'expected always, daily, weekly' },
      { at: 'board.yaml:10:12', code: 'remix-cycle', path: 'shots[1].remix', message: 'remix cycle: b -> c -> b' },
      { at: 'board.yaml:14:16', code: 'unknown-variable', path: 'shots[2].prompt', message: 'unknown variable "brnd"', hint: 'did you mean "brand"?' },
    ],
  },
  {
    // The malformed size is not checked against the model as well; another shot's seconds are.
    name: 'a malformed size is one issue, and another shot is still checked against the provider',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: hi', '    size: big', '  - id: b', '    prompt: hi', '    seconds: 10') },
    issues: [
      { at: 'board.yaml:6:11', code: 'invalid-value', path: 'shots[0].size', message: 'expected a size written WIDTHxHEIGHT' },
      { at: 'board.yaml:9:14', code: 'unsupported-seconds', path: 'shots[1].seconds', message: 'found 10' },
    ],
  },
  {
    // `modle` was meant to be `model`: the size is not judged against sora-2 instead.
    name: 'a misspelled model key does not make its size look unsupported',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: "{{colour}}"', '    modle: sora-2-pro', '    size: 1792x1024') },
    issues: [
      { at: 'board.yaml:6:5', code: 'unknown-property', path: 'shots[0].modle', message: 'unknown property "modle"', hint: 'did you mean "model"?' },
      { at: 'board.yaml:5:16', code: 'unknown-variable', path: 'shots[0].prompt', message: 'unknown variable "colour"' },
    ],
  },
  {
    name: 'an empty prompt, and a repeated shot id elsewhere',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: ""', '  - id: b', '    prompt: hi', '  - id: b', '    prompt: again') },
    issues: [
      { at: 'board.yaml:5:13', code: 'invalid-value', path: 'shots[0].prompt', message: 'expected at least 1 character' },
      { at: 'board.yaml:8:9', code: 'duplicate-shot-id', path: 'shots[2].id', message: 'shot id "b" is already used by shots[1]' },
    ],
  },
  {
    // Without a prompt there is nothing to render, but the shot's matrix is still checked.
    name: 'a shot without a prompt still has its variant values checked',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    variants:', '      product: ["x,y"]') },
    issues: [
      { at: 'board.yaml:4:5', code: 'missing-property', path: 'shots[0]', message: 'missing required property "prompt"' },
      { at: 'board.yaml:6:17', code: 'bad-axis-label', path: 'shots[0].variants.product[0]', message: 'variant value "x,y" cannot name a job' },
    ],
  },
  {
    // A remix shot that sets size is refused by the schema; the rest of the remix chain is still judged.
    name: 'a remix shot that sets size, and a remix target that does not exist',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: one',
        '  - id: dusk',
        '    remix: hero',
        '    prompt: two',
        '    size: 1280x720',
        '  - id: night',
        '    remix: nigth',
        '    prompt: three',
      ),
    },
    issues: [
      { at: 'board.yaml:9:5', code: 'forbidden-property', path: 'shots[1].size', message: 'a remix shot cannot set size' },
      { at: 'board.yaml:11:12', code: 'unknown-remix-target', path: 'shots[2].remix', message: 'remix target "nigth"', hint: 'did you mean "night"?' },
    ],
  },
  {
    // The rejected remix target's parent is unknown, so its variables cannot be judged; its helper can.
    name: 'a malformed remix target',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: one',
        '  - id: dusk',
        '    remix: "hero shot"',
        '    prompt: "{{product}} {{shout x}}"',
      ),
    },
    issues: [
      { at: 'board.yaml:7:12', code: 'invalid-value', path: 'shots[1].remix', message: 'expected a name of letters, digits' },
      { at: 'board.yaml:8:28', code: 'unknown-helper', path: 'shots[1].prompt', message: 'unknown helper "shout"' },
    ],
  },
  {
    // A shot whose id is refused cannot be named: a remix of it is not "unknown target" too.
    name: 'a malformed shot id, a remix of it, and a template error in another shot',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: "hero shot"',
        '    prompt: one',
        '  - id: dusk',
        '    remix: hero',
        '    prompt: two',
        '  - id: c',
        '    prompt: "{{#if x}}open"',
      ),
    },
    issues: [
      { at: 'board.yaml:4:9', code: 'invalid-value', path: 'shots[0].id', message: 'expected a name of letters, digits' },
      { at: 'board.yaml:10:26', code: 'template-syntax', path: 'shots[2].prompt', message: 'expected a closing {{/…}}' },
    ],
  },

  // ── variants ───────────────────────────────────────────────────────────────────────────
  {
    // Its axis names are known, so its template is checked; its jobs (and its remixes') are not made.
    name: 'an axis with too many values: the shot is not expanded, its template and other shots are checked',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: a',
        '    prompt: "{{n}} {{colour}}"',
        '    variants:',
        `      n: [${Array.from({ length: 1001 }, (_, i) => i).join(', ')}]`,
        '  - id: b',
        '    remix: a',
        '    prompt: "{{n}} at dusk"',
        '  - id: c',
        '    prompt: hi',
        '    model: sora-3',
      ),
    },
    issues: [
      { at: 'board.yaml:7:10', code: 'invalid-value', path: 'shots[0].variants.n', message: 'expected at most 1000 items' },
      { at: 'board.yaml:5:22', code: 'unknown-variable', path: 'shots[0].prompt', message: 'unknown variable "colour"' },
      { at: 'board.yaml:13:12', code: 'unsupported-model', path: 'shots[2].model', message: 'model "sora-3"' },
    ],
  },
  {
    // Variants that are not a map bind unknown names: "{{product}}" is not called undefined.
    name: 'variants written as a list',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: "{{product}} {{shout product}}"', '    variants: [mug, cup]') },
    issues: [
      { at: 'board.yaml:6:15', code: 'wrong-type', path: 'shots[0].variants', message: 'expected object' },
      { at: 'board.yaml:5:28', code: 'unknown-helper', path: 'shots[0].prompt', message: 'unknown helper "shout"' },
    ],
  },

  // ── storyboard-wide parts: defaults, vars, partials, provider, imports ─────────────────
  {
    // Shots that take the default model are not judged against sora-2; a shot naming its own model is.
    name: 'a rejected default model',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'defaults:',
        '  model: ""',
        'shots:',
        '  - id: a',
        '    prompt: hi',
        '    size: 1792x1024',
        '  - id: b',
        '    prompt: hi',
        '    model: sora-2',
        '    size: 1024x1792',
      ),
    },
    issues: [
      { at: 'board.yaml:4:10', code: 'invalid-value', path: 'defaults.model', message: 'expected at least 1 character' },
      { at: 'board.yaml:12:11', code: 'unsupported-size', path: 'shots[1].size', message: 'for sora-2, found 1024x1792' },
    ],
  },
  {
    name: 'a misspelled defaults block',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'default:',
        '  model: sora-2-pro',
        'shots:',
        '  - id: a',
        '    prompt: hi',
        '    size: 1792x1024',
        '  - id: a',
        '    prompt: hi',
      ),
    },
    issues: [
      { at: 'board.yaml:3:1', code: 'unknown-property', path: 'default', message: 'unknown property "default"', hint: 'did you mean "defaults"?' },
      { at: 'board.yaml:9:9', code: 'duplicate-shot-id', path: 'shots[1].id', message: 'shot id "a" is already used' },
    ],
  },
  {
    // Vars that are not a map: any name may have been meant, but syntax and partials are still checked.
    name: 'vars written as a list',
    files: { 'board.yaml': yaml(...HEAD, 'vars: [brand, Acme]', 'shots:', '  - id: a', '    prompt: "{{brand}} {{> look}}"') },
    issues: [
      { at: 'board.yaml:3:7', code: 'wrong-type', path: 'vars', message: 'expected object' },
      { at: 'board.yaml:6:28', code: 'unknown-partial', path: 'shots[0].prompt', message: 'unknown partial "look"' },
    ],
  },
  {
    name: 'a rejected partial is not also an unknown partial where it is used',
    files: { 'board.yaml': yaml(...HEAD, 'partials:', '  look: 5', '  feel: calm', 'shots:', '  - id: a', '    prompt: "{{> look}} {{> fel}}"') },
    issues: [
      { at: 'board.yaml:4:9', code: 'wrong-type', path: 'partials.look', message: 'expected string or object' },
      { at: 'board.yaml:8:29', code: 'unknown-partial', path: 'shots[0].prompt', message: 'unknown partial "fel"', hint: 'did you mean "feel"?' },
    ],
  },
  {
    // Nothing is judged against a provider block the schema refused; the remix graph still is.
    name: 'a refused provider block',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider:',
        '  profile: openai',
        '  api_key: sk-not-a-real-key',
        'shots:',
        '  - id: a',
        '    prompt: hi',
        '    seconds: 10',
        '  - id: b',
        '    remix: b',
        '    prompt: again',
      ),
    },
    issues: [
      { at: 'board.yaml:5:3', code: 'forbidden-property', path: 'provider.api_key', message: 'credentials never go in a storyboard' },
      { at: 'board.yaml:11:12', code: 'remix-cycle', path: 'shots[1].remix', message: 'remix cycle: b -> b' },
    ],
  },
  {
    name: 'an unknown provider, and a remix target that does not exist',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider: emulatr',
        'shots:',
        '  - id: a',
        '    prompt: hi',
        '    seconds: 10',
        '  - id: b',
        '    remix: c',
        '    prompt: again',
      ),
    },
    issues: [
      { at: 'board.yaml:3:11', code: 'unknown-provider', path: 'provider', message: 'unknown provider "emulatr"' },
      { at: 'board.yaml:9:12', code: 'unknown-remix-target', path: 'shots[1].remix', message: 'remix target "c"' },
    ],
  },
  {
    // The import could have defined any var: names are not judged, the rest is.
    name: 'an import that does not exist',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'import: [shared/brand.yaml]',
        'shots:',
        '  - id: a',
        '    prompt: "{{brand}} {{#if}}"',
        '  - id: b',
        '    remix: b',
        '    prompt: again',
      ),
    },
    issues: [
      { at: 'board.yaml:3:10', code: 'file-not-found', path: 'import[0]', message: 'shared/brand.yaml does not exist' },
      { at: 'board.yaml:6:30', code: 'template-syntax', path: 'shots[0].prompt', message: 'invalid Handlebars' },
      { at: 'board.yaml:8:12', code: 'remix-cycle', path: 'shots[1].remix', message: 'remix cycle: b -> b' },
    ],
  },
  {
    name: 'an import whose vars are a list',
    files: {
      'board.yaml': yaml(...HEAD, 'import: [shared/brand.yaml]', 'shots:', '  - id: a', '    prompt: "{{brand}}"', '    seconds: 10'),
      'shared/brand.yaml': yaml('vars: [brand]'),
    },
    issues: [
      { at: 'shared/brand.yaml:1:7', code: 'wrong-type', path: 'vars', message: 'expected object' },
      { at: 'board.yaml:7:14', code: 'unsupported-seconds', path: 'shots[0].seconds', message: 'found 10' },
    ],
  },
  {
    // Every profile is unknown while the project's provider file is broken: not "unknown provider mine" too.
    name: 'a broken shotlist.providers.yaml',
    files: {
      'shotlist.providers.yaml': yaml('providers:', '  mine: {extends: nosuch}'),
      'board.yaml': yaml(...HEAD, 'provider: mine', 'shots:', '  - id: a', '    remix: a', '    prompt: hi'),
    },
    issues: [
      { at: 'shotlist.providers.yaml:2:19', code: 'unknown-provider', path: 'providers.mine.extends', message: 'unknown provider "nosuch"' },
      { at: 'board.yaml:6:12', code: 'remix-cycle', path: 'shots[0].remix', message: 'remix cycle: a -> a' },
    ],
  },
  {
    name: 'a partial file that does not exist',
    files: { 'board.yaml': yaml(...HEAD, 'partials:', '  look: {file: parts/look.hbs}', 'shots:', '  - id: a', '    prompt: "{{> look}} {{colour}}"') },
    issues: [
      { at: 'board.yaml:4:16', code: 'file-not-found', path: 'partials.look.file', message: 'parts/look.hbs does not exist' },
      { at: 'board.yaml:7:27', code: 'unknown-variable', path: 'shots[0].prompt', message: 'unknown variable "colour"' },
    ],
  },
];

describe('the semantic pass after schema errors', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it.each(ROWS)('reports $name', (row) => expectIssues(row, cleanups));
});
