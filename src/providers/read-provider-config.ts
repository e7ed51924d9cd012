import path from 'node:path';
import { withoutCredentials, type Issue } from '../source/issue.js';
import { validateSchema } from '../source/schema.js';
import { issueAt, parseYamlSource } from '../source/yaml-source.js';
import { readConfigText } from '../source/read-config-text.js';
import { closestName } from '../source/describe.js';
import { applyProfileSettings, type ProfileSettings } from './custom-profile.js';
import { baseUrlCredentialsProblem } from './base-url-credentials.js';
import { profileModelProblems } from './check-profile.js';
import { validateNoCredentials } from '../source/validate-no-credentials.js';
import type { ProviderProfile } from './profile.js';

/**
 * `shotlist.providers.yaml` in the project root: the project's own profiles, each extending a
 * built-in one (or one defined earlier in the file). Checked against
 * schemas/providers.schema.json, with the same located issues as a storyboard.
 */

export const PROVIDERS_FILE = 'shotlist.providers.yaml';

export interface ProviderConfig {
  /** Built-in profiles and the file's, by name; the built-ins alone when there is no file. */
  readonly profiles: Readonly<Record<string, ProviderProfile>>;
  /** Names of the profiles the file defines, in its order. */
  readonly configured: readonly string[];
  readonly issues: readonly Issue[];
  /** Absolute path of the file (read or looked for): a dependency for watch mode. */
  readonly file: string;
  /** The file's text by display name, for code frames; empty when there is no file. */
  readonly texts: ReadonlyMap<string, string>;
}

export async function readProviderConfig(
  projectRoot: string,
  builtins: Readonly<Record<string, ProviderProfile>>,
  display: (absPath: string) => string = (p) => p,
): Promise<ProviderConfig> {
  const file = path.join(projectRoot, PROVIDERS_FILE);
  const shown = display(file);
  const read = await readConfigText(file, shown);
  if (read.kind === 'absent') return { profiles: builtins, configured: [], issues: [], file, texts: new Map() };
  const fail = (issues: Issue[], texts: ReadonlyMap<string, string> = new Map()): ProviderConfig => ({
    profiles: builtins,
    configured: [],
    issues: issues.map(withoutCredentials),
    file,
    texts,
  });
  if (read.kind === 'refused') return fail([read.issue]);
  const { text } = read;
  const texts = new Map([[shown, text]]);
  const held = validateNoCredentials(texts);
  if (held.length > 0) return fail(held, texts);
  const { source, issues } = parseYamlSource(shown, text);
  if (!source) return fail(issues, texts);
  const schemaIssues = validateSchema(source, 'providers').issues;
  if (issues.length + schemaIssues.length > 0) return fail([...issues, ...schemaIssues], texts);
  const built = buildProfiles(source, builtins);
  return { ...built, issues: built.issues.map(withoutCredentials), file, texts };
}

type Entry = ProfileSettings & { readonly extends: string };

/** Each entry on top of the profile it extends; an unknown base or a built-in's name is an issue. */
function buildProfiles(
  source: NonNullable<ReturnType<typeof parseYamlSource>['source']>,
  builtins: Readonly<Record<string, ProviderProfile>>,
): Pick<ProviderConfig, 'profiles' | 'configured' | 'issues'> {
  const entries = (source.value as { providers: Record<string, Entry> }).providers;
  const profiles: Record<string, ProviderProfile> = { ...builtins };
  const configured: string[] = [];
  const issues: Issue[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    if (Object.hasOwn(builtins, name)) {
      issues.push(
        issueAt(
          source,
          ['providers', name],
          { code: 'duplicate-provider', message: `provider "${name}" is built in`, found: name, hint: `give yours its own name and write extends: ${name}` },
          { key: true },
        ),
      );
      continue;
    }
    const base = profiles[entry.extends];
    if (!base) {
      const guess = closestName(entry.extends, Object.keys(profiles));
      issues.push(
        issueAt(source, ['providers', name, 'extends'], {
          code: 'unknown-provider',
          message: `unknown provider "${entry.extends}"`,
          expected: `one of ${Object.keys(profiles).join(', ')}`,
          found: entry.extends,
          hint: guess ? `did you mean "${guess}"?` : 'a profile extends a built-in one or one defined above it',
        }),
      );
      continue;
    }
    const urls = [
      ...(entry.base_url === undefined ? [] : [{ url: entry.base_url, at: ['providers', name, 'base_url'] }]),
      ...(entry.servers ?? []).map((server, i) => ({ url: server.base_url, at: ['providers', name, 'servers', i, 'base_url'] })),
    ];
    const problems = urls.flatMap(({ url, at }) => {
      const problem = baseUrlCredentialsProblem(url);
      return problem ? [issueAt(source, at, problem)] : [];
    });
    if (problems.length > 0) {
      issues.push(...problems);
      continue;
    }
    const { extends: _base, ...settings } = entry;
    const profile = applyProfileSettings(base, name, settings);
    const incomplete = profileModelProblems(profile).map((problem) =>
      issueAt(
        source,
        ['providers', name, ...(entry.models === undefined ? [] : ['models', ...(problem.model === null ? [] : [problem.model])])],
        { code: 'incomplete-model', message: problem.message, hint: problem.hint },
        { key: problem.model !== null },
      ),
    );
    if (incomplete.length > 0) {
      issues.push(...incomplete);
      continue;
    }
    profiles[name] = profile;
    configured.push(name);
  }
  return { profiles, configured, issues };
}
