import { listOf } from '../source/describe.js';
import type { Issue } from '../source/issue.js';

/**
 * A problem several films of one cut meet at one place (a trim past the end of the clip in
 * every product's film) is one problem: issues are gathered by place and message and reported
 * once, naming the films when only some of the cut's films meet it.
 */
export class FilmIssueGroups {
  private readonly groups = new Map<string, { readonly issue: Issue; readonly cutIndex: number; readonly films: string[] }>();

  /** `issue` says what is wrong without naming the film; `filmId` is added to its group. */
  add(issue: Issue, cutIndex: number, filmId: string): void {
    const key = [cutIndex, issue.file, issue.line, issue.column, issue.code, issue.message].join('\0');
    const group = this.groups.get(key);
    if (group) {
      if (!group.films.includes(filmId)) group.films.push(filmId);
    } else this.groups.set(key, { issue, cutIndex, films: [filmId] });
  }

  /** One issue per group; `filmsOf(cutIndex)` is how many films the cut has, to leave out a list of all of them. */
  issues(filmsOf: (cutIndex: number) => number): Issue[] {
    return [...this.groups.values()].map(({ issue, cutIndex, films }) =>
      films.length === filmsOf(cutIndex) ? issue : { ...issue, message: `${issue.message} (${listFilms(films)})` },
    );
  }
}

/** `film spot[p=1]`, `films spot[p=1] and spot[p=2]`, `5 films: …`. */
export function listFilms(ids: readonly string[]): string {
  if (ids.length === 1) return `film ${listOf(ids)}`;
  return ids.length > 3 ? `${ids.length} films: ${listOf(ids)}` : `films ${listOf(ids)}`;
}
