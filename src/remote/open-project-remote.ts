import { RemoteConfigError } from './errors.js';
import { openRemoteStore } from './open-remote.js';
import { readProjectConfig } from './read-project-config.js';
import { resolveRemote, type RemoteSource } from './resolve-remote.js';
import type { RemoteStore } from './store.js';

/**
 * The remote a command in a project uses, opened: `--remote`, else `SHOTLIST_REMOTE`, else
 * `remote:` in the project's `shotlist.config.yaml`; `null` when none is named. A config file
 * with problems is refused at the first one's line and column.
 */
export interface ProjectRemote {
  readonly store: RemoteStore;
  readonly source: RemoteSource;
}

export async function openProjectRemote(
  projectRoot: string,
  settings: { readonly flag?: string | undefined; readonly env: Readonly<Record<string, string | undefined>>; readonly cwd: string },
  display: (absPath: string) => string = (p) => p,
): Promise<ProjectRemote | null> {
  const config = await readProjectConfig(projectRoot, display);
  const problem = config.issues.find((issue) => issue.severity === 'error');
  if (problem !== undefined) {
    throw new RemoteConfigError(
      `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`,
      problem.hint === undefined ? {} : { hint: problem.hint },
    );
  }
  const resolved = resolveRemote({ flag: settings.flag, env: settings.env['SHOTLIST_REMOTE'], config: config.remote, cwd: settings.cwd, projectRoot });
  if (resolved === null) return null;
  return { store: await openRemoteStore(resolved.location), source: resolved.source };
}
