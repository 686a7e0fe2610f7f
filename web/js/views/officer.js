// The enforcement officer's screens: results awaiting review, the court's cases, one case with
// its parties and tasks, and the court's queue of tasks nobody could take.

import * as api from '../api.js';
import { h } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { date, dateTime, overdueBadge, statusBadge, workerName, yuan } from '../format.js';
import { card, link, page, scroller, show, table, workerDirectory } from './common.js';

function taskColumns(workers, { withCase = false, withQueue = false } = {}) {
  return [
    { head: t('tasks.id'), cell: (x) => link(`#/tasks/${x.id}`, `#${x.id}`) },
    { head: t('tasks.kind'), cell: (x) => link(`#/tasks/${x.id}`, label('kind', x.kind)) },
    { head: t('tasks.status'), cell: (x) => [statusBadge(x.status), ' ', overdueBadge(x)] },
    withCase ? { head: t('tasks.case'), cell: (x) => link(`#/cases/${x.case_id}`, `#${x.case_id}`) } : null,
    withQueue ? { head: t('tasks.queue'), cell: (x) => (x.queue ? t(`queue.${x.queue}`) : '') } : null,
    withQueue ? { head: t('tasks.queue_reason'), cell: (x) => label('queue_reason', x.queue_reason) } : null,
    withQueue ? null : { head: t('tasks.assignee'), cell: (x) => workerName(workers, x.assignee_id) },
    { head: t('tasks.due'), cell: (x) => dateTime(x.due_at) },
  ].filter(Boolean);
}

export function reviewView() {
  return show(async () => {
    const [tasks, workers] = await Promise.all([api.all('tasks?status=submitted'), workerDirectory()]);
    return page(t('review.title'), card(null, table(taskColumns(workers, { withCase: true }), tasks, { empty: t('review.none') })));
  });
}

export function casesView(_params, query) {
  const status = query.get('status') || '';
  return show(async () => {
    const body = h('tbody');
    const more = h('button', { type: 'button', hidden: true }, t('app.more'));
    let cursor = null;
    const load = async () => {
      const params = new URLSearchParams({ limit: '50' });
      if (status) params.set('status', status);
      if (cursor) params.set('cursor', cursor);
      const pageData = await api.get(`cases?${params}`);
      for (const c of pageData.items) {
        body.append(
          h(
            'tr',
            {},
            h('td', {}, link(`#/cases/${c.id}`, c.case_number)),
            h('td', { class: 'num' }, yuan(c.amount_owed_fen)),
            h('td', {}, label('case.status', c.status)),
            h('td', {}, date(c.filed_on)),
          ),
        );
      }
      cursor = pageData.next_cursor;
      more.hidden = !cursor;
    };
    more.addEventListener('click', load);
    await load();
    const filter = h(
      'select',
      { 'aria-label': t('cases.status'), onchange: (e) => (location.hash = e.target.value ? `#/cases?status=${e.target.value}` : '#/cases') },
      ['', 'open', 'concluded', 'terminated'].map((s) => h('option', { value: s, selected: s === status }, s ? label('case.status', s) : t('cases.all'))),
    );
    return page(
      t('cases.title'),
      h('div', { class: 'toolbar' }, filter),
      card(
        null,
        scroller(
          h(
            'table',
            { class: 'data', id: 'cases' },
            h('thead', {}, h('tr', {}, [t('cases.number'), t('cases.amount'), t('cases.status'), t('cases.filed_on')].map((x) => h('th', {}, x)))),
            body,
          ),
        ),
        more,
      ),
    );
  });
}

function partyCard(p) {
  return h(
    'div',
    { class: 'party' },
    h('h3', {}, `${label('party', p.role)}：${p.name}`),
    h(
      'dl',
      {},
      p.id_number ? [h('dt', {}, t('party.id_number')), h('dd', {}, p.id_number)] : null,
      p.phones.length ? [h('dt', {}, t('party.phones')), h('dd', {}, p.phones.join('，'))] : null,
      p.addresses.length ? [h('dt', {}, t('party.addresses')), h('dd', {}, p.addresses.map((a) => h('div', {}, a.text)))] : null,
    ),
  );
}

export function caseView({ id }) {
  return show(async () => {
    const [c, tasks, workers] = await Promise.all([
      api.get(`cases/${id}`),
      api.all(`tasks?case_id=${id}`),
      workerDirectory(),
    ]);
    return page(
      c.case_number,
      h(
        'p',
        { class: 'meta' },
        `${label('case.status', c.status)} · ${t('cases.amount')} ${yuan(c.amount_owed_fen)} · ${t('cases.filed_on')} ${date(c.filed_on)}`,
      ),
      card(t('case.tasks'), table(taskColumns(workers), tasks, { empty: t('tasks.none') })),
      card(t('case.parties'), h('div', { class: 'parties' }, (c.parties || []).map(partyCard))),
    );
  });
}

export function queueView() {
  return show(async () => {
    const tasks = await api.all('tasks?status=queued');
    return page(
      t('queue.title'),
      h('p', { class: 'muted' }, t('queue.help')),
      card(null, table(taskColumns(null, { withCase: true, withQueue: true }), tasks, { empty: t('tasks.none') })),
    );
  });
}
