// Unit tests (node --test) of the field app's result rules, web/app/js/results/rules.js: the
// valid examples of src/domain/submission.rs's tests pass, and broken ones are refused at the
// exact path the server names (`result.` + the FieldError's field). Needs no DOM and no server.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  KINDS, LABELS, ENUMS, evidenceRefs, serverFieldMessage, validate,
} from '../../web/app/js/results/rules.js';

// submission.rs's tests: 2026-03-02 10:00 in China.
const NOW = Date.parse('2026-03-02T02:00:00Z');
const clone = (v) => structuredClone(v);

const serve = () => ({
  kind: 'serve_documents',
  attempts: [
    { at: '2026-03-01T01:00:00Z', place: '  兴化市昭阳街道英武路12号 ', outcome: 'not_found', evidence_ids: [1] },
    {
      at: '2026-03-02T09:30:00+08:00', place: '兴化市昭阳街道英武路12号',
      point: { lat: 32.94, lon: 119.83, crs: 'gcj02' }, outcome: 'refused',
      witness: { name: ' 王五 ', organisation: '昭阳社区居委会' }, evidence_ids: [2, 3],
      note: '拒收，文书留置于门口\n已拍照',
    },
  ],
  served_attempt: 1,
});
const attempt = (outcome) => ({ at: '2026-03-01T01:00:00Z', place: '英武路12号', outcome, evidence_ids: [] });
const serveOne = (a) => ({ kind: 'serve_documents', attempts: [a], served_attempt: 0 });
const personFound = () => ({
  kind: 'locate_person', found: true,
  whereabouts: { address: '兴化市英武路8号', point: { lat: 32.9, lon: 119.8 } },
  contact: { phone: '+86 138-0000-0000' }, verified_by: 'neighbour', evidence_ids: [4],
});
const personNotFound = () => ({ kind: 'locate_person', found: false, note: '走访原住址及村委会，均称已外出务工' });
const assets = () => ({
  kind: 'locate_assets',
  assets: [
    { type: 'vehicle', description: '白色轿车 苏M12345', location: { address: '小区地下车库' }, estimated_value_fen: 8_000_000, evidence_ids: [5, 6] },
    { type: 'other', description: '鱼塘承包经营权', evidence_ids: [] },
  ],
  searched: '住所、车库、村委会登记',
});
const urgeAgreed = () => ({
  kind: 'urge_performance', response: 'agreed_to_pay', amount_promised_fen: 500_000,
  promised_by: '2026-03-31', statement: '月底前还清', evidence_ids: [7],
});
const urgePaid = () => ({
  kind: 'urge_performance', response: 'paid_in_part', amount_paid_now_fen: 120_000,
  receipt_evidence_ids: [8], amount_promised_fen: 380_000, promised_by: '2026-04-30',
});
const settled = () => ({
  kind: 'facilitate_settlement', reached: true, terms: '分三期还款', amount_fen: 1_000_000,
  pay_by: '2026-06-30', signature_evidence_ids: [9, 10], evidence_ids: [11],
});
const notSettled = () => ({ kind: 'facilitate_settlement', reached: false, note: '申请人不同意分期' });
const publicized = () => ({
  kind: 'publicize_dishonesty',
  postings: [
    { place: '昭阳社区公告栏', posted_at: '2026-03-01T02:00:00Z', evidence_ids: [12] },
    { place: '村口', point: { lat: 32.9, lon: 119.8, crs: 'bd09' }, posted_at: '2026-03-01T03:00:00Z', evidence_ids: [13, 14] },
  ],
});
const refusal = () => ({
  kind: 'report_refusal', occurred_at: '2026-03-01T06:00:00Z',
  conduct: ['obstructed_service', 'threatened_staff'], description: '被执行人锁门并辱骂送达人员',
  evidence_ids: [15], witnesses: [{ name: '赵六' }],
});
const takenDown = () => ({
  kind: 'take_down_notice',
  removals: [
    { place: ' 昭阳社区公告栏 ', removed_at: '2026-03-02T01:00:00Z', evidence_ids: [21] },
    { place: '村口', point: { lat: 32.9, lon: 119.8, crs: 'gcj02' }, removed_at: '2026-03-02T09:30:00+08:00', evidence_ids: [22, 23] },
  ],
});

const VALID = [serve, personFound, personNotFound, assets, urgeAgreed, urgePaid, settled, notSettled, publicized, refusal, takenDown];

const check = (r, opts = {}) => validate(r.kind, r, { now: NOW, ...opts });
/** The paths of the errors, in order. */
const paths = (r, opts) => check(r, opts).map((e) => e.path);
/** Assert the first error (the one the server would report) is at `path`. */
function rejectsAt(r, path) {
  const errors = check(r);
  assert.ok(errors.length > 0, `accepted ${JSON.stringify(r)}`);
  assert.equal(errors[0].path, path, JSON.stringify(errors));
  assert.match(errors[0].message, /\p{Script=Han}/u, 'message in Chinese');
  return errors[0].message;
}
const set = (r, fn) => {
  const c = clone(r);
  fn(c);
  return c;
};

test('every valid example of submission.rs passes, and every kind has one', () => {
  for (const make of VALID) assert.deepEqual(check(make()), [], make.name);
  assert.deepEqual(new Set(VALID.map((m) => m().kind)), new Set(KINDS));
  // The fixtures of tests/api/results.rs too (times relative to now).
  const ago = (min) => new Date(Date.now() - min * 60000).toISOString();
  const api = [
    { kind: 'serve_documents', attempts: [
      { at: ago(90), place: '泰兴市济川街道某路1号', outcome: 'not_found', evidence_ids: [] },
      { at: ago(30), place: '泰兴市济川街道某路1号', outcome: 'refused', witness: { name: '王某', organisation: '某村村委会' }, evidence_ids: ['local:1'] },
    ], served_attempt: 1 },
    { kind: 'urge_performance', response: 'paid_in_part', amount_paid_now_fen: 50000, receipt_evidence_ids: [3], evidence_ids: [] },
    { kind: 'report_refusal', occurred_at: ago(45), conduct: ['obstructed_service'], description: '拒不开门，并阻止送达', evidence_ids: [1] },
  ];
  for (const r of api) assert.deepEqual(validate(r.kind, r), [], r.kind);
});

test('kind must be the task\'s and the result an object', () => {
  assert.deepEqual(paths(serve(), {}), []);
  assert.equal(validate('locate_person', serve(), { now: NOW })[0].path, 'result.kind');
  assert.equal(validate('serve_documents', null, { now: NOW })[0].path, 'result');
  rejectsAt(set(serve(), (r) => { r.colour = 'red'; }), 'result.colour');
  rejectsAt(set(serve(), (r) => { r.attempts[1].witness.age = 40; }), 'result.attempts[1].witness.age');
});

test('serve_documents: outcomes and what they need', () => {
  // 留置送达 (art. 89): a witness, or a recording, or both — not neither.
  assert.deepEqual(check(set(serve(), (r) => { delete r.attempts[1].witness; })), []);
  assert.deepEqual(check(set(serve(), (r) => { r.attempts[1].evidence_ids = []; })), []);
  rejectsAt(set(serve(), (r) => { r.attempts[1].witness.name = '  '; }), 'result.attempts[1].witness.name');
  const lodged = rejectsAt(set(serve(), (r) => { delete r.attempts[1].witness; r.attempts[1].evidence_ids = []; }), 'result.attempts[1].witness');
  assert.match(lodged, /留置送达/);
  const family = { ...attempt('served_to_adult_family_member'), recipient: { name: '李四', relation: '配偶' } };
  assert.deepEqual(check(serveOne(family)), []);
  rejectsAt(serveOne({ ...family, recipient: undefined }), 'result.attempts[0].recipient');
  rejectsAt(serveOne({ ...family, recipient: { name: '李四', relation: ' ' } }), 'result.attempts[0].recipient.relation');
  rejectsAt(serveOne({ ...family, recipient: { name: '李四' } }), 'result.attempts[0].recipient.relation');
  const moved = { kind: 'serve_documents', attempts: [{ ...attempt('moved'), new_address: '泰州市海陵区' }] };
  assert.deepEqual(check(moved), []);
  rejectsAt(set(moved, (r) => { delete r.attempts[0].new_address; }), 'result.attempts[0].new_address');
  const notFound = { kind: 'serve_documents', attempts: [attempt('not_found')] };
  rejectsAt(set(notFound, (r) => { r.attempts[0].new_address = '海陵区'; }), 'result.attempts[0].new_address');
  rejectsAt(set(notFound, (r) => { r.attempts[0].witness = { name: '王五' }; }), 'result.attempts[0].witness');
  rejectsAt(serveOne({ ...attempt('served_personally'), recipient: { name: '李四', relation: '配偶' } }), 'result.attempts[0].recipient');
  rejectsAt(set(serve(), (r) => { r.attempts[0].outcome = 'lost'; }), 'result.attempts[0].outcome');
});

test('serve_documents: attempts counted, chronological, served_attempt names the serving one', () => {
  rejectsAt({ kind: 'serve_documents', attempts: [] }, 'result.attempts');
  rejectsAt({ kind: 'serve_documents', attempts: Array.from({ length: 11 }, () => attempt('not_found')) }, 'result.attempts');
  assert.deepEqual(check({ kind: 'serve_documents', attempts: Array.from({ length: 10 }, () => attempt('not_found')) }), []);
  rejectsAt(set(serve(), (r) => { r.attempts[1].at = '2026-03-01T00:59:59Z'; }), 'result.attempts[1].at');
  rejectsAt(set(serve(), (r) => { delete r.served_attempt; }), 'result.served_attempt');
  rejectsAt(set(serve(), (r) => { r.served_attempt = 0; }), 'result.served_attempt');
  rejectsAt(set(serve(), (r) => { r.served_attempt = 2; }), 'result.served_attempt');
  rejectsAt({ kind: 'serve_documents', attempts: [attempt('not_found')], served_attempt: 0 }, 'result.served_attempt');
  rejectsAt({ kind: 'serve_documents', attempts: [attempt('served_personally'), attempt('not_found')], served_attempt: 0 }, 'result.attempts[1]');
});

test('times: RFC 3339 with offset, at most ten minutes ahead', () => {
  const at = (t) => set(serve(), (r) => { r.attempts[1].at = t; });
  assert.deepEqual(check(at('2026-03-02T02:10:00Z')), []);
  assert.match(rejectsAt(at('2026-03-02T02:10:01Z'), 'result.attempts[1].at'), /晚于现在/);
  rejectsAt(at('2026-03-01T09:00:00'), 'result.attempts[1].at');
  rejectsAt(at('yesterday'), 'result.attempts[1].at');
  rejectsAt(set(publicized(), (r) => { r.postings[1].posted_at = '2026-03-03T00:00:00Z'; }), 'result.postings[1].posted_at');
  rejectsAt(set(refusal(), (r) => { r.occurred_at = '2026-03-02T11:00:00+08:00'; }), 'result.occurred_at');
  rejectsAt(set(takenDown(), (r) => { r.removals[0].removed_at = '2026-03-02T03:00:00Z'; }), 'result.removals[0].removed_at');
});

test('text limits, characters, points, evidence lists, money', () => {
  rejectsAt(set(serve(), (r) => { r.attempts[0].place = '字'.repeat(301); }), 'result.attempts[0].place');
  assert.deepEqual(check(set(serve(), (r) => { r.attempts[0].place = '字'.repeat(300); })), []);
  rejectsAt(set(serve(), (r) => { r.attempts[1].witness.name = '字'.repeat(101); }), 'result.attempts[1].witness.name');
  rejectsAt(set(serve(), (r) => { r.attempts[1].note = '字'.repeat(2001); }), 'result.attempts[1].note');
  rejectsAt(set(serve(), (r) => { r.attempts[0].place = '英武路\n12号'; }), 'result.attempts[0].place');
  rejectsAt(set(serve(), (r) => { r.attempts[0].place = '英武路\u202E12号'; }), 'result.attempts[0].place');
  rejectsAt(set(serve(), (r) => { r.attempts[1].point.lat = 119.83; }), 'result.attempts[1].point.lat');
  rejectsAt(set(personFound(), (r) => { r.whereabouts.point.lon = -181; }), 'result.whereabouts.point.lon');
  rejectsAt(set(assets(), (r) => { r.assets[0].location.point = { lat: 91, lon: 0 }; }), 'result.assets[0].location.point.lat');
  const ids = (v) => set(serve(), (r) => { r.attempts[1].evidence_ids = v; });
  rejectsAt(ids([2, 0]), 'result.attempts[1].evidence_ids[1]');
  assert.match(rejectsAt(ids([2, 3, 2]), 'result.attempts[1].evidence_ids[2]'), /重复/);
  assert.deepEqual(check(ids(Array.from({ length: 20 }, (_, i) => i + 1))), []);
  rejectsAt(ids(Array.from({ length: 21 }, (_, i) => i + 1)), 'result.attempts[1].evidence_ids');
  rejectsAt(set(assets(), (r) => { r.assets[0].estimated_value_fen = -1; }), 'result.assets[0].estimated_value_fen');
  rejectsAt(set(assets(), (r) => { r.assets[0].estimated_value_fen = 10_000_000_000_001; }), 'result.assets[0].estimated_value_fen');
  rejectsAt(set(urgeAgreed(), (r) => { r.amount_promised_fen = 12.5; }), 'result.amount_promised_fen');
});

test('locate_person', () => {
  rejectsAt(set(personFound(), (r) => { delete r.whereabouts; }), 'result.whereabouts');
  rejectsAt(set(personFound(), (r) => { delete r.verified_by; }), 'result.verified_by');
  rejectsAt(set(personFound(), (r) => { r.verified_by = 'other'; }), 'result.verification_note');
  assert.deepEqual(check(set(personFound(), (r) => { r.verified_by = 'other'; r.verification_note = '快递员指认'; })), []);
  rejectsAt(set(personNotFound(), (r) => { delete r.note; }), 'result.note');
  rejectsAt(set(personNotFound(), (r) => { r.contact = { phone: '13800000000' }; }), 'result.contact');
  rejectsAt(set(personNotFound(), (r) => { r.verified_by = 'family'; }), 'result.verified_by');
  assert.deepEqual(check(set(personNotFound(), (r) => { r.verification_note = '  '; })), []);
  const phone = (p) => set(personFound(), (r) => { r.contact.phone = p; });
  assert.deepEqual(check(phone('0523-8888 1234')), []);
  for (const bad of ['1234', '138 0000 0000 ext 5', '123456789012345678901', '+ - + -']) rejectsAt(phone(bad), 'result.contact.phone');
  rejectsAt(set(personFound(), (r) => { r.contact = {}; }), 'result.contact');
  rejectsAt(set(personFound(), (r) => { r.found = 'yes'; }), 'result.found');
});

test('locate_assets', () => {
  assert.deepEqual(check({ kind: 'locate_assets', assets: [], searched: '住所及车库' }), []);
  rejectsAt({ kind: 'locate_assets', assets: [], searched: ' ' }, 'result.searched');
  assert.match(rejectsAt(set(assets(), (r) => { r.assets[1].description = ' 鱼塘 '; }), 'result.assets[1].description'), /其他/);
  rejectsAt(set(assets(), (r) => { r.assets[0].location = {}; }), 'result.assets[0].location');
  rejectsAt(set(assets(), (r) => { r.assets[1].type = 'boat'; }), 'result.assets[1].type');
  rejectsAt(set(assets(), (r) => { r.assets = Array.from({ length: 51 }, () => ({ type: 'vehicle', description: '车' })); }), 'result.assets');
});

test('urge_performance: promises, payments, today in China', () => {
  rejectsAt(set(urgeAgreed(), (r) => { delete r.amount_promised_fen; }), 'result.amount_promised_fen');
  rejectsAt(set(urgeAgreed(), (r) => { r.amount_promised_fen = 0; }), 'result.amount_promised_fen');
  rejectsAt(set(urgeAgreed(), (r) => { delete r.promised_by; }), 'result.promised_by');
  assert.deepEqual(check(set(urgeAgreed(), (r) => { r.promised_by = '2026-03-02'; })), []);
  rejectsAt(set(urgeAgreed(), (r) => { r.promised_by = '2026-03-01'; }), 'result.promised_by');
  rejectsAt(set(urgeAgreed(), (r) => { r.promised_by = '31/03/2026'; }), 'result.promised_by');
  // 01:00 on 2 March in China is still 1 March in UTC: "today" is China's.
  const early = Date.parse('2026-03-01T17:00:00Z');
  assert.deepEqual(validate('urge_performance', set(urgeAgreed(), (r) => { r.promised_by = '2026-03-02'; }), { now: early }), []);
  assert.equal(validate('urge_performance', set(urgeAgreed(), (r) => { r.promised_by = '2026-03-01'; }), { now: early })[0].path, 'result.promised_by');
  rejectsAt(set(urgeAgreed(), (r) => { r.amount_paid_now_fen = 100; }), 'result.amount_paid_now_fen');
  rejectsAt(set(urgeAgreed(), (r) => { r.receipt_evidence_ids = [3]; }), 'result.receipt_evidence_ids');
  rejectsAt(set(urgePaid(), (r) => { r.amount_paid_now_fen = 0; }), 'result.amount_paid_now_fen');
  rejectsAt(set(urgePaid(), (r) => { delete r.amount_paid_now_fen; }), 'result.amount_paid_now_fen');
  rejectsAt(set(urgePaid(), (r) => { r.receipt_evidence_ids = []; }), 'result.receipt_evidence_ids');
  rejectsAt(set(urgePaid(), (r) => { r.receipt_evidence_ids = [8, 8]; }), 'result.receipt_evidence_ids[1]');
  for (const response of ['refused', 'unable_to_pay', 'not_reached']) {
    const base = { kind: 'urge_performance', response };
    assert.deepEqual(check(base), []);
    rejectsAt({ ...base, amount_promised_fen: 100 }, 'result.amount_promised_fen');
    rejectsAt({ ...base, promised_by: '2026-04-01' }, 'result.promised_by');
    rejectsAt({ ...base, amount_paid_now_fen: 100 }, 'result.amount_paid_now_fen');
  }
});

test('facilitate_settlement: terms and both signatures, or a note', () => {
  rejectsAt(set(settled(), (r) => { delete r.terms; }), 'result.terms');
  rejectsAt(set(settled(), (r) => { r.terms = ''; }), 'result.terms');
  assert.match(rejectsAt(set(settled(), (r) => { r.signature_evidence_ids = [9]; }), 'result.signature_evidence_ids'), /2/);
  rejectsAt(set(settled(), (r) => { r.pay_by = '2026-02-30'; }), 'result.pay_by');
  rejectsAt(set(notSettled(), (r) => { delete r.note; }), 'result.note');
  rejectsAt(set(notSettled(), (r) => { r.terms = '分期'; }), 'result.terms');
  rejectsAt(set(notSettled(), (r) => { r.amount_fen = 1; }), 'result.amount_fen');
  rejectsAt(set(notSettled(), (r) => { r.pay_by = '2026-05-01'; }), 'result.pay_by');
  rejectsAt(set(notSettled(), (r) => { r.signature_evidence_ids = [1]; }), 'result.signature_evidence_ids');
});

test('postings, removals, refusal reports', () => {
  rejectsAt(set(publicized(), (r) => { r.postings = []; }), 'result.postings');
  rejectsAt(set(publicized(), (r) => { r.postings[0].evidence_ids = []; }), 'result.postings[0].evidence_ids');
  rejectsAt(set(publicized(), (r) => { delete r.postings[0].evidence_ids; }), 'result.postings[0].evidence_ids');
  rejectsAt(set(publicized(), (r) => { r.postings[1].place = ' '; }), 'result.postings[1].place');
  rejectsAt(set(takenDown(), (r) => { r.removals = []; }), 'result.removals');
  rejectsAt(set(takenDown(), (r) => { r.removals[1].evidence_ids = []; }), 'result.removals[1].evidence_ids');
  rejectsAt(set(takenDown(), (r) => { r.removals[0].postered = true; }), 'result.removals[0].postered');
  assert.equal(validate('take_down_notice', publicized(), { now: NOW })[0].path, 'result.kind');
  rejectsAt(set(refusal(), (r) => { r.conduct = []; }), 'result.conduct');
  rejectsAt(set(refusal(), (r) => { r.conduct = ['other', 'violent_resistance', 'other']; }), 'result.conduct[2]');
  rejectsAt(set(refusal(), (r) => { r.conduct[1] = 'lied'; }), 'result.conduct[1]');
  rejectsAt(set(refusal(), (r) => { r.description = '  '; }), 'result.description');
  rejectsAt(set(refusal(), (r) => { r.evidence_ids = []; }), 'result.evidence_ids');
  rejectsAt(set(refusal(), (r) => { delete r.occurred_at; }), 'result.occurred_at');
  rejectsAt(set(refusal(), (r) => { r.witnesses[0].name = ''; }), 'result.witnesses[0].name');
  assert.deepEqual(check(set(refusal(), (r) => { delete r.witnesses; })), []);
});

test('evidence references: places, acceptable kinds, and the task\'s own evidence', () => {
  assert.deepEqual(evidenceRefs('serve_documents', serve()).map((r) => [r.path, r.id, r.accepted.join()]), [
    ['attempts[0].evidence_ids[0]', 1, 'photo,audio'],
    ['attempts[1].evidence_ids[0]', 2, 'photo,audio'],
    ['attempts[1].evidence_ids[1]', 3, 'photo,audio'],
  ]);
  const evidence = [
    { ref: 9, kind: 'signature', label: '签名' }, { ref: 10, kind: 'signature', label: '签名' },
    { ref: 11, kind: 'pdf', label: '协议' },
  ];
  assert.deepEqual(check(settled(), { evidence }), []);
  assert.deepEqual(paths(set(settled(), (r) => { r.evidence_ids = [12]; }), { evidence }), ['result.evidence_ids[0]']);
  const wrong = check(set(settled(), (r) => { r.signature_evidence_ids = [9, 11]; r.evidence_ids = []; }), { evidence: [evidence[0], evidence[1], { ref: 11, kind: 'audio', label: '录音' }] });
  assert.deepEqual(wrong.map((e) => e.path), ['result.signature_evidence_ids[1]']);
  assert.match(wrong[0].message, /签名或照片或文件/);
});

test('at most one error per path, and several paths at once', () => {
  const broken = { kind: 'serve_documents', attempts: [{ at: '', place: '', outcome: 'refused', evidence_ids: [] }] };
  assert.deepEqual(paths(broken), [
    'result.attempts[0].at', 'result.attempts[0].place', 'result.attempts[0].witness', 'result.served_attempt',
  ]);
  assert.equal(validate('report_refusal', { kind: 'report_refusal' }, { now: NOW, lang: 'en' })[0].message, 'Choose a time');
});

test('server messages become short Chinese; unknown ones a generic sentence', () => {
  const cases = {
    'is required': '请填写此项',
    'is required when `outcome` is `moved`': '请填写此项',
    'must not be blank': '请填写此项',
    'must be at most 300 characters': '不能超过300个字',
    'must not be in the future': '不能晚于现在，请检查时间',
    'must not be before today (China time)': '不能早于今天',
    'is listed twice': '重复选择了',
    'must not be given when `outcome` is `not_found`': '此种情况下不应填写此项',
    'must be more than 0 when `response` is `agreed_to_pay`': '金额应大于0',
    'must have 1 to 10 items': '应有1到10项',
    'must be 5–20 characters of digits, spaces, \'+\' and \'-\'': '电话号码应为5到20位数字，可含空格、+ 和 -',
    'latitude must be between -90 and 90': '位置坐标有误，请重新定位',
    'must be 0 when `response` is `refused`': '此种情况下不应有当场履行金额',
    'a settlement needs both parties\' signatures: at least 2 ids': '和解须有双方签名，请至少选择2份签名材料',
    'no evidence with id 999999 was uploaded for this task': '所选材料不在本任务中，请重新选择',
    'evidence 7 is a pdf; expected photo or audio': '此处只能选择照片或录音',
    'something new': '此项不符合要求',
  };
  for (const [en, zh] of Object.entries(cases)) assert.equal(serverFieldMessage(en), zh, en);
  assert.match(serverFieldMessage('留置送达 (Civil Procedure Law art. 89) must be recorded: attach at least one photo or audio recording'), /留置送达/);
  assert.equal(serverFieldMessage(undefined), '此项不符合要求');
  assert.equal(serverFieldMessage('is required', 'en'), 'Required');
});

test('every enum value has a Chinese and an English label', () => {
  for (const [group, values] of Object.entries(ENUMS)) {
    for (const v of values) {
      const key = `result.${group}.${v}`;
      assert.match(LABELS.zh[key] || '', /\p{Script=Han}/u, key);
      assert.ok(LABELS.en[key], key);
    }
  }
  for (const k of KINDS) assert.ok(LABELS.zh[`result.kind.${k}`], k);
  assert.equal(LABELS.zh['result.outcome.refused'].startsWith('留置送达'), true);
  assert.equal(LABELS.zh['result.outcome.served_to_adult_family_member'], '交其同住成年家属签收');
});

// The phone's copy of the rules against the server's contract: api-spec/openapi.json is the
// server's own document (a Rust test fails when it differs from the code), so every enum the
// forms offer and every kind they build must be the document's.
test('the forms offer exactly the enums and kinds of the OpenAPI document', async () => {
  const { readFile } = await import('node:fs/promises');
  const doc = JSON.parse(await readFile(new URL('../../api-spec/openapi.json', import.meta.url), 'utf8'));
  const schemas = doc.components.schemas;
  const pairs = { outcome: 'ServiceOutcome', verified_by: 'VerifiedBy', asset_type: 'AssetType', response: 'UrgeResponse', conduct: 'Conduct', crs: 'Crs' };
  for (const [ours, theirs] of Object.entries(pairs)) {
    assert.deepEqual(ENUMS[ours], schemas[theirs].enum, `${ours} = ${theirs}`);
  }
  const kinds = schemas.TaskResult.oneOf.map((variant) => variant.properties.kind.enum[0]);
  assert.deepEqual([...KINDS].sort(), [...kinds].sort());
});
