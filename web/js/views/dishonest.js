// The court's list of dishonest debtors (失信被执行人名单) for the officer: search by ID number
// or case number, list a debtor, remove one with a reason, and import a CSV file with its
// row-by-row report shown as a table.

import * as api from '../api.js';
import { h, mount, toast } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { caseNo, date } from '../format.js';
import { card, errorText, page, show, table } from './common.js';
import { clearFieldErrors, field, showFieldError, todayIso } from './case_new.js';

const LISTING = ['able_but_refused', 'obstructed_enforcement', 'evaded_enforcement', 'violated_asset_reporting', 'violated_consumption_ban', 'breached_settlement'];
const REMOVAL = ['performed', 'settled', 'applicant_request', 'no_assets_found', 'suspended', 'not_enforceable', 'enforcement_ended', 'term_expired', 'listed_in_error'];

function removeForm(entry, done) {
  const reason = h('select', { id: `remove-reason-${entry.id}` }, REMOVAL.map((r) => h('option', { value: r }, label('removal', r))));
  const note = h('input', { id: `remove-note-${entry.id}`, maxlength: 500 });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const form = h(
    'form',
    { class: 'action-form remove-form' },
    h('h3', {}, t('dishonest.remove_title', { name: entry.name })),
    h('div', { class: 'field-row' }, field(`remove-${entry.id}.reason`, t('dishonest.remove_reason'), reason), field(`remove-${entry.id}.note`, t('dishonest.note'), note)),
    message,
    h('button', { type: 'submit', class: 'danger' }, t('dishonest.remove_submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { reason: reason.value };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      await api.post(`dishonest-entries/${entry.id}/removal`, body);
      toast(t('dishonest.removed'));
      done();
    } catch (error) {
      message.textContent = errorText(error);
    }
  });
  return form;
}

function addForm(done) {
  const name = h('input', { maxlength: 200, autocomplete: 'off' });
  const idNumber = h('input', { maxlength: 30, autocomplete: 'off' });
  const caseNumber = h('input', { maxlength: 60, autocomplete: 'off', placeholder: t('newcase.number_hint') });
  const listed = h('input', { type: 'date', value: todayIso(), max: todayIso() });
  const reason = h('select', {}, LISTING.map((r) => h('option', { value: r }, label('listing', r))));
  const note = h('input', { maxlength: 500 });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const form = h(
    'form',
    { class: 'action-form', id: 'dishonest-add', novalidate: true },
    h('div', { class: 'field-row' }, field('name', t('dishonest.name'), name), field('id_number', t('newcase.id_number'), idNumber)),
    h('div', { class: 'field-row' }, field('case_number', t('dishonest.case'), caseNumber), field('listed_on', t('dishonest.listed_on'), listed)),
    field('reason', t('dishonest.reason'), reason),
    field('note', t('dishonest.note'), note),
    message,
    h('button', { type: 'submit', class: 'primary', id: 'dishonest-add-submit' }, t('dishonest.add')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    message.textContent = '';
    const body = { name: name.value.trim(), id_number: idNumber.value.trim(), case_number: caseNumber.value.trim(), listed_on: listed.value, reason: reason.value };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      await api.post('dishonest-entries', body);
      toast(t('dishonest.added'));
      done();
    } catch (error) {
      if (!showFieldError(form, error)) message.textContent = errorText(error);
    }
  });
  return form;
}

/** One problem of an imported row, in Chinese: the column's name and what is wrong with it. */
function rowProblem(row, e) {
  if (row.status === 'duplicate') {
    const line = /line (\d+)/.exec(e.detail || '');
    return line ? t('dishonest.repeats_line', { line: line[1] }) : t('dishonest.already_listed');
  }
  if (!e.column) return t('dishonest.bad_row');
  const column = t(`dishonest.col.${e.column}`);
  const text = t(`invalid.${e.column}`);
  return `${column === e.column ? e.column : column}${t('app.colon')}${text === e.column ? t('invalid.other') : text}`;
}

function importForm() {
  const file = h('input', { type: 'file', id: 'dishonest-file', accept: '.csv,text/csv' });
  const message = h('p', { class: 'error-text', role: 'alert' });
  const report = h('div', { id: 'import-report' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'dishonest-import-submit' }, t('dishonest.import_submit'));
  const form = h(
    'form',
    { class: 'action-form', id: 'dishonest-import' },
    h('p', { class: 'muted' }, t('dishonest.import_help')),
    h('div', { class: 'field' }, h('label', { for: 'dishonest-file' }, t('dishonest.import_file')), file),
    message,
    submit,
    report,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    const chosen = file.files[0];
    if (!chosen) return;
    submit.disabled = true;
    try {
      const text = await chosen.text();
      const r = await api.postText('dishonest-entries/import', text, 'text/csv');
      mount(
        report,
        h('p', { id: 'import-summary' }, t('dishonest.report', r)),
        table(
          [
            { head: t('dishonest.line'), cls: 'num', cell: (row) => row.line },
            { head: t('dishonest.row_status'), cell: (row) => h('span', { class: ['badge', `row-${row.status}`] }, label('dishonest.row', row.status)) },
            {
              head: t('dishonest.problems'),
              cell: (row) => row.errors.map((e) => h('div', {}, rowProblem(row, e))),
            },
          ],
          r.rows,
        ),
      );
    } catch (error) {
      message.textContent = errorText(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export function dishonestView(_params, query) {
  const idNumber = query.get('id_number') || '';
  const caseNumber = query.get('case_number') || '';
  const status = query.get('status') || 'listed';
  const reload = () => dishonestView(_params, query);
  return show(async () => {
    const params = new URLSearchParams({ status });
    if (idNumber) params.set('id_number', idNumber);
    if (caseNumber) params.set('case_number', caseNumber);
    const entries = await api.all(`dishonest-entries?${params}`);
    const idBox = h('input', { type: 'search', id: 'dishonest-id', value: idNumber, 'aria-label': t('dishonest.search_id'), placeholder: t('dishonest.search_id') });
    const caseBox = h('input', { type: 'search', id: 'dishonest-case', value: caseNumber, 'aria-label': t('dishonest.search_case'), placeholder: t('dishonest.search_case') });
    const statusBox = h('select', { id: 'dishonest-status', 'aria-label': t('dishonest.status') }, ['listed', 'removed'].map((s) => h('option', { value: s, selected: s === status }, label('dishonest.status', s))));
    const search = h(
      'form',
      { class: 'search', role: 'search' },
      idBox,
      caseBox,
      statusBox,
      h('button', { type: 'submit' }, t('cases.search_go')),
    );
    search.addEventListener('submit', (e) => {
      e.preventDefault();
      const next = new URLSearchParams({ status: statusBox.value });
      if (idBox.value.trim()) next.set('id_number', idBox.value.trim());
      if (caseBox.value.trim()) next.set('case_number', caseBox.value.trim());
      location.hash = `#/dishonest?${next}`;
    });
    const removeBox = h('div', { id: 'remove-box' });
    const rows = table(
      [
        { head: t('dishonest.name'), cell: (e) => e.name },
        { head: t('dishonest.id_number'), cell: (e) => e.id_number },
        { head: t('dishonest.case'), cell: (e) => caseNo(e.case_number) },
        { head: t('dishonest.reason'), cell: (e) => label('listing', e.reason) },
        { head: t('dishonest.listed_on'), cell: (e) => date(e.listed_on) },
        status === 'removed'
          ? { head: t('dishonest.removed_on'), cell: (e) => [date(e.removed_on), ' ', label('removal', e.removal_reason)] }
          : { head: '', cell: (e) => h('button', { type: 'button', class: 'link', 'data-remove': e.id, onclick: () => mount(removeBox, removeForm(e, reload)) }, t('dishonest.remove')) },
      ],
      entries,
      { empty: t('dishonest.none') },
    );
    return page(
      t('dishonest.title'),
      h('div', { class: 'toolbar' }, search),
      card(null, rows, removeBox),
      h('div', { class: 'columns' }, h('div', { class: 'col' }, card(t('dishonest.add'), addForm(reload))), h('div', { class: 'col' }, card(t('dishonest.import'), importForm()))),
    );
  });
}
