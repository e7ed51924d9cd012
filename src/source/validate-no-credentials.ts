import { heldSecretsIn } from '../untrusted/redactor.js';
import type { Issue } from './issue.js';

/**
 * A storyboard, an import, a partial file or shotlist.providers.yaml that contains a credential
 * shotlist uses (the value of OPENAI_API_KEY, a remote store's password; verbatim or encoded)
 * is refused: whatever a storyboard holds ends up in job ids, file names, the lockfile and the
 * report, and credentials come from the environment only. The issue says where, never what.
 */
export function validateNoCredentials(texts: ReadonlyMap<string, string>): Issue[] {
  const issues: Issue[] = [];
  for (const [file, text] of texts) {
    for (const [start, end] of heldSecretsIn(text)) {
      const before = text.lastIndexOf('\n', start - 1);
      const line = text.slice(0, start).split('\n').length;
      const lineEnd = text.indexOf('\n', start);
      issues.push({
        severity: 'error',
        code: 'credential-in-file',
        file,
        line,
        column: start - before,
        length: Math.max(1, Math.min(end, lineEnd === -1 ? text.length : lineEnd) - start),
        path: '',
        message: 'this file holds a credential from the environment (an API key or a store password shotlist uses)',
        hint: 'remove it: credentials come from the environment only, and what a storyboard holds ends up in the lockfile and the report',
      });
    }
  }
  return issues;
}
