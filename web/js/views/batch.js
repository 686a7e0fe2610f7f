// Batch assignment for the officer: a dry run of POST /assignments/optimize over the court's
// queue (or one case's tasks nobody has accepted yet), the plan as a table (task → worker,
// distance) with its saving against greedy one-at-a-time assignment, then a commit of the rows
// left ticked.

import * as api from '../api.js';
import { h, mount, toast } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { caseNo, workerName } from '../format.js';
import { card, errorText, link, page, show, table, workerDirectory } from './common.js';

function km(m) {
  return t('batch.km', { km: (Number(m || 0) / 1000).toLocaleString('zh-CN', { maximumFractionDigits: 1, minimumFractionDigits: 1 }) });
}

export function batchView(_params, query) {
  const caseId = query.get('case');
  return show(async () => {
    const [tasks, workers, caseData] = await Promise.all([
      api.all(caseId ? `tasks?case_id=${caseId}` : 'tasks?status=queued'),
      workerDirectory(),
      caseId ? api.get(`tasks?case_id=${caseId}&limit=1`).then((p) => p.items[0]) : null,
    ]);
    const scope = caseId ? tasks.filter((x) => ['queued', 'assigned'].includes(x.status)) : tasks;
    const byId = new Map(tasks.map((x) => [x.id, x]));
    const taskCell = (id) => {
      const x = byId.get(id);
      return x ? [link(`#/tasks/${id}`, label('kind', x.kind)), h('div', { class: 'muted' }, caseNo(x.case_number))] : link(`#/tasks/${id}`, t('newtask.open'));
    };
    const result = h('div', { id: 'batch-result' });
    const message = h('p', { class: 'error-text', role: 'alert' });
    const preview = h('button', { type: 'button', class: 'primary', id: 'batch-preview' }, t('batch.preview'));
    const body = (dryRun, ids) => {
      const b = { dry_run: dryRun };
      if (ids) b.task_ids = ids;
      else if (caseId) b.task_ids = scope.map((x) => x.id);
      return b;
    };
    const run = async () => {
      message.textContent = '';
      if (caseId && !scope.length) return mount(result, h('p', { class: 'muted empty' }, t('batch.empty')));
      preview.disabled = true;
      try {
        const plan = await api.post('assignments/optimize', body(true));
        const boxes = new Map();
        const rows = plan.assignments.map((a) => {
          const box = h('input', { type: 'checkbox', checked: true, 'aria-label': t('batch.task'), 'data-task-id': a.task_id });
          boxes.set(a.task_id, box);
          return { ...a, box };
        });
        const commit = h('button', { type: 'button', class: 'primary', id: 'batch-commit', disabled: !rows.length }, t('batch.commit'));
        commit.addEventListener('click', async () => {
          const ids = rows.filter((r) => r.box.checked).map((r) => r.task_id);
          if (!ids.length) return (message.textContent = t('batch.none_selected'));
          if (!confirm(t('batch.commit_confirm', { n: ids.length }))) return;
          commit.disabled = true;
          try {
            const done = await api.post('assignments/optimize', body(false, ids));
            api.invalidate('workers:');
            toast(t('batch.committed', { n: done.assignments.length }));
            mount(result, h('p', { class: 'ok', id: 'batch-done' }, t('batch.committed', { n: done.assignments.length })), planTable(done.assignments.map((a) => ({ ...a, box: null }))));
          } catch (error) {
            message.textContent = errorText(error);
            commit.disabled = false;
          }
        });
        const planTable = (list) =>
          table(
            [
              { head: '', cell: (r) => r.box || '✓' },
              { head: t('batch.task'), cell: (r) => taskCell(r.task_id) },
              { head: t('batch.worker'), cell: (r) => workerName(workers, r.worker_id) },
              { head: t('batch.previous'), cell: (r) => (r.previous_worker_id ? workerName(workers, r.previous_worker_id) : '—') },
              { head: t('batch.distance'), cls: 'num', cell: (r) => km(r.distance_m) },
            ],
            list,
            { empty: t('batch.empty') },
          );
        mount(
          result,
          card(
            t('batch.plan'),
            h(
              'p',
              { id: 'batch-summary' },
              t('batch.summary', {
                tasks: plan.tasks_considered,
                workers: plan.workers_considered,
                total: km(plan.total_distance_m),
                greedy: km(plan.greedy.total_distance_m),
                greedy_n: plan.greedy.assigned,
                saving: `${Number(plan.saving_pct || 0).toFixed(1)}%`,
              }),
            ),
            planTable(rows),
            commit,
          ),
          plan.unassigned.length
            ? card(
                t('batch.unplaced'),
                table(
                  [
                    { head: t('batch.task'), cell: (u) => taskCell(u.task_id) },
                    { head: t('batch.reason'), cell: (u) => label('unplaced', u.reason) },
                  ],
                  plan.unassigned,
                ),
              )
            : null,
        );
      } catch (error) {
        message.textContent = errorText(error);
      } finally {
        preview.disabled = false;
      }
      return null;
    };
    preview.addEventListener('click', run);
    return page(
      t('batch.title'),
      h('p', { class: 'muted' }, t('batch.help')),
      h('p', { class: 'meta', id: 'batch-scope' }, caseId ? t('batch.scope_case', { case: caseNo(caseData?.case_number) }) : t('batch.scope_queue')),
      h('div', { class: 'toolbar' }, preview),
      message,
      result,
    );
  });
}
