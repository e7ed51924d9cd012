import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real full disk, for tests of what a full disk does: a tiny tmpfs mounted in a private mount
 * namespace (`unshare -m` as root, `unshare -rm` in a user namespace otherwise), so nothing on
 * the machine sees it and it vanishes with the command. `null` when this machine allows neither
 * (the test then says why it was skipped).
 */
export async function smallDiskPrefix(): Promise<readonly string[] | null> {
  const probe = await mkdtemp(path.join(os.tmpdir(), 'shotlist-small-disk-'));
  try {
    for (const prefix of [
      ['unshare', '-m'],
      ['unshare', '-rm'],
    ]) {
      const ok = await run(prefix[0]!, [...prefix.slice(1), 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs "${probe}" && df "${probe}" >/dev/null`]).then(
        () => true,
        () => false,
      );
      if (ok) return prefix;
    }
    return null;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}
