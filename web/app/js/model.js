// The phone's view of a task: the server's last word, moved on by the worker's actions still in
// the outbox (an acceptance queued offline shows the task as accepted), so the screens show what
// the worker has done, and say what is still waiting to be sent.

import * as store from './store.js';
import { outbox } from './sync.js';

/** Statuses in which the worker works on the task (check in, evidence, result). */
export const WORKING = ['accepted', 'in_progress', 'returned'];

export function effective(record, queued) {
  let status = record.task.status;
  const mine = queued.filter((q) => q.task_id === record.id);
  for (const item of mine.filter((q) => q.state !== 'failed')) {
    if (item.type === 'accept' && status === 'assigned') status = 'accepted';
    if (item.type === 'checkin' && status === 'accepted') status = 'in_progress';
    if (item.type === 'submit') status = 'submitted';
    if (item.type === 'decline') status = 'declining';
  }
  return {
    status,
    pending: mine.filter((q) => q.state !== 'failed').length,
    failed: mine.filter((q) => q.state === 'failed'),
  };
}

/** Every task on the phone with its effective state. */
export async function tasksWithState() {
  const [records, queued] = await Promise.all([store.all('tasks'), outbox()]);
  return records.filter((r) => r.task).map((r) => ({ record: r, ...effective(r, queued) }));
}

export async function taskWithState(id) {
  const [record, queued] = await Promise.all([store.get('tasks', id), outbox()]);
  if (!record?.task) return null;
  return { record, queued: queued.filter((q) => q.task_id === id), ...effective(record, queued) };
}
