import type { FilmCard, FilmStep } from './film-cards.js';

/**
 * The contact sheet's films section: a card per film with its poster (click to play, as a
 * job's thumbnail), a link to its `.otio`, and its sequence linked to the clips' cards. Strings
 * are escaped with the page's own escaper.
 */
export function renderFilms(films: readonly FilmCard[], escapeHtml: (text: string) => string): string {
  if (films.length === 0) return '';
  return `<section id="films" aria-label="films">
<h2 class="section">films</h2>
${films.map((film) => renderFilm(film, escapeHtml)).join('\n')}
</section>`;
}

const STATUS: Readonly<Record<FilmCard['status'], string>> = { built: 'built', missing: 'file missing', not_built: 'not built yet' };

function renderFilm(film: FilmCard, escapeHtml: (text: string) => string): string {
  const [width, height] = film.size.split('x');
  const ratio = width && height ? ` style="aspect-ratio: ${Number(width)} / ${Number(height)}"` : '';
  const play = film.video === null ? '' : ` data-video="${escapeHtml(film.video)}" tabindex="0" role="button" aria-label="${escapeHtml(`play ${film.id}`)}"`;
  const picture =
    film.poster === null
      ? `<span>${escapeHtml(STATUS[film.status])}</span>`
      : `<img src="${escapeHtml(film.poster)}" alt="${escapeHtml(`poster of ${film.id}`)}" decoding="async">`;
  const media = `<div class="thumb${film.poster === null ? ' placeholder' : ''}"${play}${ratio}>${picture}${film.video === null ? '' : '<span class="play" aria-hidden="true">▶</span>'}</div>`;
  const step = (item: FilmStep): string => {
    const how = item.transition === 'cut' ? '' : ` <span class="transition">${escapeHtml(item.transition)}</span>`;
    if (item.kind === 'image') return `<li>${how} image <code>${escapeHtml(item.ref)}</code>, ${item.seconds} s</li>`;
    const name = item.anchor === null ? escapeHtml(item.job) : `<a href="#${item.anchor}">${escapeHtml(item.job)}</a>`;
    return `<li>${how} ${name} <span class="trim">${item.from}–${item.to} s</span></li>`;
  };
  return `<article id="${film.anchor}" class="film status-${film.status}" data-status="${film.status}">
${media}
<div class="body">
<h2><a href="#${film.anchor}" class="job-id">${escapeHtml(film.id)}</a></h2>
<p class="meta"><span class="badge">${escapeHtml(STATUS[film.status])}</span> ${escapeHtml(film.size)}${film.timeline === null ? '' : ` · <a href="${escapeHtml(film.timeline)}" download>timeline (.otio)</a>`}</p>
<ol class="sequence">${film.sequence.map(step).join('')}</ol>
</div>
</article>`;
}
