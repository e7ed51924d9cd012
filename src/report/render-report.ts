import { createHash } from 'node:crypto';
import type { CardLink, CardReason, CardStatus, ReportCard, ReportData } from './report-data.js';
import { formatDuration } from '../format/format-duration.js';
import { redact } from '../untrusted/redactor.js';
import { renderFilms } from './render-films.js';

/**
 * The contact sheet as one self-contained HTML page: inline CSS and JS, thumbnails and videos
 * by relative links to the files beside it, nothing fetched from the network. Every string
 * from the storyboard, the lockfile or the server is escaped; the one inline script is pinned
 * by its hash in a Content-Security-Policy, so markup that slipped through could not run.
 */
export function renderReport(data: ReportData): string {
  const script = REPORT_SCRIPT;
  const scriptHash = createHash('sha256').update(script, 'utf8').digest('base64');
  const csp = `default-src 'none'; img-src 'self' data: file:; media-src 'self' file:; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  const counts = countStatuses(data.cards);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="generator" content="shotlist">
<title>${escapeHtml(data.name)} · contact sheet</title>
<style>${REPORT_CSS}</style>
</head>
<body data-generated="${data.generatedAt}">
<header>
<h1>${escapeHtml(data.name)} <span class="sub">contact sheet</span></h1>
<p class="summary">${escapeHtml(summaryLine(data.cards.length, counts))} · made <time datetime="${isoOf(data.generatedAt)}">${escapeHtml(
    isoOf(data.generatedAt)
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC'),
  )}</time></p>
${renderFilters(data)}
</header>
${renderFilms(data.films ?? [], escapeHtml)}
<main id="cards">
${data.cards.map((card) => renderCard(card, data.generatedAt)).join('\n')}
</main>
<p id="empty" hidden>No job matches these filters.</p>
<dialog id="player"><form method="dialog"><button class="close" aria-label="close">×</button></form><video controls playsinline></video><p class="caption"></p></dialog>
<script>${script}</script>
</body>
</html>
`;
}

function renderFilters(data: ReportData): string {
  const select = (name: string, label: string, options: readonly { value: string; text: string }[], attrs = '') =>
    `<label>${escapeHtml(label)} <select name="${escapeHtml(name)}"${attrs}><option value="">all</option>${options
      .map((o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.text)}</option>`)
      .join('')}</select></label>`;
  const shots = select(
    'shot',
    'shot',
    data.shots.map((shot) => ({ value: shot, text: shot })),
    ' data-filter="shot"',
  );
  const axes = data.axes.map((axis, index) =>
    select(
      `axis-${index}`,
      axis.axis,
      axis.values.map((v) => ({ value: v, text: v })),
      ` data-filter="axis" data-axis="${escapeHtml(axis.axis)}"`,
    ),
  );
  const statuses = [...new Set(data.cards.map((card) => card.status))].map((status) => ({ value: status, text: STATUS_TEXT[status] }));
  const status = select('status', 'status', statuses, ' data-filter="status"');
  return `<form id="filters" class="filters">${[shots, ...axes, status].join('\n')}\n<output id="shown" aria-live="polite">${data.cards.length} of ${data.cards.length} jobs</output></form>`;
}

function renderCard(card: ReportCard, now: number): string {
  const attrs = [
    `id="${card.anchor}"`,
    `class="card status-${card.status}"`,
    `data-shot="${escapeHtml(card.shot)}"`,
    `data-status="${card.status}"`,
    `data-bindings="${escapeHtml(JSON.stringify(Object.fromEntries(card.bindings.map((b) => [b.axis, b.value]))))}"`,
  ].join(' ');
  return `<article ${attrs}>
${renderMedia(card)}
<div class="body">
<h2><a href="#${card.anchor}" class="job-id">${escapeHtml(card.id)}</a></h2>
<p class="meta"><span class="badge">${escapeHtml(STATUS_TEXT[card.status])}</span>${card.cost !== null ? ` <span class="cost">${escapeHtml(card.cost)}</span>` : ''}${
    card.createdAt !== null
      ? ` <span class="age" data-created="${card.createdAt}" title="${isoOf(card.createdAt)}">${escapeHtml(formatAgo(now - card.createdAt))}</span>`
      : ''
  }</p>
${card.reason !== null ? `<p class="reason">${escapeHtml(describeCardReason(card.reason))}</p>` : ''}
${card.bindings.length > 0 ? `<ul class="bindings">${card.bindings.map((b) => `<li><span class="axis">${escapeHtml(b.axis)}</span>=<span class="value">${escapeHtml(b.value)}</span></li>`).join('')}</ul>` : ''}
<p class="prompt">${escapeHtml(card.prompt)}</p>
${card.promptChanged ? '<p class="note">the storyboard’s prompt has changed since; the next render makes a new take</p>' : ''}
<dl>
${row('video', card.videoId === null ? '—' : `<code>${escapeHtml(card.videoId)}</code>`)}
${row('request', escapeHtml([card.model ?? 'default model', card.size, `${card.seconds} s`].join(' · ')))}
${card.remixOf ? row('remix of', linkTo(card.remixOf)) : ''}
${card.follows ? row(card.follows.verb, linkTo(card.follows.link)) : ''}
${card.remixes.length > 0 ? row('remixed as', card.remixes.map(linkTo).join(', ')) : ''}
</dl>
</div>
</article>`;
}

function renderMedia(card: ReportCard): string {
  if (card.thumbnail === null) {
    return `<div class="thumb placeholder"><span>${escapeHtml(card.status === 'completed' ? 'file missing' : STATUS_TEXT[card.status])}</span></div>`;
  }
  const video = card.video === null ? '' : ` data-video="${escapeHtml(card.video)}" tabindex="0" role="button" aria-label="${escapeHtml(`play ${card.id}`)}"`;
  const [width, height] = card.size.split('x');
  const ratio = width && height && /^\d+$/.test(width) && /^\d+$/.test(height) ? ` style="aspect-ratio: ${width} / ${height}"` : '';
  return `<div class="thumb"${video}${ratio}><img src="${escapeHtml(card.thumbnail)}" alt="${escapeHtml(`thumbnail of ${card.id}`)}" decoding="async">${card.video === null ? '' : '<span class="play" aria-hidden="true">▶</span>'}</div>`;
}

function row(term: string, html: string): string {
  return `<dt>${escapeHtml(term)}</dt><dd>${html}</dd>`;
}

function linkTo(link: CardLink): string {
  return link.anchor === null ? escapeHtml(link.id) : `<a href="#${link.anchor}">${escapeHtml(link.id)}</a>`;
}

/** Why a card shows no video, in words. */
export function describeCardReason(reason: CardReason): string {
  switch (reason.code) {
    case 'not-rendered':
      return 'not rendered yet';
    case 'failed':
      return reason.error ? `${reason.error.message} (${reason.error.code})` : 'failed without a reason from the server';
    case 'in-flight':
      return `still ${reason.lock === 'creating' ? 'being created' : reason.lock.replace('_', ' ')} on the server; run render to finish it`;
    case 'file-missing':
      return `${reason.file} file missing; render downloads it again while the server keeps the video`;
    case 'run':
      return reason.message;
    case 'interrupted':
      return 'not started: the run was interrupted';
  }
}

const STATUS_TEXT: Readonly<Record<CardStatus, string>> = {
  completed: 'completed',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'not started',
  in_flight: 'in flight',
  not_rendered: 'not rendered',
};

function countStatuses(cards: readonly ReportCard[]): Map<CardStatus, number> {
  const counts = new Map<CardStatus, number>();
  for (const card of cards) counts.set(card.status, (counts.get(card.status) ?? 0) + 1);
  return counts;
}

function summaryLine(total: number, counts: ReadonlyMap<CardStatus, number>): string {
  const parts = [...counts].map(([status, n]) => `${n} ${STATUS_TEXT[status]}`);
  return `${total} job${total === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/**
 * Text safe in element content and in double- or single-quoted attributes. Redacted first: once
 * escaped, a credential holding `&` or `'` no longer reads as itself.
 */
function escapeHtml(text: string): string {
  return redact(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function isoOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

/** The same words as the page's script, so the page reads the same before and after it runs. */
/** A take's age on its card; the page's script redraws it with the reader's clock (its `ago`, the same scale). */
function formatAgo(seconds: number): string {
  return Math.round(seconds) < 90 ? 'just now' : `${formatDuration(seconds)} ago`;
}

const REPORT_CSS = `
:root { color-scheme: light dark; --bg: #f4f4f2; --card: #fff; --ink: #1d1d1f; --muted: #6b6b70; --line: #deded9; --accent: #2f6fdf;
  --ok: #1f8a4c; --bad: #c0392b; --warn: #b7791f; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
@media (prefers-color-scheme: dark) { :root { --bg: #17171a; --card: #222226; --ink: #ececef; --muted: #9a9aa2; --line: #34343a; --accent: #7aa7ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
header { padding: 20px 24px 8px; position: sticky; top: 0; background: var(--bg); z-index: 2; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 20px; } h1 .sub { color: var(--muted); font-weight: 400; }
.summary { margin: 0 0 10px; color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin-bottom: 8px; }
.filters label { color: var(--muted); } .filters select { margin-left: 4px; font: inherit; padding: 2px 4px; }
#shown { color: var(--muted); margin-left: auto; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 16px; padding: 16px 24px 40px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; display: flex; flex-direction: column; }
.card:target { outline: 3px solid var(--accent); }
.card[hidden] { display: none; }
.thumb { position: relative; background: #000; aspect-ratio: 16 / 9; display: flex; align-items: center; justify-content: center; }
.thumb[data-video] { cursor: pointer; }
.thumb img, .thumb video { width: 100%; height: 100%; object-fit: contain; display: block; }
.thumb video { position: absolute; inset: 0; }
.thumb .play { position: absolute; right: 8px; bottom: 6px; color: #fff; text-shadow: 0 0 4px #000; font-size: 18px; pointer-events: none; }
.thumb.placeholder { background: repeating-linear-gradient(45deg, var(--line) 0 10px, transparent 10px 20px); color: var(--muted); font-weight: 600; }
.body { padding: 10px 12px 12px; }
h2 { font-size: 14px; margin: 0 0 4px; word-break: break-all; } h2 a { color: inherit; text-decoration: none; }
.meta { margin: 0 0 6px; display: flex; gap: 8px; flex-wrap: wrap; align-items: center; color: var(--muted); }
.badge { border-radius: 999px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.status-completed .badge { background: var(--ok); } .status-failed .badge, .status-skipped .badge { background: var(--bad); }
.status-in_flight .badge, .status-cancelled .badge { background: var(--warn); }
.reason { margin: 0 0 6px; color: var(--bad); }
.status-not_rendered .reason, .status-in_flight .reason, .status-cancelled .reason { color: var(--warn); }
.bindings { list-style: none; padding: 0; margin: 0 0 6px; display: flex; flex-wrap: wrap; gap: 4px; }
.bindings li { background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 0 6px; font-size: 12px; }
.bindings .axis { color: var(--muted); }
.prompt { margin: 0 0 6px; white-space: pre-wrap; overflow-wrap: anywhere; }
.note { margin: 0 0 6px; color: var(--warn); font-size: 12px; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; margin: 0; font-size: 12px; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; } a { color: var(--accent); }
#empty { padding: 0 24px; color: var(--muted); }
#films { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 16px; padding: 16px 24px 0; }
#films .section { grid-column: 1 / -1; margin: 0; font-size: 16px; }
.film { background: var(--card); border: 2px solid var(--accent); border-radius: 10px; overflow: hidden; display: flex; flex-direction: column; }
.film:target { outline: 3px solid var(--accent); }
.status-built .badge { background: var(--ok); } .status-missing .badge { background: var(--bad); } .status-not_built .badge { background: var(--warn); }
.sequence { margin: 0; padding-left: 20px; font-size: 12px; } .sequence .transition, .sequence .trim { color: var(--muted); }
dialog { padding: 0; border: 0; border-radius: 10px; background: #000; max-width: 92vw; }
dialog video { display: block; max-width: 92vw; max-height: 80vh; }
dialog .caption { color: #ddd; margin: 6px 10px; font-size: 12px; }
dialog .close { position: absolute; right: 6px; top: 4px; z-index: 1; background: none; border: 0; color: #fff; font-size: 22px; cursor: pointer; }
`;

/** Filters, ages relative to now, hover preview and a click-to-play dialog. No external code. */
const REPORT_SCRIPT = `
(function () {
  'use strict';
  var cards = Array.prototype.slice.call(document.querySelectorAll('article.card'));
  var form = document.getElementById('filters');
  var selects = Array.prototype.slice.call(form.querySelectorAll('select[data-filter]'));
  var shown = document.getElementById('shown');
  var empty = document.getElementById('empty');

  function matches(card) {
    var bindings = JSON.parse(card.getAttribute('data-bindings') || '{}');
    return selects.every(function (select) {
      var want = select.value;
      if (want === '') return true;
      var kind = select.getAttribute('data-filter');
      if (kind === 'shot') return card.getAttribute('data-shot') === want;
      if (kind === 'status') return card.getAttribute('data-status') === want;
      var axis = select.getAttribute('data-axis');
      return Object.prototype.hasOwnProperty.call(bindings, axis) && bindings[axis] === want;
    });
  }
  function apply() {
    var count = 0;
    cards.forEach(function (card) { var ok = matches(card); card.hidden = !ok; if (ok) count++; });
    shown.textContent = count + ' of ' + cards.length + ' jobs';
    empty.hidden = count !== 0;
  }
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); });

  function ago(seconds) {
    var s = Math.max(0, Math.round(seconds));
    if (s < 90) return 'just now';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' days ago';
  }
  var now = Date.now() / 1000;
  Array.prototype.forEach.call(document.querySelectorAll('.age[data-created]'), function (el) {
    el.textContent = ago(now - Number(el.getAttribute('data-created')));
  });

  function preview(thumb, on) {
    var existing = thumb.querySelector('video');
    if (!on) { if (existing) thumb.removeChild(existing); return; }
    if (existing) return;
    var video = document.createElement('video');
    video.muted = true; video.loop = true; video.autoplay = true; video.playsInline = true;
    video.src = thumb.getAttribute('data-video');
    thumb.appendChild(video);
    var played = video.play();
    if (played && played.catch) played.catch(function () {});
  }
  var dialog = document.getElementById('player');
  var player = dialog.querySelector('video');
  function open(thumb) {
    preview(thumb, false);
    player.src = thumb.getAttribute('data-video');
    dialog.querySelector('.caption').textContent = thumb.closest('article').querySelector('.job-id').textContent;
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
    var played = player.play();
    if (played && played.catch) played.catch(function () {});
  }
  dialog.addEventListener('close', function () { player.pause(); player.removeAttribute('src'); player.load(); });
  Array.prototype.forEach.call(document.querySelectorAll('.thumb[data-video]'), function (thumb) {
    thumb.addEventListener('mouseenter', function () { preview(thumb, true); });
    thumb.addEventListener('mouseleave', function () { preview(thumb, false); });
    thumb.addEventListener('click', function () { open(thumb); });
    thumb.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(thumb); } });
  });
  apply();
})();
`;
