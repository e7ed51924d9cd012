import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileStemOf } from '../../src/run/output-names.js';
import { FUZZ_RUNS, FUZZ_SEED } from './helpers.js';

/**
 * `fileStemOf` turns a job id into the stem of the files written under `--out`. Whatever the
 * id (any unicode, separators, NUL, dots, reserved device names), the stem is one safe name.
 */

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;
/** Longest stem: the module's 120, with room for a reserved-name prefix. */
const MAX_STEM = 121;

const hostilePiece = fc.constantFrom(
  '/',
  '\\',
  '..',
  '.',
  '\u0000',
  '\n',
  '\r',
  '\t',
  '\u007f',
  '\u0085',
  '\u2028',
  'CON',
  'nul',
  'com1',
  'LPT9',
  ':',
  '*',
  '?',
  '"',
  '<',
  '>',
  '|',
  ' ',
  '~',
  '\u202e',
  'e\u0301',
  '\u00e9',
  '\ufeff',
  '🎬',
  '[',
  ']',
  '=',
  ',',
);
const jobId = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.stringMatching(/^[a-zA-Z]{1,3}$/),
  fc.array(fc.oneof(hostilePiece, fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join('')),
);

function problemsOf(stem: string): string[] {
  const problems: string[] = [];
  if (/[/\\\u0000]/.test(stem)) problems.push('a path separator or NUL');
  if (/[\u0000-\u001f\u007f]/.test(stem)) problems.push('a control character');
  if (stem === '' || stem === '.' || stem === '..') problems.push('an empty or dot name');
  if (WINDOWS_RESERVED.test(stem)) problems.push('a Windows reserved name');
  if (stem.length > MAX_STEM) problems.push(`${stem.length} characters`);
  if (/^[. ]|[. ]$/.test(stem)) problems.push('a leading or trailing dot or space');
  return problems;
}

describe('fileStemOf over hostile job ids', () => {
  it(`${FUZZ_RUNS * 5} ids: never a separator, NUL, control character, dot name or reserved name; bounded; stable`, () => {
    fc.assert(
      fc.property(jobId, (id) => {
        const stem = fileStemOf(id);
        expect(problemsOf(stem), JSON.stringify({ id, stem })).toEqual([]);
        expect(fileStemOf(id)).toBe(stem);
      }),
      { numRuns: FUZZ_RUNS * 5, seed: FUZZ_SEED },
    );
  });

  it(`${FUZZ_RUNS} sets of distinct ids map to distinct stems`, () => {
    fc.assert(
      fc.property(fc.uniqueArray(jobId, { minLength: 2, maxLength: 40 }), (ids) => {
        const stems = new Map<string, string>();
        for (const id of ids) {
          const stem = fileStemOf(id);
          const other = stems.get(stem.toLowerCase());
          // Case-insensitive too: two ids differing only in case would overwrite each other on macOS and Windows.
          expect(other === undefined || other === id, JSON.stringify({ id, other, stem })).toBe(true);
          stems.set(stem.toLowerCase(), id);
        }
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
  });

  it.each([['../../etc/passwd'], ['/abs/path'], ['..'], ['.'], ['a\u0000b'], ['CON'], ['con.txt'], ['hero[product=../x]'], ['C:\\Windows']])(
    '%j becomes one safe name',
    (id) => {
      const stem = fileStemOf(id);
      expect(problemsOf(stem)).toEqual([]);
      // One name, not a path, on POSIX and on Windows.
      expect(path.posix.basename(stem)).toBe(stem);
      expect(path.win32.basename(stem)).toBe(stem);
    },
  );

  it('ids that differ only in case get names that differ on case-insensitive filesystems (regression)', () => {
    const [upper, lower] = [fileStemOf('hero[product=Mug]'), fileStemOf('hero[product=mug]')];
    expect(lower).toBe('hero[product=mug]');
    expect(upper.toLowerCase()).not.toBe(lower.toLowerCase());
  });
});
