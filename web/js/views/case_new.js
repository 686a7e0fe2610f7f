// The officer's new-case form: case number, amount, filing date and the parties (applicants and
// debtors with ID numbers, phones and addresses). A field the server refuses is marked with its
// message right under it; a filed case opens its page.

import * as api from '../api.js';
import { h, toast } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { card, errorText, page, show } from './common.js';

/** Today in China as YYYY-MM-DD. */
export function todayIso() {
  return new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

/** Yuan typed by a person ("12,000.5") → fen, or NaN. */
export function fenOf(text) {
  const clean = String(text || '').replace(/[,，\s]/g, '');
  if (clean === '') return 0;
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return NaN;
  return Math.round(Number(clean) * 100);
}

/** A labelled input with a slot for its error message; `name` is the server's field path. */
export function field(name, text, input, hint) {
  const id = input.id || `f-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  input.id = id;
  const error = h('p', { class: 'field-error', role: 'alert', id: `${id}-error`, hidden: true });
  input.setAttribute('aria-describedby', `${id}-error`);
  return h('div', { class: 'field', 'data-field': name }, h('label', { for: id }, text), input, hint ? h('p', { class: 'muted hint' }, hint) : null, error);
}

/** Clear every field message of a form. */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
}

/**
 * Put a server field error (`parties[1].id_number`, `parties[0].phones[2]`) under the form's
 * field with the longest matching name; the message is the Chinese for the field's last name.
 * Returns false when no field matches (the caller shows it above the button).
 */
export function showFieldError(form, error) {
  if (!(error instanceof api.ApiError) || !error.field) return false;
  let best = null;
  for (const el of form.querySelectorAll('[data-field]')) {
    const name = el.dataset.field;
    if ((error.field === name || error.field.startsWith(`${name}.`) || error.field.startsWith(`${name}[`)) && (!best || name.length > best.dataset.field.length)) best = el;
  }
  if (!best) return false;
  const last = best.dataset.field.split('.').pop().replace(/\[\d+\]$/, '');
  const key = `invalid.${last}`;
  const text = t(key);
  const message = best.querySelector('.field-error');
  message.textContent = text === last ? t('invalid.other') : text;
  message.hidden = false;
  best.classList.add('invalid');
  best.querySelector('input, select, textarea')?.focus();
  return true;
}

function partyFieldset(index, onRemove) {
  const n = index;
  const at = (f) => `parties[${n}].${f}`;
  const role = h('select', { id: `party-${n}-role` }, ['applicant', 'debtor'].map((r) => h('option', { value: r, selected: r === (n === 0 ? 'applicant' : 'debtor') }, label('party', r))));
  const kind = h('select', { id: `party-${n}-kind` }, ['person', 'organisation'].map((k) => h('option', { value: k }, t(`newcase.kind.${k}`))));
  const name = h('input', { id: `party-${n}-name`, required: true, maxlength: 200, autocomplete: 'off' });
  const idNumber = h('input', { id: `party-${n}-id`, maxlength: 30, autocomplete: 'off', inputmode: 'latin' });
  const phones = h('input', { id: `party-${n}-phones`, maxlength: 300, autocomplete: 'off', inputmode: 'tel' });
  const addresses = h('textarea', { id: `party-${n}-addresses`, rows: 2, maxlength: 2000 });
  const remove = h('button', { type: 'button', class: 'link', onclick: onRemove }, t('newcase.remove_party'));
  const box = h(
    'fieldset',
    { class: 'party-form', 'data-party': n },
    h('legend', {}, t('newcase.party_n', { n: n + 1 })),
    h('div', { class: 'field-row' }, field(at('role'), t('newcase.role'), role), field(at('kind'), t('newcase.kind'), kind)),
    field(at('name'), t('newcase.name'), name),
    field(at('id_number'), t('newcase.id_number'), idNumber),
    field(at('phones'), t('newcase.phones'), phones),
    field(at('addresses'), t('newcase.addresses'), addresses),
    n > 1 ? remove : null,
  );
  box.read = () => {
    const body = {
      role: role.value,
      kind: kind.value,
      name: name.value.trim(),
      phones: phones.value.split(/[,，;；\s]+/).map((p) => p.trim()).filter(Boolean),
      addresses: addresses.value.split('\n').map((a) => a.trim()).filter(Boolean).map((text) => ({ text })),
    };
    if (idNumber.value.trim()) body.id_number = idNumber.value.trim();
    return body;
  };
  return box;
}

export function newCaseView() {
  const number = h('input', { id: 'case-number', required: true, maxlength: 60, autocomplete: 'off', placeholder: t('newcase.number_hint') });
  const amount = h('input', { id: 'case-amount', required: true, inputmode: 'decimal', autocomplete: 'off' });
  const filed = h('input', { id: 'case-filed-on', type: 'date', required: true, value: todayIso(), max: todayIso() });
  const partiesBox = h('div', { class: 'party-list' });
  const parties = [];
  const redraw = () => partiesBox.replaceChildren(...parties);
  const addParty = () => {
    const box = partyFieldset(parties.length, () => {
      parties.splice(parties.indexOf(box), 1);
      redraw();
    });
    parties.push(box);
    redraw();
  };
  addParty();
  addParty();
  const message = h('p', { class: 'error-text', role: 'alert', id: 'new-case-message' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'new-case-submit' }, t('newcase.submit'));
  const form = h(
    'form',
    { class: 'new-case', id: 'new-case', novalidate: true },
    card(
      null,
      field('case_number', t('cases.number'), number),
      h('div', { class: 'field-row' }, field('amount_owed_fen', t('newcase.amount_yuan'), amount), field('filed_on', t('cases.filed_on'), filed)),
    ),
    card(t('newcase.parties'), partiesBox, h('button', { type: 'button', id: 'add-party', onclick: addParty }, t('newcase.add_party'))),
    message,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    message.textContent = '';
    const fen = fenOf(amount.value);
    if (Number.isNaN(fen)) {
      showFieldError(form, new api.ApiError(400, { code: 'invalid_input', field: 'amount_owed_fen' }));
      return;
    }
    // A removed party renumbers the rest: field names follow the order sent.
    parties.forEach((box, i) => {
      for (const el of box.querySelectorAll('[data-field]')) el.dataset.field = el.dataset.field.replace(/^parties\[\d+\]/, `parties[${i}]`);
      box.querySelector('legend').textContent = t('newcase.party_n', { n: i + 1 });
    });
    const body = { case_number: number.value.trim(), amount_owed_fen: fen, filed_on: filed.value, parties: parties.map((p) => p.read()) };
    if (!body.parties.some((p) => p.role === 'debtor') || !body.parties.some((p) => p.role === 'applicant')) {
      message.textContent = t('newcase.need_debtor');
      return;
    }
    submit.disabled = true;
    try {
      const created = await api.post('cases', body);
      toast(t('newcase.created'));
      location.hash = `#/cases/${created.id}`;
    } catch (error) {
      submit.disabled = false;
      if (showFieldError(form, error)) message.textContent = t('newcase.fix');
      else message.textContent = errorText(error);
    }
  });
  return show(async () => page(t('newcase.title'), form));
}
