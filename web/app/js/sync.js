// Bringing the phone and the server together.
//
// pull(): the worker's task changes since the stored cursor (`GET /me/tasks?since=`), applied in
// one IndexedDB transaction per page together with the new cursor, so a page is either wholly
// applied or not at all. A tombstone removes the task, its draft and anything still queued for it,
// and leaves a notice saying why (reassigned, cancelled, declined).
//
// push(): the outbox, oldest first, one item at a time, each with its own client id sent as
// Idempotency-Key (and as `client_id` where the API takes one), so an answer lost on a bad network
// is replayed by the server instead of acted on twice. No connection, a busy or failing server:
// the item stays queued and the push stops, to resume later (backoff) in the same order. A refusal
// (4xx) marks the item failed, with the server's reason, and holds back what depends on it (a
// submission that references a failed upload; everything after a failed acceptance).

import * as api from './api.js';
import * as store from './store.js';

export const events = new EventTarget();
const emit = (type, detail) => events.dispatchEvent(new CustomEvent(type, { detail }));

const LOCAL_PREFIX = 'local:';
// How long a closed task's party details stay on the phone: the server's default access grace
// (GRIDASSIST_PARTY_ACCESS_GRACE_HOURS, 72 h); the task itself is forgotten after 30 days.
const PARTY_GRACE_MS = 72 * 3600 * 1000;
const CLOSED_KEPT_MS = 30 * 24 * 3600 * 1000;
const BACKOFF_S = [5, 15, 60, 300];

/** A fresh client id (crypto.randomUUID needs a secure context; fall back to random bytes). */
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export function isLocalRef(ref) {
  return typeof ref === 'string' && ref.startsWith(LOCAL_PREFIX);
}

// ---- pull ---------------------------------------------------------------------------------

function summary(record) {
  const task = record?.task;
  return task ? { kind: task.kind, address: task.target?.address || task.party?.addresses?.[0]?.text || '', party: task.party?.name || '' } : {};
}

async function applyPage(page) {
  await store.tx(['kv', 'tasks', 'drafts', 'outbox', 'files'], 'readwrite', async (s) => {
    const notices = (await store.promised(s.kv.get('notices'))) || [];
    const queued = await store.promised(s.outbox.getAll());
    for (const change of page.changes) {
      const existing = await store.promised(s.tasks.get(change.task_id));
      if (change.change === 'upsert') {
        const record = existing || { id: change.task_id, evidence: [], checkins: [] };
        record.task = change.task;
        record.rework = change.rework || null;
        record.synced_at = new Date().toISOString();
        s.tasks.put(record);
      } else {
        const dropped = queued.filter((q) => q.task_id === change.task_id);
        for (const item of dropped) {
          s.outbox.delete(item.seq);
          if (item.file_ref) s.files.delete(item.file_ref);
        }
        s.tasks.delete(change.task_id);
        s.drafts.delete(change.task_id);
        if (existing) {
          notices.unshift({ ...summary(existing), reason: change.reason, dropped: dropped.length, at: new Date().toISOString() });
        }
      }
    }
    s.kv.put(notices.slice(0, 20), 'notices');
    s.kv.put(page.cursor, 'cursor');
    s.kv.put(new Date().toISOString(), 'synced_at');
  });
}

let pulling = null;

/** Catch up with the server; resolves when every waiting page is applied. */
export function pull() {
  if (!pulling) {
    pulling = (async () => {
      let more = true;
      while (more) {
        const cursor = await store.get('kv', 'cursor');
        const page = await api.get(`me/tasks?limit=200${cursor ? `&since=${encodeURIComponent(cursor)}` : ''}`);
        await applyPage(page);
        more = page.has_more;
      }
      await forgetClosed();
      emit('tasks');
    })().finally(() => {
      pulling = null;
    });
  }
  return pulling;
}

/** Drop what the phone no longer needs of finished tasks: party details after the grace, the task
 * (and its draft) after a month. */
export async function forgetClosed(now = Date.now()) {
  await store.tx(['tasks', 'drafts'], 'readwrite', async (s) => {
    for (const record of await store.promised(s.tasks.getAll())) {
      const task = record.task;
      if (!task || !['approved', 'cancelled'].includes(task.status)) continue;
      const closedFor = now - new Date(task.updated_at).getTime();
      if (closedFor > CLOSED_KEPT_MS) {
        s.tasks.delete(record.id);
        s.drafts.delete(record.id);
      } else if (closedFor > PARTY_GRACE_MS && task.party) {
        s.tasks.put({ ...record, task: { ...task, party: null } });
      }
    }
  });
}

/** Refresh one task's evidence list (what the server holds for it). */
export async function refreshEvidence(taskId) {
  const items = await api.get(`tasks/${taskId}/evidence`);
  await store.tx('tasks', 'readwrite', async (s) => {
    const record = await store.promised(s.tasks.get(taskId));
    if (!record) return;
    const local = (record.evidence || []).filter((e) => isLocalRef(e.ref));
    record.evidence = [...(Array.isArray(items) ? items : items.items || []).map((e) => ({ ...e, ref: e.id })), ...local];
    s.tasks.put(record);
  });
  emit('tasks');
}

// ---- outbox -------------------------------------------------------------------------------

/**
 * Queue an action: { task_id, type: 'accept'|'decline'|'checkin'|'evidence'|'submit', payload,
 * file?: {ref, blob} }. The action and its bytes are stored in one transaction before anything is
 * sent, so an action the app has shown as queued survives the app being closed.
 */
export async function enqueue({ task_id, type, payload = {}, file = null }) {
  const item = {
    task_id,
    type,
    payload,
    client_id: newId(),
    state: 'pending',
    attempts: 0,
    created_at: new Date().toISOString(),
  };
  if (file) item.file_ref = file.ref;
  await store.tx(['outbox', 'files', 'tasks'], 'readwrite', async (s) => {
    if (file) {
      s.files.put({ ref: file.ref, blob: file.blob });
      const record = await store.promised(s.tasks.get(task_id));
      if (record) {
        record.evidence = [...(record.evidence || []), { ref: file.ref, kind: payload.kind, captured_at: payload.captured_at, size_bytes: file.blob.size, media_type: file.blob.type, local: true }];
        s.tasks.put(record);
      }
    }
    s.outbox.add(item);
  });
  emit('outbox');
  push();
}

export async function outbox() {
  return (await store.all('outbox')).sort((a, b) => a.seq - b.seq);
}

/** Send a failed action again (under a new client id: the server remembers its refusal of the old one). */
export async function retry(seq) {
  const item = await store.get('outbox', seq);
  if (!item) return;
  await store.put('outbox', { ...item, state: 'pending', error: null, client_id: newId() });
  emit('outbox');
  push();
}

/** Give up a queued action (and its file). */
export async function discard(seq) {
  await store.tx(['outbox', 'files', 'tasks'], 'readwrite', async (s) => {
    const item = await store.promised(s.outbox.get(seq));
    if (!item) return;
    s.outbox.delete(seq);
    if (item.file_ref) {
      s.files.delete(item.file_ref);
      const record = await store.promised(s.tasks.get(item.task_id));
      if (record) {
        record.evidence = (record.evidence || []).filter((e) => e.ref !== item.file_ref);
        s.tasks.put(record);
      }
    }
  });
  emit('outbox');
  emit('tasks');
}

function evidenceRefs(value, out = []) {
  if (Array.isArray(value)) value.forEach((v) => evidenceRefs(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => evidenceRefs(v, out));
  else if (isLocalRef(value)) out.push(value);
  return out;
}

function resolveRefs(value, refs) {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, refs));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, refs)]));
  return isLocalRef(value) ? refs[value] : value;
}

async function updateRecord(taskId, change) {
  await store.tx('tasks', 'readwrite', async (s) => {
    const record = await store.promised(s.tasks.get(taskId));
    if (record) s.tasks.put(change(record) || record);
  });
}

async function send(item, refs) {
  const id = item.task_id;
  switch (item.type) {
    case 'accept': {
      try {
        const task = await api.post(`tasks/${id}/accept`, undefined, item.client_id);
        await updateRecord(id, (r) => ({ ...r, task }));
      } catch (error) {
        // Accepted already (in another tab, or an answer lost before the key was stored): done.
        if (error.status !== 409) throw error;
        const task = await api.get(`tasks/${id}`);
        if (!['accepted', 'in_progress', 'submitted', 'returned', 'approved'].includes(task.status)) throw error;
        await updateRecord(id, (r) => ({ ...r, task }));
      }
      return;
    }
    case 'decline':
      await api.post(`tasks/${id}/decline`, item.payload, item.client_id);
      return;
    case 'checkin': {
      const answer = await api.post(`tasks/${id}/check-ins`, { ...item.payload, client_id: item.client_id }, item.client_id);
      await updateRecord(id, (r) => {
        r.checkins = [...(r.checkins || []).filter((c) => c.client_id !== answer.client_id), answer];
        if (r.task) r.task = { ...r.task, status: answer.task_status };
        return r;
      });
      return;
    }
    case 'evidence': {
      const file = await store.get('files', item.file_ref);
      if (!file) throw new api.ApiError(422, { code: 'file_missing', detail: 'the file is no longer on this phone' });
      const p = item.payload;
      const query = new URLSearchParams({ kind: p.kind, client_id: item.client_id });
      if (p.sha256) query.set('sha256', p.sha256);
      if (p.captured_at) query.set('captured_at', p.captured_at);
      const answer = await api.upload(`tasks/${id}/evidence?${query}`, file.blob, item.client_id, (fraction) =>
        emit('progress', { seq: item.seq, fraction }),
      );
      refs[item.file_ref] = answer.id;
      await store.tx(['tasks', 'kv', 'files'], 'readwrite', async (s) => {
        const record = await store.promised(s.tasks.get(id));
        if (record) {
          record.evidence = (record.evidence || []).map((e) => (e.ref === item.file_ref ? { ...answer, ref: answer.id, was: item.file_ref } : e));
          s.tasks.put(record);
        }
        s.kv.put(refs, 'refs');
        s.files.delete(item.file_ref);
      });
      return;
    }
    case 'submit': {
      const missing = evidenceRefs(item.payload.result).filter((r) => !(r in refs));
      if (missing.length) throw new api.ApiError(422, { code: 'evidence_not_sent', detail: 'evidence not uploaded' });
      const body = { ...item.payload, result: resolveRefs(item.payload.result, refs), client_id: item.client_id };
      const answer = await api.post(`tasks/${id}/submission`, body, item.client_id);
      await updateRecord(id, (r) => ({ ...r, task: answer.task, rework: null }));
      return;
    }
    default:
      throw new api.ApiError(422, { code: 'unknown_action' });
  }
}

/** Whether an earlier failure holds this item back. */
function heldBack(item, failed) {
  if (failed.some((f) => f.task_id === item.task_id && f.type === 'accept')) return true;
  if (item.type === 'submit') {
    const refs = evidenceRefs(item.payload.result);
    return failed.some((f) => f.type === 'evidence' && refs.includes(f.file_ref));
  }
  return false;
}

let pushing = null;
let retryTimer = null;
let failures = 0;

function scheduleRetry() {
  clearTimeout(retryTimer);
  const delay = BACKOFF_S[Math.min(failures, BACKOFF_S.length - 1)] * 1000;
  failures += 1;
  retryTimer = setTimeout(() => push(), delay);
}

async function run() {
  const refs = (await store.get('kv', 'refs')) || {};
  const failed = [];
  for (const item of await outbox()) {
    if (item.state === 'failed') {
      failed.push(item);
      continue;
    }
    if (heldBack(item, failed)) continue;
    try {
      await send(item, refs);
      await store.del('outbox', item.seq);
      failures = 0;
      emit('outbox');
      emit('tasks');
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      if (error.code === 'session_lost') return 'lost';
      if (error.transient) {
        await store.put('outbox', { ...item, attempts: item.attempts + 1, last_error: error.code, last_try: new Date().toISOString() });
        emit('outbox');
        scheduleRetry();
        return 'waiting';
      }
      const failure = { status: error.status, code: error.code, detail: error.detail || '', field: error.field || null };
      const stored = { ...item, state: 'failed', attempts: item.attempts + 1, error: failure };
      await store.put('outbox', stored);
      failed.push(stored);
      emit('outbox');
    }
  }
  return 'done';
}

/** Send what is queued, then catch up. Safe to call any time; a call made while a run is under
 * way makes that run go round once more, so its promise covers what was queued meanwhile. */
let again = false;
export function push() {
  if (pushing) {
    again = true;
    return pushing;
  }
  pushing = (async () => {
    let outcome;
    // `again` is checked after the catch-up too: an action queued while the run was pulling
    // must not wait for the next timer.
    do {
      again = false;
      if (!navigator.onLine) return 'offline';
      outcome = await run();
      if (outcome === 'done') await pull();
    } while (again && outcome === 'done');
    return outcome;
  })()
    .catch((error) => {
      if (error instanceof api.ApiError && error.transient) scheduleRetry();
      return error.code || 'error';
    })
    .finally(() => {
      pushing = null;
      emit('synced');
    });
  return pushing;
}
