// The enforcement officer's screens: results awaiting review, the court's cases (searchable), one
// case with its parties, tasks, summed outcomes, closing and the applicant's access code, and the
// court's queue of tasks nobody could take.

import * as api from '../api.js';
import { h } from '../../shared/dom.js';
import { label, t } from '../i18n.js';
import { caseNo, date, dateTime, money, overdueBadge, statusBadge, workerName, yuan } from '../format.js';
import { card, errorText, link, page, scroller, show, table, workerDirectory } from './common.js';
import { h as el, mount, toast } from '../../shared/dom.js';
import { newTaskForm } from './task_new.js';

function taskColumns(workers, { withCase = false, withQueue = false } = {}) {
  return [
    { head: t('tasks.kind'), cell: (x) => link(`#/tasks/${x.id}`, label('kind', x.kind)) },
    { head: t('tasks.status'), cell: (x) => [statusBadge(x.status), ' ', overdueBadge(x)] },
    withCase ? { head: t('tasks.case'), cell: (x) => link(`#/cases/${x.case_id}`, x.case_number ? caseNo(x.case_number) : t('task.open_case')) } : null,
    withQueue ? { head: t('tasks.queue'), cell: (x) => (x.queue ? t(`queue.${x.queue}`) : '') } : null,
    withQueue ? { head: t('tasks.queue_reason'), cell: (x) => label('queue_reason', x.queue_reason) } : null,
    withQueue ? null : { head: t('tasks.assignee'), cell: (x) => workerName(workers, x.assignee_id) },
    { head: t('tasks.due'), cell: (x) => dateTime(x.due_at) },
  ].filter(Boolean);
}

export function reviewView() {
  return show(async () => {
    const [tasks, workers] = await Promise.all([api.all('tasks?status=submitted'), workerDirectory()]);
    return page(t('review.title'), card(null, table(taskColumns(workers, { withCase: true }), tasks, { empty: t('review.none') })));
  });
}

export function casesView(_params, query) {
  const status = query.get('status') || '';
  const q = query.get('q') || '';
  const go = (next) => {
    const params = new URLSearchParams();
    if (next.status) params.set('status', next.status);
    if (next.q) params.set('q', next.q);
    location.hash = `#/cases${params.size ? `?${params}` : ''}`;
  };
  return show(async () => {
    const body = h('tbody');
    const more = h('button', { type: 'button', hidden: true }, t('app.more'));
    const empty = h('p', { class: 'muted empty', hidden: true }, t('cases.none'));
    let cursor = null;
    const load = async () => {
      const params = new URLSearchParams({ limit: '50' });
      if (status) params.set('status', status);
      if (q) params.set('q', q);
      if (cursor) params.set('cursor', cursor);
      const pageData = await api.get(`cases?${params}`);
      for (const c of pageData.items) {
        body.append(
          h(
            'tr',
            {},
            h('td', {}, link(`#/cases/${c.id}`, caseNo(c.case_number))),
            h('td', {}, (c.debtors || []).join('、')),
            h('td', { class: 'num' }, yuan(c.amount_owed_fen)),
            h('td', {}, label('case.status', c.status)),
            h('td', {}, c.officer_name || ''),
            h('td', {}, date(c.filed_on)),
          ),
        );
      }
      cursor = pageData.next_cursor;
      more.hidden = !cursor;
      empty.hidden = body.children.length > 0;
    };
    more.addEventListener('click', load);
    await load();
    const filter = h(
      'select',
      { 'aria-label': t('cases.status'), onchange: (e) => go({ status: e.target.value, q }) },
      ['', 'open', 'concluded', 'terminated'].map((s) => h('option', { value: s, selected: s === status }, s ? label('case.status', s) : t('cases.all'))),
    );
    const search = h('input', { type: 'search', id: 'case-search', value: q, placeholder: t('cases.search'), 'aria-label': t('cases.search'), maxlength: 100 });
    const searchForm = h('form', { class: 'search', role: 'search', onsubmit: (e) => (e.preventDefault(), go({ status, q: search.value.trim() })) }, search, h('button', { type: 'submit' }, t('cases.search_go')));
    return page(
      t('cases.title'),
      h('div', { class: 'toolbar' }, searchForm, filter, h('a', { class: 'button primary', href: '#/cases/new', id: 'new-case' }, t('cases.new'))),
      card(
        null,
        scroller(
          h(
            'table',
            { class: 'data', id: 'cases' },
            h('thead', {}, h('tr', {}, [t('cases.number'), t('cases.debtors'), t('cases.amount'), t('cases.status'), t('cases.officer'), t('cases.filed_on')].map((x) => h('th', {}, x)))),
            body,
          ),
        ),
        empty,
        more,
      ),
    );
  });
}

function partyCard(p) {
  return h(
    'div',
    { class: 'party' },
    h('h3', {}, `${label('party', p.role)}：${p.name}`),
    h(
      'dl',
      {},
      p.id_number ? [h('dt', {}, t('party.id_number')), h('dd', {}, p.id_number)] : null,
      p.phones.length ? [h('dt', {}, t('party.phones')), h('dd', {}, p.phones.join('，'))] : null,
      p.addresses.length ? [h('dt', {}, t('party.addresses')), h('dd', {}, p.addresses.map((a) => h('div', {}, a.text)))] : null,
    ),
  );
}

/** The outcomes recorded on the case's approved tasks, summed, with the tasks they came from. */
async function outcomesCard(tasks) {
  const approved = tasks.filter((x) => x.status === 'approved');
  const outcomes = (
    await Promise.all(approved.map((x) => api.get(`tasks/${x.id}/outcome`).then((o) => ({ task: x, o })).catch((e) => (e?.status === 404 ? null : Promise.reject(e)))))
  ).filter(Boolean);
  if (!outcomes.length) return card(t('case.outcomes'), h('p', { class: 'muted empty', id: 'case-outcomes' }, t('case.outcomes_none')));
  const sum = (key) => outcomes.reduce((a, { o }) => a + (o[key] || 0), 0);
  const row = (key, fen) => (fen > 0 ? [h('dt', {}, t(key)), h('dd', {}, money(fen))] : null);
  const settled = outcomes.filter(({ o }) => o.settlement_performed).length;
  return card(
    t('case.outcomes'),
    h(
      'dl',
      { class: 'details', id: 'case-outcomes' },
      row('outcome.recovered', sum('amount_recovered_fen')),
      row('outcome.frozen', sum('assets_frozen_fen')),
      row('outcome.seized', sum('assets_seized_fen')),
      settled ? [h('dt', {}, t('outcome.settlement')), h('dd', {}, t('outcome.settlement_yes'))] : null,
      [h('dt', {}, t('case.outcomes_tasks')), h('dd', {}, outcomes.map(({ task }, i) => [i ? '、' : '', link(`#/tasks/${task.id}`, label('kind', task.kind))]))],
    ),
  );
}

function closeCard(c, reload) {
  const how = ['concluded', 'terminated'].map((s, i) => h('input', { type: 'radio', name: 'closing', value: s, id: `close-${s}`, checked: i === 0 }));
  const message = h('p', { class: 'error-text', role: 'alert', id: 'close-message' });
  const submit = h('button', { type: 'submit', class: 'danger', id: 'close-submit' }, t('case.close'));
  const form = h(
    'form',
    { id: 'close-form', class: 'action-form' },
    h('p', { class: 'muted' }, t('case.close_help')),
    h('fieldset', { class: 'choices' }, h('legend', {}, t('case.close_how')), how.map((r) => h('label', { class: 'check', for: r.id }, r, t(`case.close.${r.value}`)))),
    message,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const status = how.find((r) => r.checked).value;
    if (!confirm(t('case.close_confirm', { how: t(`case.close.${status}`) }))) return;
    submit.disabled = true;
    message.textContent = '';
    try {
      await api.post(`cases/${c.id}/close`, { status });
      toast(t('case.closed_done'));
      reload();
    } catch (error) {
      message.textContent = errorText(error);
      submit.disabled = false;
    }
  });
  return card(t('case.close'), form);
}

/** The printable slip of a newly issued access code (shown this once). */
function codeSlip(c, code) {
  // The applicants' page (src/console.rs PROGRESS_PATH); the code is typed in there, so it is
  // not printed inside the address.
  const url = `${location.origin}/progress`;
  return h(
    'div',
    { class: 'code-slip', id: 'code-slip' },
    h('p', { class: 'warning', role: 'alert' }, t('code.once')),
    h(
      'div',
      { class: 'slip' },
      h('h3', {}, t('code.slip_title')),
      h('dl', { class: 'details' }, h('dt', {}, t('code.slip_case')), h('dd', {}, caseNo(c.case_number)), h('dt', {}, t('code.slip_code')), h('dd', { class: 'code', id: 'access-code' }, code), h('dt', {}, t('code.slip_url')), h('dd', { class: 'url' }, url)),
      h('p', { class: 'muted' }, t('code.slip_note')),
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'print-slip',
        onclick: () => {
          document.body.classList.add('printing-slip');
          window.print();
          document.body.classList.remove('printing-slip');
        },
      },
      t('code.print'),
    ),
  );
}

async function accessCodeCard(c) {
  const body = h('div', { id: 'access-code-card' });
  const draw = async (issued) => {
    const state = await api.get(`cases/${c.id}/access-code`);
    const line = state.active ? t('code.active', { at: dateTime(state.issued_at) }) : state.revoked_at ? t('code.revoked', { at: dateTime(state.revoked_at) }) : t('code.none');
    const message = h('p', { class: 'error-text', role: 'alert' });
    const act = (fn) => async () => {
      message.textContent = '';
      try {
        await fn();
      } catch (error) {
        message.textContent = errorText(error);
      }
    };
    const issue = h('button', { type: 'button', id: 'issue-code', class: state.active ? null : 'primary', onclick: act(async () => draw((await api.post(`cases/${c.id}/access-code`)).code)) }, state.active ? t('code.reissue') : t('code.issue'));
    const revoke = state.active
      ? h(
          'button',
          {
            type: 'button',
            id: 'revoke-code',
            class: 'danger',
            onclick: act(async () => {
              if (!confirm(t('code.revoke_confirm'))) return;
              await api.request(`cases/${c.id}/access-code`, { method: 'DELETE' });
              toast(t('code.revoked_done'));
              await draw(null);
            }),
          },
          t('code.revoke'),
        )
      : null;
    mount(
      body,
      h('p', { id: 'code-state' }, line),
      issued ? codeSlip(c, issued) : null,
      c.status === 'open' || state.active ? h('div', { class: 'buttons' }, c.status === 'open' ? issue : null, revoke) : null,
      message,
    );
  };
  await draw(null);
  return card(t('code.title'), body);
}

export function caseView({ id }) {
  const reload = () => caseView({ id });
  return show(async () => {
    const [c, tasks, workers] = await Promise.all([api.get(`cases/${id}`), api.all(`tasks?case_id=${id}`), workerDirectory()]);
    const officer = c.officer_name;
    const taskForm = c.status === 'open' ? newTaskForm(c) : null;
    taskForm?.addEventListener('taskcreated', async () => {
      const fresh = await api.all(`tasks?case_id=${id}`);
      tasksBox.replaceChildren(table(taskColumns(workers), fresh, { empty: t('tasks.none') }));
    });
    const tasksBox = h('div', { id: 'case-tasks' }, table(taskColumns(workers), tasks, { empty: t('tasks.none') }));
    const waiting = tasks.filter((x) => ['queued', 'assigned'].includes(x.status));
    return page(
      caseNo(c.case_number),
      h(
        'p',
        { class: 'meta' },
        [
          label('case.status', c.status),
          `${t('cases.amount')} ${yuan(c.amount_owed_fen)}`,
          `${t('cases.filed_on')} ${date(c.filed_on)}`,
          officer ? `${t('case.officer')} ${officer}` : null,
          c.closed_at ? `${t('case.closed_at')} ${dateTime(c.closed_at)}` : null,
        ]
          .filter(Boolean)
          .join(' · '),
      ),
      h(
        'div',
        { class: 'columns' },
        h(
          'div',
          { class: 'col' },
          card(t('case.tasks'), tasksBox, waiting.length ? el('p', {}, link(`#/assign?case=${c.id}`, t('case.rebalance'))) : null),
          await outcomesCard(tasks),
          card(t('case.parties'), h('div', { class: 'parties' }, (c.parties || []).map(partyCard))),
        ),
        h('div', { class: 'col' }, taskForm ? card(t('case.new_task'), taskForm) : null, await accessCodeCard(c), c.status === 'open' ? closeCard(c, reload) : null),
      ),
    );
  });
}

export function queueView() {
  return show(async () => {
    const tasks = await api.all('tasks?status=queued');
    return page(
      t('queue.title'),
      h('p', { class: 'muted' }, t('queue.help')),
      card(null, table(taskColumns(null, { withCase: true, withQueue: true }), tasks, { empty: t('tasks.none') })),
    );
  });
}
