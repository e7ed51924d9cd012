/** How user input is echoed in messages: short, typed, never the whole thing. */

const MAX_ECHO = 60;

/** `8` → `number 8`; `"abc"` → `"abc"`; `{…}` → `a map`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return 'a map';
}

/** Cuts echoed input so one bad line cannot flood the terminal. */
export function truncate(text: string, max = MAX_ECHO): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** At most this many names in a list; the rest are counted. */
const LISTED = 3;

/** `a, b and c`, or `a, b, c and 4 more`: a list in a message stays one line. */
export function listOf(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).map((name) => truncate(name, 80));
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)!}`;
}

/** `job a[p=1]`, `jobs a[p=1] and a[p=2]`, `5 jobs: a[p=1], a[p=2], a[p=3] and 2 more`. */
export function listJobs(ids: readonly string[]): string {
  if (ids.length === 1) return `job ${listOf(ids)}`;
  return ids.length > LISTED ? `${ids.length} jobs: ${listOf(ids)}` : `jobs ${listOf(ids)}`;
}

/** The candidate closest to `name` by edit distance, if it is close enough to be a typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: the fewest single-character edits that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
