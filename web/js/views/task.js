// One task, for the officer and the township supervisor: its state, the target (address, grid,
// point) on the grid map, check-ins with their flags, evidence (thumbnails for officers, who may
// download it; numbered per kind, "照片 2", the names the results and the history use),
// submitted results as readable forms (result_view.js), the recorded outcome, the history
// (task_history.js), and the actions the caller's role allows — review with the check-in checks
// beside it (officer), manual reassignment (both: a searchable list of the township's workers,
// eligible and nearest first) and pinning a queued task's target (officer: the address beside
// the map, a search over the grids, a warning when the point falls outside the township the
// address names or outside the court's area). The map (map.js) shows the target, the task's
// grid and, for officers, the check-ins' points with their flags.

import * as api from '../api.js';
import { h, mount, toast } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { REASSIGNABLE } from '../task_states.js';
import { caseNo, dateTime, flagBadge, money, overdueBadge, statusBadge, workerName } from '../format.js';
import { card, errorText, grids, link, page, show, table, workerDirectory } from './common.js';
import { gridMap } from '../map.js';
import { resultView } from '../result_view.js';
import { history } from './task_history.js';
import { taskActions } from './task_actions.js';

const REASONS = ['insufficient_evidence', 'wrong_person', 'wrong_address', 'illegible', 'incomplete', 'not_on_site', 'other'];
const IMAGE_TYPES = ['image/jpeg', 'image/png'];

// Object URLs of the thumbnails on screen, by evidence id (each image is fetched once and drawn
// both in the evidence list and where a result refers to it); released when the task is shown
// again or left.
let thumbnails = new Map();
function releaseThumbnails() {
  for (const pending of thumbnails.values()) pending.then((u) => u && URL.revokeObjectURL(u));
  thumbnails = new Map();
}
window.addEventListener('hashchange', releaseThumbnails);

function thumbnailUrl(e) {
  if (!thumbnails.has(e.id)) {
    thumbnails.set(
      e.id,
      api
        .blob(`evidence/${e.id}`)
        .then((file) => URL.createObjectURL(file))
        .catch(() => null),
    );
  }
  return thumbnails.get(e.id);
}

/**
 * The task's evidence, named for people: each item numbered within its kind in upload order
 * ("照片 1", "照片 2", "签名 1"), as the evidence list, the results and the history name it.
 */
function evidenceIndex(items) {
  const counts = {};
  const byId = new Map();
  for (const e of [...items].sort((a, b) => a.id - b.id)) {
    counts[e.kind] = (counts[e.kind] || 0) + 1;
    byId.set(e.id, { ...e, name: t('task.evidence_label', { kind: label('evidence', e.kind), n: counts[e.kind] }) });
  }
  return byId;
}

/** A small picture (officers, images) and the name of one piece of evidence a result refers to. */
function evidenceRef(index, canView) {
  return (id) => {
    const e = index.get(id);
    if (!e) return h('span', { class: 'ev-ref missing' }, t('task.evidence_gone'));
    const ref = h('span', { class: 'ev-ref', 'data-evidence-id': e.id }, e.name);
    if (canView && IMAGE_TYPES.includes(e.media_type)) {
      thumbnailUrl(e).then((url) => url && ref.prepend(h('img', { src: url, alt: '', class: 'ev-ref-img' })));
    }
    return ref;
  };
}

/** The name of a grid of the map's collection ("黄桥镇第28网格"), or its code. */
function gridNamer(collection) {
  const names = new Map((collection?.features || []).map((f) => [f.properties.id, f.properties.name]));
  return (id, code) => names.get(id) || code || '';
}

function target(task, gridName) {
  const { address, lat, lon } = task.target;
  const grid = task.grid_id ? gridName(task.grid_id) : '';
  const coordinates = lat != null ? `${t('task.coordinates')} ${lat.toFixed(5)}, ${lon.toFixed(5)}` : null;
  if (!address && !grid && !coordinates) return t('task.no_place');
  return h(
    'div',
    { class: 'target' },
    address ? h('div', {}, address) : null,
    grid ? h('div', {}, `${t('task.grid')}${t('app.colon')}${grid}`) : null,
    coordinates ? h('div', { class: 'muted' }, coordinates) : null,
  );
}

function details(task, workers, officer, gridName) {
  const rows = [
    [t('tasks.status'), [statusBadge(task.status), ' ', overdueBadge(task), task.priority === 'urgent' ? h('span', { class: 'badge urgent' }, t('tasks.urgent')) : null]],
    [t('tasks.kind'), label('kind', task.kind)],
    // The case by its 案号 (the task carries it): a link for officers (a supervisor cannot open cases).
    officer ? [t('tasks.case'), link(`#/cases/${task.case_id}`, task.case_number ? caseNo(task.case_number) : t('task.open_case'))] : task.case_number ? [t('tasks.case'), caseNo(task.case_number)] : null,
    [t('tasks.assignee'), h('span', { id: 'assignee' }, workerName(workers, task.assignee_id))],
    [t('tasks.due'), dateTime(task.due_at)],
    task.queue ? [t('tasks.queue'), `${t(`queue.${task.queue}`)} · ${label('queue_reason', task.queue_reason)}`] : null,
    [t('task.target'), target(task, gridName)],
    task.party ? [t('task.party'), `${label('party', task.party.role)}${t('app.colon')}${task.party.name}`] : null,
    task.instructions ? [t('task.instructions'), task.instructions] : null,
  ].filter(Boolean);
  return h('dl', { class: 'details' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function flagsOf(e) {
  const flags = e.detail?.flags || [];
  return flags.length ? flags.map(flagBadge) : h('span', { class: 'badge ok' }, t('task.no_flags'));
}

function checkIns(events) {
  const rows = events.filter((e) => e.action === 'check_in');
  return table(
    [
      { head: t('task.check_in_at'), cell: (e) => dateTime(e.occurred_at) },
      { head: t('task.check_in_distance'), cell: (e) => (e.detail?.distance_m != null ? t('task.distance', { m: Math.round(e.detail.distance_m) }) : '—') },
      { head: t('task.check_in_flags'), cell: flagsOf },
    ],
    rows,
    { empty: t('task.check_ins_none'), rowClass: (e) => ((e.detail?.flags || []).length ? 'flagged' : null) },
  );
}

/** The check-in checks in one line, for the reviewer: beside the decision, not a scroll away. */
function checkInSummary(events) {
  const rows = events.filter((e) => e.action === 'check_in');
  const body = rows.length
    ? [
        t('task.check_ins_count', { n: rows.length }),
        ' · ',
        rows.map((e) => [
          h('span', { class: 'check-in' }, e.detail?.distance_m != null ? t('task.distance', { m: Math.round(e.detail.distance_m) }) : '', ' ', flagsOf(e)),
          ' ',
        ]),
      ]
    : h('span', { class: ['badge', 'flag'] }, t('task.not_checked_in'));
  const flagged = !rows.length || rows.some((e) => (e.detail?.flags || []).length);
  return h('div', { class: ['check-in-summary', flagged ? 'flagged' : null], id: 'check-in-summary' }, h('strong', {}, `${t('task.check_in_summary')}${t('app.colon')}`), body);
}

function evidenceList(index, canDownload) {
  const items = [...index.values()];
  if (!items.length) return h('p', { class: 'muted empty' }, t('task.evidence_none'));
  return h(
    'ul',
    { class: 'evidence' },
    items.map((e) => {
      const caption = h('figcaption', {}, e.name, h('br'), dateTime(e.captured_at || e.received_at));
      const figure = h('figure', { class: 'thumb', 'data-evidence-id': e.id }, h('div', { class: 'thumb-box' }, label('evidence', e.kind)), caption);
      if (canDownload) {
        const download = h('button', { type: 'button', class: 'link' }, t('task.download'));
        download.addEventListener('click', async () => {
          try {
            const file = await api.blob(`evidence/${e.id}`);
            const url = URL.createObjectURL(file);
            const a = h('a', { href: url, download: e.name });
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10000);
          } catch (error) {
            toast(errorText(error), 'error');
          }
        });
        caption.append(' ', download);
        if (IMAGE_TYPES.includes(e.media_type)) {
          thumbnailUrl(e).then((url) => url && figure.firstChild.replaceWith(h('img', { src: url, alt: e.name, class: 'thumb-img' })));
        }
      }
      return h('li', {}, figure);
    }),
  );
}

function submissions(list, refOf) {
  if (!list.length) return h('p', { class: 'muted empty' }, t('task.submissions_none'));
  return h(
    'ol',
    { class: 'submissions' },
    list.map((sub, i) =>
      h(
        'li',
        { class: 'submission' },
        h('p', { class: 'meta' }, t('task.submission_n', { n: i + 1, at: dateTime(sub.submitted_at) })),
        resultView(sub.result, refOf),
        sub.note ? h('p', {}, `${t('task.note')}${t('app.colon')}${sub.note}`) : null,
        sub.review
          ? h(
              'p',
              { class: ['review', `review-${sub.review.decision}`] },
              h('strong', {}, t(`review.decision.${sub.review.decision}`)),
              sub.review.rating ? ` · ${t('review.rating')} ${t('review.stars', { n: sub.review.rating })}` : '',
              sub.review.reasons.length ? ` · ${sub.review.reasons.map((r) => label('reason', r)).join('、')}` : '',
              sub.review.comment ? ` · ${sub.review.comment}` : '',
            )
          : null,
      ),
    ),
  );
}

/** What the court recorded as achieved after the task (GET /tasks/{id}/outcome), if anything. */
function outcomeCard(outcome) {
  if (!outcome) return null;
  const amount = (key, fen) => (fen > 0 ? [h('dt', {}, t(key)), h('dd', {}, money(fen))] : null);
  return card(
    t('task.outcome'),
    h(
      'dl',
      { class: 'details', id: 'outcome' },
      amount('outcome.recovered', outcome.amount_recovered_fen),
      amount('outcome.frozen', outcome.assets_frozen_fen),
      amount('outcome.seized', outcome.assets_seized_fen),
      outcome.settlement_performed ? [h('dt', {}, t('outcome.settlement')), h('dd', {}, t('outcome.settlement_yes'))] : null,
      outcome.note ? [h('dt', {}, t('outcome.note')), h('dd', {}, outcome.note)] : null,
      [h('dt', {}, t('outcome.recorded_at')), h('dd', {}, dateTime(outcome.recorded_at))],
    ),
  );
}

function reviewForm(task, etag, events, reload) {
  const approve = h('input', { type: 'radio', name: 'decision', value: 'approve', id: 'decision-approve', checked: true });
  const reject = h('input', { type: 'radio', name: 'decision', value: 'reject', id: 'decision-reject' });
  const rating = h('select', { id: 'rating' }, [5, 4, 3, 2, 1].map((n) => h('option', { value: n }, `${n} ★`)));
  const reasonBoxes = REASONS.map((r) => h('input', { type: 'checkbox', value: r, id: `reason-${r}` }));
  const comment = h('textarea', { id: 'review-comment', rows: 2, maxlength: 1000 });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const ratingRow = h('div', { class: 'field' }, h('label', { for: 'rating' }, t('review.rating')), rating);
  const reasonsRow = h(
    'fieldset',
    { class: 'reasons', hidden: true },
    h('legend', {}, t('review.reasons')),
    REASONS.map((r, i) => h('label', { class: 'check', for: `reason-${r}` }, reasonBoxes[i], label('reason', r))),
  );
  const sync = () => {
    ratingRow.hidden = !approve.checked;
    reasonsRow.hidden = approve.checked;
  };
  approve.addEventListener('change', sync);
  reject.addEventListener('change', sync);
  const submit = h('button', { type: 'submit', class: 'primary', id: 'review-submit' }, t('review.submit'));
  const form = h(
    'form',
    { class: 'review-form', id: 'review-form' },
    checkInSummary(events),
    h(
      'div',
      { class: 'field choices' },
      h('label', { class: 'check', for: 'decision-approve' }, approve, t('review.approve')),
      h('label', { class: 'check', for: 'decision-reject' }, reject, t('review.reject')),
    ),
    ratingRow,
    reasonsRow,
    h('div', { class: 'field' }, h('label', { for: 'review-comment' }, t('review.comment')), comment),
    message,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    const body = approve.checked
      ? { decision: 'approve', rating: Number(rating.value) }
      : { decision: 'reject', reasons: reasonBoxes.filter((b) => b.checked).map((b) => b.value) };
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (body.decision === 'reject' && !body.reasons.length) {
      message.textContent = t('review.need_reason');
      return;
    }
    if (body.decision === 'reject' && body.reasons.includes('other') && !body.comment) {
      message.textContent = t('review.need_comment');
      return;
    }
    submit.disabled = true;
    try {
      await api.post(`tasks/${task.id}/review`, body, { etag });
      toast(body.decision === 'approve' ? t('review.approved') : t('review.returned'));
      reload();
    } catch (error) {
      message.textContent = errorText(error);
      submit.disabled = false;
    }
  });
  return form;
}

// ---- Reassignment: the township's workers, eligible first and nearest first, with a search ----

/** Whether a worker may take the task now: active, not on leave, certified, below capacity. */
function eligible(w, task) {
  return w.active && w.availability === 'active' && w.certified_for.includes(task.kind) && w.open_tasks < w.capacity;
}

/** Metres between two WGS-84 points (haversine). */
function metres(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(x));
}

/** The centre of each grid of the map's collection (mean of its outer ring), by grid id. */
function gridCentres(collection) {
  const centres = new Map();
  for (const f of collection?.features || []) {
    const g = f.geometry;
    const ring = g?.type === 'Polygon' ? g.coordinates[0] : g?.type === 'MultiPolygon' ? g.coordinates[0]?.[0] : null;
    if (!ring?.length) continue;
    const pts = ring.length > 1 ? ring.slice(0, -1) : ring;
    centres.set(f.properties.id, { lon: pts.reduce((a, p) => a + p[0], 0) / pts.length, lat: pts.reduce((a, p) => a + p[1], 0) / pts.length });
  }
  return centres;
}

/** Where the task is: its point, else the centre of its grid; null when neither is known. */
function taskPlace(task, centres) {
  if (task.target.lat != null) return { lat: task.target.lat, lon: task.target.lon };
  return (task.grid_id && centres.get(task.grid_id)) || null;
}

/** How far a worker's grids are from the task: to the nearest centre of a grid they cover (0 when they cover the task's grid). */
function workerDistance(w, task, place, centres) {
  if (w.grids.some((g) => g.grid_id === task.grid_id)) return 0;
  if (!place) return null;
  const ds = w.grids.map((g) => centres.get(g.grid_id)).filter(Boolean).map((c) => metres(place, c));
  return ds.length ? Math.min(...ds) : null;
}

function distanceText(m) {
  if (m == null) return t('maps.distance_unknown');
  if (m === 0) return t('maps.in_task_grid');
  return m < 1000 ? t('maps.distance_m', { m: Math.round(m) }) : t('maps.distance_km', { km: (m / 1000).toFixed(1) });
}

function assignForm(task, etag, workers, collection, reload) {
  const centres = gridCentres(collection);
  const place = taskPlace(task, centres);
  // A task not yet placed: the workers of the township its address names come first.
  const named = task.township_id ? null : addressTownship(task, collection)?.id;
  const home = (w) => (named && w.township_id !== named ? 1 : 0);
  const candidates = [...workers.values()]
    .filter((w) => w.id !== task.assignee_id && (!task.township_id || w.township_id === task.township_id))
    .map((w) => ({ w, ok: eligible(w, task), d: workerDistance(w, task, place, centres) }))
    .sort(
      (a, b) =>
        home(a.w) - home(b.w) ||
        Number(b.ok) - Number(a.ok) ||
        (a.d ?? Infinity) - (b.d ?? Infinity) ||
        a.w.open_tasks - b.w.open_tasks ||
        a.w.display_name.localeCompare(b.w.display_name, 'zh-CN'),
    );
  const search = h('input', { id: 'assign-search', type: 'search', placeholder: t('maps.worker_search'), 'aria-label': t('maps.worker_search'), autocomplete: 'off' });
  const list = h('ul', { class: 'worker-pick', id: 'assign-list', role: 'radiogroup', 'aria-label': t('assign.worker') });
  const SHOWN = 30;
  let chosen = null;
  const row = ({ w, ok, d }) => {
    const notes = [distanceText(d)];
    if (!w.active) notes.push(t('assign.inactive'));
    if (w.availability === 'on_leave') notes.push(t('assign.on_leave'));
    if (!w.certified_for.includes(task.kind)) notes.push(t('assign.not_certified'));
    notes.push(t('assign.load', { open: w.open_tasks, cap: w.capacity }));
    const primary = w.grids.find((g) => g.primary) || w.grids[0];
    const radio = h('input', { type: 'radio', name: 'assign-worker', value: w.id, checked: chosen === w.id });
    radio.addEventListener('change', () => {
      chosen = w.id;
    });
    return h(
      'li',
      { class: ok ? 'eligible' : 'ineligible', 'data-worker-id': w.id },
      h(
        'label',
        {},
        radio,
        h('span', {}, h('span', { class: 'who' }, w.display_name), primary ? ` · ${primary.name}` : '', h('br'), h('span', { class: 'notes' }, notes.join(' · '))),
      ),
    );
  };
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const matches = candidates.filter(
      ({ w }) => !q || w.display_name.toLowerCase().includes(q) || w.grids.some((g) => g.name.toLowerCase().includes(q) || g.code.toLowerCase().includes(q)),
    );
    mount(
      list,
      matches.slice(0, SHOWN).map(row),
      matches.length > SHOWN ? h('li', { class: 'more' }, t('maps.workers_more', { n: matches.length - SHOWN })) : null,
      matches.length ? null : h('li', { class: 'more' }, t('maps.workers_none')),
    );
  };
  search.addEventListener('input', render);
  render();
  const note = h('input', { id: 'assign-note', maxlength: 500 });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const submit = h('button', { type: 'submit', id: 'assign-submit' }, t('assign.submit'));
  const form = h(
    'form',
    { class: 'assign-form', id: 'assign-form' },
    h('p', { class: 'muted' }, t('maps.workers_order')),
    h('div', { class: 'field' }, search),
    list,
    h('div', { class: 'field' }, h('label', { for: 'assign-note' }, t('assign.note')), note),
    message,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!chosen) {
      message.textContent = t('maps.worker_pick_first');
      return;
    }
    submit.disabled = true;
    message.textContent = '';
    const body = { worker_id: chosen };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      await api.post(`tasks/${task.id}/assign`, body, { etag });
      api.invalidate('workers:');
      toast(t('assign.done', { name: workerName(workers, body.worker_id) }));
      reload();
    } catch (error) {
      if (error.code === 'stale_etag') {
        toast(t('assign.stale'), 'error');
        reload();
        return;
      }
      message.textContent = errorText(error);
      submit.disabled = false;
    }
  });
  return form;
}

// ---- The task's map: target, check-ins, and pinning a queued task's target ----

/** The check-ins as markers: green, or yellow when flagged; the tooltip says when, how far, which flags. */
function checkInMarkers(points) {
  return (points || []).map((c, i) => {
    const flags = c.flags || [];
    const parts = [t('maps.check_in_n', { n: i + 1 }), dateTime(c.received_at)];
    if (c.distance_m != null) parts.push(t('task.distance', { m: Math.round(c.distance_m) }));
    if (flags.length) parts.push(flags.map((f) => label('flag', f)).join('、'));
    return { lat: c.lat, lon: c.lon, cls: flags.length ? 'check-in flagged' : 'check-in', title: parts.join(' · ') };
  });
}

/** The township the task's address names: the task's own, else one whose name the address contains. */
function addressTownship(task, collection) {
  const names = new Map();
  for (const f of collection?.features || []) if (f.properties.township_name) names.set(f.properties.township_id, f.properties.township_name);
  if (task.township_id && names.has(task.township_id)) return { id: task.township_id, name: names.get(task.township_id) };
  const address = task.target.address || '';
  for (const [id, name] of names) if (name && address.includes(name)) return { id, name };
  return null;
}

/** A search over the grids by code or name that moves the map to the grid chosen. */
function gridSearch(collection, mapBox) {
  const input = h('input', { id: 'grid-search', type: 'search', placeholder: t('maps.grid_search'), 'aria-label': t('maps.grid_search'), autocomplete: 'off' });
  const results = h('ul', { class: 'grid-search-results', id: 'grid-search-results' });
  const features = collection?.features || [];
  const render = () => {
    const q = input.value.trim().toLowerCase();
    if (!q) {
      mount(results);
      return;
    }
    const hits = features.filter((f) => f.properties.name.toLowerCase().includes(q) || f.properties.code.toLowerCase().includes(q)).slice(0, 8);
    mount(
      results,
      hits.length
        ? hits.map((f) => {
            const b = h('button', { type: 'button', class: 'link', 'data-grid-id': f.properties.id }, f.properties.name);
            b.addEventListener('click', () => mapBox.showGrid(f.properties.id));
            return h('li', {}, b);
          })
        : h('li', { class: 'muted' }, t('maps.grid_search_none')),
    );
  };
  input.addEventListener('input', render);
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    results.querySelector('button')?.click();
  });
  return h('div', {}, h('div', { class: 'grid-search' }, input), results);
}

function mapLegend(hasTarget, checkIns) {
  const items = [];
  if (hasTarget) items.push(h('li', {}, h('span', { class: ['swatch', 'target'] }), t('maps.legend_target')));
  if (checkIns.some((c) => !(c.flags || []).length)) items.push(h('li', {}, h('span', { class: ['swatch', 'check-in'] }), t('maps.legend_check_in')));
  if (checkIns.some((c) => (c.flags || []).length)) items.push(h('li', {}, h('span', { class: ['swatch', 'check-in-flagged'] }), t('maps.legend_check_in_flagged')));
  return items.length ? h('ul', { class: 'legend map-legend' }, items) : null;
}

function taskMap(task, collection, role, etag, checkIns, reload) {
  const canPin = role === 'officer' && task.status === 'queued' && task.target.lat == null;
  const target = task.target.lat != null ? [{ lat: task.target.lat, lon: task.target.lon, cls: 'target', title: task.target.address || t('task.target') }] : [];
  const baseMarkers = [...target, ...checkInMarkers(checkIns)];
  const township = canPin ? addressTownship(task, collection) : null;
  const focusTownship = task.township_id || township?.id || null;
  const panel = h('div', { class: 'pin-panel', id: 'pin-panel', hidden: true });
  let picking = 0;
  const map = gridMap(collection, {
    ariaLabel: t('task.map'),
    focus: focusTownship ? (f) => f.properties.township_id === focusTownship : null,
    classOf: (f) => (f.properties.id === task.grid_id ? 'highlight' : focusTownship && f.properties.township_id !== focusTownship ? 'faded' : null),
    titleOf: (f) => `${f.properties.name}（${f.properties.code}）`,
    markers: baseMarkers,
    onPick: canPin ? (point) => pick(point) : null,
  });
  // A click proposes a point: where it falls (GET /grids/locate), warnings, then confirm or cancel.
  async function pick({ lat, lon }) {
    const mine = ++picking;
    map.setMarkers([...baseMarkers, { lat, lon, cls: 'pick', title: t('maps.pin_here') }]);
    panel.hidden = false;
    mount(panel, h('p', { class: 'muted' }, t('maps.locating')));
    let where = null;
    let outside = false;
    try {
      where = await api.get(`grids/locate?lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`);
    } catch (error) {
      if (error.code === 'outside_all_grids' || error.status === 404 || error.status === 422) outside = true;
      else {
        if (mine === picking) mount(panel, h('p', { class: 'error-text' }, errorText(error)));
        return;
      }
    }
    if (mine !== picking) return;
    const warnings = [];
    const courtId = api.user()?.court_id;
    if (outside || (courtId && where?.township?.court_id !== courtId)) warnings.push(t('maps.warn_outside_court'));
    else if (township && where.township.id !== township.id) warnings.push(t('maps.warn_other_township', { picked: where.township.name, named: township.name }));
    const confirmButton = h('button', { type: 'button', class: 'primary', id: 'pin-confirm' }, warnings.length ? t('maps.pin_confirm_anyway') : t('maps.pin_confirm'));
    const cancel = h('button', { type: 'button', id: 'pin-cancel' }, t('maps.pin_cancel'));
    cancel.addEventListener('click', () => {
      picking += 1;
      panel.hidden = true;
      map.setMarkers(baseMarkers);
    });
    confirmButton.addEventListener('click', async () => {
      confirmButton.disabled = true;
      try {
        await api.post(`tasks/${task.id}/target`, { lat, lon, crs: 'wgs84' }, { etag });
        toast(t('task.pinned'));
        reload();
      } catch (error) {
        mount(panel, h('p', { class: 'error-text', role: 'alert' }, errorText(error)));
      }
    });
    mount(
      panel,
      h('p', {}, t('maps.pin_point', { lat: lat.toFixed(5), lon: lon.toFixed(5) })),
      where ? h('p', { id: 'pin-where' }, t('maps.pin_in', { grid: where.grid.name, township: where.township.name })) : null,
      warnings.map((w) => h('p', { class: 'pin-warning', role: 'alert' }, w)),
      h('div', { class: 'pin-actions' }, confirmButton, cancel),
    );
  }
  if (!canPin) return [h('p', { class: 'muted' }, t('task.map_help')), map, mapLegend(target.length > 0, checkIns || [])];
  return [
    h(
      'div',
      { class: 'pin-intro' },
      h('p', { class: 'pin-address', id: 'pin-address' }, `${t('maps.pin_address')}${t('app.colon')}`, task.target.address || t('maps.no_address')),
      township ? h('p', { class: 'muted' }, t('maps.pin_township', { name: township.name })) : null,
      h('p', { class: 'muted' }, t('maps.pin_help')),
      gridSearch(collection, map),
    ),
    panel,
    map,
    mapLegend(false, checkIns || []),
  ];
}

export function taskView({ id }) {
  const reload = () => taskView({ id });
  releaseThumbnails();
  return show(async () => {
    const role = api.user()?.role;
    const { body: task, etag } = await api.getWithEtag(`tasks/${id}`);
    const optional = (promise) => promise.catch((error) => (error?.status === 404 ? null : Promise.reject(error)));
    // Officers: the court's grids (neighbouring townships drawn faded), and the check-ins' points.
    const [events, evidence, subs, collection, workers, outcome, checkInPoints] = await Promise.all([
      api.get(`tasks/${id}/events`),
      api.get(`tasks/${id}/evidence`),
      api.get(`tasks/${id}/submissions`),
      grids(null),
      workerDirectory(role === 'supervisor' ? null : task.township_id),
      optional(api.get(`tasks/${id}/outcome`)),
      role === 'officer' ? api.get(`tasks/${id}/check-ins`).catch(() => []) : Promise.resolve([]),
    ]);
    const index = evidenceIndex(evidence);
    const gridName = gridNamer(collection);
    const evidenceName = (evidenceId, kind) => index.get(evidenceId)?.name || label('evidence', kind);
    const actions = [];
    if (role === 'officer' && task.status === 'submitted') actions.push(card(t('review.form'), reviewForm(task, etag, events, reload)));
    if (REASSIGNABLE.includes(task.status)) actions.push(card(t('assign.form'), assignForm(task, etag, workers, collection, reload)));
    actions.push(...taskActions(task, etag, { role, events, outcome, reload }));
    return page(
      `${t('task.title', { id: task.id })} · ${label('kind', task.kind)}`,
      h(
        'div',
        { class: 'columns' },
        h(
          'div',
          { class: 'col' },
          card(t('task.details'), details(task, workers, role === 'officer', gridName)),
          outcomeCard(outcome),
          ...actions,
          card(t('task.submissions'), submissions(subs, evidenceRef(index, role === 'officer'))),
          card(t('task.evidence'), evidenceList(index, role === 'officer')),
          card(t('task.check_ins'), checkIns(events)),
        ),
        h(
          'div',
          { class: 'col' },
          card(t('task.map'), ...taskMap(task, collection, role, etag, checkInPoints, reload)),
          card(t('task.history'), history(events, { workers, gridName, evidenceName })),
        ),
      ),
    );
  });
}
