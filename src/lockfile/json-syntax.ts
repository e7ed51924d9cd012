/**
 * Where JSON text goes wrong. `JSON.parse` names a position for some mistakes only ("Unexpected
 * token 'x', "…" is not valid JSON" names none), and a lockfile edited by hand deserves a
 * `file:line:col`. A scan without recursion, so that deep nesting cannot overflow the stack.
 */

type Expecting = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'after';

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const CLOSE = { '{': '}', '[': ']' } as const;
const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** The offset of the first syntax error (the text's length for an unexpected end); `null` when the text is valid JSON. */
export function jsonSyntaxErrorOffset(text: string): number | null {
  const open: ('{' | '[')[] = [];
  let expecting: Expecting = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
    if (i >= text.length) return expecting === 'after' && open.length === 0 ? null : i;
    const c = text[i]!;
    const top = open.at(-1);
    // A list or map closes after a member, or at once when it is empty.
    if (top !== undefined && c === CLOSE[top] && (expecting === 'after' || expecting === 'value-or-close' || expecting === 'key-or-close')) {
      open.pop();
      i++;
      expecting = 'after';
      continue;
    }
    switch (expecting) {
      case 'value-or-close':
      case 'value': {
        if (c === '{' || c === '[') {
          open.push(c);
          i++;
          expecting = c === '{' ? 'key-or-close' : 'value-or-close';
        } else if (c === '"') {
          const end = stringEnd(text, i);
          if (end < 0) return -end - 1;
          i = end;
          expecting = 'after';
        } else {
          LITERAL.lastIndex = i;
          if (!LITERAL.test(text)) return i;
          i = LITERAL.lastIndex;
          expecting = 'after';
        }
        break;
      }
      case 'key-or-close':
      case 'key': {
        if (c !== '"') return i;
        const end = stringEnd(text, i);
        if (end < 0) return -end - 1;
        i = end;
        expecting = 'colon';
        break;
      }
      case 'colon':
        if (c !== ':') return i;
        i++;
        expecting = 'value';
        break;
      case 'after':
        if (top === undefined || c !== ',') return i;
        i++;
        expecting = top === '{' ? 'key' : 'value';
        break;
    }
  }
}

/** The offset after the string starting at `start` (a `"`), or `-(error offset) - 1`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return -i - 1;
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return -i - 1;
        i += 5;
      } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i++;
      else return -i - 1;
    }
  }
  return -text.length - 1;
}

/** 1-based line and column of an offset. */
export function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
