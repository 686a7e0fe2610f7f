// My tasks: everything assigned to me, grouped by what I must do next — overdue first, then
// returned for rework, to accept, in hand, awaiting review — each group by due time, with the
// distance from where I am. Notices of tasks taken away since the last look sit on top.

import { h } from '../../shared/dom.js';
import { distanceM, forgetPositionListener, lastKnownPosition } from '../geo.js';
import { addStrings, label, t } from '../i18n.js';
import { tasksWithState } from '../model.js';
import * as store from '../store.js';
import { pull } from '../sync.js';
import { badge, placeOf, dateTime, distanceText, dueText, errorText, kindName, render, screen, statusName, toast } from '../ui.js';

addStrings({
  zh: {
    'tasks.title': '我的任务',
    'tasks.refresh': '刷新',
    'tasks.refreshing': '正在刷新…',
    'tasks.synced': '更新于 {at}',
    'tasks.never': '尚未同步',
    'tasks.empty': '目前没有派给你的任务。',
    'tasks.group.overdue': '已逾期',
    'tasks.group.returned': '退回重办',
    'tasks.group.assigned': '待接收',
    'tasks.group.working': '办理中',
    'tasks.group.submitted': '待审核',
    'tasks.group.done': '已通过',
    'tasks.pending': '{n} 项待发送',
    'tasks.failed': '有操作发送失败',
    'tasks.gone': '{kind}（{where}）{reason}。',
    'tasks.gone_dropped': '手机上尚未发送的 {n} 项操作已作废。',
    'tasks.dismiss': '知道了',
    'tasks.no_address': '未填写地址',
  },
  en: {
    'tasks.title': 'My tasks',
    'tasks.refresh': 'Refresh',
    'tasks.refreshing': 'Refreshing…',
    'tasks.synced': 'Updated {at}',
    'tasks.never': 'Not synced yet',
    'tasks.empty': 'No tasks are assigned to you.',
    'tasks.group.overdue': 'Overdue',
    'tasks.group.returned': 'Returned for rework',
    'tasks.group.assigned': 'To accept',
    'tasks.group.working': 'In hand',
    'tasks.group.submitted': 'Awaiting review',
    'tasks.group.done': 'Approved',
    'tasks.pending': '{n} waiting to be sent',
    'tasks.failed': 'Something could not be sent',
    'tasks.gone': '{kind} ({where}) was {reason}.',
    'tasks.gone_dropped': '{n} unsent actions for it were dropped.',
    'tasks.dismiss': 'OK',
    'tasks.no_address': 'no address',
  },
});

function groupOf(item, now) {
  const { status, record } = item;
  const open = !['submitted', 'approved', 'declining'].includes(status);
  if (open && new Date(record.task.due_at).getTime() < now) return 'overdue';
  if (status === 'returned') return 'returned';
  if (status === 'assigned') return 'assigned';
  if (status === 'submitted' || status === 'declining') return 'submitted';
  if (status === 'approved') return 'done';
  return 'working';
}

const ORDER = ['overdue', 'returned', 'assigned', 'working', 'submitted', 'done'];

function row(item, here) {
  const task = item.record.task;
  const target = task.target;
  const far = here && target?.lat != null ? distanceText(distanceM(here, target)) : '';
  const overdue = new Date(task.due_at).getTime() < Date.now();
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'task-row', href: `#/tasks/${task.id}`, dataset: { taskId: task.id } },
      h(
        'div',
        { class: 'row-top' },
        h('strong', {}, kindName(task.kind)),
        task.priority === 'urgent' ? badge(label('priority', 'urgent'), 'danger') : null,
        badge(item.status === 'declining' ? t('tasks.pending', { n: 1 }) : statusName(item.status), item.status),
      ),
      h('div', { class: 'row-where' }, placeOf(task) || t('tasks.no_address'), far ? h('span', { class: 'dist' }, ` · ${far}`) : null),
      h(
        'div',
        { class: ['row-due', overdue && ['assigned', 'accepted', 'in_progress', 'returned'].includes(item.status) ? 'late' : ''] },
        task.party?.name ? `${task.party.name} · ` : '',
        dueText(task.due_at),
      ),
      item.pending ? h('div', { class: 'row-pending' }, t('tasks.pending', { n: item.pending })) : null,
      item.failed.length ? h('div', { class: 'row-failed' }, t('tasks.failed')) : null,
    ),
  );
}

function notices(list, onDismiss) {
  if (!list?.length) return null;
  return h(
    'section',
    { class: 'notices', 'aria-label': 'notices' },
    list.map((n) =>
      h(
        'p',
        { class: 'notice' },
        t('tasks.gone', { kind: kindName(n.kind), where: n.address || n.party || t('tasks.no_address'), reason: t(`gone.${['reassigned', 'declined', 'cancelled'].includes(n.reason) ? n.reason : 'other'}`) }),
        n.dropped ? ` ${t('tasks.gone_dropped', { n: n.dropped })}` : '',
      ),
    ),
    h('button', { type: 'button', class: 'link', onclick: onDismiss }, t('tasks.dismiss')),
  );
}

export async function tasksView() {
  const draw = async () => {
    const [items, syncedAt, gone] = await Promise.all([tasksWithState(), store.get('kv', 'synced_at'), store.get('kv', 'notices')]);
    const here = lastKnownPosition();
    const now = Date.now();
    const groups = new Map(ORDER.map((g) => [g, []]));
    for (const item of items) groups.get(groupOf(item, now)).push(item);
    for (const list of groups.values()) list.sort((a, b) => new Date(a.record.task.due_at) - new Date(b.record.task.due_at));
    // Finished work: the latest ten, newest first (the rest stays on the phone for a month).
    const done = groups.get('done').sort((a, b) => new Date(b.record.task.updated_at) - new Date(a.record.task.updated_at));
    groups.set('done', done.slice(0, 10));
    const refresh = h(
      'button',
      {
        type: 'button',
        class: 'small',
        id: 'refresh',
        onclick: async () => {
          refresh.disabled = true;
          refresh.textContent = t('tasks.refreshing');
          try {
            await pull();
          } catch (e) {
            toast(errorText(e), 'error');
          }
          await draw();
        },
      },
      t('tasks.refresh'),
    );
    render(
      ...screen(
        t('tasks.title'),
        { actions: refresh },
        h('p', { class: 'muted small', id: 'synced-at' }, syncedAt ? t('tasks.synced', { at: dateTime(syncedAt) }) : t('tasks.never')),
        notices(gone, async () => {
          await store.put('kv', [], 'notices');
          draw();
        }),
        items.length === 0 ? h('p', { class: 'empty' }, t('tasks.empty')) : null,
        ORDER.filter((g) => groups.get(g).length).map((g) =>
          h(
            'section',
            { class: ['group', `group-${g}`], dataset: { group: g } },
            h('h2', {}, `${t(`tasks.group.${g}`)} (${groups.get(g).length})`),
            h('ul', { class: 'task-list' }, groups.get(g).map((item) => row(item, here))),
          ),
        ),
      ),
    );
  };
  const onMove = () => (location.hash === '' || location.hash === '#/tasks' ? draw() : forgetPositionListener(onMove));
  lastKnownPosition(onMove);
  await draw();
  return draw;
}
