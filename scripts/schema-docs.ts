import { readFileSync } from 'node:fs';

/**
 * Hover text for editors. The YAML language server shows a schema's `description` as plain
 * text, escaping its backticks (`\`import:\``); it shows `markdownDescription` as written. Each
 * description that has code spans gets a `markdownDescription` made from it, so the two cannot
 * say different things: `npm run gen:schema-docs` rewrites schemas/*.json, and
 * test/editor/schema-words.test.ts fails when they are stale.
 */

const SCHEMA_DIR = new URL('../schemas/', import.meta.url);
export const EDITED_SCHEMAS = ['storyboard.schema.json', 'storyboard-import.schema.json', 'providers.schema.json'] as const;

/** Keywords whose values are data, not schemas: a `description` key inside them is not documentation. */
const DATA_KEYWORDS = new Set(['examples', 'enum', 'const', 'default']);

/** File name in schemas/ → its text with every `markdownDescription` up to date. */
export function renderSchemaDocs(): Record<string, string> {
  return Object.fromEntries(
    EDITED_SCHEMAS.map((name) => [name, `${JSON.stringify(withMarkdown(JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8'))), null, 2)}\n`]),
  );
}

function withMarkdown(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withMarkdown);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'markdownDescription') continue;
    out[key] = DATA_KEYWORDS.has(key) ? value : withMarkdown(value);
    if (key === 'description' && typeof value === 'string' && value.includes('`')) out['markdownDescription'] = toMarkdown(value);
  }
  return out;
}

/** Code spans stay code; the rest is escaped as the language server escapes plain text (and `<`, which Markdown reads as HTML). */
export function toMarkdown(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\*_{}[\]#+!<>]/g, '\\$&')))
    .join('');
}
