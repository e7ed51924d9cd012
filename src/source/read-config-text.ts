import { describeReadFailure, readBounded, type ReadFailure } from '../files/read-bounded.js';
import type { Issue } from './issue.js';
import { YAML_LIMITS } from './yaml-source.js';

/**
 * The text of a file a project may have at its root (`shotlist.config.yaml`,
 * `shotlist.providers.yaml`), read as every file a user names is (files/read-bounded.ts): only
 * a regular file, never more than a YAML file's bound. A FIFO put there would otherwise block
 * the command for ever, and `/dev/zero` fill its memory.
 */
export type ConfigText =
  | { readonly kind: 'absent' }
  | { readonly kind: 'text'; readonly text: string }
  /** There is such a file, and it cannot be read as one: the issue says why, at the file. */
  | { readonly kind: 'refused'; readonly issue: Issue };

export async function readConfigText(absPath: string, shown: string): Promise<ConfigText> {
  const read = await readBounded(absPath, YAML_LIMITS.maxFileBytes);
  if (read.ok) return { kind: 'text', text: read.bytes.toString('utf8') };
  if (read.reason === 'missing') return { kind: 'absent' };
  return { kind: 'refused', issue: refusalIssue(read, shown) };
}

const CODES: Record<ReadFailure['reason'], string> = {
  missing: 'file-not-found',
  'not-a-file': 'not-a-file',
  'too-large': 'file-too-large',
  unreadable: 'file-unreadable',
};

function refusalIssue(failure: ReadFailure, shown: string): Issue {
  return {
    severity: 'error',
    code: CODES[failure.reason],
    message: `${shown} ${describeReadFailure(failure, YAML_LIMITS.maxFileBytes)}`,
    file: shown,
    line: 0,
    column: 0,
    length: 1,
    path: '',
  };
}
