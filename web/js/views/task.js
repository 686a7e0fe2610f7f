// One task, for the officer and the township supervisor: its state, the target (address, grid,
// point) on the grid map, check-ins with their flags, evidence (thumbnails for officers, who may
// download it; numbered per kind, "照片 2", the names the results and the history use),
// submitted results as readable forms (result_view.js), the recorded outcome, the history
// (task_history.js), and the actions the caller's role allows — review with the check-in checks
// beside it (officer), manual reassignment (both) and pinning a queued task's target (officer).

import * as api from '../api.js';
import { h, toast } from '../../shared/dom.js';
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

function workerOption(w, task) {
  const notes = [];
  if (!w.active) notes.push(t('assign.inactive'));
  if (w.availability === 'on_leave') notes.push(t('assign.on_leave'));
  if (!w.certified_for.includes(task.kind)) notes.push(t('assign.not_certified'));
  notes.push(t('assign.load', { open: w.open_tasks, cap: w.capacity }));
  const grid = w.grids[0] ? ` · ${w.grids[0].name}` : '';
  return h('option', { value: w.id }, `${w.display_name}${grid} · ${notes.join(' · ')}`);
}

function eligibleFirst(task) {
  const score = (w) => (w.active && w.availability === 'active' && w.certified_for.includes(task.kind) && w.open_tasks < w.capacity ? 0 : 1);
  const inGrid = (w) => (w.grids.some((g) => g.grid_id === task.grid_id) ? 0 : 1);
  return (a, b) => score(a) - score(b) || inGrid(a) - inGrid(b) || a.display_name.localeCompare(b.display_name, 'zh-CN');
}

function assignForm(task, etag, workers, reload) {
  const candidates = [...workers.values()]
    .filter((w) => w.id !== task.assignee_id && (!task.township_id || w.township_id === task.township_id))
    .sort(eligibleFirst(task));
  const select = h(
    'select',
    { id: 'assign-worker', required: true },
    h('option', { value: '' }, t('assign.pick')),
    candidates.map((w) => workerOption(w, task)),
  );
  const note = h('input', { id: 'assign-note', maxlength: 500 });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const submit = h('button', { type: 'submit', id: 'assign-submit' }, t('assign.submit'));
  const form = h(
    'form',
    { class: 'assign-form', id: 'assign-form' },
    h('div', { class: 'field' }, h('label', { for: 'assign-worker' }, t('assign.worker')), select),
    h('div', { class: 'field' }, h('label', { for: 'assign-note' }, t('assign.note')), note),
    message,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!select.value) return;
    submit.disabled = true;
    message.textContent = '';
    const body = { worker_id: Number(select.value) };
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

function taskMap(task, collection, role, etag, reload) {
  const canPin = role === 'officer' && task.status === 'queued' && task.target.lat == null;
  const markers = task.target.lat != null ? [{ lat: task.target.lat, lon: task.target.lon, cls: 'target', title: task.target.address || t('task.target') }] : [];
  const map = gridMap(collection, {
    ariaLabel: t('task.map'),
    focus: task.township_id ? (f) => f.properties.township_id === task.township_id : null,
    classOf: (f) => (f.properties.id === task.grid_id ? 'highlight' : task.township_id && f.properties.township_id !== task.township_id ? 'faded' : null),
    titleOf: (f) => `${f.properties.name} (${f.properties.code})`,
    markers,
    onPick: canPin
      ? async ({ lat, lon }) => {
          if (!confirm(t('task.pin_confirm', { lat: lat.toFixed(5), lon: lon.toFixed(5) }))) return;
          try {
            await api.post(`tasks/${task.id}/target`, { lat, lon, crs: 'wgs84' }, { etag });
            toast(t('task.pinned'));
            reload();
          } catch (error) {
            toast(errorText(error), 'error');
          }
        }
      : null,
  });
  return [h('p', { class: 'muted' }, canPin ? t('task.pin_help') : t('task.map_help')), map];
}

export function taskView({ id }) {
  const reload = () => taskView({ id });
  releaseThumbnails();
  return show(async () => {
    const role = api.user()?.role;
    const { body: task, etag } = await api.getWithEtag(`tasks/${id}`);
    const optional = (promise) => promise.catch((error) => (error?.status === 404 ? null : Promise.reject(error)));
    const [events, evidence, subs, collection, workers, outcome] = await Promise.all([
      api.get(`tasks/${id}/events`),
      api.get(`tasks/${id}/evidence`),
      api.get(`tasks/${id}/submissions`),
      grids(role === 'supervisor' ? null : task.township_id),
      workerDirectory(role === 'supervisor' ? null : task.township_id),
      optional(api.get(`tasks/${id}/outcome`)),
    ]);
    const index = evidenceIndex(evidence);
    const gridName = gridNamer(collection);
    const evidenceName = (evidenceId, kind) => index.get(evidenceId)?.name || label('evidence', kind);
    const actions = [];
    if (role === 'officer' && task.status === 'submitted') actions.push(card(t('review.form'), reviewForm(task, etag, events, reload)));
    if (REASSIGNABLE.includes(task.status)) actions.push(card(t('assign.form'), assignForm(task, etag, workers, reload)));
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
          card(t('task.map'), ...taskMap(task, collection, role, etag, reload)),
          card(t('task.history'), history(events, { workers, gridName, evidenceName })),
        ),
      ),
    );
  });
}
