import path from 'node:path';
import type { ErrorObject } from 'ajv/dist/2020.js';
// Compiled from schemas/config.schema.json at build time (scripts/gen-config-validator.ts).
import { config as validateConfig } from '../../generated/config-validator.js';
import type { Issue } from '../source/issue.js';
import { closestName, describeValue, truncate } from '../source/describe.js';
import { pointerToPath, schemaMessage } from '../source/schema.js';
import { issueAt, parseYamlSource, type YamlSource } from '../source/yaml-source.js';
import { readConfigText } from '../source/read-config-text.js';
import { RemoteConfigError } from './errors.js';
import { parseRemoteUrl } from './remote-url.js';

/**
 * `shotlist.config.yaml` at the project root: the project's settings, for now `remote:`.
 * Checked against schemas/config.schema.json with located issues, like a storyboard, and the
 * remote URL checked where it is written. (`shotlist.providers.yaml` is read separately by
 * src/providers/read-provider-config.ts; one project file is where both are heading.)
 */

export const CONFIG_FILE = 'shotlist.config.yaml';

export interface ProjectConfig {
  /** `remote:` as written, or `undefined`; resolve it with `resolveRemote` (`config`). */
  readonly remote: string | undefined;
  readonly issues: readonly Issue[];
  /** Absolute path of the file (read or looked for): a dependency for watch mode. */
  readonly file: string;
  /** The file's text by display name, for code frames; empty when there is no file. */
  readonly texts: ReadonlyMap<string, string>;
}

interface WrittenConfig {
  readonly remote?: string;
}

export async function readProjectConfig(projectRoot: string, display: (absPath: string) => string = (p) => p): Promise<ProjectConfig> {
  const file = path.join(projectRoot, CONFIG_FILE);
  const shown = display(file);
  const read = await readConfigText(file, shown);
  if (read.kind === 'absent') return { remote: undefined, issues: [], file, texts: new Map() };
  if (read.kind === 'refused') return { remote: undefined, issues: [read.issue], file, texts: new Map() };
  const { text } = read;
  const texts = new Map([[shown, text]]);
  const fail = (issues: Issue[]): ProjectConfig => ({ remote: undefined, issues, file, texts });
  const { source, issues } = parseYamlSource(shown, text);
  if (!source) return fail(issues);
  // An empty file (or one holding only comments) sets nothing.
  const value = source.value ?? {};
  if (!validateConfig(value)) return fail((validateConfig.errors ?? []).map((error) => schemaIssue(source, error)));
  const written = value as WrittenConfig;
  if (written.remote !== undefined) {
    try {
      parseRemoteUrl(written.remote, projectRoot);
    } catch (error) {
      if (!(error instanceof RemoteConfigError)) throw error;
      return fail([
        issueAt(source, ['remote'], {
          code: 'invalid-remote',
          message: error.message,
          expected: 'file:///absolute/path, a plain path, or s3://bucket/prefix',
          ...(error.hint === undefined ? {} : { hint: error.hint }),
        }),
      ]);
    }
  }
  return { remote: written.remote, issues: [], file, texts };
}

/** An ajv error of the config schema as an issue at its place. The schema is small: a handful of keywords can fail. */
function schemaIssue(source: YamlSource, error: ErrorObject): Issue {
  const at = pointerToPath(error.instancePath);
  const found = truncate(describeValue(error.data));
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(error.params['additionalProperty']);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}).filter((key) => key !== '$schema');
      const guess = closestName(name, allowed);
      return issueAt(
        source,
        [...at, name],
        {
          code: 'unknown-property',
          message: `unknown property "${name}"`,
          expected: `one of ${allowed.join(', ')}`,
          found: name,
          hint: guess ? `did you mean "${guess}"?` : `${CONFIG_FILE} holds ${allowed.join(', ')}; provider profiles stay in shotlist.providers.yaml`,
        },
        { key: true },
      );
    }
    case 'type': {
      const expected = String(error.params['type']);
      return issueAt(source, at, {
        code: 'wrong-type',
        message: schemaMessage(error) ?? `expected ${expected}, found ${found}`,
        expected,
        found,
        ...(error.data === null ? { hint: 'an empty value reads as null in YAML; write a value or remove the key' } : {}),
      });
    }
    case 'minLength':
      return issueAt(source, at, {
        code: 'invalid-value',
        message: `expected at least ${String(error.params['limit'])} character, found ${found}`,
        found,
        hint: 'the value may not be empty',
      });
    case 'maxLength':
      return issueAt(source, at, { code: 'invalid-value', message: `expected at most ${String(error.params['limit'])} characters, found ${found}`, found });
    default:
      return issueAt(source, at, { code: 'invalid-value', message: `${schemaMessage(error) ?? error.message ?? 'is invalid'}, found ${found}`, found });
  }
}
