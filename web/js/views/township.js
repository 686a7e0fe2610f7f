// The township supervisor's task lists: the queue (tasks that came to the supervisor after
// declines or because nobody in the grid was eligible, with the reason in Chinese) and the
// overdue tasks; each links to the task's page, where the reassign form assigns it.

import * as api from '../api.js';
import { h } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { dateTime, statusBadge, workerName } from '../format.js';
import { card, grids, link, page, show, table, workerDirectory } from './common.js';

function gridNames(collection) {
  return new Map((collection?.features || []).map((f) => [f.properties.id, f.properties.name]));
}

function taskLink(x, text) {
  return link(`#/tasks/${x.id}`, text ?? t('sq.task', { kind: label('kind', x.kind), id: x.id }));
}

/** Whole days past the due time (0 when it passed today). */
function daysLate(dueAt) {
  return Math.floor((Date.now() - new Date(dueAt).getTime()) / 86_400_000);
}

export function townshipQueueView() {
  return show(async () => {
    const [tasks, collection] = await Promise.all([api.all('tasks?status=queued'), grids(null)]);
    const names = gridNames(collection);
    const rows = tasks.slice().sort((a, b) => new Date(a.due_at) - new Date(b.due_at));
    return page(
      t('sq.title'),
      h('p', { class: 'muted' }, t('sq.help')),
      card(
        null,
        table(
          [
            { head: t('tasks.kind'), cell: (x) => taskLink(x) },
            { head: t('sq.reason'), cell: (x) => label('queue_reason', x.queue_reason) || '—' },
            { head: t('sq.target'), cell: (x) => x.target?.address || (x.target?.lat != null ? t('sq.point_only') : t('sq.no_address')) },
            { head: t('tasks.grid'), cell: (x) => names.get(x.grid_id) || '—' },
            { head: t('sq.declines'), cell: (x) => x.decline_count, cls: 'num' },
            { head: t('tasks.due'), cell: (x) => dateTime(x.due_at) },
            { head: '', cell: (x) => link(`#/tasks/${x.id}`, t('sq.open')) },
          ],
          rows,
          { empty: t('sq.none'), rowClass: () => 'queue-row' },
        ),
      ),
    );
  });
}

export function overdueView() {
  return show(async () => {
    const [tasks, collection, workers] = await Promise.all([api.all('tasks?overdue=true'), grids(null), workerDirectory(null)]);
    const names = gridNames(collection);
    const rows = tasks.slice().sort((a, b) => new Date(a.due_at) - new Date(b.due_at));
    return page(
      t('so.title'),
      h('p', { class: 'muted' }, t('so.help')),
      card(
        null,
        table(
          [
            { head: t('tasks.kind'), cell: (x) => taskLink(x) },
            { head: t('tasks.status'), cell: (x) => statusBadge(x.status) },
            { head: t('tasks.assignee'), cell: (x) => (x.assignee_id ? link(`#/workers/${x.assignee_id}`, workerName(workers, x.assignee_id)) : '—') },
            { head: t('tasks.due'), cell: (x) => dateTime(x.due_at) },
            {
              head: t('tasks.overdue'),
              cell: (x) => {
                const days = daysLate(x.due_at);
                return h('span', { class: ['badge', 'overdue'] }, days > 0 ? t('so.late', { days }) : t('so.late_today'));
              },
            },
            { head: t('tasks.grid'), cell: (x) => names.get(x.grid_id) || '—' },
            { head: '', cell: (x) => link(`#/tasks/${x.id}`, t('so.open')) },
          ],
          rows,
          { empty: t('so.none'), rowClass: () => 'overdue-row' },
        ),
      ),
    );
  });
}
