// Task-result rules, DOM-free: the server's checks of a submitted `result` (src/domain/submission.rs
// and the evidence check in src/services/submissions.rs) mirrored rule by rule, so the phone
// refuses what the server would refuse, offline, at the same path (`result.attempts[1].witness.name`).
// Also owns the translation of the server's English field messages. Imports only the shared,
// DOM-free label tables (web/shared/result_labels.js, served as shared/result_labels.js; node
// tests map that path with tests/e2e/web_paths.mjs).

import { LABELS } from '../../shared/result_labels.js';

export const KINDS = [
  'serve_documents', 'locate_person', 'locate_assets', 'urge_performance',
  'facilitate_settlement', 'publicize_dishonesty', 'report_refusal', 'take_down_notice',
];

export const ENUMS = {
  outcome: ['served_personally', 'served_to_adult_family_member', 'refused', 'not_found', 'moved'],
  verified_by: ['in_person', 'neighbour', 'family', 'employer', 'property_manager', 'village_committee', 'other'],
  asset_type: ['real_estate', 'vehicle', 'bank_account_clue', 'business', 'equipment', 'other'],
  response: ['agreed_to_pay', 'paid_in_full', 'paid_in_part', 'refused', 'unable_to_pay', 'not_reached'],
  conduct: ['obstructed_service', 'refused_to_declare_assets', 'hid_or_transferred_assets', 'violent_resistance', 'threatened_staff', 'other'],
  crs: ['wgs84', 'gcj02', 'bd09'],
  evidence: ['photo', 'signature', 'audio', 'pdf'],
};

/** Outcomes that serve the documents (留置送达 counts as served). */
export const SERVES = ['served_personally', 'served_to_adult_family_member', 'refused'];

// Evidence kinds acceptable at each place (submission.rs constants).
const SERVICE_PROOF = ['photo', 'signature', 'pdf', 'audio'];
const SCENE_RECORD = ['photo', 'audio'];
const PAPERS = ['photo', 'pdf'];
const RECORDS = ['photo', 'audio', 'pdf'];
const ANY = ['photo', 'signature', 'audio', 'pdf'];
export const ACCEPTED = {
  attempt: (outcome) => (outcome === 'served_personally' || outcome === 'served_to_adult_family_member'
    ? SERVICE_PROOF : outcome ? SCENE_RECORD : ANY),
  locate_person: RECORDS, asset: PAPERS, receipt: PAPERS, urge: ANY, signature: ['signature', 'photo', 'pdf'],
  settlement: ANY, posting: ['photo'], report: RECORDS, removal: ['photo'],
};

// The labels of every enumeration in a result live in web/shared/result_labels.js, shared with
// the console (which shows submitted results as forms).
export { LABELS };

const MSG = {
  zh: {
    required: '请填写此项', choose: '请选择一项', too_long: '不能超过{n}个字',
    bad_chars: '含有无法识别的特殊字符，请删除后重新输入', type: '格式不对，请重新填写', enum: '选项无效，请重新选择',
    unknown_field: '不应有此项', kind: '填报内容与任务类型不符', not_object: '填报内容格式不对',
    phone: '电话号码应为5到20位数字，可含空格、+ 和 -', point: '位置坐标有误，请重新定位',
    money: '金额应在0到1000亿元之间', time: '请选择时间', date: '请选择日期',
    future: '不能晚于现在，请检查时间', before_today: '不能早于今天',
    ids_max: '最多选择20份材料', id_bad: '所选材料有误，请重新选择', twice: '重复选择了',
    count: '应有{min}到{max}项', not_allowed: '此种情况下不应填写此项',
    attempts_count: '请填写1到10次送达记录', postings_count: '请填写1到20处张贴地点',
    removals_count: '请填写1到20处撤除地点', assets_count: '最多填写50项财产线索', witnesses_count: '最多填写20名见证人',
    order: '应晚于上一次送达的时间', served_idx: '请指明哪一次送达成功',
    after_served: '文书已在上一次送达，之后不应再有送达记录',
    recipient: '请填写签收的家属',
    new_address: '请填写新住址', lodged: '留置送达须有见证人到场，或拍照、录音记录送达过程：请填写见证人，或选择照片、录音',
    contact: '请填写电话或联系说明', whereabouts: '请填写现住址', verified_by: '请选择由谁核实',
    verification_note: '请说明由谁核实', search_note: '请写明查找经过',
    other_short: '选择“其他”时，请至少用4个字说明', location: '请填写地址或记录位置',
    promised_amount: '请填写承诺履行的金额', promised_by: '请选择承诺履行的日期', more_than_0: '金额应大于0',
    paid_amount: '请填写当场履行的金额', receipt: '当场付款须附收款凭证', paid_zero: '此种情况下不应有当场履行金额',
    receipt_empty: '此种情况下不应选择收款凭证', terms: '请填写和解内容',
    signatures: '和解须有双方签名，请至少选择2份签名材料', signatures_empty: '未达成和解时不应选择签名材料',
    settle_note: '请写明未达成和解的原因', posting_photo: '请至少选择一张张贴后的照片',
    removal_photo: '请至少选择一张撤除后的照片', conduct: '请至少选择一种行为',
    report_evidence: '请至少选择一份证据材料', evidence_missing: '所选材料不在本任务中，请重新选择',
    evidence_kind: '此处只能选择{kinds}', or: '或', generic: '此项不符合要求',
  },
  en: {
    required: 'Required', choose: 'Choose one', too_long: 'At most {n} characters',
    bad_chars: 'Contains invisible or control characters', type: 'Wrong format', enum: 'Not a valid choice',
    unknown_field: 'Not expected here', kind: 'The result does not match the task', not_object: 'The result is malformed',
    phone: 'A phone number is 5–20 digits, spaces, + and -', point: 'The position is invalid; locate again',
    money: 'The amount must be from 0 to 100 billion yuan', time: 'Choose a time', date: 'Choose a date',
    future: 'Must not be in the future', before_today: 'Must not be before today',
    ids_max: 'At most 20 items', id_bad: 'Invalid item; choose again', twice: 'Chosen twice',
    count: 'Needs {min} to {max} items', not_allowed: 'Not expected in this case',
    attempts_count: 'Record 1 to 10 attempts', postings_count: 'Record 1 to 20 places',
    removals_count: 'Record 1 to 20 places', assets_count: 'At most 50 assets', witnesses_count: 'At most 20 witnesses',
    order: 'Must be later than the previous attempt', served_idx: 'Say which attempt served the documents',
    after_served: 'The documents were already served; no attempt may follow',
    recipient: 'Name the family member who signed',
    new_address: 'Enter the new address', lodged: 'Lodged service needs a witness at the scene or a photo or recording of it: name a witness, or choose a photo or recording',
    contact: 'Enter a phone number or a note', whereabouts: 'Enter the current address', verified_by: 'Choose who confirmed it',
    verification_note: 'Say who confirmed it', search_note: 'Describe how you searched',
    other_short: 'For “Other”, describe it in at least 4 characters', location: 'Enter an address or record the position',
    promised_amount: 'Enter the promised amount', promised_by: 'Choose the promised date', more_than_0: 'Must be more than 0',
    paid_amount: 'Enter the amount paid', receipt: 'A payment needs a receipt', paid_zero: 'No payment expected in this case',
    receipt_empty: 'No receipt expected in this case', terms: 'Enter the terms',
    signatures: 'A settlement needs both parties\' signatures (at least 2)', signatures_empty: 'No signatures expected without a settlement',
    settle_note: 'Say why no settlement was reached', posting_photo: 'Choose at least one photo of the notice',
    removal_photo: 'Choose at least one photo after removal', conduct: 'Choose at least one kind of conduct',
    report_evidence: 'Choose at least one piece of evidence', evidence_missing: 'This item is not on the task; choose again',
    evidence_kind: 'Only {kinds} here', or: ' or ', generic: 'This does not meet the requirements',
  },
};

function msg(lang, key, vars = {}) {
  const text = (MSG[lang] || MSG.zh)[key] ?? MSG.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
}

function kindList(lang, kinds) {
  const l = LABELS[lang] ? lang : 'zh';
  return kinds.map((k) => LABELS[l][`result.evidence.${k}`] || k).join(msg(l, 'or'));
}

// --- primitives -------------------------------------------------------------------------------

const CLOCK_SKEW_MS = 10 * 60 * 1000;
const CHINA_MS = 8 * 3600 * 1000;
const MAX_FEN = 10_000_000_000_000;
const NAME = [100, false];
const ADDRESS = [300, false];
const FREE = [2000, true];
// eslint-disable-next-line no-control-regex
const CONTROL = /[\p{Cc}]/u;
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Present in the server's sense: not absent/null, and optional text not blank. */
const present = (v) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

/** China's calendar date (YYYY-MM-DD) at instant `ms`. */
export function chinaDate(ms) {
  return new Date(ms + CHINA_MS).toISOString().slice(0, 10);
}

function validDate(s) {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s.trim())) return false;
  const d = new Date(`${s.trim()}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s.trim();
}

function parseTime(s) {
  if (typeof s !== 'string' || !RFC3339.test(s.trim())) return NaN;
  return Date.parse(s.trim());
}

/** A checker collecting at most one error per path, in the order the server checks. */
function checker(lang) {
  const errors = [];
  const seen = new Set();
  const c = {
    errors,
    add(path, key, vars) {
      const full = path ? `result.${path}` : 'result';
      if (!seen.has(full)) {
        seen.add(full);
        errors.push({ path: full, message: msg(lang, key, vars) });
      }
      return false;
    },
    keys(path, obj, allowed) {
      for (const k of Object.keys(obj)) if (!allowed.includes(k)) c.add(join(path, k), 'unknown_field');
    },
    /** Text rule; required text missing/blank is an error, optional blank is absence. */
    text(path, v, [max, multiline], required = true) {
      if (v === undefined || v === null) return required ? c.add(path, 'required') : true;
      if (typeof v !== 'string') return c.add(path, 'type');
      const s = v.trim();
      if (!s) return required ? c.add(path, 'required') : true;
      if ([...s].length > max) return c.add(path, 'too_long', { n: max });
      const bad = [...s].some((ch) => (CONTROL.test(ch) && !(multiline && '\n\r\t'.includes(ch))) || BIDI.test(ch));
      return bad ? c.add(path, 'bad_chars') : true;
    },
    phone(path, v) {
      if (!present(v)) return true;
      if (!c.text(path, v, NAME, false)) return false;
      const s = v.trim();
      const n = [...s].length;
      return (n >= 5 && n <= 20 && /^[0-9 +-]+$/.test(s) && /[0-9]/.test(s)) || c.add(path, 'phone');
    },
    point(path, p) {
      if (p === undefined || p === null) return true;
      if (!isObj(p)) return c.add(path, 'type');
      c.keys(path, p, ['lat', 'lon', 'crs']);
      for (const axis of ['lat', 'lon']) {
        if (p[axis] === undefined || p[axis] === null) return c.add(join(path, axis), 'required');
        if (typeof p[axis] !== 'number') return c.add(join(path, axis), 'type');
      }
      if (p.crs !== undefined && !ENUMS.crs.includes(p.crs)) return c.add(join(path, 'crs'), 'enum');
      // Blame whichever coordinate is wrong on its own, as the server does.
      const latOk = Number.isFinite(p.lat) && Math.abs(p.lat) <= 90;
      if (!latOk) return c.add(join(path, 'lat'), 'point');
      if (!(Number.isFinite(p.lon) && Math.abs(p.lon) <= 180)) return c.add(join(path, 'lon'), 'point');
      return true;
    },
    money(path, v, required = true) {
      if (v === undefined || v === null) return required ? c.add(path, 'required') : true;
      if (!Number.isInteger(v)) return c.add(path, 'type');
      return (v >= 0 && v <= MAX_FEN) || c.add(path, 'money');
    },
    time(path, v, now) {
      if (v === undefined || v === null || v === '') return c.add(path, 'time');
      const ms = parseTime(v);
      if (Number.isNaN(ms)) return c.add(path, 'time');
      return ms <= now + CLOCK_SKEW_MS || c.add(path, 'future');
    },
    date(path, v) {
      if (v === undefined || v === null) return true;
      return validDate(v) || c.add(path, 'date');
    },
    oneOf(path, v, values, required = true) {
      if (v === undefined || v === null) return required ? c.add(path, 'choose') : true;
      return values.includes(v) || c.add(path, 'enum');
    },
    bool(path, v) {
      if (v === undefined || v === null) return c.add(path, 'choose');
      return typeof v === 'boolean' || c.add(path, 'type');
    },
    /** Evidence ids: ≤ 20, positive (or a queued `local:` upload), no duplicates. */
    ids(path, v) {
      if (v === undefined) return true;
      if (!Array.isArray(v)) return c.add(path, 'type');
      if (v.length > 20) return c.add(path, 'ids_max');
      const seenIds = new Set();
      for (let i = 0; i < v.length; i++) {
        const id = v[i];
        const ok = (Number.isInteger(id) && id > 0) || (typeof id === 'string' && id.startsWith('local:'));
        if (!ok) return c.add(`${path}[${i}]`, 'id_bad');
        if (seenIds.has(id)) return c.add(`${path}[${i}]`, 'twice');
        seenIds.add(id);
      }
      return true;
    },
    list(path, v, min, max, countKey, required = true) {
      if (v === undefined || v === null) return required ? c.add(path, 'required') : true;
      if (!Array.isArray(v)) return c.add(path, 'type');
      return (v.length >= min && v.length <= max) || c.add(path, countKey, { min, max });
    },
    /** Presence rule: Required / Forbidden (Allowed needs no call). */
    need(path, v, key) {
      return present(v) || c.add(path, key);
    },
    forbid(path, v) {
      return !present(v) || c.add(path, 'not_allowed');
    },
  };
  return c;
}

function join(prefix, name) {
  return prefix ? `${prefix}.${name}` : name;
}

const len = (v) => (Array.isArray(v) ? v.length : 0);

function witness(c, path, w) {
  if (!isObj(w)) return c.add(path, 'type');
  c.keys(path, w, ['name', 'organisation']);
  c.text(join(path, 'name'), w.name, NAME);
  c.text(join(path, 'organisation'), w.organisation, NAME, false);
  return true;
}

// --- per kind ---------------------------------------------------------------------------------

const KIND_RULES = {
  serve_documents(c, r, now) {
    c.keys('', r, ['kind', 'attempts', 'served_attempt']);
    if (!c.list('attempts', r.attempts, 1, 10, 'attempts_count')) {
      if (!Array.isArray(r.attempts)) return;
    }
    let previous = null;
    r.attempts.forEach((a, i) => {
      const p = `attempts[${i}]`;
      const f = (name) => `${p}.${name}`;
      if (!isObj(a)) return c.add(p, 'type');
      c.keys(p, a, ['at', 'place', 'point', 'outcome', 'recipient', 'witness', 'new_address', 'evidence_ids', 'note']);
      c.time(f('at'), a.at, now);
      c.text(f('place'), a.place, ADDRESS);
      c.point(f('point'), a.point);
      const outcomeOk = c.oneOf(f('outcome'), a.outcome, ENUMS.outcome);
      if (isObj(a.recipient)) {
        c.keys(f('recipient'), a.recipient, ['name', 'relation']);
        c.text(f('recipient.name'), a.recipient.name, NAME);
        c.text(f('recipient.relation'), a.recipient.relation, NAME);
      } else if (a.recipient !== undefined && a.recipient !== null) c.add(f('recipient'), 'type');
      if (a.witness !== undefined && a.witness !== null) witness(c, f('witness'), a.witness);
      c.text(f('new_address'), a.new_address, ADDRESS, false);
      c.ids(f('evidence_ids'), a.evidence_ids);
      c.text(f('note'), a.note, FREE, false);
      if (outcomeOk) {
        const o = a.outcome;
        if (o === 'served_to_adult_family_member') c.need(f('recipient'), a.recipient, 'recipient');
        else if (o !== 'refused') c.forbid(f('recipient'), a.recipient);
        // 留置送达 (art. 89): a witness at the scene, or the process recorded — at least one.
        if (o !== 'refused') c.forbid(f('witness'), a.witness);
        if (o === 'moved') c.need(f('new_address'), a.new_address, 'new_address');
        else c.forbid(f('new_address'), a.new_address);
        const witnessed = a.witness !== undefined && a.witness !== null;
        if (o === 'refused' && !witnessed && len(a.evidence_ids) < 1) c.add(f('witness'), 'lodged');
      }
      const at = parseTime(a.at);
      if (previous !== null && at < previous) c.add(f('at'), 'order');
      if (!Number.isNaN(at)) previous = at;
      return true;
    });
    const outcomes = r.attempts.map((a) => (isObj(a) ? a.outcome : undefined));
    const first = outcomes.findIndex((o) => SERVES.includes(o));
    const served = r.served_attempt;
    if (served !== undefined && served !== null && !(Number.isInteger(served) && served >= 0)) {
      c.add('served_attempt', 'type');
      return;
    }
    if (first < 0) {
      if (served !== undefined && served !== null && outcomes.every((o) => ENUMS.outcome.includes(o))) {
        c.add('served_attempt', 'not_allowed');
      }
      return;
    }
    if (served === undefined || served === null || !SERVES.includes(outcomes[served])) {
      c.add('served_attempt', 'served_idx');
    } else if (first + 1 < r.attempts.length) {
      c.add(`attempts[${first + 1}]`, 'after_served');
    }
  },

  locate_person(c, r) {
    c.keys('', r, ['kind', 'found', 'whereabouts', 'contact', 'verified_by', 'verification_note', 'evidence_ids', 'note']);
    const foundOk = c.bool('found', r.found);
    if (isObj(r.whereabouts)) {
      c.keys('whereabouts', r.whereabouts, ['address', 'point']);
      c.text('whereabouts.address', r.whereabouts.address, ADDRESS);
      c.point('whereabouts.point', r.whereabouts.point);
    } else if (r.whereabouts !== undefined && r.whereabouts !== null) c.add('whereabouts', 'type');
    if (isObj(r.contact)) {
      c.keys('contact', r.contact, ['phone', 'note']);
      const ok = c.phone('contact.phone', r.contact.phone) && c.text('contact.note', r.contact.note, FREE, false);
      if (ok && !present(r.contact.phone) && !present(r.contact.note)) c.add('contact', 'contact');
    } else if (r.contact !== undefined && r.contact !== null) c.add('contact', 'type');
    const byOk = c.oneOf('verified_by', r.verified_by, ENUMS.verified_by, false);
    c.text('verification_note', r.verification_note, FREE, false);
    c.ids('evidence_ids', r.evidence_ids);
    c.text('note', r.note, FREE, false);
    if (!foundOk) return;
    if (r.found) {
      c.need('whereabouts', r.whereabouts, 'whereabouts');
      c.need('verified_by', r.verified_by, 'verified_by');
    } else {
      c.forbid('whereabouts', r.whereabouts);
      c.forbid('contact', r.contact);
      c.forbid('verified_by', r.verified_by);
    }
    if (byOk) {
      if (r.verified_by === 'other') c.need('verification_note', r.verification_note, 'verification_note');
      else if (!present(r.verified_by)) c.forbid('verification_note', r.verification_note);
    }
    if (!r.found) c.need('note', r.note, 'search_note');
  },

  locate_assets(c, r) {
    c.keys('', r, ['kind', 'assets', 'searched', 'note']);
    if (c.list('assets', r.assets, 0, 50, 'assets_count', false) && Array.isArray(r.assets)) {
      r.assets.forEach((a, i) => {
        const f = (name) => `assets[${i}].${name}`;
        if (!isObj(a)) return c.add(`assets[${i}]`, 'type');
        c.keys(`assets[${i}]`, a, ['type', 'description', 'location', 'estimated_value_fen', 'evidence_ids']);
        c.oneOf(f('type'), a.type, ENUMS.asset_type);
        if (c.text(f('description'), a.description, FREE) && a.type === 'other' && [...a.description.trim()].length < 4) {
          c.add(f('description'), 'other_short');
        }
        if (isObj(a.location)) {
          c.keys(f('location'), a.location, ['address', 'point']);
          const ok = c.text(f('location.address'), a.location.address, ADDRESS, false) && c.point(f('location.point'), a.location.point);
          if (ok && !present(a.location.address) && !present(a.location.point)) c.add(f('location'), 'location');
        } else if (a.location !== undefined && a.location !== null) c.add(f('location'), 'type');
        c.money(f('estimated_value_fen'), a.estimated_value_fen, false);
        c.ids(f('evidence_ids'), a.evidence_ids);
        return true;
      });
    }
    c.text('searched', r.searched, FREE);
    c.text('note', r.note, FREE, false);
  },

  urge_performance(c, r, now) {
    c.keys('', r, ['kind', 'response', 'amount_promised_fen', 'promised_by', 'amount_paid_now_fen', 'receipt_evidence_ids', 'statement', 'evidence_ids', 'note']);
    const responseOk = c.oneOf('response', r.response, ENUMS.response);
    c.money('amount_promised_fen', r.amount_promised_fen, false);
    if (c.date('promised_by', r.promised_by) && present(r.promised_by) && r.promised_by.trim() < chinaDate(now)) {
      c.add('promised_by', 'before_today');
    }
    const paid = r.amount_paid_now_fen === undefined ? 0 : r.amount_paid_now_fen;
    c.money('amount_paid_now_fen', paid);
    c.ids('receipt_evidence_ids', r.receipt_evidence_ids);
    c.text('statement', r.statement, FREE, false);
    c.ids('evidence_ids', r.evidence_ids);
    c.text('note', r.note, FREE, false);
    if (!responseOk) return;
    const o = r.response;
    if (o === 'agreed_to_pay') {
      if (c.need('amount_promised_fen', r.amount_promised_fen, 'promised_amount') && !(r.amount_promised_fen > 0)) {
        c.add('amount_promised_fen', 'more_than_0');
      }
      c.need('promised_by', r.promised_by, 'promised_by');
    } else if (!['paid_in_full', 'paid_in_part'].includes(o)) {
      c.forbid('amount_promised_fen', r.amount_promised_fen);
      c.forbid('promised_by', r.promised_by);
    }
    if (o === 'paid_in_full' || o === 'paid_in_part') {
      if (!(paid > 0)) c.add('amount_paid_now_fen', r.amount_paid_now_fen === undefined ? 'paid_amount' : 'more_than_0');
      if (len(r.receipt_evidence_ids) < 1) c.add('receipt_evidence_ids', 'receipt');
    } else if (paid !== 0) {
      c.add('amount_paid_now_fen', 'paid_zero');
    } else if (len(r.receipt_evidence_ids) > 0) {
      c.add('receipt_evidence_ids', 'receipt_empty');
    }
  },

  facilitate_settlement(c, r) {
    c.keys('', r, ['kind', 'reached', 'terms', 'amount_fen', 'pay_by', 'signature_evidence_ids', 'evidence_ids', 'note']);
    const reachedOk = c.bool('reached', r.reached);
    c.text('terms', r.terms, FREE, false);
    c.money('amount_fen', r.amount_fen, false);
    c.date('pay_by', r.pay_by);
    c.ids('signature_evidence_ids', r.signature_evidence_ids);
    c.ids('evidence_ids', r.evidence_ids);
    c.text('note', r.note, FREE, false);
    if (!reachedOk) return;
    if (r.reached) {
      c.need('terms', r.terms, 'terms');
      if (len(r.signature_evidence_ids) < 2) c.add('signature_evidence_ids', 'signatures');
    } else {
      c.forbid('terms', r.terms);
      c.forbid('amount_fen', r.amount_fen);
      c.forbid('pay_by', r.pay_by);
      if (len(r.signature_evidence_ids) > 0) c.add('signature_evidence_ids', 'signatures_empty');
      c.need('note', r.note, 'settle_note');
    }
  },

  publicize_dishonesty(c, r, now) {
    places(c, r, now, 'postings', 'posted_at', 'postings_count', 'posting_photo');
  },

  report_refusal(c, r, now) {
    c.keys('', r, ['kind', 'occurred_at', 'conduct', 'description', 'evidence_ids', 'witnesses', 'note']);
    c.time('occurred_at', r.occurred_at, now);
    if (r.conduct === undefined || r.conduct === null) c.add('conduct', 'conduct');
    else if (!Array.isArray(r.conduct)) c.add('conduct', 'type');
    else if (r.conduct.length === 0) c.add('conduct', 'conduct');
    else {
      const bad = r.conduct.findIndex((x) => !ENUMS.conduct.includes(x));
      const dup = r.conduct.findIndex((x, i) => r.conduct.indexOf(x) !== i);
      if (bad >= 0) c.add(`conduct[${bad}]`, 'enum');
      else if (dup >= 0) c.add(`conduct[${dup}]`, 'twice');
    }
    c.text('description', r.description, FREE);
    if (c.ids('evidence_ids', r.evidence_ids) && len(r.evidence_ids) < 1) c.add('evidence_ids', 'report_evidence');
    if (c.list('witnesses', r.witnesses, 0, 20, 'witnesses_count', false) && Array.isArray(r.witnesses)) {
      r.witnesses.forEach((w, i) => witness(c, `witnesses[${i}]`, w));
    }
    c.text('note', r.note, FREE, false);
  },

  take_down_notice(c, r, now) {
    places(c, r, now, 'removals', 'removed_at', 'removals_count', 'removal_photo');
  },
};

/** Postings and removals: the same shape under different names. */
function places(c, r, now, list, timeKey, countKey, photoKey) {
  c.keys('', r, ['kind', list, 'note']);
  c.list(list, r[list], 1, 20, countKey);
  if (Array.isArray(r[list])) {
    r[list].forEach((p, i) => {
      const f = (name) => `${list}[${i}].${name}`;
      if (!isObj(p)) return c.add(`${list}[${i}]`, 'type');
      c.keys(`${list}[${i}]`, p, ['place', 'point', timeKey, 'evidence_ids']);
      c.text(f('place'), p.place, ADDRESS);
      c.point(f('point'), p.point);
      c.time(f(timeKey), p[timeKey], now);
      if (c.ids(f('evidence_ids'), p.evidence_ids) && len(p.evidence_ids) < 1) c.add(f('evidence_ids'), photoKey);
      return true;
    });
  }
  c.text('note', r.note, FREE, false);
}

/**
 * Every evidence reference in a result with the kinds acceptable there, as the server's
 * `TaskResult::evidence_refs` (paths without the `result.` prefix).
 */
export function evidenceRefs(kind, r) {
  const refs = [];
  const push = (path, ids, accepted) => {
    if (Array.isArray(ids)) ids.forEach((id, i) => refs.push({ path: `${path}[${i}]`, id, accepted }));
  };
  const each = (list, fn) => (Array.isArray(list) ? list.forEach((x, i) => isObj(x) && fn(x, i)) : null);
  switch (kind) {
    case 'serve_documents':
      each(r.attempts, (a, i) => push(`attempts[${i}].evidence_ids`, a.evidence_ids, ACCEPTED.attempt(a.outcome)));
      break;
    case 'locate_person': push('evidence_ids', r.evidence_ids, ACCEPTED.locate_person); break;
    case 'locate_assets': each(r.assets, (a, i) => push(`assets[${i}].evidence_ids`, a.evidence_ids, ACCEPTED.asset)); break;
    case 'urge_performance':
      push('receipt_evidence_ids', r.receipt_evidence_ids, ACCEPTED.receipt);
      push('evidence_ids', r.evidence_ids, ACCEPTED.urge);
      break;
    case 'facilitate_settlement':
      push('signature_evidence_ids', r.signature_evidence_ids, ACCEPTED.signature);
      push('evidence_ids', r.evidence_ids, ACCEPTED.settlement);
      break;
    case 'publicize_dishonesty': each(r.postings, (p, i) => push(`postings[${i}].evidence_ids`, p.evidence_ids, ACCEPTED.posting)); break;
    case 'report_refusal': push('evidence_ids', r.evidence_ids, ACCEPTED.report); break;
    case 'take_down_notice': each(r.removals, (p, i) => push(`removals[${i}].evidence_ids`, p.evidence_ids, ACCEPTED.removal)); break;
    default:
  }
  return refs;
}

/**
 * Check a result for a task of `kind` as the server would.
 * opts: `now` (Date or ms; default now), `lang` ('zh' default, or 'en'), and optionally
 * `evidence` ([{ref, kind}], the task's evidence) to also check each reference exists and fits.
 * Returns [] or [{ path: 'result.…', message }], at most one per path.
 */
export function validate(kind, result, opts = {}) {
  const lang = opts.lang === 'en' ? 'en' : 'zh';
  const now = opts.now === undefined ? Date.now() : +opts.now;
  const c = checker(lang);
  if (!isObj(result)) {
    c.add('', 'not_object');
    return c.errors;
  }
  if (result.kind !== kind || !KIND_RULES[kind]) {
    c.add('kind', 'kind');
    return c.errors;
  }
  KIND_RULES[kind](c, result, now);
  if (Array.isArray(opts.evidence)) {
    for (const ref of evidenceRefs(kind, result)) {
      const item = opts.evidence.find((e) => e.ref === ref.id);
      if (!item) c.add(ref.path, 'evidence_missing');
      else if (!ref.accepted.includes(item.kind)) c.add(ref.path, 'evidence_kind', { kinds: kindList(lang, ref.accepted) });
    }
  }
  return c.errors;
}

// --- the server's messages --------------------------------------------------------------------

// Every FieldError / ApiError::invalid message a result can earn (submission.rs, names.rs,
// geo/crs.rs, services/submissions.rs, serde), most specific first.
const SERVER = [
  [/^is required: attempts\[\d+\] served/, 'served_idx'],
  [/^is required/, 'required'],
  [/^missing field/, 'required'],
  [/^must not be blank/, 'required'],
  [/^must be at most (\d+) characters/, 'too_long'],
  [/^must not contain control characters/, 'bad_chars'],
  [/^must be 5.20 characters of digits/, 'phone'],
  [/^(latitude|longitude)/, 'point'],
  [/^must be a whole number of fen/, 'money'],
  [/^must be more than 0/, 'more_than_0'],
  [/^must list at most \d+ evidence ids/, 'ids_max'],
  [/^must be a positive evidence id/, 'id_bad'],
  [/^is listed twice/, 'twice'],
  [/^must have (\d+) to (\d+) items/, 'count'],
  [/^must not be in the future/, 'future'],
  [/^must not be before today/, 'before_today'],
  [/^must not be given/, 'not_allowed'],
  [/^must be 0 when/, 'paid_zero'],
  [/^must be empty when `reached`/, 'signatures_empty'],
  [/^must be empty when/, 'receipt_empty'],
  [/^is before the previous attempt/, 'order'],
  [/^must be the index of an attempt/, 'served_idx'],
  [/^no attempt may follow/, 'after_served'],
  [/留置送达/, 'lodged'],
  [/^must have a phone or a note/, 'contact'],
  [/^must be at least 4 characters/, 'other_short'],
  [/^must have an address or a point/, 'location'],
  [/^a payment needs/, 'receipt'],
  [/^a settlement needs/, 'signatures'],
  [/^a posting needs/, 'posting_photo'],
  [/^must name at least one kind of conduct/, 'conduct'],
  [/^a report needs/, 'report_evidence'],
  [/^a removal needs/, 'removal_photo'],
  [/^must be an RFC 3339 time/, 'time'],
  [/^must be a date/, 'date'],
  [/^the task is `/, 'kind'],
  [/^must be a JSON object/, 'not_object'],
  [/^unknown field/, 'unknown_field'],
  [/^unknown variant/, 'enum'],
  [/^(invalid type|invalid value|must be a string|invalid length)/, 'type'],
  [/^no evidence with id/, 'evidence_missing'],
  [/^evidence \d+ is an? \w+; expected (.+)$/, 'evidence_kind'],
];

/** The server's English field message (`Problem.detail`) in short Chinese (or English). */
export function serverFieldMessage(detail, lang = 'zh') {
  const l = lang === 'en' ? 'en' : 'zh';
  const text = String(detail ?? '').trim();
  for (const [re, key] of SERVER) {
    const m = re.exec(text);
    if (!m) continue;
    if (key === 'too_long') return msg(l, key, { n: m[1] });
    if (key === 'count') return msg(l, key, { min: m[1], max: m[2] });
    if (key === 'evidence_kind') return msg(l, key, { kinds: kindList(l, m[1].split(' or ')) });
    return msg(l, key);
  }
  return msg(l, 'generic');
}
