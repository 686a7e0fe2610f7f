// One grid worker's breakdown for a period (the supervisor's view): standing, every score line
// with its cause, and the training recommended from their recent rework reasons.

import * as api from '../api.js';
import { h } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { dateTime, points, thisMonth } from '../format.js';
import { card, link, page, periodSelect, show, table } from './common.js';

export function workerView({ id }, query) {
  const period = query.get('period') || thisMonth();
  return show(async () => {
    const [profile, breakdown, training] = await Promise.all([
      api.get(`workers/${id}`),
      api.get(`workers/${id}/scores?period=${encodeURIComponent(period)}`),
      api.get(`workers/${id}/training`),
    ]);
    const st = breakdown.standing;
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
            st ? h('p', {}, t('worker.standing', { rank: st.rank, tier: st.tier, pct: Math.round(st.percentile) })) : null,
            h('p', { class: 'muted' }, `${t('worker.grids')}：${profile.grids.map((g) => g.name).join('，') || '—'}`),
          ),
          card(
            t('worker.lines'),
            table(
              [
                { head: t('worker.when'), cell: (l) => dateTime(l.occurred_at) },
                { head: t('worker.code'), cell: (l) => label('line', l.code) },
                { head: t('board.points'), cell: (l) => points(l.points), cls: 'num' },
                { head: t('worker.task'), cell: (l) => (l.task_id ? link(`#/tasks/${l.task_id}`, `#${l.task_id}`) : '') },
              ],
              breakdown.lines,
              { empty: t('board.empty') },
            ),
          ),
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
            t('worker.completions'),
            table(
              [
                { head: '#', cell: (c) => c.module_id },
                { head: t('worker.when'), cell: (c) => c.completed_on },
                { head: t('board.points'), cell: (c) => `${c.quiz_score}${c.passed ? ' ✓' : ''}` },
              ],
              training.completions,
            ),
          ),
        ),
      ),
    );
  });
}
