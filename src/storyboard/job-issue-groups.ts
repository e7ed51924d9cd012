import type { Issue } from '../source/issue.js';
import { listJobs } from '../source/describe.js';

/**
 * A problem that several jobs meet at one place (a template every job of a shot renders, an
 * image every job names) is one problem: issues are gathered by place and message and reported
 * once, naming the jobs, instead of once per job with only the job id telling them apart.
 */
export class JobIssueGroups {
  private readonly groups = new Map<string, { readonly issue: Issue; readonly jobs: string[] }>();

  /** `issue` says what is wrong without naming the job; `jobId` is added to its group. */
  add(issue: Issue, jobId: string): void {
    const key = [issue.file, issue.line, issue.column, issue.code, issue.message].join('\0');
    const group = this.groups.get(key);
    if (group) group.jobs.push(jobId);
    else this.groups.set(key, { issue, jobs: [jobId] });
  }

  /** One issue per group, its message ending with the jobs concerned. */
  issues(): Issue[] {
    return [...this.groups.values()].map(({ issue, jobs }) => ({ ...issue, message: `${issue.message} (${listJobs(jobs)})` }));
  }
}
