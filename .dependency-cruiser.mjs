/**
 * The dependency rules of shotlist's parts: the arrows of docs/architecture.md ("What must never
 * depend on what"), checked by `npm run lint:deps` and by test/architecture/dependency-rules.test.ts
 * (so `npm test`, and with it CI, fails on a cycle or a forbidden arrow).
 *
 * Paths are relative to the directory cruised from (the repository root), so a rule reads as
 * "a module under src/<part>/ must not import one under src/<other>/". When the picture changes,
 * change docs/architecture.md and this file together, in one commit that says why.
 */

/** Shared leaves every part may use: the error base classes, bounded file reading, confined paths, redaction of untrusted text. They import nothing else of shotlist. */
const FOUNDATIONS = '^src/(untrusted|files)/|^src/errors[.]ts$';

/**
 * Temporary exceptions: arrows that exist on main while the restructure (issue 11) is under way,
 * each named and with the reason. Delete an entry as soon as the arrow is gone; an entry that no
 * longer matches anything is harmless but misleading. None today.
 * @type {string[]}
 */
const TEMPORARY_EXCEPTIONS = [];

const excepted = TEMPORARY_EXCEPTIONS.length === 0 ? undefined : TEMPORARY_EXCEPTIONS.join('|');

/** @param {Record<string, unknown>} from */
function except(from) {
  return excepted === undefined ? from : { ...from, pathNot: [from.pathNot, excepted].filter(Boolean).join('|') };
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycle-between-parts',
      comment:
        'Two parts that import each other (type-only imports count) cannot be read, tested or moved apart: a part is a folder of src/, and a cycle that leaves its folder is an arrow pointing up.',
      severity: 'error',
      from: except({ path: '^src/([^/]+)/' }),
      to: { circular: true, via: { pathNot: '^src/$1/' } },
    },
    {
      name: 'no-runtime-cycle',
      comment:
        'Modules whose values import each other in a ring load in an order that depends on who came first (an undefined at import time). A ring that a type-only import closes is erased at run time and allowed within a part.',
      severity: 'error',
      from: except({ path: '^src/' }),
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'type-import'] } },
    },
    {
      name: 'core-knows-no-effects',
      comment: 'storyboard, plan, lockfile, providers, source never import api, run, cli or emulator: the core knows no network, no execution and no terminal.',
      severity: 'error',
      from: except({ path: '^src/(storyboard|plan|lockfile|providers|source)/' }),
      to: { path: '^src/(api|run|cli|emulator)/' },
    },
    {
      name: 'plan-never-run',
      comment: 'The plan is data the runner consumes; it never imports run/.',
      severity: 'error',
      from: except({ path: '^src/plan/' }),
      to: { path: '^src/run/' },
    },
    {
      name: 'effects-never-cli',
      comment: "api, run, remote and cut report events and return outcomes; the terminal is the CLI's.",
      severity: 'error',
      from: except({ path: '^src/(api|run|remote|cut)/' }),
      to: { path: '^src/cli/' },
    },
    {
      name: 'emulator-never-client',
      comment: "The emulator must not share the client's view of the protocol (api, run, embedded), or the tests against it prove nothing.",
      severity: 'error',
      from: except({ path: '^src/emulator/' }),
      to: { path: '^src/(api|run|embedded)/' },
    },
    {
      name: 'only-cli-imports-cli',
      comment: 'Nothing outside src/cli/ imports from it: flags, formatting and exit codes are the top of the graph.',
      severity: 'error',
      from: except({ path: '^src/', pathNot: '^src/cli/' }),
      to: { path: '^src/cli/' },
    },
    {
      name: 'source-imports-nothing-of-shotlist',
      comment:
        'src/source/ (YAML with positions, schema checks, Issue, did-you-mean) sits under storyboard, providers and lockfile: it imports only itself and the foundations.',
      severity: 'error',
      from: except({ path: '^src/source/' }),
      to: { path: '^src/', pathNot: `^src/source/|${FOUNDATIONS}` },
    },
    {
      name: 'foundations-are-leaves',
      comment: 'errors.ts, files/ and untrusted/ are used by every part, so they import none of them.',
      severity: 'error',
      from: except({ path: FOUNDATIONS }),
      to: { path: '^src/', pathNot: `${FOUNDATIONS}|^src/source/issue[.]ts$` },
    },
    {
      name: 'errors-name-issues-by-type-only',
      comment: 'ValidationError in errors.ts carries Issues: it may name the Issue type of source/issue.ts, never import its code.',
      severity: 'error',
      from: except({ path: FOUNDATIONS }),
      to: { path: '^src/source/issue[.]ts$', dependencyTypesNot: ['type-only', 'type-import'] },
    },
    {
      name: 'src-never-imports-tests',
      comment: 'The shipped code never imports tests, benchmarks or build scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'src-never-imports-dev-dependencies',
      comment: 'A devDependency is not installed for a user: src/ may import only dependencies (type-only imports are erased and allowed).',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|generated|node_modules)/' },
    // Type-only imports count: a cycle through types is still two parts that cannot be read apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
