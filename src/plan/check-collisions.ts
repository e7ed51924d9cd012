import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { readBounded } from '../files/read-bounded.js';
import { lockfilePathFor } from '../lockfile/lockfile.js';
import { parseYamlSource, YAML_LIMITS } from '../source/yaml-source.js';

/**
 * Two storyboards must never share what one of them owns. Beside `a.yaml` lies `a.lock.json`,
 * so `a.yml` (or `A.yaml`, one file on macOS and Windows) in the same folder would write the
 * same lockfile, each run dropping the other's entries and paying again for their videos; and
 * two storyboards of one folder with the same `name:` would write the same `renders/<name>/`,
 * each overwriting the other's files and contact sheet. Both are refused, naming the other file.
 */

export interface CollisionSubject {
  readonly mainPath: string;
  readonly name: string;
}

/** Throws a `UserError` (exit 2) naming the first storyboard beside `subject` that would share its lockfile, or (unless `--out` names the output directory) its renders directory. */
export async function checkCollisions(
  subject: CollisionSubject,
  options: { readonly explicitOut: boolean; readonly display: (absPath: string) => string },
): Promise<void> {
  const dir = path.dirname(subject.mainPath);
  const ownLock = lockfilePathFor(subject.mainPath).toLowerCase();
  const ownName = foldName(subject.name);
  const self = identityOf(subject.mainPath);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return; // the storyboard was read from there a moment ago; a listing refused tells nothing more
  }
  for (const entry of entries.sort()) {
    if (!/\.ya?ml$/i.test(entry)) continue;
    const sibling = path.join(dir, entry);
    if (sibling === subject.mainPath || identityOf(sibling) === self) continue;
    const sharesLock = lockfilePathFor(sibling).toLowerCase() === ownLock;
    if (!sharesLock && options.explicitOut) continue;
    const other = await storyboardNameOf(sibling, sharesLock ? null : subject.name);
    if (other === null) continue;
    const shown = options.display(sibling);
    if (sharesLock) {
      throw new UserError(
        'storyboard-collision',
        `${options.display(subject.mainPath)} and ${shown} share the lockfile ${options.display(lockfilePathFor(subject.mainPath))}: each run of one would drop the other's entries and pay again for its videos`,
        {
          hint: `rename one of them (the lockfile is named after the storyboard's file name, whatever its extension or case)`,
        },
      );
    }
    if (foldName(other) === ownName) {
      throw new UserError(
        'storyboard-collision',
        `${options.display(subject.mainPath)} and ${shown} are both named "${subject.name}": both would write renders/${subject.name}/, each overwriting the other's files`,
        {
          hint: 'give one of them another name:, or render it with --out DIR',
        },
      );
    }
  }
}

/** Names that differ only in case share a directory on macOS and Windows. */
function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** dev:ino of a file, so that a symlink to the storyboard itself is not another storyboard. */
function identityOf(file: string): string | null {
  const info = statSync(file, { throwIfNoEntry: false });
  return info ? `${info.dev}:${info.ino}` : null;
}

/**
 * The `name:` of a sibling that is a storyboard (it has `shots`), or null for anything else (an
 * import, a CI file, a broken or oversized file). With `mustMention`, files whose text does not
 * contain that name are skipped unparsed: most siblings are, and a plan stays fast.
 */
async function storyboardNameOf(file: string, mustMention: string | null): Promise<string | null> {
  const read = await readBounded(file, YAML_LIMITS.maxFileBytes);
  if (!read.ok) return null;
  const text = read.bytes.toString('utf8');
  if (mustMention !== null && !text.toLowerCase().includes(mustMention.toLowerCase())) return null;
  const { source } = parseYamlSource(file, text);
  const value = source?.value as { name?: unknown; shots?: unknown } | null | undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return typeof value.name === 'string' && value.shots !== undefined ? value.name : null;
}
