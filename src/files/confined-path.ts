import { lstatSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * The one rule for every path a storyboard, a lockfile or a default names: it must lead inside
 * a root (the project directory, or a directory the user named on the command line), after
 * every symlink on the way is followed. The path handed back is the real one (the existing part
 * resolved, the rest appended), and IO goes through it, so what was checked is what is read or
 * written. A symlink whose target does not exist is refused: nothing can tell where a write
 * through it would land.
 */

export type Confined =
  | {
      readonly ok: true;
      /** The real path: existing directories resolved through their symlinks, the rest as written. */
      readonly path: string;
      /** Whether something exists there (anything: a file, a directory, a FIFO). */
      readonly exists: boolean;
    }
  | {
      readonly ok: false;
      /** `outside`: it leads out of every root; `dangling`: a symlink on the way points at nothing. */
      readonly reason: 'outside' | 'dangling';
      /** Where it leads (as far as it could be followed), for the message. */
      readonly resolved: string;
    };

/**
 * Resolves paths against fixed roots. Directories are resolved once per instance, so checking
 * every output of a 10,000-job lockfile costs one `lstat` per file.
 */
export class Confinement {
  private readonly realRoots: readonly string[];
  private readonly dirs = new Map<string, Resolved>();

  /** `roots`: absolute directories; they need not exist yet. */
  constructor(roots: readonly string[]) {
    this.realRoots = roots.map((root) => {
      const resolved = realOfDirectory(path.resolve(root));
      return resolved.dangling ? path.resolve(root) : resolved.real;
    });
  }

  /** Whether `target` (absolute, or relative to the process's directory) leads inside a root. */
  resolve(target: string): Confined {
    const abs = path.resolve(target);
    const dir = this.directory(path.dirname(abs));
    if (dir.dangling) return { ok: false, reason: 'dangling', resolved: dir.real };
    const name = path.basename(abs);
    // The root itself (`path.basename('/')` is empty).
    const candidate = name === '' ? dir.real : path.join(dir.real, name);
    const info = lstatOrNull(candidate);
    let real = candidate;
    if (info?.isSymbolicLink()) {
      const followed = realpathOrNull(candidate);
      if (followed === null) return { ok: false, reason: 'dangling', resolved: candidate };
      real = followed;
    }
    if (!this.realRoots.some((root) => isWithin(root, real))) return { ok: false, reason: 'outside', resolved: real };
    return { ok: true, path: real, exists: info !== null };
  }

  private directory(dir: string): Resolved {
    let resolved = this.dirs.get(dir);
    if (!resolved) {
      resolved = realOfDirectory(dir);
      this.dirs.set(dir, resolved);
    }
    return resolved;
  }
}

/** One check against one root: the common case. */
export function confinePath(root: string, target: string): Confined {
  return new Confinement([root]).resolve(target);
}

/** Whether `target` is `root` or lies under it; both absolute, normalized and already real (a string test: a plan checks thousands). */
export function isWithin(root: string, target: string): boolean {
  if (target === root) return true;
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  return process.platform === 'win32' ? target.toLowerCase().startsWith(prefix.toLowerCase()) : target.startsWith(prefix);
}

interface Resolved {
  readonly real: string;
  readonly dangling: boolean;
}

/**
 * The real path of a directory that may not exist yet: the deepest existing ancestor resolved,
 * the missing rest appended. A missing component that is in fact a dangling symlink makes the
 * whole path dangling.
 */
function realOfDirectory(dir: string): Resolved {
  const missing: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    const real = realpathOrNull(at);
    if (real !== null) return { real: path.join(real, ...missing.reverse()), dangling: false };
    if (lstatOrNull(at)?.isSymbolicLink()) return { real: at, dangling: true };
    if (path.dirname(at) === at) return { real: dir, dangling: false };
    missing.push(path.basename(at));
  }
}

function realpathOrNull(p: string): string | null {
  try {
    return realpathSync.native(p);
  } catch {
    return null;
  }
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}
