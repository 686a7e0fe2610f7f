// The forms on a grid worker's page (the supervisor's): their grids (own and others covered),
// certifications (task kinds with dates), capacity and leave (PUT /workers/{id}), and recording a
// training completion (POST /training/modules/{id}/completions). A server error naming a field
// is shown next to that field, in Chinese.

import * as api from '../api.js';
import { h, toast } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { errorText } from './common.js';

export const KINDS = [
  'serve_documents',
  'locate_person',
  'locate_assets',
  'urge_performance',
  'facilitate_settlement',
  'publicize_dishonesty',
  'report_refusal',
  'take_down_notice',
];

function todayLocal() {
  return new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

/** A labelled field with its own error line. */
function field(id, text, control, help) {
  return h(
    'div',
    { class: 'field', 'data-field': id },
    h('label', { for: control.id }, text),
    control,
    help ? h('p', { class: 'muted small' }, help) : null,
    h('p', { class: 'error-text field-error', role: 'alert', id: `${id}-error` }),
  );
}

function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function markError(form, id, text) {
  const box = form.querySelector(`#${CSS.escape(id)}-error`);
  if (box) box.textContent = text;
  const control = form.querySelector(`[data-field="${id}"] input, [data-field="${id}"] select`);
  control?.setAttribute('aria-invalid', 'true');
  return Boolean(box);
}

/** The profile form: grids, certifications, capacity, leave. `onSaved(profile)` after a save. */
export function profileForm(profile, collection, onSaved) {
  const features = (collection?.features || [])
    .filter((f) => f.properties.township_id === profile.township_id)
    .sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
  const gridName = (f) => `${f.properties.name}（${f.properties.code}）`;
  const primaryNow = profile.grids.find((g) => g.primary)?.grid_id ?? null;
  const othersNow = new Set(profile.grids.filter((g) => !g.primary).map((g) => g.grid_id));

  const primary = h(
    'select',
    { id: 'wk-primary' },
    h('option', { value: '' }, t('wk.no_grid')),
    features.map((f) => h('option', { value: f.properties.id, selected: f.properties.id === primaryNow }, gridName(f))),
  );
  const others = h(
    'div',
    { class: 'check-list', id: 'wk-others', role: 'group', 'aria-label': t('wk.other_grids') },
    features.map((f) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', value: f.properties.id, checked: othersNow.has(f.properties.id) }), gridName(f)),
    ),
  );

  const certNow = new Map(profile.certifications.map((c) => [c.task_kind, c]));
  const certRows = KINDS.map((kind) => {
    const c = certNow.get(kind);
    const on = h('input', { type: 'checkbox', id: `cert-${kind}`, checked: Boolean(c) });
    const from = h('input', { type: 'date', id: `cert-${kind}-from`, value: c?.certified_on || '', 'aria-label': `${label('kind', kind)} ${t('wk.certified_on')}` });
    const until = h('input', { type: 'date', id: `cert-${kind}-until`, value: c?.expires_on || '', 'aria-label': `${label('kind', kind)} ${t('wk.expires_on')}` });
    on.addEventListener('change', () => {
      if (on.checked && !from.value) from.value = todayLocal();
    });
    const row = h(
      'div',
      { class: 'cert-row', 'data-field': `cert-${kind}` },
      h('label', { class: 'check', for: on.id }, on, label('kind', kind)),
      h(
        'span',
        { class: 'cert-dates' },
        h('span', { class: 'cert-date' }, h('span', { class: 'muted small' }, t('wk.certified_on')), from),
        h('span', { class: 'cert-date' }, h('span', { class: 'muted small' }, t('wk.expires_on')), until),
      ),
      h('p', { class: 'error-text field-error', role: 'alert', id: `cert-${kind}-error` }),
    );
    return { kind, on, from, until, row };
  });

  const capacity = h('input', { type: 'number', id: 'wk-capacity', min: 0, max: 200, step: 1, value: profile.capacity });
  const availability = h(
    'select',
    { id: 'wk-availability' },
    ['active', 'on_leave'].map((a) => h('option', { value: a, selected: a === profile.availability }, t(`wk.availability.${a}`))),
  );
  const leave = h('input', { type: 'date', id: 'wk-leave', value: profile.on_leave_until || '' });
  const leaveField = field('on_leave_until', t('wk.leave_until'), leave);
  const syncLeave = () => {
    leaveField.hidden = availability.value !== 'on_leave';
  };
  availability.addEventListener('change', syncLeave);
  syncLeave();

  const message = h('p', { class: 'error-text', role: 'alert', id: 'wk-message' });
  const save = h('button', { type: 'submit', class: 'primary', id: 'wk-save' }, t('wk.save'));
  const form = h(
    'form',
    { class: 'profile-form', novalidate: true },
    field('primary_grid_id', t('wk.primary_grid'), primary),
    h(
      'div',
      { class: 'field', 'data-field': 'other_grid_ids' },
      h('span', { class: 'label' }, t('wk.other_grids')),
      h('p', { class: 'muted small' }, t('wk.other_grids_help')),
      others,
      h('p', { class: 'error-text field-error', role: 'alert', id: 'other_grid_ids-error' }),
    ),
    h(
      'div',
      { class: 'field', 'data-field': 'certifications' },
      h('span', { class: 'label' }, t('wk.certs')),
      h('p', { class: 'muted small' }, t('wk.certs_help')),
      certRows.map((r) => r.row),
    ),
    field('capacity', t('wk.capacity'), capacity),
    field('availability', t('wk.availability'), availability),
    leaveField,
    message,
    h('div', { class: 'buttons' }, save),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    message.textContent = '';
    const chosen = certRows.filter((r) => r.on.checked);
    const missing = chosen.filter((r) => !r.from.value);
    if (missing.length) {
      for (const r of missing) markError(form, `cert-${r.kind}`, t('wk.err.certified_on.missing'));
      message.textContent = t('wk.fix');
      return;
    }
    const primaryId = primary.value ? Number(primary.value) : null;
    const body = {
      primary_grid_id: primaryId,
      other_grid_ids: [...others.querySelectorAll('input:checked')].map((c) => Number(c.value)).filter((id) => id !== primaryId),
      certifications: chosen.map((r) => ({ task_kind: r.kind, certified_on: r.from.value, expires_on: r.until.value || null })),
      capacity: capacity.value === '' ? -1 : Number(capacity.value),
      availability: availability.value,
      on_leave_until: availability.value === 'on_leave' ? leave.value || null : null,
    };
    if (!Number.isInteger(body.capacity)) body.capacity = -1;
    save.disabled = true;
    try {
      const saved = await api.request(`workers/${profile.id}`, { method: 'PUT', body }).then((r) => r.json());
      api.invalidate('workers:');
      toast(t('wk.saved'));
      onSaved(saved);
    } catch (error) {
      const f = error?.field || '';
      let shown = false;
      const cert = /^certifications\[(\d+)\]\.(\w+)$/.exec(f);
      if (cert) {
        const row = chosen[Number(cert[1])];
        if (row) shown = markError(form, `cert-${row.kind}`, t(`wk.err.${cert[2]}`));
      } else if (f.startsWith('other_grid_ids')) {
        shown = markError(form, 'other_grid_ids', t('wk.err.other_grid_ids'));
      } else if (f === 'on_leave_until' && availability.value === 'active') {
        shown = markError(form, 'on_leave_until', t('wk.err.on_leave_until.active'));
      } else if (['capacity', 'on_leave_until', 'primary_grid_id'].includes(f)) {
        shown = markError(form, f, t(`wk.err.${f}`));
      }
      message.textContent = shown ? t('wk.fix') : error?.code === 'invalid_input' ? t('wk.err.other') : errorText(error);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

/** Record a training completion for the worker. `onRecorded()` after it is stored. */
export function completionForm(workerId, modules, onRecorded) {
  const module = h(
    'select',
    { id: 'tr-module' },
    h('option', { value: '' }, t('tr.pick')),
    modules.map((m) => h('option', { value: m.id }, m.title)),
  );
  const info = h('p', { class: 'muted small', id: 'tr-info' });
  module.addEventListener('change', () => {
    const m = modules.find((x) => String(x.id) === module.value);
    info.textContent = m
      ? t('tr.module_info', { pass: m.pass_score, days: m.validity_days, kinds: m.task_kinds.map((k) => label('kind', k)).join('、') })
      : '';
  });
  const on = h('input', { type: 'date', id: 'tr-date', value: todayLocal(), max: todayLocal() });
  const score = h('input', { type: 'number', id: 'tr-score', min: 0, max: 100, step: 1 });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'tr-submit' }, t('tr.submit'));
  const form = h(
    'form',
    { class: 'completion-form', novalidate: true },
    field('module', t('tr.module'), module),
    info,
    field('completed_on', t('tr.completed_on'), on),
    field('quiz_score', t('tr.score'), score),
    message,
    h('div', { class: 'buttons' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    message.textContent = '';
    if (!module.value) {
      markError(form, 'module', t('tr.need_module'));
      return;
    }
    const quiz = Number(score.value);
    if (score.value === '' || !Number.isInteger(quiz) || quiz < 0 || quiz > 100) {
      markError(form, 'quiz_score', t('tr.err.quiz_score'));
      return;
    }
    if (!on.value) {
      markError(form, 'completed_on', t('tr.err.completed_on'));
      return;
    }
    submit.disabled = true;
    try {
      const done = await api.post(`training/modules/${module.value}/completions`, { worker_id: workerId, completed_on: on.value, quiz_score: quiz });
      const m = modules.find((x) => x.id === done.module_id);
      toast(done.passed ? t('tr.recorded_pass') : t('tr.recorded_fail', { pass: m?.pass_score ?? '' }));
      api.invalidate('workers:');
      onRecorded(done);
    } catch (error) {
      const f = error?.field;
      if (f === 'quiz_score' || f === 'completed_on') markError(form, f, t(`tr.err.${f}`));
      else message.textContent = errorText(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
