// My scores: the month's standing, every score line with its cause, an appeal from any line, and
// the training recommended from my recent rework. The scheme is for the workers — they should be
// able to see and question every point. Needs a connection; the last sheet seen stays readable.

import { h } from '../../shared/dom.js';
import * as api from '../api.js';
import { addStrings, label, t } from '../i18n.js';
import * as store from '../store.js';
import { badge, dateTime, errorText, kindName, placeOf, points, render, screen, toast } from '../ui.js';

addStrings({
  zh: {
    'scores.title': '我的积分',
    'scores.month': '月份',
    'scores.total': '本月积分',
    'scores.standing': '乡镇（街道）排名第 {rank} 名 · 档次 {tier} · 领先 {pct}% 的其他网格员',
    'scores.standing_top': '乡镇（街道）排名第 {rank} 名 · 档次 {tier} · 排名最前',
    'scores.standing_plain': '乡镇（街道）排名第 {rank} 名 · 档次 {tier}',
    'scores.no_standing': '本月尚未排名。',
    'scores.provisional': '统计中（暂定）',
    'scores.lines': '积分明细',
    'scores.no_lines': '本月还没有积分明细。',
    'scores.rating': '评分 {n} 星',
    'scores.appeal': '申诉',
    'scores.appeal_reason': '申诉理由',
    'scores.appeal_send': '提交申诉',
    'scores.appeal_sent': '申诉已提交，等待网格负责人复核。',
    'scores.appeal_needs_reason': '请写明申诉理由。',
    'scores.appeal.pending': '申诉复核中',
    'scores.appeal.accepted': '申诉：予以支持',
    'scores.appeal.rejected': '申诉：不予支持',
    'scores.appeal_decision': '复核意见：{reason}',
    'scores.training': '推荐培训',
    'scores.training_reason': '近期因“{reason}”被退回 {n} 次',
    'scores.training_none': '目前没有推荐的培训。',
    'scores.offline': '未联网，显示的是 {at} 的积分。',
    'scores.offline_none': '未联网，联网后才能查看积分。',
    'line.approval': '任务通过',
    'line.rework_penalty': '退回重办扣分',
    'line.unanswered_penalty': '逾期未接扣分',
    'line.false_check_in': '虚假签到扣分',
    'line.clawback': '追回积分',
    'line.outcome_assets_seized': '查控财产奖励',
    'line.outcome_recovered': '执行到位奖励',
    'line.outcome_settlement': '达成和解奖励',
    'line.training': '培训结业加分',
    'line.appeal_correction': '申诉更正',
  },
  en: {
    'scores.title': 'My scores',
    'scores.month': 'Month',
    'scores.total': 'Points this month',
    'scores.standing': 'Rank {rank} in the township · tier {tier} · ahead of {pct}% of the others',
    'scores.standing_top': 'Rank {rank} in the township · tier {tier} · top of the township',
    'scores.standing_plain': 'Rank {rank} in the township · tier {tier}',
    'scores.no_standing': 'Not ranked yet this month.',
    'scores.provisional': 'Provisional (month still open)',
    'scores.lines': 'Score lines',
    'scores.no_lines': 'No score lines this month yet.',
    'scores.rating': 'rated {n}/5',
    'scores.appeal': 'Appeal',
    'scores.appeal_reason': 'Why is this line wrong?',
    'scores.appeal_send': 'Send appeal',
    'scores.appeal_sent': 'Appeal sent; the supervisor will review it.',
    'scores.appeal_needs_reason': 'Please give a reason.',
    'scores.appeal.pending': 'Appeal under review',
    'scores.appeal.accepted': 'Appeal upheld',
    'scores.appeal.rejected': 'Appeal rejected',
    'scores.appeal_decision': 'Decision: {reason}',
    'scores.training': 'Recommended training',
    'scores.training_reason': 'Returned {n} times recently for “{reason}”',
    'scores.training_none': 'No training recommended.',
    'scores.offline': 'Offline: showing your scores as of {at}.',
    'scores.offline_none': 'Offline: scores need a connection.',
    'line.approval': 'Task approved',
    'line.rework_penalty': 'Returned for rework',
    'line.unanswered_penalty': 'Left unanswered',
    'line.false_check_in': 'False check-in',
    'line.clawback': 'Clawback',
    'line.outcome_assets_seized': 'Assets seized bonus',
    'line.outcome_recovered': 'Money recovered bonus',
    'line.outcome_settlement': 'Settlement bonus',
    'line.training': 'Training passed',
    'line.appeal_correction': 'Appeal correction',
  },
});

/**
 * The standing in words. The percentile is the share of the *other* workers ranked strictly
 * lower, so the top worker's is 100: said as 排名最前, never "超过 100%"; floored, so 99.6 is not
 * rounded up to 100 either.
 */
function standingText(st) {
  const pct = Math.floor(Number(st.percentile || 0));
  const vars = { rank: st.rank, tier: st.tier, pct };
  if (pct >= 100) return t('scores.standing_top', vars);
  if (pct <= 0) return t('scores.standing_plain', vars);
  return t('scores.standing', vars);
}

function thisMonth(offset = 0) {
  const now = new Date(Date.now() + 8 * 3600 * 1000); // China time
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - offset, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function cause(line, tasks) {
  const parts = [];
  const task = line.task_id ? tasks.get(line.task_id) : null;
  const kind = line.detail?.kind || task?.kind;
  if (kind) parts.push(kindName(kind));
  if (placeOf(task)) parts.push(placeOf(task));
  if (line.detail?.rating) parts.push(t('scores.rating', { n: line.detail.rating }));
  const reasons = line.detail?.reasons || (line.detail?.reason ? [line.detail.reason] : []);
  if (reasons.length) parts.push(reasons.map((r) => label('reason', r)).join('、'));
  return parts.join(' · ');
}

function appealForm(line, onSent) {
  const reason = h('textarea', { id: `appeal-reason-${line.id}`, rows: 3, maxlength: 1000, required: true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  return h(
    'form',
    {
      class: 'appeal',
      onsubmit: async (event) => {
        event.preventDefault();
        if (!reason.value.trim()) {
          error.textContent = t('scores.appeal_needs_reason');
          return;
        }
        try {
          await api.post('score-appeals', { line_id: line.id, reason: reason.value.trim() });
          toast(t('scores.appeal_sent'));
          onSent();
        } catch (e) {
          error.textContent = errorText(e);
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: `appeal-reason-${line.id}` }, t('scores.appeal_reason')), reason),
    error,
    h('button', { type: 'submit', class: 'primary' }, t('scores.appeal_send')),
  );
}

export async function scoresView(params, query) {
  const period = query.get('period') || thisMonth();
  const me = await api.user();
  let sheet;
  let offline = null;
  try {
    const [breakdown, appeals, training] = await Promise.all([
      api.get(`workers/${me.id}/scores?period=${period}`),
      api.get('score-appeals'),
      api.get(`workers/${me.id}/training`),
    ]);
    sheet = { breakdown, appeals, training, at: new Date().toISOString() };
    await store.put('kv', sheet, `scores:${period}`);
  } catch (e) {
    if (e.status !== 0) throw e;
    sheet = await store.get('kv', `scores:${period}`);
    offline = sheet ? t('scores.offline', { at: dateTime(sheet.at) }) : t('scores.offline_none');
  }
  const tasks = new Map((await store.all('tasks')).filter((r) => r.task).map((r) => [r.id, r.task]));
  const months = [0, 1, 2, 3, 4, 5].map((o) => thisMonth(o));
  const select = h('select', { id: 'period', onchange: (e) => (location.hash = `#/scores?period=${e.target.value}`) },
    months.map((m) => h('option', { value: m, selected: m === period }, m.replace('-', '年') + '月')));
  const b = sheet?.breakdown;
  const appealsByLine = new Map((sheet?.appeals || []).map((a) => [a.line_id, a]));
  render(
    ...screen(
      t('scores.title'),
      {},
      h('div', { class: 'field inline' }, h('label', { for: 'period' }, t('scores.month')), select),
      offline ? h('p', { class: 'notice' }, offline) : null,
      b
        ? [
            h(
              'section',
              { class: 'card total' },
              h('p', { class: 'big', id: 'score-total' }, `${t('scores.total')}：${points(b.total_points)}`),
              b.standing
                ? h('p', {}, standingText(b.standing))
                : h('p', { class: 'muted' }, t('scores.no_standing')),
              period === thisMonth() ? h('p', { class: 'muted small' }, t('scores.provisional')) : null,
            ),
            h(
              'section',
              { class: 'card' },
              h('h2', {}, t('scores.lines')),
              b.lines.length
                ? h(
                    'ul',
                    { class: 'lines', id: 'score-lines' },
                    b.lines.map((line) => {
                      const appeal = appealsByLine.get(line.id);
                      const item = h(
                        'li',
                        { class: 'line', dataset: { lineId: line.id, code: line.code } },
                        h('div', { class: 'line-top' }, h('strong', {}, label('line', line.code)), h('span', { class: ['pts', line.points < 0 ? 'neg' : 'pos'] }, points(line.points))),
                        h('div', { class: 'muted small' }, dateTime(line.occurred_at), cause(line, tasks) ? ` · ${cause(line, tasks)}` : ''),
                        appeal
                          ? h('div', {}, badge(t(`scores.appeal.${appeal.status}`), appeal.status), appeal.decision_reason ? h('p', { class: 'small' }, t('scores.appeal_decision', { reason: appeal.decision_reason })) : null)
                          : null,
                      );
                      if (!appeal && !offline && line.code !== 'appeal_correction') {
                        const open = h('button', { type: 'button', class: 'small', dataset: { appeal: line.id } }, t('scores.appeal'));
                        open.addEventListener('click', () => {
                          open.replaceWith(appealForm(line, () => scoresView(params, query)));
                        });
                        item.append(open);
                      }
                      return item;
                    }),
                  )
                : h('p', { class: 'muted' }, t('scores.no_lines')),
            ),
            h(
              'section',
              { class: 'card' },
              h('h2', {}, t('scores.training')),
              sheet.training.recommended.length
                ? h('ul', { class: 'plain' }, sheet.training.recommended.map((r) => h('li', {}, h('strong', {}, r.module.title), h('div', { class: 'muted small' }, t('scores.training_reason', { reason: label('reason', r.reason), n: r.returns })))))
                : h('p', { class: 'muted' }, t('scores.training_none')),
            ),
          ]
        : null,
    ),
  );
  return null;
}
