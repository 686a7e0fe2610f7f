// One task, and the worker's work on it: what to do and for whom, where (map, navigation apps),
// the officer's reasons when it came back, then the next step — accept or decline; check in;
// take photos, record audio, pick files; fill in the result. Every action goes through the outbox
// (sync.js), so it works the same with or without a connection; the screen says what is waiting.

import { h } from '../../shared/dom.js';
import { currentPosition, lastKnownPosition, navigationLinks } from '../geo.js';
import { addStrings, label, t } from '../i18n.js';
import { miniMap } from '../minimap.js';
import { WORKING, taskWithState } from '../model.js';
import * as store from '../store.js';
import { enqueue, events, newId, push, refreshEvidence } from '../sync.js';
import { badge, dateTime, distanceText, dueText, errorText, kindName, placeOf, render, screen, statusName, toast } from '../ui.js';

addStrings({
  zh: {
    'task.gone': '这个任务已不在你的手机上（可能已改派或撤销）。',
    'task.instructions': '办理要求',
    'task.due': '办理期限',
    'task.party': '当事人',
    'task.id_number': '证件号码',
    'task.phones': '电话',
    'task.addresses': '地址',
    'task.target': '目标位置',
    'task.no_point': '目标没有坐标，请按地址寻找。',
    'task.nav': '导航前往',
    'task.nav.amap': '高德地图',
    'task.nav.baidu': '百度地图',
    'task.nav.system': '手机地图',
    'task.map': '网格与目标位置示意图',
    'task.map_me': '我的位置',
    'task.map_grid': '网格边界',
    'task.returned': '承办人退回重办',
    'task.returned_reasons': '退回原因：{reasons}',
    'task.returned_comment': '审核意见：{comment}',
    'task.accept': '接收任务',
    'task.decline': '退回派单',
    'task.accept_queued': '已接收，联网后发送',
    'task.checkin': '现场签到',
    'task.locating': '正在定位…',
    'task.checkins': '签到记录',
    'task.checkin_at': '{at} 签到，精度 ±{a} 米',
    'task.checkin_distance': '距目标 {d}',
    'task.checkin_waiting': '待发送',
    'task.checkin_ok': '签到已记录',
    'task.checkin_saved': '签到已保存在手机上，联网后发送',
    'task.geo_denied': '无法取得位置：请在手机设置中允许本应用使用位置信息。',
    'task.geo_failed': '暂时无法定位，请到开阔处再试。',
    'task.evidence': '证据材料',
    'task.photo': '拍照',
    'task.file': '选择文件',
    'task.record': '录音',
    'task.stop': '停止录音',
    'task.recording': '正在录音…',
    'task.no_evidence': '还没有证据材料。',
    'task.ev.photo': '照片',
    'task.ev.audio': '录音',
    'task.ev.signature': '签名',
    'task.ev.pdf': '文件',
    'task.ev.uploaded': '已上传',
    'task.ev.waiting': '待上传',
    'task.ev.sending': '上传中 {p}%',
    'task.ev.failed': '上传失败',
    'task.ev.unsupported': '这种文件不能作为证据（可用照片、录音或 PDF 文件）。',
    'task.result': '填写结果',
    'task.result_again': '修改结果后重新提交',
    'task.submitted': '结果已提交，等待承办人审核。',
    'task.submitted_waiting': '结果已保存在手机上，联网后提交。',
    'task.approved': '承办人已审核通过。',
    'task.declining': '退回派单已保存，联网后发送。',
    'task.pending': '{n} 项操作待发送',
    'task.failed': '有操作发送失败：{what}',
    'task.see_outbox': '查看待发送',
    'decline.title': '退回派单',
    'decline.why': '退回原因',
    'decline.conflict_of_interest': '本人回避',
    'decline.conflict_of_interest.hint': '与当事人有亲属、利害等关系，依规回避。记为回避，不影响你的积分。',
    'decline.not_in_my_area': '不在本网格',
    'decline.not_in_my_area.hint': '目标不在你负责的网格，由负责人重新分派。',
    'decline.overloaded': '手头任务过多',
    'decline.overloaded.hint': '在期限内办不完，请负责人改派。',
    'decline.unavailable': '暂时无法办理',
    'decline.unavailable.hint': '请假、外出等。',
    'decline.other': '其他原因',
    'decline.other.hint': '请在说明中写明。',
    'decline.note': '说明（选填）',
    'decline.note_required': '选择“其他原因”时请写明说明。',
    'decline.send': '确认退回',
  },
  en: {
    'task.gone': 'This task is no longer on your phone (it may have been reassigned or cancelled).',
    'task.instructions': 'Instructions',
    'task.due': 'Due',
    'task.party': 'Party',
    'task.id_number': 'ID number',
    'task.phones': 'Phone',
    'task.addresses': 'Address',
    'task.target': 'Target',
    'task.no_point': 'The target has no coordinates; use the address.',
    'task.nav': 'Navigate',
    'task.nav.amap': 'Amap',
    'task.nav.baidu': 'Baidu Maps',
    'task.nav.system': 'Phone maps',
    'task.map': 'Grid and target',
    'task.map_me': 'Me',
    'task.map_grid': 'Grid boundary',
    'task.returned': 'Returned for rework',
    'task.returned_reasons': 'Reasons: {reasons}',
    'task.returned_comment': 'Comment: {comment}',
    'task.accept': 'Accept',
    'task.decline': 'Decline',
    'task.accept_queued': 'Accepted; will be sent when online',
    'task.checkin': 'Check in on site',
    'task.locating': 'Getting your position…',
    'task.checkins': 'Check-ins',
    'task.checkin_at': 'Checked in {at}, accuracy ±{a} m',
    'task.checkin_distance': '{d} from the target',
    'task.checkin_waiting': 'waiting to be sent',
    'task.checkin_ok': 'Check-in recorded',
    'task.checkin_saved': 'Check-in saved; it will be sent when online',
    'task.geo_denied': 'No position: allow this app to use your location in the phone settings.',
    'task.geo_failed': 'Could not get a position; try again in the open.',
    'task.evidence': 'Evidence',
    'task.photo': 'Take photo',
    'task.file': 'Pick file',
    'task.record': 'Record audio',
    'task.stop': 'Stop',
    'task.recording': 'Recording…',
    'task.no_evidence': 'No evidence yet.',
    'task.ev.photo': 'Photo',
    'task.ev.audio': 'Audio',
    'task.ev.signature': 'Signature',
    'task.ev.pdf': 'File',
    'task.ev.uploaded': 'uploaded',
    'task.ev.waiting': 'waiting to upload',
    'task.ev.sending': 'uploading {p}%',
    'task.ev.failed': 'upload failed',
    'task.ev.unsupported': 'This file cannot be evidence (use a photo, audio or a PDF).',
    'task.result': 'Fill in the result',
    'task.result_again': 'Fix the result and resubmit',
    'task.submitted': 'Result submitted; awaiting review.',
    'task.submitted_waiting': 'Result saved; it will be submitted when online.',
    'task.approved': 'Approved by the officer.',
    'task.declining': 'Decline saved; it will be sent when online.',
    'task.pending': '{n} actions waiting to be sent',
    'task.failed': 'Could not send: {what}',
    'task.see_outbox': 'See what is waiting',
    'decline.title': 'Decline the task',
    'decline.why': 'Reason',
    'decline.conflict_of_interest': 'Recusal',
    'decline.conflict_of_interest.hint': 'You are related to or have an interest in a party. Recorded as a recusal; it does not affect your score.',
    'decline.not_in_my_area': 'Not in my grid',
    'decline.not_in_my_area.hint': 'The target is outside your grid; the supervisor reassigns it.',
    'decline.overloaded': 'Too many tasks',
    'decline.overloaded.hint': 'You cannot finish it in time.',
    'decline.unavailable': 'Unavailable',
    'decline.unavailable.hint': 'On leave, away, …',
    'decline.other': 'Other',
    'decline.other.hint': 'Explain in the note.',
    'decline.note': 'Note (optional)',
    'decline.note_required': 'Please explain when choosing “Other”.',
    'decline.send': 'Decline',
  },
});

const DECLINE_REASONS = ['conflict_of_interest', 'not_in_my_area', 'overloaded', 'unavailable', 'other'];
const ACTION_NAMES = { zh: { accept: '接收任务', decline: '退回派单', checkin: '现场签到', evidence: '上传证据', submit: '提交审核' } };

export function actionName(type) {
  return t(`action.${type}`);
}
addStrings({
  zh: Object.fromEntries(Object.entries(ACTION_NAMES.zh).map(([k, v]) => [`action.${k}`, v])),
  en: { 'action.accept': 'Accept', 'action.decline': 'Decline', 'action.checkin': 'Check-in', 'action.evidence': 'Evidence upload', 'action.submit': 'Submission' },
});

function kindOfFile(file) {
  if (file.type.startsWith('image/')) return 'photo';
  if (file.type.startsWith('audio/')) return 'audio';
  if (file.type === 'application/pdf') return 'pdf';
  return null;
}

async function sha256Hex(blob) {
  if (!crypto.subtle) return null; // Not a secure context: the server computes it alone.
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Queue a file as evidence: hashed on the phone, stored with the action, sent in order. */
export async function addEvidence(taskId, file, kind = kindOfFile(file), capturedAt = null) {
  if (!kind) {
    toast(t('task.ev.unsupported'), 'error');
    return;
  }
  const at = capturedAt || new Date(Math.min(file.lastModified || Date.now(), Date.now())).toISOString();
  const payload = { kind, sha256: await sha256Hex(file), captured_at: at };
  await enqueue({ task_id: taskId, type: 'evidence', payload, file: { ref: `local:${newId()}`, blob: file } });
}

/** How evidence items are named on screen and in the result form's pickers. */
export function evidenceLabels(evidence) {
  const counts = {};
  return (evidence || []).map((e) => {
    counts[e.kind] = (counts[e.kind] || 0) + 1;
    return { ...e, label: `${t(`task.ev.${e.kind}`)} ${counts[e.kind]} · ${dateTime(e.captured_at || e.received_at)}` };
  });
}

function section(title, ...content) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...content);
}

function partyCard(party) {
  if (!party) return null;
  return section(
    t('task.party'),
    h('p', {}, h('strong', {}, party.name), ' ', badge(label('role', party.role)), ' ', badge(label('party', party.kind))),
    party.id_number ? h('p', {}, `${t('task.id_number')}：${party.id_number}`) : null,
    party.phones?.length ? h('p', {}, `${t('task.phones')}：`, party.phones.map((p, i) => [i ? '，' : '', /\*/.test(p) ? p : h('a', { href: `tel:${p}` }, p)])) : null,
    party.addresses?.length ? h('ul', { class: 'plain' }, party.addresses.map((a) => h('li', {}, a.text))) : null,
  );
}

function whereCard(task, grid) {
  const here = lastKnownPosition();
  const links = navigationLinks(task.target, task.target?.address);
  const map = miniMap({ grid, target: task.target, here, labels: { map: t('task.map'), me: t('task.map_me'), target: t('task.target') } });
  return section(
    t('task.target'),
    h('p', {}, placeOf(task)),
    task.target?.lat == null ? h('p', { class: 'muted' }, t('task.no_point')) : null,
    map,
    map
      ? h(
          'p',
          { class: 'map-legend small muted' },
          h('span', { class: 'key key-target' }, t('task.target')),
          here ? h('span', { class: 'key key-me' }, t('task.map_me')) : null,
          grid ? h('span', { class: 'key key-grid' }, t('task.map_grid')) : null,
        )
      : null,
    links.length
      ? h(
          'div',
          { class: 'nav-links', role: 'group', 'aria-label': t('task.nav') },
          links.map((l) => h('a', { class: 'button', href: l.href, dataset: { app: l.app } }, t(`task.nav.${l.app}`))),
        )
      : null,
  );
}

function reworkCard(rework) {
  if (!rework || rework.decision !== 'returned') return null;
  return h(
    'section',
    { class: 'card rework', id: 'rework', role: 'alert' },
    h('h2', {}, t('task.returned')),
    rework.reasons?.length ? h('p', {}, t('task.returned_reasons', { reasons: rework.reasons.map((r) => label('reason', r)).join('、') })) : null,
    rework.comment ? h('p', { class: 'comment' }, t('task.returned_comment', { comment: rework.comment })) : null,
    rework.reviewed_at ? h('p', { class: 'muted small' }, dateTime(rework.reviewed_at)) : null,
  );
}

function flagLines(checkIn) {
  return (checkIn.flags || []).map((flag) =>
    h('li', { class: 'flag', dataset: { flag } }, badge(label('flag', flag), 'warn'), ' ', t(`flagtext.${flag}`, { d: distanceText(checkIn.distance_m), a: Math.round(checkIn.accuracy_m) })),
  );
}

function checkInsCard(record, queued) {
  const sent = record.checkins || [];
  const waiting = queued.filter((q) => q.type === 'checkin');
  if (!sent.length && !waiting.length) return null;
  return section(
    t('task.checkins'),
    h(
      'ul',
      { class: 'checkins', id: 'checkins' },
      sent.map((c) =>
        h(
          'li',
          { class: 'checkin' },
          h('div', {}, t('task.checkin_at', { at: dateTime(c.captured_at), a: Math.round(c.accuracy_m) }), c.distance_m != null ? ` · ${t('task.checkin_distance', { d: distanceText(c.distance_m) })}` : ''),
          c.flags?.length ? h('ul', { class: 'flags' }, flagLines(c)) : null,
        ),
      ),
      waiting.map((q) =>
        h('li', { class: 'checkin waiting' }, t('task.checkin_at', { at: dateTime(q.payload.captured_at), a: Math.round(q.payload.accuracy_m) }), ' · ', badge(q.state === 'failed' ? errorText(q.error) : t('task.checkin_waiting'), q.state === 'failed' ? 'danger' : 'pending')),
      ),
    ),
  );
}

function evidenceCard(record, queued, taskId, redraw) {
  const items = evidenceLabels(record.evidence);
  const bySeq = new Map(queued.filter((q) => q.type === 'evidence').map((q) => [q.file_ref, q]));
  const photo = h('input', { type: 'file', accept: 'image/*', capture: 'environment', id: 'photo-input', class: 'visually-hidden' });
  const file = h('input', { type: 'file', accept: 'image/*,audio/*,application/pdf', id: 'file-input', class: 'visually-hidden', multiple: true });
  const onFiles = (input) => async () => {
    for (const f of input.files) await addEvidence(taskId, f);
    input.value = '';
    redraw();
  };
  photo.addEventListener('change', onFiles(photo));
  file.addEventListener('change', onFiles(file));
  const recordButton = audioRecorder(taskId, redraw);
  return section(
    t('task.evidence'),
    items.length
      ? h(
          'ul',
          { class: 'evidence', id: 'evidence-list' },
          items.map((e) => {
            const q = bySeq.get(e.ref);
            const state = e.local ? (q?.state === 'failed' ? 'failed' : 'waiting') : 'uploaded';
            return h(
              'li',
              { class: ['evidence-item', state], dataset: { ref: String(e.ref), seq: q ? String(q.seq) : '' } },
              h('span', { class: 'ev-label' }, e.label),
              h('span', { class: 'ev-state' }, state === 'failed' ? `${t('task.ev.failed')}：${errorText(q.error)}` : t(`task.ev.${state}`)),
              state === 'waiting' ? h('progress', { max: 1, value: 0, class: 'ev-progress', 'aria-label': t('task.ev.waiting') }) : null,
            );
          }),
        )
      : h('p', { class: 'muted' }, t('task.no_evidence')),
    h(
      'div',
      { class: 'actions' },
      h('label', { for: 'photo-input', class: 'button', role: 'button', tabindex: 0 }, t('task.photo')),
      photo,
      h('label', { for: 'file-input', class: 'button', role: 'button', tabindex: 0 }, t('task.file')),
      file,
      recordButton,
    ),
  );
}

let recorder = null;

function audioRecorder(taskId, redraw) {
  if (!window.MediaRecorder || !navigator.mediaDevices?.getUserMedia) return null;
  const button = h('button', { type: 'button', class: 'button', id: 'record' }, recorder ? t('task.stop') : t('task.record'));
  button.addEventListener('click', async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks = [];
      const startedAt = new Date().toISOString();
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      recorder.onstop = async () => {
        stream.getTracks().forEach((track) => track.stop());
        const type = (recorder.mimeType || 'audio/webm').split(';')[0];
        recorder = null;
        await addEvidence(taskId, new Blob(chunks, { type }), 'audio', startedAt);
        redraw();
      };
      recorder.start();
      button.textContent = t('task.stop');
      toast(t('task.recording'));
    } catch (e) {
      recorder = null;
      toast(errorText(e), 'error');
    }
  });
  return button;
}

function declineForm(taskId, onDone) {
  const note = h('textarea', { id: 'decline-note', rows: 3, maxlength: 500 });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const choices = DECLINE_REASONS.map((r, i) =>
    h(
      'label',
      { class: 'choice' },
      h('input', { type: 'radio', name: 'decline-reason', value: r, checked: i === 0 }),
      h('span', {}, h('strong', {}, t(`decline.${r}`)), h('span', { class: 'hint' }, t(`decline.${r}.hint`))),
    ),
  );
  return h(
    'form',
    {
      class: 'card decline',
      id: 'decline-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const reason = event.target.querySelector('input[name=decline-reason]:checked')?.value;
        if (reason === 'other' && !note.value.trim()) {
          error.textContent = t('decline.note_required');
          return;
        }
        await enqueue({ task_id: taskId, type: 'decline', payload: { reason, note: note.value.trim() || null } });
        onDone();
      },
    },
    h('h2', {}, t('decline.title')),
    h('fieldset', { class: 'choices' }, h('legend', {}, t('decline.why')), choices),
    h('div', { class: 'field' }, h('label', { for: 'decline-note' }, t('decline.note')), note),
    error,
    h('button', { type: 'submit', class: 'danger wide', id: 'decline-send' }, t('decline.send')),
  );
}

async function checkIn(taskId, button, redraw) {
  button.disabled = true;
  button.textContent = t('task.locating');
  try {
    const fix = await currentPosition();
    await enqueue({ task_id: taskId, type: 'checkin', payload: { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m, captured_at: fix.captured_at } });
    toast(navigator.onLine ? t('task.checkin_ok') : t('task.checkin_saved'));
    if (navigator.onLine) await push();
  } catch (e) {
    toast(e.code === 'denied' ? t('task.geo_denied') : e.status != null ? errorText(e) : t('task.geo_failed'), 'error');
  }
  redraw();
}

function nextSteps(view, redraw) {
  const { record, status } = view;
  const id = record.id;
  if (status === 'assigned') {
    let declining = null;
    const box = h('div', { class: 'next' });
    const accept = h('button', { type: 'button', class: 'primary wide', id: 'accept' }, t('task.accept'));
    accept.addEventListener('click', async () => {
      accept.disabled = true;
      await enqueue({ task_id: id, type: 'accept' });
      redraw();
    });
    const decline = h('button', { type: 'button', class: 'wide', id: 'decline' }, t('task.decline'));
    decline.addEventListener('click', () => {
      if (declining) return;
      declining = declineForm(id, () => (location.hash = '#/tasks'));
      box.append(declining);
      declining.scrollIntoView({ block: 'start' });
    });
    box.append(accept, decline);
    return box;
  }
  if (status === 'declining') return h('p', { class: 'notice' }, t('task.declining'));
  if (status === 'submitted') return h('p', { class: 'notice', id: 'submitted' }, view.pending ? t('task.submitted_waiting') : t('task.submitted'));
  if (status === 'approved') return h('p', { class: 'notice ok', id: 'approved' }, t('task.approved'));
  if (!WORKING.includes(status)) return null;
  const button = h('button', { type: 'button', class: 'primary wide', id: 'checkin' }, t('task.checkin'));
  button.addEventListener('click', () => checkIn(id, button, redraw));
  return h(
    'div',
    { class: 'next' },
    button,
    h('a', { class: 'button wide', href: `#/tasks/${id}/result`, id: 'fill-result' }, status === 'returned' ? t('task.result_again') : t('task.result')),
  );
}

export async function taskView({ id }) {
  const taskId = Number(id);
  let grids = null;
  const draw = async () => {
    const view = await taskWithState(taskId);
    if (!view) {
      render(...screen(t('task.gone'), { back: '#/tasks' }, h('p', { class: 'empty' }, t('task.gone'))));
      return;
    }
    grids = grids || (await store.get('kv', 'grids'));
    const { record, queued, status } = view;
    const task = record.task;
    const grid = grids?.features?.find((f) => f.id === task.grid_id || f.properties?.id === task.grid_id);
    const failed = view.failed;
    render(
      ...screen(
        kindName(task.kind),
        { back: '#/tasks' },
        h(
          'div',
          { class: 'task-head' },
          badge(statusName(status === 'declining' ? task.status : status), status),
          task.priority === 'urgent' ? badge(label('priority', 'urgent'), 'danger') : null,
          h('span', { class: ['due', task.overdue ? 'late' : ''] }, `${t('task.due')}：${dateTime(task.due_at)}（${dueText(task.due_at)}）`),
        ),
        view.pending ? h('p', { class: 'pending-note' }, t('task.pending', { n: view.pending })) : null,
        failed.length
          ? h('p', { class: 'notice danger' }, t('task.failed', { what: failed.map((f) => actionName(f.type)).join('、') }), ' ', h('a', { href: '#/outbox' }, t('task.see_outbox')))
          : null,
        status === 'returned' ? reworkCard(record.rework) : null,
        nextSteps(view, draw),
        task.instructions ? section(t('task.instructions'), h('p', { class: 'instructions' }, task.instructions)) : null,
        partyCard(task.party),
        whereCard(task, grid),
        checkInsCard(record, queued),
        WORKING.includes(status) || record.evidence?.length ? evidenceCard(record, queued, taskId, draw) : null,
      ),
    );
  };
  await draw();
  if (navigator.onLine) refreshEvidence(taskId).catch(() => {});
  const onProgress = (e) => {
    const el = document.querySelector(`.evidence-item[data-seq="${e.detail.seq}"]`);
    if (!el) return;
    const bar = el.querySelector('progress');
    if (bar) bar.value = e.detail.fraction;
    const state = el.querySelector('.ev-state');
    if (state) state.textContent = t('task.ev.sending', { p: Math.round(e.detail.fraction * 100) });
  };
  events.addEventListener('progress', onProgress);
  return { redraw: draw, leave: () => events.removeEventListener('progress', onProgress) };
}
