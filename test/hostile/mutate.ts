import fc from 'fast-check';

/**
 * Mutations of structured documents (a storyboard's data, a lockfile's JSON) and of their text,
 * as fast-check arbitraries: each mutation is data (an op and the numbers that place it), so a
 * failing case prints in full and shrinks.
 */

/** Template fragments that try syntax breakage, helpers and prototype access. */
export const TEMPLATE_FRAGMENTS = [
  '{{',
  '}}',
  '{{#each}}',
  '{{#each this}}{{@key}}{{/each}}',
  '{{> x}}',
  '{{> __proto__}}',
  '{{__proto__}}',
  '{{__proto__.x}}',
  '{{constructor}}',
  '{{constructor.constructor}}',
  '{{lookup this "constructor"}}',
  '{{lookup this "__proto__"}}',
  '{{lookup (lookup this "constructor") "constructor"}}',
  '{{#with constructor}}{{name}}{{/with}}',
  '{{#if}}',
  '{{/if}}',
  '{{{{raw}}}}',
  '{{!-- ',
  '{{log this}}',
  '{{helperMissing}}',
  '{{brand.name.first}}',
  '{{product}}',
  '{{@root.brand}}',
  '{{../brand}}',
  '\\{{',
] as const;

/** Text that breaks YAML or stretches its corners. */
export const YAML_FRAGMENTS = [
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '\t',
  '&a ',
  '*a',
  '*undefined',
  '!!binary ',
  '!!js/function ',
  '%YAML 1.2\n',
  '\n---\n',
  '? ',
  '|',
  '>-',
  '#',
  '\u0000',
  '\uFEFF',
  '\r',
  '\u2028',
  '<<: *a',
  'on',
  'yes',
  '0x1F',
  '.nan',
  '~',
] as const;

export type Scalar = string | number | boolean | null;

/** Scalars of every kind a YAML or JSON value can take, including unwelcome ones. */
export function scalarArb(): fc.Arbitrary<Scalar> {
  return fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 53 + 1, 1e-320, 4.5),
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(
      '',
      ' ',
      '..',
      '../x',
      '/etc/passwd',
      'CON',
      'a\u0000b',
      '\u202e',
      'sora-2',
      '1280x720',
      '720x1280',
      '8',
      'hero',
      'emulator',
      'openai',
      '__proto__',
      'constructor',
    ),
    fc.constantFrom(...TEMPLATE_FRAGMENTS),
  );
}

/** Any value: scalars, lists, maps, some nested deep. */
export function valueArb(): fc.Arbitrary<unknown> {
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb(), tie('list'), tie('map')),
    list: fc.array(tie('tree'), { maxLength: 4 }),
    map: fc.dictionary(
      fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom('id', 'prompt', 'remix', 'variants', 'include', 'exclude', 'size', 'model', 'seconds', 'name', '__proto__', 'constructor', 'file'),
      ),
      tie('tree'),
      { maxKeys: 4 },
    ),
  }));
  return tree;
}

/** One edit of a document tree; `at` picks the node (modulo the node count). */
export type TreeMutation =
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly op: 'add-key'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly op: 'duplicate'; readonly at: number }
  | { readonly op: 'append-text'; readonly at: number; readonly text: string }
  | { readonly op: 'huge-string'; readonly at: number; readonly length: number }
  | { readonly op: 'nest'; readonly at: number; readonly depth: number };

export function treeMutationArb(): fc.Arbitrary<TreeMutation> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ op: fc.constant('delete' as const), at }),
    fc.record({ op: fc.constant('replace' as const), at, value: valueArb() }),
    fc.record({
      op: fc.constant('add-key' as const),
      at,
      key: fc.oneof(
        fc.string({ maxLength: 10 }),
        fc.constantFrom('api_key', 'base_url', 'remix', 'variants', 'include', 'exclude', 'import', 'partials', '__proto__', 'constructor'),
      ),
      value: valueArb(),
    }),
    fc.record({ op: fc.constant('duplicate' as const), at }),
    fc.record({
      op: fc.constant('append-text' as const),
      at,
      text: fc.oneof(fc.constantFrom(...TEMPLATE_FRAGMENTS), fc.string({ unit: 'grapheme', maxLength: 12 })),
    }),
    fc.record({ op: fc.constant('huge-string' as const), at, length: fc.constantFrom(32_001, 70_000) }),
    fc.record({ op: fc.constant('nest' as const), at, depth: fc.integer({ min: 1, max: 200 }) }),
  );
}

interface Slot {
  readonly parent: Record<string, unknown> | unknown[];
  readonly key: string | number;
}

/** Every value slot of a tree (not the root), found without recursion. */
function slotsOf(root: unknown): Slot[] {
  const slots: Slot[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) node.forEach((value, key) => (slots.push({ parent: node, key }), stack.push(value)));
    else if (typeof node === 'object' && node !== null)
      for (const [key, value] of Object.entries(node)) (slots.push({ parent: node as Record<string, unknown>, key }), stack.push(value));
  }
  return slots;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies mutations to a deep copy of `doc`. */
export function mutateTree(doc: unknown, mutations: readonly TreeMutation[]): unknown {
  const root = { doc: structuredClone(doc) };
  for (const mutation of mutations) {
    const slots = slotsOf(root);
    const slot = slots[mutation.at % slots.length]!;
    const get = () => (slot.parent as Record<string | number, unknown>)[slot.key];
    const set = (value: unknown) => (Array.isArray(slot.parent) ? (slot.parent[slot.key as number] = value) : setOwn(slot.parent, slot.key as string, value));
    switch (mutation.op) {
      case 'delete':
        if (slot.parent === root) break;
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
        else delete slot.parent[slot.key as string];
        break;
      case 'replace':
        set(mutation.value);
        break;
      case 'add-key': {
        const target = get();
        if (typeof target === 'object' && target !== null && !Array.isArray(target)) setOwn(target as Record<string, unknown>, mutation.key, mutation.value);
        else set({ [mutation.key]: mutation.value });
        break;
      }
      case 'duplicate':
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 0, structuredClone(get()));
        else set([get(), get()]);
        break;
      case 'append-text':
        set(`${typeof get() === 'string' ? (get() as string) : ''}${mutation.text}`);
        break;
      case 'huge-string':
        set('x'.repeat(mutation.length));
        break;
      case 'nest': {
        let value: unknown = get();
        for (let i = 0; i < mutation.depth; i++) value = [value];
        set(value);
        break;
      }
    }
  }
  return root.doc;
}

/** One edit of a document's text. */
export type TextMutation =
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'duplicate-line'; readonly at: number }
  | { readonly op: 'delete-line'; readonly at: number }
  | { readonly op: 'flip-byte'; readonly at: number; readonly bit: number };

export function textMutationArb(fragments: readonly string[]): fc.Arbitrary<TextMutation> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ op: fc.constant('insert' as const), at, text: fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'binary', maxLength: 6 })) }),
    fc.record({ op: fc.constant('truncate' as const), at }),
    fc.record({ op: fc.constant('duplicate-line' as const), at }),
    fc.record({ op: fc.constant('delete-line' as const), at }),
    fc.record({ op: fc.constant('flip-byte' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  );
}

/** Applies text mutations; byte flips work on the UTF-8 bytes, so they can leave invalid UTF-8. */
export function mutateText(text: string, mutations: readonly TextMutation[]): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  for (const mutation of mutations) {
    const at = bytes.length === 0 ? 0 : mutation.at % (bytes.length + 1);
    switch (mutation.op) {
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(mutation.text, 'utf8'), bytes.subarray(at)]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'duplicate-line':
      case 'delete-line': {
        const lines = bytes.toString('latin1').split('\n');
        const index = mutation.at % lines.length;
        if (mutation.op === 'duplicate-line') lines.splice(index, 0, lines[index]!);
        else lines.splice(index, 1);
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
      case 'flip-byte':
        if (bytes.length > 0) {
          bytes = Buffer.from(bytes);
          const index = at % bytes.length;
          bytes[index] = bytes[index]! ^ (1 << mutation.bit);
        }
        break;
    }
  }
  return bytes;
}
