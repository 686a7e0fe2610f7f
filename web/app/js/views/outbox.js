// What is waiting on this phone to be sent, in the order it will go, and what the server refused
// (with its reason, a retry, and a way to give the action up). The answer to "has my work
// reached the court?".

import { h } from '../../shared/dom.js';
import { addStrings, t } from '../i18n.js';
import * as store from '../store.js';
import { discard, events, outbox, push, retry } from '../sync.js';
import { badge, dateTime, errorText, kindName, placeOf, render, screen } from '../ui.js';
import { actionName } from './task.js';

addStrings({
  zh: {
    'outbox.title': '待发送',
    'outbox.empty': '所有操作都已发送到服务器。',
    'outbox.send_now': '立即发送',
    'outbox.waiting': '等待发送',
    'outbox.tries': '已尝试 {n} 次，稍后自动重试',
    'outbox.failed': '发送失败',
    'outbox.retry': '重新发送',
    'outbox.discard': '放弃',
    'outbox.discard_confirm': '确定放弃这项操作吗？放弃后不会发送。',
    'outbox.open_task': '查看任务',
    'outbox.saved_at': '{at} 保存',
  },
  en: {
    'outbox.title': 'Waiting to send',
    'outbox.empty': 'Everything has reached the server.',
    'outbox.send_now': 'Send now',
    'outbox.waiting': 'waiting',
    'outbox.tries': 'tried {n} times; will retry',
    'outbox.failed': 'failed',
    'outbox.retry': 'Send again',
    'outbox.discard': 'Give up',
    'outbox.discard_confirm': 'Give up this action? It will not be sent.',
    'outbox.open_task': 'Open task',
    'outbox.saved_at': 'saved {at}',
  },
});

export async function outboxView() {
  const draw = async () => {
    const [items, records] = await Promise.all([outbox(), store.all('tasks')]);
    const tasks = new Map(records.map((r) => [r.id, r.task]));
    render(
      ...screen(
        t('outbox.title'),
        {
          actions: items.length && navigator.onLine ? h('button', { type: 'button', class: 'small', id: 'send-now', onclick: () => push().then(draw) }, t('outbox.send_now')) : null,
        },
        items.length === 0
          ? h('p', { class: 'empty', id: 'outbox-empty' }, t('outbox.empty'))
          : h(
              'ul',
              { class: 'outbox', id: 'outbox-list' },
              items.map((item) => {
                const task = tasks.get(item.task_id);
                const failed = item.state === 'failed';
                return h(
                  'li',
                  { class: ['out-item', failed ? 'failed' : 'waiting'], dataset: { seq: item.seq, type: item.type } },
                  h('div', { class: 'row-top' }, h('strong', {}, actionName(item.type)), badge(failed ? t('outbox.failed') : t('outbox.waiting'), failed ? 'danger' : 'pending')),
                  task ? h('div', {}, kindName(task.kind), placeOf(task) ? ` · ${placeOf(task)}` : '') : null,
                  h('div', { class: 'muted small' }, t('outbox.saved_at', { at: dateTime(item.created_at) }), !failed && item.attempts ? ` · ${t('outbox.tries', { n: item.attempts })}` : ''),
                  failed ? h('p', { class: 'form-error' }, errorText(item.error)) : null,
                  h(
                    'div',
                    { class: 'actions' },
                    task ? h('a', { class: 'button small', href: item.type === 'submit' ? `#/tasks/${item.task_id}/result` : `#/tasks/${item.task_id}` }, t('outbox.open_task')) : null,
                    failed ? h('button', { type: 'button', class: 'small', onclick: () => retry(item.seq) }, t('outbox.retry')) : null,
                    failed
                      ? h('button', { type: 'button', class: 'small danger', onclick: async () => confirm(t('outbox.discard_confirm')) && (await discard(item.seq)) }, t('outbox.discard'))
                      : null,
                  ),
                );
              }),
            ),
      ),
    );
  };
  await draw();
  events.addEventListener('outbox', draw);
  return { leave: () => events.removeEventListener('outbox', draw) };
}
