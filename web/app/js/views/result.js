// The result of a task: the form for its kind (results/), kept as a draft on the phone at every
// edit, checked on the phone with the server's rules before it is queued, and — when the server
// still refuses it — shown again with the server's objection next to the field it names.

import { h } from '../../shared/dom.js';
import { addStrings, t } from '../i18n.js';
import { WORKING, taskWithState } from '../model.js';
import { resultForm, serverFieldMessage } from '../results/index.js';
import * as store from '../store.js';
import { discard, enqueue, isLocalRef, push } from '../sync.js';
import { errorText, kindName, render, screen, toast } from '../ui.js';
import { evidenceLabels } from './task.js';

addStrings({
  zh: {
    'result.title': '填写结果：{kind}',
    'result.note': '补充说明（选填）',
    'result.submit': '提交审核',
    'result.fix': '请先改正标出的内容。',
    'result.saved': '草稿已自动保存在手机上。',
    'result.queued': '已提交，联网后自动发送。',
    'result.sent': '已提交审核。',
    'result.refused': '服务器未接受此结果：{detail}',
    'result.not_now': '当前状态不能提交结果。',
  },
  en: {
    'result.title': 'Result: {kind}',
    'result.note': 'Note (optional)',
    'result.submit': 'Submit for review',
    'result.fix': 'Please correct the marked fields first.',
    'result.saved': 'The draft is saved on this phone as you type.',
    'result.queued': 'Submitted; it will be sent when online.',
    'result.sent': 'Submitted for review.',
    'result.refused': 'The server did not accept this result: {detail}',
    'result.not_now': 'The task cannot take a result in its current state.',
  },
});

/** Replace evidence refs of uploads that have since reached the server by the server's ids. */
function mapRefs(value, refs) {
  if (Array.isArray(value)) return value.map((v) => mapRefs(v, refs));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapRefs(v, refs)]));
  return isLocalRef(value) && refs[value] != null ? refs[value] : value;
}

export async function resultView({ id }) {
  const taskId = Number(id);
  const view = await taskWithState(taskId);
  if (!view) {
    location.hash = '#/tasks';
    return null;
  }
  const task = view.record.task;
  const refs = (await store.get('kv', 'refs')) || {};
  const saved = await store.get('drafts', taskId);
  const failedSubmit = view.failed.find((f) => f.type === 'submit');
  const draft = saved ? mapRefs(saved.form, refs) : null;
  const evidence = evidenceLabels(view.record.evidence);
  const status = h('p', { class: 'muted small', id: 'draft-state' }, t('result.saved'));
  const note = h('textarea', { id: 'result-note', rows: 3, maxlength: 2000 }, saved?.note || '');
  let timer = null;
  const save = () => {
    clearTimeout(timer);
    timer = setTimeout(() => store.put('drafts', { task_id: taskId, form: form.draft(), note: note.value, saved_at: new Date().toISOString() }), 300);
  };
  const form = resultForm({ task, evidence, draft, onChange: save, t });
  note.addEventListener('input', save);
  const top = h('div', { class: 'form-error', role: 'alert', id: 'result-error' });
  const submit = h('button', { type: 'submit', class: 'primary wide', id: 'submit-result' }, t('result.submit'));

  const showServerError = (error) => {
    if (error.field) {
      const path = error.field.startsWith('result') || error.field === 'note' ? error.field : `result.${error.field}`;
      const unplaced = form.showErrors([{ path, message: serverFieldMessage(error.detail || '') }]);
      top.textContent = unplaced.length ? t('result.refused', { detail: serverFieldMessage(error.detail || '') }) : t('result.fix');
    } else {
      top.textContent = t('result.refused', { detail: errorText(error) });
    }
  };
  if (failedSubmit) showServerError(failedSubmit.error);

  const page = h(
    'form',
    {
      class: 'result',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        top.textContent = '';
        const current = await taskWithState(taskId);
        if (!current || !WORKING.includes(current.status)) {
          top.textContent = t('result.not_now');
          return;
        }
        const problems = form.validate();
        if (problems.length) {
          form.showErrors(problems);
          top.textContent = t('result.fix');
          form.element.querySelector('[aria-invalid="true"], .field-error:not(:empty)')?.scrollIntoView({ block: 'center' });
          return;
        }
        form.showErrors([]);
        submit.disabled = true;
        clearTimeout(timer);
        await store.put('drafts', { task_id: taskId, form: form.draft(), note: note.value, saved_at: new Date().toISOString() });
        // A refused submission is replaced by this one, not sent again.
        for (const f of current.failed.filter((q) => q.type === 'submit')) await discard(f.seq);
        await enqueue({ task_id: taskId, type: 'submit', payload: { result: form.value(), note: note.value.trim() || null } });
        if (navigator.onLine) {
          await push();
          const after = await taskWithState(taskId);
          const refused = after?.failed.find((q) => q.type === 'submit');
          if (refused) {
            submit.disabled = false;
            showServerError(refused.error);
            return;
          }
          toast(after?.pending ? t('result.queued') : t('result.sent'));
        } else {
          toast(t('result.queued'));
        }
        location.hash = `#/tasks/${taskId}`;
      },
    },
    form.element,
    h('div', { class: 'field' }, h('label', { for: 'result-note' }, t('result.note')), note),
    top,
    status,
    submit,
  );
  render(...screen(t('result.title', { kind: kindName(task.kind) }), { back: `#/tasks/${taskId}` }, page));
  return { leave: () => clearTimeout(timer) };
}
