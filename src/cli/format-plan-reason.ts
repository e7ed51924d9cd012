import { formatDuration } from '../format/format-duration.js';
import type { AdoptedState, GoneVideo, ParentUnusable, PlanReason, RecordedError } from '../plan/plan-reason.js';

/**
 * A plan reason in words, as the plan table, `--json` events, status notes and the run summary
 * show it. The words quote ids and a server's messages as they are: the caller makes them
 * printable for where they go.
 */
export function describePlanReason(reason: PlanReason): string {
  switch (reason.code) {
    case 'new':
      return 'new job';
    case 'replace':
      return 'forced by --replace';
    case 'remixed-video-gone':
      return `its video ${describeGone(reason.gone)}${reason.gone.code === 'expired' ? '' : ','} and ${reason.remix} remixes it`;
    case 'parent-renders':
      return 'parent renders again';
    case 'request-changed':
      return reason.changed.length > 0 ? `${reason.changed.join(', ')} changed` : 'request changed';
    case 'in-flight-dropped':
      return `in flight on ${reason.server}, no longer among the provider's servers`;
    case 'last-attempt-failed':
      return `the last attempt failed (${reason.error})`;
    case 'retry-failed':
      return `the last attempt failed (${reason.error}); sent again by --retry-failed`;
    case 'retry-ambiguous':
      return 'a create may have reached the server, which cannot be searched for it; created again by --retry-ambiguous (it may be paid twice)';
    case 'ambiguous-create':
      return 'a create may have reached the server, which cannot be searched for it; not sent again without --retry-ambiguous';
    case 'refresh-always':
      return 'refresh: always';
    case 'refresh-due':
      return `refresh due (${reason.every}; the take is ${formatDuration(reason.ageSeconds)} old)`;
    case 'take-gone':
      return `${describeFile(reason.file)} and the video ${describeGone(reason.gone)}`;
    case 'in-flight':
      return `in flight as ${reason.videoId}; resumed, never created again`;
    case 'maybe-created':
      return 'a create may have reached the server; looked for before any new create';
    case 'failed-for-good':
      return describeFailedForGood(reason.error);
    case 'up-to-date':
      return 'up to date';
    case 'on-remote':
      return `${describeFile(reason.file)}; the remote holds it`;
    case 'file-missing':
      return describeFile('missing');
    case 'file-altered':
      return describeFile('altered');
    case 'moved':
      return `moved from ${reason.from}${reason.then === null ? '' : `; ${describeAdopted(reason.then)}`}`;
    case 'frozen':
      return `${reason.file === 'intact' ? 'frozen' : `frozen; file ${reason.file}`}${keptAlthough(reason.changed)}`;
    case 'frozen-take-gone':
      return `frozen, but the take is gone: file ${reason.file} and the video ${describeGone(reason.gone)}${keptAlthough(reason.changed)}`;
    case 'parent-not-selected':
      return `parent ${reason.parent} is not selected by --only and ${describeUnusable(reason.why)}`;
    case 'parent-blocked':
      return `parent ${reason.parent} is blocked`;
    case 'parent-failed':
      return `parent ${reason.parent} failed (${reason.error}) and is not sent again`;
  }
}

/** The end of a sentence about a video: `expired on the server 3 h ago`, `is on b, no longer among …`. */
function describeGone(gone: GoneVideo): string {
  if (gone.code === 'dropped') return `is on ${gone.server}, no longer among the provider's servers`;
  if (gone.secondsAgo === undefined) return 'expired on the server';
  return gone.secondsAgo >= 0 ? `expired on the server ${formatDuration(gone.secondsAgo)} ago` : 'expires on the server within minutes';
}

function describeFile(file: 'missing' | 'altered'): string {
  return file === 'missing' ? 'file missing' : 'file altered on disk';
}

/** A failure the same request would meet again: the server's reason, and what would send it again. */
function describeFailedForGood(error: RecordedError): string {
  return `${error ? `${error.code}: ${error.message}` : 'failed'}; not sent again until the request changes, or with --retry-failed`;
}

/** What is left of an adopted entry, after "moved from X; ". */
function describeAdopted(state: AdoptedState): string {
  switch (state.code) {
    case 'file-missing':
      return describeFile('missing');
    case 'file-altered':
      return describeFile('altered');
    case 'in-flight':
      return `in flight as ${state.videoId}, resumed`;
    case 'maybe-created':
      return 'a create may have reached the server, looked for first';
    case 'failed-for-good':
      return describeFailedForGood(state.error);
  }
}

function describeUnusable(why: ParentUnusable): string {
  switch (why.code) {
    case 'no-video':
      return 'has no video yet';
    case 'video-gone':
      return `its video ${describeGone(why.gone)}; select it too to render it again`;
    case 'in-flight':
      return 'is still in flight; render it (or select it too) first';
    case 'file-missing':
      return 'has no file to take the last frame from; select it too to download it';
    case 'renders':
      return `must render again first (${describePlanReason(why.reason)})`;
    case 'failed':
      return `failed (${why.error})`;
    case 'blocked':
      return `is blocked (${describePlanReason(why.reason)})`;
  }
}

function keptAlthough(changed: readonly string[]): string {
  return changed.length > 0 ? ` (kept although ${changed.join(', ')} changed)` : '';
}
