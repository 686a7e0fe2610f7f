// A task's history (its events, GET /tasks/{id}/events) as sentences: who did what, in words.
// Reason codes and the assignment explanation's `code` are worded here (the server's English
// `summary` is never shown); names stand for ids (workers, grids, evidence). People's own notes
// follow the sentence as they wrote them.

import { h } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { dateTime, flagBadge, workerName } from '../format.js';

/** Why an automatic placement went where it did, from the explanation's code and attempts. */
function why(detail, reason, gridName) {
  const code = detail?.code || reason;
  if (!code) return null;
  const attempts = Array.isArray(detail?.attempts) ? detail.attempts : [];
  const home = attempts[0] ? gridName(attempts[0].grid_id, attempts[0].grid_code) : t('history.the_grid');
  const last = attempts.at(-1);
  // Events recorded before the explanation carried a code: tell home from neighbour by the attempts.
  const derived = code === 'automatic' ? (attempts.length > 1 ? 'assigned_in_neighbour_grid' : 'assigned_in_target_grid') : code;
  const key = `history.why.${derived}`;
  const text = t(key, {
    grid: derived === 'assigned_in_neighbour_grid' && last ? gridName(last.grid_id, last.grid_code) : home,
    home,
    m: last ? Math.round(last.distance_m || 0) : 0,
    r: Math.round(detail?.radius_m ?? 0) || '—',
  });
  return text === derived ? null : text;
}

function assignSentence(e, name, gridName) {
  switch (e.reason_code) {
    case 'automatic':
      return [t('history.assign.automatic', { name }), why(e.detail, null, gridName)];
    case 'optimized':
      return [
        e.detail?.distance_m != null
          ? t('history.assign.optimized_distance', { name, m: Math.round(e.detail.distance_m) })
          : t('history.assign.optimized', { name }),
      ];
    case 'poster':
      return [t('history.assign.poster', { name })];
    default:
      return [t('history.assign.manual', { name })];
  }
}

/** The sentence (and an optional second clause) for one event. */
function sentence(e, ctx) {
  const name = workerName(ctx.workers, e.assignee_id);
  switch (e.action) {
    case 'create':
      return [t('history.create')];
    case 'assign':
      return assignSentence(e, name, ctx.gridName);
    case 'queue':
      return [t('history.queue'), why(e.detail, e.reason_code, ctx.gridName)];
    case 'accept':
      return [t('history.accept')];
    case 'decline':
      return [t('history.decline', { reason: label('decline_reason', e.reason_code) || t('decline_reason.other') })];
    case 'recuse':
      return [t('history.recuse')];
    case 'check_in': {
      const m = e.detail?.distance_m;
      return [m != null ? t('history.check_in', { m: Math.round(m) }) : t('history.check_in_plain')];
    }
    case 'evidence':
      return [t('history.evidence', { what: ctx.evidenceName(e.detail?.evidence_id, e.detail?.kind) })];
    case 'submit':
      return [t('history.submit')];
    case 'approve':
      return [e.detail?.rating ? t('history.approve_rated', { n: e.detail.rating }) : t('history.approve')];
    case 'return': {
      const reasons = String(e.reason_code || '')
        .split(',')
        .filter(Boolean)
        .map((r) => label('reason', r))
        .join('、');
      return [t('history.return', { reasons: reasons || label('reason', 'other') })];
    }
    case 'cancel':
      return [e.reason_code === 'debtor_removed' ? t('history.cancel.debtor_removed') : t('history.cancel')];
    case 'pin':
      return [t('history.pin')];
    case 'remind':
      return [t('history.remind')];
    case 'overdue':
      return [t('history.overdue', { whom: t(`history.notify.${e.detail?.notify || 'supervisor'}`) })];
    default:
      return [label('action', e.action)];
  }
}

/** Who acted: the worker's name, or the role in words. */
function actor(e, workers) {
  if (e.actor_role === 'worker' && e.actor_id != null) return workerName(workers, e.actor_id);
  return label('role', e.actor_role);
}

/**
 * The timeline. ctx: `workers` (Map id → worker), `gridName(id, code)` and
 * `evidenceName(id, kind)` (the names the task page uses).
 */
export function history(events, ctx) {
  return h(
    'ol',
    { class: 'timeline' },
    events.map((e) => {
      const [main, clause] = sentence(e, ctx);
      const flags = e.action === 'check_in' ? e.detail?.flags || [] : [];
      return h(
        'li',
        { class: flags.length ? 'flagged' : null },
        h('time', {}, dateTime(e.occurred_at)),
        ' ',
        h('span', { class: 'actor' }, actor(e, ctx.workers)),
        ' ',
        h('strong', {}, main),
        clause ? `${t('history.sep')}${clause}` : '',
        flags.length ? [' ', flags.map(flagBadge)] : null,
        e.note ? h('div', { class: 'note' }, e.note) : null,
      );
    }),
  );
}
