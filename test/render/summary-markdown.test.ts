import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import type { Nodes, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { markdownCode, markdownText } from '../../src/cli/run-summary.js';
import { events, renderProject, renderWith } from './helpers.js';

/**
 * `render --summary` writes Markdown for GitHub's job summary: parsed here as GitHub parses it
 * (CommonMark + the GFM extensions: tables, strikethrough, autolinks), every job id must come
 * out as a code span holding exactly the id, and every name and reason as plain text holding
 * exactly what was written, whatever characters they carry.
 */

const parse = (markdown: string): Root => fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });

/** The paragraph of the first list item of `markdown`. */
function firstItem(markdown: string): Nodes[] {
  const list = parse(markdown).children[0];
  if (list?.type !== 'list') throw new Error(`not a list: ${markdown}`);
  const paragraph = list.children[0]?.children[0];
  if (paragraph?.type !== 'paragraph') throw new Error(`no paragraph: ${markdown}`);
  return paragraph.children;
}

/** The kind of each node: anything but `text`/`inlineCode` is Markdown the writer did not mean. */
function kinds(nodes: readonly Nodes[]): string[] {
  return nodes.map((node) => node.type);
}

/**
 * The text a reader sees. A bare URL or e-mail address becomes a link on GitHub whatever is
 * escaped (its autolinking works on the text after parsing), showing the same characters; any
 * other construct (emphasis, strikethrough, HTML, an image, a `[text](url)` link) fails here.
 */
function displayed(nodes: readonly Nodes[]): string {
  return nodes
    .map((node) => {
      if (node.type === 'text' || node.type === 'inlineCode') return node.value;
      if (node.type === 'link' && node.children.length === 1 && node.children[0]!.type === 'text' && node.url.endsWith(node.children[0]!.value))
        return node.children[0]!.value;
      throw new Error(`unintended Markdown: ${JSON.stringify(node)}`);
    })
    .join('');
}

/** Printable text without line breaks: what an id or a one-line reason holds (ids hold no control characters). */
const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
const PRINTABLE = fc.string({
  unit: fc.oneof(fc.constantFrom(...'`*_[]<>|#~&$\\ '), fc.constantFrom(...ASCII), fc.constantFrom('é', '→', '😀')),
  minLength: 1,
  maxLength: 30,
});

describe('Markdown of user and server text', () => {
  it('job ids GitHub showed with backslashes: brackets, stars, pipes, backticks', () => {
    for (const id of [
      'hero[product=mug]',
      'hero[product=*em*,size=1280x720]',
      'a|b',
      'x`y',
      '``z',
      'trailing`',
      '`',
      ' both ',
      '<b>&amp;</b>',
      '~~s~~',
      '$x$',
    ]) {
      const nodes = firstItem(`- ${markdownCode(id)}: done`);
      expect(kinds(nodes), id).toEqual(['inlineCode', 'text']);
      expect(nodes[0]).toMatchObject({ type: 'inlineCode', value: id });
    }
  });

  it('any id comes back from its code span unchanged (property, 1,000 cases)', () => {
    fc.assert(
      fc.property(PRINTABLE, (id) => {
        const nodes = firstItem(`- ${markdownCode(id)}: done`);
        expect(kinds(nodes)).toEqual(['inlineCode', 'text']);
        expect(nodes[0]).toMatchObject({ value: id });
      }),
      { numRuns: 1_000, seed: 20_261_202 },
    );
  });

  it('reasons and names read back as written: no emphasis, link, HTML, entity, math or strikethrough', () => {
    for (const text of [
      'parent banned[product=*em*] failed',
      'a_b_c and *d*',
      '<img src=x onerror=alert(1)>',
      '&amp; &#35;',
      '~~gone~~',
      '$5 and $6',
      '[x](http://evil.example)',
      '![i](x.png)',
      'ends with \\',
      'see https://status.example.com/incident',
    ]) {
      const nodes = firstItem(`- \`id\`: failed, ${markdownText(text)}`);
      expect(displayed(nodes), text).toBe(`id: failed, ${text}`);
    }
    expect(kinds(firstItem(`- \`id\`: failed, ${markdownText('*not em*')}`))).toEqual(['inlineCode', 'text']);
  });

  it('any text reads back as itself (property, 1,000 cases)', () => {
    fc.assert(
      fc.property(PRINTABLE, (text) => {
        const nodes = firstItem(`- \`id\`: failed, ${markdownText(text)}`);
        expect(displayed(nodes)).toBe(`id: failed, ${text}`.trimEnd());
      }),
      { numRuns: 1_000, seed: 20_261_202 },
    );
  });

  it('a line break in a reason stays inside its list item', () => {
    const nodes = firstItem(`- \`id\`: failed, ${markdownText('first line\n- second\r\n# third')}\n- \`next\`: done`);
    expect(nodes[1]).toMatchObject({ type: 'text', value: ': failed, first line - second # third' });
  });
});

const LABELS = ['a`b', '``', '*em*', '_u_', 'x|y', '<b>hi', '&amp;', '~~s~~', '$x$'];

describe('render --summary on job ids full of Markdown', () => {
  it('lists every rendered, failed and skipped job by its exact id; reasons naming ids read back exactly', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished, { faults: { moderation: { failPattern: 'refused by moderation' } } });
    const labels = LABELS.map((label) => JSON.stringify(label)).join(', ');
    await writeFile(
      path.join(dir, 'marks.yaml'),
      `version: 1
name: marks
provider: emulator
defaults: { model: sora-2, size: 1280x720, seconds: 4 }
shots:
  - id: hero
    prompt: A slow dolly-in on {{product}}.
    variants:
      product: [${labels}]
  - id: banned
    prompt: This one is refused by moderation, {{product}}.
    variants:
      product: ['*em*', 'x|y']
  - id: banned-remix
    remix: banned
    prompt: Never sent.
`,
    );
    const run = await renderWith(emu, dir, 'marks.yaml', ['--summary', 'summary.md']);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    const reasons = new Map(events(run, 'job.result').map((e) => [e['id'] as string, e['reason'] as string | undefined]));

    const tree = parse(await readFile(path.join(dir, 'summary.md'), 'utf8'));
    const heading = tree.children.find((node) => node.type === 'heading' && node.depth === 2);
    expect(heading).toMatchObject({ children: [{ type: 'text', value: 'shotlist: marks' }] });
    const listAfter = (title: string) => {
      const at = tree.children.findIndex((node) => node.type === 'heading' && node.children[0]?.type === 'text' && node.children[0].value === title);
      const list = tree.children[at + 1];
      if (list?.type !== 'list') throw new Error(`no list under ${title}`);
      return list.children.map((item) => {
        const paragraph = item.children[0];
        if (paragraph?.type !== 'paragraph') throw new Error(`no paragraph in an item under ${title}`);
        expect(kinds(paragraph.children)).toEqual(['inlineCode', 'text']);
        return { id: (paragraph.children[0] as { value: string }).value, text: (paragraph.children[1] as { value: string }).value };
      });
    };

    const rendered = listAfter('Rendered');
    expect(rendered.map((item) => item.id).sort()).toEqual(LABELS.map((label) => `hero[product=${label}]`).sort());
    for (const item of rendered) expect(item.text).toBe(': new job');

    const attention = listAfter('Needs attention');
    expect(attention.map((item) => item.id).sort()).toEqual([
      'banned-remix[product=*em*]',
      'banned-remix[product=x|y]',
      'banned[product=*em*]',
      'banned[product=x|y]',
    ]);
    for (const item of attention) {
      const status = item.id.startsWith('banned-remix') ? 'skipped' : 'failed';
      expect(item.text, item.id).toBe(`: ${status}, ${reasons.get(item.id)}`);
    }
    // The skipped remixes' reasons name their parents, brackets, stars and pipes included.
    expect(attention.find((item) => item.id === 'banned-remix[product=*em*]')!.text).toContain('banned[product=*em*]');
  });
});
