// The officer's new-task form on a case: kind, the party concerned, instructions, due date,
// urgency, and the target by address and/or a click on the grid map. After creation it says
// where the task went and why (the assignment explanation, in Chinese).

import * as api from '../api.js';
import { h, mount, toast } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { gridMap } from '../map.js';
import { workerName } from '../format.js';
import { errorText, grids, link, workerDirectory } from './common.js';
import { clearFieldErrors, field, showFieldError, todayIso } from './case_new.js';

const KINDS = ['serve_documents', 'locate_person', 'locate_assets', 'urge_performance', 'facilitate_settlement', 'publicize_dishonesty', 'report_refusal', 'take_down_notice'];

/** The assignment explanation of a new task, in words. */
export async function explanation(task, assignment, collection) {
  const names = new Map((collection?.features || []).map((f) => [f.properties.id, f.properties.name]));
  const gridOf = (id) => names.get(id) || (assignment.attempts || []).find((a) => a.grid_id === id)?.grid_code || '';
  let text;
  if (task.assignee_id && assignment.code.startsWith('assigned_in_')) {
    const workers = await workerDirectory(task.township_id).catch(() => null);
    text = t(`explain.${assignment.code}`, {
      worker: workerName(workers, task.assignee_id),
      grid: gridOf(task.grid_id),
      km: assignment.radius_m ? (assignment.radius_m / 1000).toFixed(1) : '',
    });
  } else {
    text = t('explain.queued', { queue: task.queue ? t(`queue.${task.queue}`) : t('queue.court'), reason: label('queue_reason', task.queue_reason || assignment.code) });
  }
  const tried = (assignment.attempts || []).map((a) => gridOf(a.grid_id)).filter(Boolean);
  return h(
    'div',
    { class: 'explanation', id: 'assignment-explanation' },
    h('p', {}, text),
    tried.length > 1 ? h('p', { class: 'muted' }, t('explain.tried', { grids: tried.join('、') })) : null,
    h('p', {}, link(`#/tasks/${task.id}`, t('newtask.open'))),
  );
}

/** The form, for case `c` (with its parties). */
export function newTaskForm(c) {
  const kind = h('select', { id: 'task-kind' }, KINDS.map((k) => h('option', { value: k }, label('kind', k))));
  const parties = c.parties || [];
  const party = h(
    'select',
    { id: 'task-party' },
    h('option', { value: '' }, t('newtask.no_party')),
    parties.map((p) => h('option', { value: p.id, selected: p === parties.find((x) => x.role === 'debtor') }, `${label('party', p.role)}：${p.name}`)),
  );
  const instructions = h('textarea', { id: 'task-instructions', rows: 3, maxlength: 2000 });
  const due = h('input', { id: 'task-due', type: 'date', min: todayIso() });
  const urgent = h('input', { id: 'task-urgent', type: 'checkbox' });
  const address = h('input', { id: 'task-address', maxlength: 500, autocomplete: 'off' });
  const fillAddress = () => {
    const p = parties.find((x) => String(x.id) === party.value);
    if (p?.addresses?.length && !address.dataset.touched) address.value = p.addresses[0].text;
  };
  address.addEventListener('input', () => (address.dataset.touched = '1'));
  party.addEventListener('change', fillAddress);
  fillAddress();

  let point = null;
  const pointText = h('p', { class: 'muted', id: 'task-point' }, t('newtask.point_none'));
  const clear = h('button', { type: 'button', class: 'link', hidden: true, id: 'task-point-clear' }, t('newtask.point_clear'));
  const mapBox = h('div', { class: 'map-box', id: 'task-map' });
  // The map is drawn once; a click moves the target marker, so the officer's pan and zoom stay.
  let map = null;
  let collection = null;
  const showPoint = () => map?.setMarkers(point ? [{ ...point, cls: 'target', title: t('task.target') }] : []);
  clear.addEventListener('click', () => {
    point = null;
    pointText.textContent = t('newtask.point_none');
    clear.hidden = true;
    showPoint();
  });
  grids()
    .then((loaded) => {
      collection = loaded;
      map = gridMap(collection, {
        ariaLabel: t('newtask.point'),
        titleOf: (f) => `${f.properties.name} (${f.properties.code})`,
        markers: [],
        onPick: ({ lat, lon }) => {
          point = { lat, lon };
          pointText.textContent = t('newtask.point_set', { lat: lat.toFixed(5), lon: lon.toFixed(5) });
          clear.hidden = false;
          showPoint();
        },
      });
      mount(mapBox, map);
    })
    .catch((error) => mount(mapBox, h('p', { class: 'error-text' }, errorText(error))));

  const message = h('p', { class: 'error-text', role: 'alert', id: 'new-task-message' });
  const result = h('div', { id: 'new-task-result' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'new-task-submit' }, t('newtask.submit'));
  const form = h(
    'form',
    { class: 'new-task', id: 'new-task', novalidate: true },
    h('div', { class: 'field-row' }, field('kind', t('newtask.kind'), kind), field('party_id', t('newtask.party'), party)),
    field('instructions', t('newtask.instructions'), instructions),
    h(
      'div',
      { class: 'field-row' },
      field('due_on', t('newtask.due_on'), due, t('newtask.due_default')),
      h('div', { class: 'field' }, h('label', { class: 'check', for: 'task-urgent' }, urgent, t('newtask.urgent'))),
    ),
    field('target_address', t('newtask.address'), address),
    h('div', { class: 'field', 'data-field': 'target' }, h('label', {}, t('newtask.point')), h('p', { class: 'muted hint' }, t('newtask.map_help')), mapBox, h('div', { class: 'point-line' }, pointText, ' ', clear), h('p', { class: 'field-error', role: 'alert', hidden: true })),
    message,
    submit,
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    message.textContent = '';
    const body = { kind: kind.value };
    if (party.value) body.party_id = Number(party.value);
    if (instructions.value.trim()) body.instructions = instructions.value.trim();
    if (due.value) body.due_on = due.value;
    if (urgent.checked) body.priority = 'urgent';
    if (address.value.trim()) body.target_address = address.value.trim();
    if (point) body.target = { lat: point.lat, lon: point.lon, crs: 'wgs84' };
    if (!body.target && !body.target_address) {
      message.textContent = t('newtask.need_place');
      return;
    }
    submit.disabled = true;
    try {
      const created = await api.post(`cases/${c.id}/tasks`, body);
      api.invalidate('workers:');
      toast(t('newtask.created'));
      mount(result, h('h3', {}, t('newtask.where')), await explanation(created.task, created.assignment, collection));
      form.dispatchEvent(new CustomEvent('taskcreated', { detail: created }));
    } catch (error) {
      if (!showFieldError(form, error)) message.textContent = errorText(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
