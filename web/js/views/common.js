// Pieces the views share: the page frame, loading and error states, tables, the worker
// directory (names for ids), and the period picker.

import * as api from '../api.js';
import { h, mount } from '../../shared/dom.js';
import { t } from '../i18n.js';
import { periodChoices } from '../format.js';

let renderSerial = 0;

/** The text to show for a failed request. */
export function errorText(error) {
  if (!(error instanceof api.ApiError)) return String(error?.message || error);
  const key = `error.${error.code}`;
  const known = t(key, { detail: error.detail || '' });
  return known === error.code ? error.detail || error.message : known;
}

/** An error box with the request id (users quote it to the help desk). */
export function errorBox(error, retry) {
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('p', {}, errorText(error)),
    error?.requestId ? h('p', { class: 'muted' }, `${t('app.request_id')}: ${error.requestId}`) : null,
    retry ? h('button', { type: 'button', onclick: retry }, t('app.retry')) : null,
  );
}

/**
 * Render a view into the main area: a loading note first, then what `build` returns. A slower,
 * older render never overwrites a newer one.
 */
export async function show(build) {
  const main = document.getElementById('view');
  const serial = ++renderSerial;
  mount(main, h('p', { class: 'muted loading' }, t('app.loading')));
  try {
    const node = await build();
    if (serial === renderSerial) mount(main, node);
  } catch (error) {
    // Signed out meanwhile: the login form has taken the page.
    if (error?.status === 401 && !api.user()) return;
    if (serial === renderSerial) mount(main, errorBox(error, () => show(build)));
  }
}

export function page(title, ...content) {
  return h('section', { class: 'page' }, h('h1', {}, title), ...content);
}

export function card(title, ...content) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...content);
}

/** A table (in a sideways scroller): columns are [{head, cell(row) → node|text, cls}]. */
export function table(columns, rows, { empty = t('app.none'), rowClass } = {}) {
  if (!rows.length) return h('p', { class: 'muted empty' }, empty);
  return scroller(
    h(
      'table',
      { class: 'data' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.cls }, c.head)))),
      h(
        'tbody',
        {},
        rows.map((row) => h('tr', { class: rowClass ? rowClass(row) : null }, columns.map((c) => h('td', { class: c.cls }, c.cell(row))))),
      ),
    ),
  );
}

/** A wide element (a table) that scrolls sideways inside its card, never the page. */
export function scroller(el) {
  return h('div', { class: 'table-scroll' }, el);
}

/** The grid workers the caller may see, as a Map id → worker (remembered for the sign-in). */
export function workerDirectory(townshipId) {
  const key = `workers:${townshipId ?? 'all'}`;
  return api.cached(key, async () => {
    const path = townshipId ? `workers?township_id=${townshipId}` : 'workers';
    const list = await api.all(path);
    return new Map(list.map((w) => [w.id, w]));
  });
}

/** The grids the caller may see (GeoJSON), remembered for the sign-in. */
export function grids(townshipId) {
  const key = `grids:${townshipId ?? 'all'}`;
  return api.cached(key, () => api.get(townshipId ? `grids?township_id=${townshipId}` : 'grids'));
}

/** A <select> of periods; calls onChange with the chosen one. */
export function periodSelect(value, onChange) {
  const choices = periodChoices();
  if (!choices.includes(value)) choices.unshift(value);
  const select = h(
    'select',
    { id: 'period', 'aria-label': t('board.period'), onchange: (e) => onChange(e.target.value) },
    choices.map((p) => h('option', { value: p, selected: p === value }, p)),
  );
  return h('label', { class: 'inline' }, `${t('board.period')} `, select);
}

export function link(href, ...text) {
  return h('a', { href }, ...text);
}
