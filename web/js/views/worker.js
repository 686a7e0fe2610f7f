// One grid worker's page (the supervisor's view): standing and every score line for a period
// with its cause and task, the training recommended from their recent rework reasons and their
// training record; and the forms that change the worker (grids, certifications, capacity, leave,
// a training completion — web/js/views/worker_profile.js).

import * as api from '../api.js';
import { h } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { date, dateTime, points, thisMonth } from '../format.js';
import { card, grids, link, page, periodSelect, show, table } from './common.js';
import { completionForm, profileForm } from './worker_profile.js';

/** The standing in words; a top worker is "排名最前", never "超过 100%". */
export function standingText(st) {
  if (!st) return t('wk.no_standing');
  const pct = Math.floor(Number(st.percentile || 0));
  if (pct >= 100) return t('wk.standing_top', { rank: st.rank, tier: st.tier });
  if (pct <= 0) return t('wk.standing_alone', { rank: st.rank, tier: st.tier });
  return t('wk.standing', { rank: st.rank, tier: st.tier, pct });
}

export function workerView({ id }, query) {
  const period = query.get('period') || thisMonth();
  const reload = () => workerView({ id }, query);
  return show(async () => {
    const [profile, breakdown, training, modules, collection] = await Promise.all([
      api.get(`workers/${id}`),
      api.get(`workers/${id}/scores?period=${encodeURIComponent(period)}`),
      api.get(`workers/${id}/training`),
      api.get('training/modules'),
      grids(null),
    ]);
    const moduleTitle = new Map(modules.map((m) => [m.id, m.title]));
    return page(
      t('worker.title', { name: profile.display_name }),
      h('div', { class: 'toolbar' }, periodSelect(period, (p) => (location.hash = `#/workers/${id}?period=${p}`))),
      h(
        'div',
        { class: 'columns' },
        h(
          'div',
          { class: 'col' },
          card(
            null,
            h('p', { class: 'big', id: 'worker-total' }, `${t('worker.total')}：${points(breakdown.total_points)}`),
            h('p', { id: 'worker-standing' }, standingText(breakdown.standing)),
            h('p', { class: 'muted' }, `${t('worker.grids')}：${profile.grids.map((g) => g.name).join('，') || '—'}`),
          ),
          card(
            t('worker.lines'),
            table(
              [
                { head: t('worker.when'), cell: (l) => dateTime(l.occurred_at) },
                { head: t('wk.line_cause'), cell: (l) => label('line', l.code) },
                { head: t('board.points'), cell: (l) => points(l.points), cls: 'num' },
                { head: t('worker.task'), cell: (l) => (l.task_id ? link(`#/tasks/${l.task_id}`, t('wk.task_link', { id: l.task_id })) : '') },
              ],
              breakdown.lines,
              { empty: t('board.empty') },
            ),
          ),
          card(t('wk.profile'), profileForm(profile, collection, reload)),
        ),
        h(
          'div',
          { class: 'col' },
          card(
            t('worker.training'),
            training.recommended.length
              ? h(
                  'ul',
                  { class: 'training' },
                  training.recommended.map((r) =>
                    h('li', {}, h('strong', {}, r.module.title), h('div', { class: 'muted' }, t('worker.training_reason', { reason: label('reason', r.reason), n: r.returns }))),
                  ),
                )
              : h('p', { class: 'muted empty' }, t('worker.training_none')),
          ),
          card(
            t('tr.title'),
            h(
              'div',
              { id: 'completions' },
              table(
                [
                  { head: t('tr.module'), cell: (c) => moduleTitle.get(c.module_id) || t('tr.unknown_module') },
                  { head: t('tr.completed_on'), cell: (c) => date(c.completed_on) },
                  { head: t('tr.score_col'), cell: (c) => String(c.quiz_score), cls: 'num' },
                  { head: t('tr.result'), cell: (c) => h('span', { class: ['badge', c.passed ? 'ok' : 'flag'] }, c.passed ? t('tr.passed') : t('tr.failed')) },
                ],
                training.completions,
                { empty: t('tr.none') },
              ),
            ),
            h('h3', {}, t('tr.record')),
            modules.length ? completionForm(Number(id), modules, reload) : h('p', { class: 'muted' }, t('tr.no_modules')),
          ),
        ),
      ),
    );
  });
}
