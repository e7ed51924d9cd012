import type { FieldSetter } from './field-setters.js';
import type { FieldValue, ResolvedJob, VideoLength } from './job.js';
import { CHILD_NOUN, type ParentKind } from './parent-link.js';
import type { ReportAt } from './variants.js';
import type { RequestField } from './written.js';

/**
 * Which request fields a child job (remix, edit, extension, continuation) sets itself, and which
 * it takes from its parent job. Pure.
 *
 * - A remix or an edit sends only a prompt: model, size and seconds are its parent video's (the
 *   seconds of an extended video are all of them, not what the last extension added).
 * - An extension sends a prompt and the seconds it adds: model and size are its parent's.
 * - A continuation is a create of its own: model and size default to its parent's (a scene
 *   keeps its look and framing unless a shot says otherwise), then to `defaults`; its length is
 *   its own (the shot's, else `defaults`), as a parent's `seconds` may be what an extension added.
 */

type Fields = Pick<ResolvedJob, 'model' | 'size' | 'seconds'>;

/** The request fields a child of this kind may set itself, by a field or a variant binding. */
const OWN_FIELDS: Readonly<Record<ParentKind, readonly string[] | 'all'>> = { remix: [], edit: [], extend: ['seconds'], continue: 'all' };

/** The setters a child of this kind may not have: each would set nothing. */
export function refusedSetters(setters: readonly FieldSetter[], kind: ParentKind): FieldSetter[] {
  const own = OWN_FIELDS[kind];
  return own === 'all' ? [] : setters.filter((setter) => !own.includes(setter.field));
}

/** The issue for a setter a child of this kind may not have. */
export function refusedSetterIssue(setter: FieldSetter, kind: ParentKind): Parameters<ReportAt>[1] {
  const noun = CHILD_NOUN[kind];
  const sends = kind === 'extend' ? `${noun} sends only its prompt and the seconds it adds` : `${noun} sends only its prompt`;
  const takes = kind === 'extend' ? `${noun} keeps its parent's model and size` : `${noun} takes model, size, seconds and the rest from its parent's video`;
  return {
    code: `${kind}-field`,
    message: `${setter.what} would set the request field ${setter.field}, but ${sends}`,
    hint: `${takes}; ${setter.byKey ? 'rename the key' : 'name the axis differently'} to use it in the prompt only`,
  };
}

/**
 * The fields a child takes from its parent job: `all` of them (remix, edit: nothing of the
 * child's is resolved), or `some`, which the child's own values (a binding, the shot's field)
 * override and which override `defaults` (model and size, for an extension or a continuation).
 */
export function inheritedFields(
  parent: ResolvedJob,
  kind: ParentKind,
): { readonly all: Fields } | { readonly some: Partial<Record<RequestField, FieldValue | null>> } {
  switch (kind) {
    case 'remix':
    case 'edit': {
      const seconds =
        Number(parent.seconds.value) === parent.video.seconds ? parent.seconds : { value: String(parent.video.seconds), origin: parent.seconds.origin };
      return { all: { model: parent.model, size: parent.size, seconds } };
    }
    case 'extend':
    case 'continue':
      return { some: { model: parent.model, size: parent.size } };
  }
}

/** The video a job makes, from its parent's (see `ResolvedJob.video`). */
export function videoOf(parent: ResolvedJob | null, kind: ParentKind | null, seconds: FieldValue): VideoLength {
  const own = Number(seconds.value);
  if (parent === null || kind === null || kind === 'continue') return { seconds: own, extensions: 0 };
  if (kind === 'extend') return { seconds: parent.video.seconds + own, extensions: parent.video.extensions + 1 };
  return parent.video;
}
