import { redact } from './redactor.js';

/**
 * Characters that make a terminal do something instead of showing something: C0 controls (ESC
 * starts CSI and OSC sequences: clear screen, window title, OSC 8 links, OSC 52 clipboard; BEL;
 * CR and BS rewrite what is on the line; LF forges a line), DEL, C1 controls (U+009B is a CSI
 * on its own), bidirectional controls (they reorder what is shown), U+2028/U+2029 (line breaks to
 * JavaScript and some viewers) and the BOM.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Untrusted text (a server's message, code or id; a lockfile's string) as it may be shown on a
 * terminal, on one line: credentials redacted, every control character a visible `\u001b`.
 */
export function printable(text: string): string {
  return escapeControls(redact(text));
}

/** Every control character of `text` as a visible JSON-style escape (`\u001b`). */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/**
 * Like `escapeControls`, keeping every character's column: a code frame's caret must stay under
 * its text. A tab is a space, any other control a `?`.
 */
export function blankControls(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\t' ? ' ' : '?'));
}

/**
 * What shotlist itself writes to a terminal: SGR colours, relative cursor moves, erasing the
 * line or below the cursor (a live view), hiding the cursor, synchronized output (DEC mode
 * 2026, which log-update brackets each frame with), newlines, tabs, and a CR that
 * starts a redraw. Not absolute positioning, clearing the screen or the scrollback, queries
 * that make the terminal answer on stdin, or OSC. Anything else among the controls is escaped.
 */
const OWN_OR_CONTROL =
  /(\u001b\[(?:[0-9;:]{0,32}m|[0-9]{0,4}[A-G]|[0-2]?K|0?J|\?(?:25|2026)[hl]))|(\r(?=\n|\u001b\[))|([\n\t])|[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * The last line of defence of an output stream, for text that reached it by a route that did not
 * pass through `printable`: credentials redacted, and every control character escaped except
 * the sequences shotlist writes itself. Escapes are JSON's, so a JSON line stays valid JSON
 * with the same value (inside a JSON string, only characters JSON.stringify leaves raw, such as
 * C1 controls and U+2028, can occur; their `\uXXXX` form parses back to them).
 */
export function safeOutputText(text: string): string {
  return redact(text).replace(
    OWN_OR_CONTROL,
    (match, own: string | undefined, cr: string | undefined, line: string | undefined) => own ?? cr ?? line ?? escapeOne(match),
  );
}

/** What JSON.stringify leaves raw among the controls: DEL, C1, bidi controls, U+2028/U+2029, the BOM. */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * JSON text with the control characters JSON.stringify leaves raw escaped: the same JSON value,
 * but a lockfile's bidi override cannot reorder what a reviewer sees in its diff, nor a C1
 * control reach the terminal that shows it.
 */
export function escapeRawControlsInJson(json: string): string {
  return json.replace(RAW_IN_JSON, escapeOne);
}

function escapeOne(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
