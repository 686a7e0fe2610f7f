// The officer's actions on one task, as cards for the task page: cancel it (with a reason),
// record its outcome once approved, find one of its check-ins false, and claw back the points
// of an approved result found untrue. task.js calls taskActions(); nothing else here is shared.

import * as api from '../api.js';
import { h, toast } from '../../shared/dom.js';
import { t } from '../i18n.js';
import { dateTime, points } from '../format.js';
import { card, errorText } from './common.js';
import { fenOf } from './case_new.js';

const CANCELLABLE = ['created', 'queued', 'assigned', 'accepted', 'in_progress', 'submitted', 'returned'];

/** A small form: fields, a submit button, a message line; `send()` returns the toast text. */
function actionForm(id, fields, submitText, send, { confirmText, danger } = {}) {
  const message = h('p', { class: 'error-text', role: 'alert' });
  const submit = h('button', { type: 'submit', id: `${id}-submit`, class: danger ? 'danger' : 'primary' }, submitText);
  const form = h('form', { class: 'action-form', id }, fields, message, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    if (confirmText && !confirm(confirmText)) return;
    submit.disabled = true;
    try {
      const done = await send((text) => (message.textContent = text));
      if (done) toast(done);
    } catch (error) {
      message.textContent = errorText(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function labelled(id, text, input) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, text), input);
}

function cancelCard(task, etag, reload) {
  const note = h('textarea', { rows: 2, maxlength: 500 });
  return card(
    t('actions.cancel'),
    actionForm(
      'cancel-form',
      labelled('cancel-note', t('actions.cancel_reason'), note),
      t('actions.cancel'),
      async (fail) => {
        if (!note.value.trim()) return fail(t('actions.need_reason'));
        if (!confirm(t('actions.cancel_confirm'))) return null;
        await api.post(`tasks/${task.id}/cancel`, { note: note.value.trim() }, { etag });
        reload();
        return t('actions.cancelled');
      },
      { danger: true },
    ),
  );
}

function outcomeCard(task, reload) {
  const money = (id, key) => labelled(id, t(key), h('input', { inputmode: 'decimal', autocomplete: 'off' }));
  const recovered = money('outcome-recovered', 'actions.recovered_yuan');
  const frozen = money('outcome-frozen', 'actions.frozen_yuan');
  const seized = money('outcome-seized', 'actions.seized_yuan');
  const settlement = h('input', { type: 'checkbox', id: 'outcome-settlement' });
  const note = h('textarea', { rows: 2, maxlength: 500 });
  const value = (row) => fenOf(row.querySelector('input').value);
  return card(
    t('actions.outcome'),
    actionForm(
      'outcome-form',
      [
        h('div', { class: 'field-row' }, recovered, frozen, seized),
        h('div', { class: 'field' }, h('label', { class: 'check', for: 'outcome-settlement' }, settlement, t('actions.settlement'))),
        labelled('outcome-note', t('actions.outcome_note'), note),
      ],
      t('actions.outcome_submit'),
      async (fail) => {
        const body = {
          amount_recovered_fen: value(recovered),
          assets_frozen_fen: value(frozen),
          assets_seized_fen: value(seized),
          settlement_performed: settlement.checked,
        };
        if ([body.amount_recovered_fen, body.assets_frozen_fen, body.assets_seized_fen].some(Number.isNaN)) return fail(t('invalid.other'));
        if (!body.amount_recovered_fen && !body.assets_frozen_fen && !body.assets_seized_fen && !body.settlement_performed) return fail(t('actions.outcome_need'));
        if (note.value.trim()) body.note = note.value.trim();
        await api.post(`tasks/${task.id}/outcome`, body);
        reload();
        return t('actions.outcome_done');
      },
    ),
  );
}

function disputeCard(events, reload) {
  const checkIns = events.filter((e) => e.action === 'check_in' && e.detail?.check_in_id != null);
  if (!checkIns.length) return null;
  const pick = h(
    'select',
    {},
    checkIns.map((e, i) =>
      h('option', { value: e.detail.check_in_id }, `${i + 1}. ${dateTime(e.occurred_at)}${e.detail.distance_m != null ? ` · ${t('task.distance', { m: Math.round(e.detail.distance_m) })}` : ''}`),
    ),
  );
  const reason = h('textarea', { rows: 2, maxlength: 1000 });
  return card(
    t('actions.dispute'),
    h('p', { class: 'muted' }, t('actions.dispute_help')),
    actionForm(
      'dispute-form',
      [labelled('dispute-check-in', t('actions.dispute_pick'), pick), labelled('dispute-reason', t('actions.dispute_reason'), reason)],
      t('actions.dispute_submit'),
      async (fail) => {
        if (!reason.value.trim()) return fail(t('actions.need_reason'));
        if (!confirm(t('actions.confirm'))) return null;
        const line = await api.post(`check-ins/${pick.value}/dispute`, { reason: reason.value.trim() });
        reload();
        return `${t('actions.dispute_done')}（${t('actions.points', { points: points(line.points) })}）`;
      },
      { danger: true },
    ),
  );
}

function clawbackCard(task, reload) {
  const reason = h('textarea', { rows: 2, maxlength: 1000 });
  return card(
    t('actions.clawback'),
    h('p', { class: 'muted' }, t('actions.clawback_help')),
    actionForm(
      'clawback-form',
      labelled('clawback-reason', t('actions.clawback_reason'), reason),
      t('actions.clawback_submit'),
      async (fail) => {
        if (!reason.value.trim()) return fail(t('actions.need_reason'));
        if (!confirm(t('actions.confirm'))) return null;
        const line = await api.post(`tasks/${task.id}/clawback`, { reason: reason.value.trim() });
        reload();
        return `${t('actions.clawback_done')}（${t('actions.points', { points: points(line.points) })}）`;
      },
      { danger: true },
    ),
  );
}

/** The officer's action cards for `task` (none for other roles). */
export function taskActions(task, etag, { role, events, outcome, reload }) {
  if (role !== 'officer') return [];
  return [
    task.status === 'approved' && !outcome ? outcomeCard(task, reload) : null,
    disputeCard(events, reload),
    task.status === 'approved' ? clawbackCard(task, reload) : null,
    CANCELLABLE.includes(task.status) ? cancelCard(task, etag, reload) : null,
  ].filter(Boolean);
}
