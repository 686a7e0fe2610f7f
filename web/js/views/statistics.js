// The court's statistics for a month (GET /statistics): cases filed and closed, the share
// closed with the grid workers' help, tasks by status, kind and township, and the median times
// to the first check-in and to approval.

import * as api from '../api.js';
import { h } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { dateTime, monthsUpTo, percent, thisMonth } from '../format.js';
import { card, page, show, table } from './common.js';

const STATUSES = ['queued', 'assigned', 'accepted', 'in_progress', 'submitted', 'returned', 'approved', 'cancelled'];

function figures(rows) {
  return h(
    'dl',
    { class: 'figures' },
    rows.filter(Boolean).map(([k, v]) => h('div', { class: 'figure' }, h('dt', {}, k), h('dd', {}, v))),
  );
}

function byStatusColumns(first) {
  return [
    first,
    { head: t('stats.total'), cls: 'num', cell: (r) => r.total },
    ...STATUSES.map((s) => ({ head: label('status', s), cls: 'num', cell: (r) => r.by_status[s] })),
    { head: t('stats.done_share'), cls: 'num', cell: (r) => (r.total ? percent(r.by_status.approved / r.total) : '—') },
  ];
}

export function statisticsView(_params, query) {
  const month = query.get('period') || thisMonth();
  return show(async () => {
    const s = await api.get(`statistics?period=${month}`);
    const hours = (x) => (x == null ? '—' : t('stats.hours', { h: x.toLocaleString('zh-CN', { maximumFractionDigits: 1 }) }));
    const choose = h(
      'select',
      { id: 'stats-month', 'aria-label': t('stats.month'), onchange: (e) => (location.hash = `#/statistics?period=${e.target.value}`) },
      monthsUpTo(thisMonth(), 24)
        .reverse()
        .map((m) => h('option', { value: m, selected: m === month }, `${m.slice(0, 4)}年${Number(m.slice(5))}月`)),
    );
    return page(
      t('stats.title'),
      h('div', { class: 'toolbar' }, h('label', { class: 'inline' }, `${t('stats.month')} `, choose)),
      h('p', { class: 'meta' }, t('stats.as_of', { court: s.court_name, period: `${s.period.slice(0, 4)}年${Number(s.period.slice(5))}月`, at: dateTime(s.as_of) })),
      card(
        t('stats.cases'),
        figures([
          [t('stats.filed'), s.cases.filed],
          [t('stats.closed'), s.cases.closed],
          [t('stats.concluded'), s.cases.concluded],
          [t('stats.terminated'), s.cases.terminated],
          [t('stats.grid_help'), s.cases.closed_with_grid_help],
          [t('stats.grid_share'), s.cases.grid_help_share == null ? '—' : percent(s.cases.grid_help_share)],
          [t('stats.officers'), s.officers],
          [t('stats.per_officer'), s.cases_per_officer == null ? '—' : s.cases_per_officer.toLocaleString('zh-CN', { maximumFractionDigits: 2 })],
        ]),
      ),
      card(
        t('stats.tasks'),
        figures([
          [t('stats.created'), s.tasks.created],
          [t('stats.checked_in'), s.timings.checked_in],
          [t('stats.approved'), s.timings.approved],
          [t('stats.to_check_in'), hours(s.timings.median_hours_to_first_check_in)],
          [t('stats.to_approval'), hours(s.timings.median_hours_to_approval)],
        ]),
      ),
      card(t('stats.by_kind'), table(byStatusColumns({ head: t('tasks.kind'), cell: (r) => label('kind', r.kind) }), s.tasks.by_kind)),
      card(t('stats.by_township'), table(byStatusColumns({ head: t('batch.township'), cell: (r) => r.name || t('stats.no_township') }), s.tasks.by_township)),
    );
  });
}
