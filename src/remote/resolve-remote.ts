import { RemoteConfigError } from './errors.js';
import { parseRemoteUrl, type RemoteLocation } from './remote-url.js';

/**
 * Which remote a command uses: `--remote URL`, else `SHOTLIST_REMOTE`, else `remote:` in the
 * project's `shotlist.config.yaml`, else none. Pure: the caller reads the flag, the
 * environment and the config file and hands them in.
 */

export type RemoteSource = 'flag' | 'env' | 'config';

export interface RemoteSettings {
  /** `--remote`, as given; `undefined` when the flag is absent. */
  readonly flag?: string | undefined;
  /** `SHOTLIST_REMOTE`; empty counts as unset, as shells leave exported-but-empty variables. */
  readonly env?: string | undefined;
  /** `remote:` from `shotlist.config.yaml`, when the file sets it. */
  readonly config?: string | undefined;
  /** Where `--remote` and `SHOTLIST_REMOTE` paths are relative to: the working directory. */
  readonly cwd: string;
  /** Where a path in the config file is relative to: the project root that holds the file. */
  readonly projectRoot: string;
}

export interface ResolvedRemote {
  readonly location: RemoteLocation;
  readonly source: RemoteSource;
}

/** The remote in force, or `null` when none is named. A malformed URL throws `RemoteConfigError` naming its source. */
export function resolveRemote(settings: RemoteSettings): ResolvedRemote | null {
  if (settings.flag !== undefined) {
    if (settings.flag.trim() === '')
      throw new RemoteConfigError('--remote needs a URL', { hint: 'e.g. --remote s3://bucket/prefix or --remote /mnt/share/renders' });
    return { location: parseFrom(settings.flag, settings.cwd, '--remote'), source: 'flag' };
  }
  if (settings.env !== undefined && settings.env.trim() !== '') {
    return { location: parseFrom(settings.env, settings.cwd, 'SHOTLIST_REMOTE'), source: 'env' };
  }
  if (settings.config !== undefined) return { location: parseFrom(settings.config, settings.projectRoot, 'remote: in shotlist.config.yaml'), source: 'config' };
  return null;
}

function parseFrom(text: string, base: string, where: string): RemoteLocation {
  try {
    return parseRemoteUrl(text, base);
  } catch (error) {
    if (error instanceof RemoteConfigError) throw new RemoteConfigError(`${where}: ${error.message}`, error.hint === undefined ? {} : { hint: error.hint });
    throw error;
  }
}
