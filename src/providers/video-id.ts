/**
 * What a video id looks like, per protocol, held as data: ids come from servers and from
 * lockfiles (both untrusted), end up in URL paths and file-adjacent records, and are compared
 * to decide what is referenced. An id of another form is refused where it is read, never used.
 */

/**
 * - `video`: `video_` + letters, digits, `_` or `-` (OpenAI, Azure, vLLM-Omni's `video_gen_…`, the emulator).
 * - `video-base64`: `video_` + standard base64, `=` padding kept (LiteLLM's routing records).
 * - `opaque`: 1–512 of letters, digits and `._~:+=-`, not `.` or `..` (servers with bare uuids:
 *   fal's request ids, Replicate's prediction ids).
 * - `operation`: a Gemini API operation name, `models/{model}/operations/{id}` (gemini-veo.md §5),
 *   polled as `GET /v1beta/{name}`; lower-case letters, digits, `.` and `-` only, so it stays
 *   one path with no `..`.
 * - `fal-request`: a fal.ai queue request as its status and result URLs name it,
 *   `{owner}/{alias}/requests/{request_id}` (fal-queue.md §2: those URLs keep only the app, not
 *   the endpoint's sub-path, so the id must carry the app to be polled again after a restart).
 */
export type VideoIdForm = 'video' | 'video-base64' | 'opaque' | 'operation' | 'fal-request';

export const VIDEO_ID_FORMS: readonly VideoIdForm[] = ['video', 'video-base64', 'opaque', 'operation', 'fal-request'];

const FORMS: Readonly<Record<VideoIdForm, { readonly pattern: RegExp; readonly description: string }>> = {
  video: { pattern: /^video_[A-Za-z0-9_-]{1,250}$/, description: 'video_ followed by up to 250 letters, digits, _ or -' },
  'video-base64': { pattern: /^video_[A-Za-z0-9+/]{1,500}={0,2}$/, description: 'video_ followed by standard base64' },
  opaque: { pattern: /^(?!\.\.?$)[A-Za-z0-9._~:+=-]{1,512}$/, description: 'up to 512 letters, digits or ._~:+=-' },
  'fal-request': {
    pattern:
      /^(?:(?:workflows|comfy)\/)?[A-Za-z0-9_-](?:[A-Za-z0-9_-]|\.(?!\.)){0,99}\/[A-Za-z0-9_-](?:[A-Za-z0-9_-]|\.(?!\.)){0,99}\/requests\/[A-Za-z0-9-]{1,100}$/,
    description: '<owner>/<app>/requests/<request id>',
  },
  operation: { pattern: /^models\/[a-z0-9](?:[a-z0-9-]|\.(?!\.)){0,99}\/operations\/[a-z0-9]{1,100}$/, description: 'models/<model>/operations/<id>' },
};

/** Whether `id` is a video id of the form. */
export function isVideoId(form: VideoIdForm, id: string): boolean {
  return FORMS[form].pattern.test(id);
}

/** The form in words, for messages: "video_ followed by ...". */
export function describeVideoIdForm(form: VideoIdForm): string {
  return FORMS[form].description;
}
