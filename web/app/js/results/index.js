// Task-result forms of the field app: one form per task kind, built from plain DOM. Owns the
// form's state (raw inputs: 元 strings, China-time "YYYY-MM-DDTHH:MM", chosen evidence refs), its
// layout per kind, the conversion to the API's `result` (fen, RFC 3339 +08:00, only the fields the
// chosen outcome allows), drafts (to store in IndexedDB and rebuild the same form) and placing
// error messages next to inputs. The rules themselves live in rules.js. No submit button: the
// caller adds it. Interface: /work/fieldapp-contract.md ("Result forms module").

import { h } from '../../shared/dom.js';
import { addStrings, t as tr, lang } from '../i18n.js';
import {
  ACCEPTED, ENUMS, LABELS, SERVES, validate as checkResult,
  serverFieldMessage as translateServer,
} from './rules.js';

addStrings(LABELS);
addStrings({
  zh: {
    'result.choose': '请选择', 'result.remark': '备注', 'result.remove': '删除', 'result.remove_what': '删除{what}',
    'result.confirm_remove': '确定删除{what}吗？', 'result.money': '请填写金额（元），最多两位小数',
    'result.evidence': '证据材料', 'result.no_evidence': '还没有可选的{kinds}，请先添加证据材料。',
    'result.or': '或',
    'result.point.take': '记录当前位置', 'result.point.again': '重新定位', 'result.point.clear': '清除位置',
    'result.point.saved': '已记录位置（{lat}, {lon}）', 'result.point.busy': '正在定位…',
    'result.point.failed': '定位失败，请检查是否允许定位', 'result.point.none': '本机不支持定位',
    'result.attempt.title': '第{n}次送达', 'result.attempt.add': '再添加一次送达记录',
    'result.attempt.done': '文书已送达，无需再添加送达记录。',
    'result.attempt.at': '送达时间', 'result.attempt.place': '送达地点', 'result.attempt.outcome': '送达结果',
    'result.attempt.new_address': '新住址',
    'result.attempt.proof_hint': '送达回证照片、签名或录音均可。',
    'result.attempt.scene_hint': '现场照片或录音。',
    'result.recipient.name': '签收人姓名', 'result.recipient.relation': '与受送达人的关系',
    'result.recipient.relation_hint': '如：配偶、子女、父母', 'result.lodged_hint':
      '留置送达：邀请见证人（基层组织或所在单位的代表）到场，或拍照、录音记录送达过程，二者至少其一。',
    'result.witness.name': '见证人姓名', 'result.witness.org': '见证人所在单位',
    'result.witness.org_hint': '如：××村（居）委会', 'result.witness.title': '见证人{n}',
    'result.witness.add': '添加见证人',
    'result.refuser.name': '拒收人姓名（选填）', 'result.refuser.hint': '拒收的不是受送达人本人时填写',
    'result.refuser.relation': '拒收人与受送达人的关系（选填）',
    'result.found': '是否找到被执行人', 'result.found.true': '已找到', 'result.found.false': '未找到',
    'result.whereabouts.address': '现住址（落脚地）', 'result.verified_by': '由谁核实',
    'result.verification_note': '核实情况（选填）', 'result.verification_other': '请说明由谁核实',
    'result.contact.phone': '联系电话（选填）', 'result.contact.note': '其他联系方式（选填）',
    'result.search_note': '查找经过', 'result.search_note_hint': '走访了哪些地方、问了哪些人。',
    'result.asset.title': '财产线索{n}', 'result.asset.add': '添加一项财产线索',
    'result.asset.none': '没有找到财产也可以提交，请写明查找范围。',
    'result.asset.type': '财产类型', 'result.asset.description': '财产情况',
    'result.asset.description_hint': '如：车牌号、房屋坐落、开户银行、店铺名称',
    'result.asset.address': '所在位置（选填）', 'result.asset.value': '估计价值（元，选填）',
    'result.asset.evidence': '照片或文件',
    'result.searched': '查找范围', 'result.searched_hint': '查了哪些地方、问了哪些人；没找到财产也要写明。',
    'result.response': '被执行人态度', 'result.paid_now': '当场履行金额（元）', 'result.receipt': '收款凭证',
    'result.receipt_hint': '收据照片或文件。', 'result.promised': '承诺履行金额（元）',
    'result.promised_rest': '承诺履行余款（元，选填）', 'result.promised_by': '承诺履行日期',
    'result.statement': '被执行人陈述（选填）', 'result.statement_hint': '被执行人怎么说的。',
    'result.reached': '是否达成和解', 'result.reached.true': '已达成和解', 'result.reached.false': '未达成和解',
    'result.terms': '和解内容', 'result.terms_hint': '如：分三期，于2026年6月30日前付清。',
    'result.settle_amount': '和解金额（元，选填）', 'result.pay_by': '履行期限（选填）',
    'result.signatures': '双方签名', 'result.signatures_hint': '申请执行人和被执行人的签名，或双方签字的和解协议照片，至少2份。',
    'result.evidence_other': '其他材料（选填）', 'result.settle_note': '未达成和解的原因',
    'result.posting.title': '张贴地点{n}', 'result.posting.add': '再添加一处张贴地点',
    'result.posting.place': '张贴地点', 'result.posting.place_hint': '如：××村公告栏、小区门口',
    'result.posting.at': '张贴时间', 'result.posting.photos': '张贴后的照片',
    'result.removal.title': '撤除地点{n}', 'result.removal.add': '再添加一处撤除地点',
    'result.removal.place': '撤除地点', 'result.removal.at': '撤除时间', 'result.removal.photos': '撤除后的照片',
    'result.occurred_at': '发生时间', 'result.conduct': '拒执行为（可多选）', 'result.description': '经过',
    'result.description_hint': '时间、地点、人物和经过，尽量写具体。',
    'result.report_evidence_hint': '照片、录音或文件，至少一份。',
  },
  en: {
    'result.choose': 'Choose', 'result.remark': 'Note', 'result.remove': 'Remove', 'result.remove_what': 'Remove {what}',
    'result.confirm_remove': 'Remove {what}?', 'result.money': 'Enter an amount in yuan, at most two decimals',
    'result.evidence': 'Evidence', 'result.no_evidence': 'No {kinds} yet; add evidence first.',
    'result.or': ' or ',
    'result.point.take': 'Record my position', 'result.point.again': 'Locate again', 'result.point.clear': 'Clear position',
    'result.point.saved': 'Position recorded ({lat}, {lon})', 'result.point.busy': 'Locating…',
    'result.point.failed': 'Could not locate; check the location permission', 'result.point.none': 'This phone cannot locate',
    'result.attempt.title': 'Attempt {n}', 'result.attempt.add': 'Add another attempt',
    'result.attempt.done': 'The documents are served; no further attempt is needed.',
    'result.attempt.at': 'Time', 'result.attempt.place': 'Place', 'result.attempt.outcome': 'Outcome',
    'result.attempt.new_address': 'New address',
    'result.attempt.proof_hint': 'Photo of the proof of service, a signature or a recording.',
    'result.attempt.scene_hint': 'Photos or recordings of the scene.',
    'result.recipient.name': 'Name of the family member who signed', 'result.recipient.relation': 'Relation to the addressee',
    'result.recipient.relation_hint': 'E.g. spouse, child, parent', 'result.lodged_hint':
      'Lodged service: invite a witness (a representative of the local committee or employer), or record leaving the documents by photo or recording — at least one of the two.',
    'result.witness.name': 'Witness name', 'result.witness.org': 'Witness organisation',
    'result.witness.org_hint': 'E.g. the village or residents\' committee', 'result.witness.title': 'Witness {n}',
    'result.witness.add': 'Add a witness',
    'result.refuser.name': 'Who refused (optional)', 'result.refuser.hint': 'When it was not the addressee',
    'result.refuser.relation': 'Their relation to the addressee (optional)',
    'result.found': 'Was the debtor found?', 'result.found.true': 'Found', 'result.found.false': 'Not found',
    'result.whereabouts.address': 'Current address', 'result.verified_by': 'Confirmed by',
    'result.verification_note': 'Verification note (optional)', 'result.verification_other': 'Say who confirmed it',
    'result.contact.phone': 'Phone (optional)', 'result.contact.note': 'Other contact (optional)',
    'result.search_note': 'How you searched', 'result.search_note_hint': 'Where you went and whom you asked.',
    'result.asset.title': 'Asset {n}', 'result.asset.add': 'Add an asset',
    'result.asset.none': 'You may submit without assets; say what you searched.',
    'result.asset.type': 'Type', 'result.asset.description': 'Description',
    'result.asset.description_hint': 'E.g. plate number, property location, bank, shop name',
    'result.asset.address': 'Location (optional)', 'result.asset.value': 'Estimated value (yuan, optional)',
    'result.asset.evidence': 'Photos or documents',
    'result.searched': 'What was searched', 'result.searched_hint': 'Places checked and people asked, even if nothing was found.',
    'result.response': 'Debtor\'s response', 'result.paid_now': 'Paid on the spot (yuan)', 'result.receipt': 'Receipts',
    'result.receipt_hint': 'Photo or document of the receipt.', 'result.promised': 'Promised amount (yuan)',
    'result.promised_rest': 'Promised remainder (yuan, optional)', 'result.promised_by': 'Promised date',
    'result.statement': 'Debtor\'s statement (optional)', 'result.statement_hint': 'What the debtor said.',
    'result.reached': 'Was a settlement reached?', 'result.reached.true': 'Settled', 'result.reached.false': 'Not settled',
    'result.terms': 'Terms', 'result.terms_hint': 'E.g. three instalments, paid by 30 June 2026.',
    'result.settle_amount': 'Amount (yuan, optional)', 'result.pay_by': 'Pay by (optional)',
    'result.signatures': 'Both parties\' signatures', 'result.signatures_hint': 'Signatures of applicant and debtor, or a photo of the signed agreement; at least 2.',
    'result.evidence_other': 'Other evidence (optional)', 'result.settle_note': 'Why no settlement was reached',
    'result.posting.title': 'Place {n}', 'result.posting.add': 'Add another place',
    'result.posting.place': 'Place', 'result.posting.place_hint': 'E.g. village notice board, estate gate',
    'result.posting.at': 'Posted at', 'result.posting.photos': 'Photos of the posted notice',
    'result.removal.title': 'Place {n}', 'result.removal.add': 'Add another place',
    'result.removal.place': 'Place', 'result.removal.at': 'Removed at', 'result.removal.photos': 'Photos after removal',
    'result.occurred_at': 'When', 'result.conduct': 'Conduct (choose all that apply)', 'result.description': 'What happened',
    'result.description_hint': 'When, where, who and what, as concretely as possible.',
    'result.report_evidence_hint': 'Photos, recordings or documents; at least one.',
  },
});

// --- values -----------------------------------------------------------------------------------

const CHINA_MS = 8 * 3600 * 1000;
const TIMES = ['at', 'posted_at', 'removed_at', 'occurred_at'];
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = (v) => JSON.parse(JSON.stringify(v));
const str = (v) => (typeof v === 'string' ? v.trim() : '');
const chinaLocal = (ms) => new Date(ms + CHINA_MS).toISOString().slice(0, 16);

/** "YYYY-MM-DDTHH:MM" read as China time → RFC 3339 with +08:00; blank/invalid → undefined. */
function iso(local) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2})?/.exec(local || '');
  return m ? `${m[1]}${m[2] || ':00'}+08:00` : undefined;
}

function fromIso(v) {
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? '' : chinaLocal(ms);
}

/** 元 as typed ("1,200.5") → integer fen; blank → undefined; not an amount → NaN. */
export function yuanToFen(v) {
  const s = String(v ?? '').replace(/[,，\s元]/g, '');
  if (!s) return undefined;
  const m = /^(\d{1,12})(?:\.(\d{0,2}))?$/.exec(s);
  return m ? Number(m[1]) * 100 + Number(((m[2] || '') + '00').slice(0, 2)) : NaN;
}

export function fenToYuan(f) {
  return Number.isInteger(f) && f >= 0 ? `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}` : '';
}

const opt = (o, k, v) => {
  if (v !== undefined && v !== '') o[k] = v;
  return o;
};

// New items of the repeating groups; also the templates a stored draft is filled into.
const ITEMS = {
  attempts: (task, prev) => ({
    at: chinaLocal(Date.now()), place: prev?.place || task?.target?.address || '', point: null, outcome: '',
    recipient: { name: '', relation: '' }, witness: { name: '', organisation: '' }, new_address: '',
    evidence_ids: [], note: '',
  }),
  assets: () => ({ type: '', description: '', location: { address: '', point: null }, estimated_value_fen: '', evidence_ids: [] }),
  postings: () => ({ place: '', point: null, posted_at: chinaLocal(Date.now()), evidence_ids: [] }),
  removals: () => ({ place: '', point: null, removed_at: chinaLocal(Date.now()), evidence_ids: [] }),
  witnesses: () => ({ name: '', organisation: '' }),
};

const BLANK = {
  serve_documents: (task) => ({ attempts: [ITEMS.attempts(task)] }),
  locate_person: () => ({
    found: '', whereabouts: { address: '', point: null }, contact: { phone: '', note: '' },
    verified_by: '', verification_note: '', evidence_ids: [], note: '',
  }),
  locate_assets: () => ({ assets: [], searched: '', note: '' }),
  urge_performance: () => ({
    response: '', amount_promised_fen: '', promised_by: '', amount_paid_now_fen: '',
    receipt_evidence_ids: [], statement: '', evidence_ids: [], note: '',
  }),
  facilitate_settlement: () => ({
    reached: '', terms: '', amount_fen: '', pay_by: '', signature_evidence_ids: [], evidence_ids: [], note: '',
  }),
  publicize_dishonesty: () => ({ postings: [ITEMS.postings()], note: '' }),
  report_refusal: () => ({
    occurred_at: chinaLocal(Date.now()), conduct: [], description: '', evidence_ids: [], witnesses: [], note: '',
  }),
  take_down_notice: () => ({ removals: [ITEMS.removals()], note: '' }),
};

/** Copy `src` into the template `def`, list items into fresh item templates. */
function fill(def, src) {
  for (const [k, v] of Object.entries(src || {})) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v) && ITEMS[k]) def[k] = v.map((x) => fill(ITEMS[k](), x));
    else if (isObj(def[k]) && isObj(v)) fill(def[k], v);
    else def[k] = v;
  }
  return def;
}

/** A server `result` (e.g. of a returned task) → form state. */
function stateOf(v, key = '') {
  if (Array.isArray(v)) return v.map((x) => stateOf(x));
  if (isObj(v)) {
    if (key === 'point') return { ...v };
    const o = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'kind' && k !== 'served_attempt') o[k] = stateOf(x, k);
    return o;
  }
  if (TIMES.includes(key)) return fromIso(v);
  if (key.endsWith('_fen')) return fenToYuan(v);
  if (typeof v === 'boolean') return String(v);
  return v;
}

function keysOf(path) {
  return path.split(/[.[\]]+/).filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

function get(obj, path) {
  return keysOf(path).reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function set(obj, path, value) {
  const keys = keysOf(path);
  let o = obj;
  keys.slice(0, -1).forEach((k, i) => {
    if (o[k] == null) o[k] = typeof keys[i + 1] === 'number' ? [] : {};
    o = o[k];
  });
  o[keys[keys.length - 1]] = value;
}

/** The server's English field message in the app's language. */
export function serverFieldMessage(detail) {
  return translateServer(detail, lang() === 'en' ? 'en' : 'zh');
}

// --- the form ---------------------------------------------------------------------------------

let formSeq = 0;

export function resultForm({ task, evidence = [], draft, onChange } = {}) {
  const kind = task.kind;
  const T = tr;
  const uid = `rf${++formSeq}`;
  const base = BLANK[kind] ? BLANK[kind](task) : {};
  let state = base;
  if (draft && draft.kind === kind) {
    state = draft.v === 1 && isObj(draft.state) ? fill(base, clone(draft.state)) : fill(base, stateOf(draft));
  }
  let shown = [];
  const root = h('div', { class: 'result-form', dataset: { kind } });
  const idOf = (path) => `${uid}-${path.replace(/[^a-z0-9]+/gi, '-')}`;
  const dp = (path) => `result.${path}`;
  const changed = () => {
    if (typeof onChange === 'function') onChange();
  };
  const kindsText = (kinds) => kinds.map((k) => T(`result.evidence.${k}`)).join(T('result.or'));

  function edit(path, value, rerender) {
    set(state, path, value);
    clearError(path);
    if (rerender) render();
    changed();
  }

  // --- controls ---

  function field(path, key, control, hint) {
    return h('div', { class: 'field' },
      h('label', { for: idOf(path) }, T(key)),
      hint ? h('p', { class: 'hint', id: `${idOf(path)}-hint` }, T(hint)) : null,
      control);
  }

  function input(path, key, o = {}) {
    const id = idOf(path);
    const attrs = {
      id, name: id, 'data-path': dp(path), 'aria-describedby': o.hint ? `${id}-hint` : null,
      oninput: (e) => edit(path, e.target.value), onchange: (e) => edit(path, e.target.value),
    };
    const el = o.area
      ? h('textarea', { ...attrs, rows: 3 })
      : h('input', {
        ...attrs, type: o.type || 'text', autocomplete: 'off', min: o.min, max: o.max,
        inputmode: o.money ? 'decimal' : o.inputmode, placeholder: o.money ? '0.00' : null,
      });
    el.value = get(state, path) ?? '';
    return field(path, key, el, o.hint);
  }

  const time = (path, key) => input(path, key, { type: 'datetime-local', max: chinaLocal(Date.now() + 600000) });
  const money = (path, key) => input(path, key, { money: true });
  const area = (path, key, hint) => input(path, key, { area: true, hint });

  function option(type, path, id, value, text, checked, onchange) {
    return h('div', { class: 'choice' },
      h('input', { type, id, name: type === 'radio' ? idOf(path) : null, value, checked, 'data-path': dp(path), onchange }),
      h('label', { for: id }, text));
  }

  function fieldset(path, key, cls, hint, children) {
    return h('fieldset', { class: ['field', cls], id: idOf(path), 'data-path': dp(path) },
      h('legend', {}, T(key)), hint ? h('p', { class: 'hint' }, T(hint)) : null, children);
  }

  /** Radio group; choosing re-renders, since the outcome decides which fields follow. */
  function choices(path, key, group, values, hint) {
    const cur = get(state, path);
    return fieldset(path, key, 'choices', hint, values.map((v) => option('radio', path, `${idOf(path)}-${v}`, v,
      T(`result.${group}.${v}`), cur === v, () => edit(path, v, true))));
  }

  function select(path, key, group, values) {
    const cur = get(state, path);
    const el = h('select', { id: idOf(path), name: idOf(path), 'data-path': dp(path), onchange: (e) => edit(path, e.target.value) },
      h('option', { value: '' }, T('result.choose')),
      values.map((v) => h('option', { value: v, selected: cur === v }, T(`result.${group}.${v}`))));
    return field(path, key, el);
  }

  /** Several codes of one enum (conduct), kept in the enum's order. */
  function multi(path, key, group, values) {
    const cur = get(state, path) || [];
    return fieldset(path, key, 'choices', null, values.map((v) => option('checkbox', path, `${idOf(path)}-${v}`, v,
      T(`result.${group}.${v}`), cur.includes(v), (e) => {
        const now = new Set(get(state, path) || []);
        if (e.target.checked) now.add(v); else now.delete(v);
        edit(path, values.filter((x) => now.has(x)));
      })));
  }

  /** Evidence picker: the task's evidence of the kinds acceptable here. */
  function pick(path, key, accepted, hint) {
    const cur = get(state, path) || [];
    const items = evidence.filter((e) => accepted.includes(e.kind));
    return fieldset(path, key, 'checklist', hint, items.length
      ? items.map((e, i) => option('checkbox', path, `${idOf(path)}-${i}`, String(e.ref), e.label || T(`result.evidence.${e.kind}`),
        cur.includes(e.ref), (ev) => {
          const now = (get(state, path) || []).filter((r) => r !== e.ref);
          if (ev.target.checked) now.push(e.ref);
          edit(path, now);
        }))
      : h('p', { class: 'hint' }, T('result.no_evidence', { kinds: kindsText(accepted) })));
  }

  /** Optional position from the phone's GPS (WGS-84). */
  function point(path) {
    const p = get(state, path);
    const status = h('p', { class: 'hint', role: 'status' },
      p ? T('result.point.saved', { lat: p.lat.toFixed(5), lon: p.lon.toFixed(5) }) : null);
    const locate = h('button', {
      type: 'button', class: 'locate', id: idOf(path), 'data-path': dp(path),
      onclick: () => {
        if (!navigator.geolocation) {
          status.textContent = T('result.point.none');
          return;
        }
        locate.disabled = true;
        status.textContent = T('result.point.busy');
        navigator.geolocation.getCurrentPosition(
          (pos) => edit(path, { lat: +pos.coords.latitude.toFixed(6), lon: +pos.coords.longitude.toFixed(6), crs: 'wgs84' }, true),
          () => {
            locate.disabled = false;
            status.textContent = T('result.point.failed');
          },
          { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
        );
      },
    }, T(p ? 'result.point.again' : 'result.point.take'));
    return h('div', { class: 'field', 'data-path': dp(path) }, locate,
      p ? h('button', { type: 'button', class: 'remove', onclick: () => edit(path, null, true) }, T('result.point.clear')) : null,
      status);
  }

  /** A repeating group with add and remove buttons. */
  function list(path, o) {
    const items = get(state, path) || [];
    const title = (i) => T(o.title, { n: i + 1 });
    return h('div', { class: 'groups', 'data-path': dp(path) },
      items.length === 0 && o.empty ? h('p', { class: 'hint' }, T(o.empty)) : null,
      items.map((item, i) => h('section', { class: 'group', 'data-path': dp(`${path}[${i}]`) },
        h('div', { class: 'group-head' }, h('h3', {}, title(i)),
          items.length > (o.min || 0) ? h('button', {
            type: 'button', class: 'remove', 'aria-label': T('result.remove_what', { what: title(i) }),
            onclick: () => {
              if (!window.confirm(T('result.confirm_remove', { what: title(i) }))) return;
              items.splice(i, 1);
              render(false);
              changed();
            },
          }, T('result.remove')) : null),
        o.body(`${path}[${i}]`, item))),
      o.done ? h('p', { class: 'hint' }, T(o.done)) : items.length < o.max ? h('button', {
        type: 'button', class: 'add',
        onclick: () => {
          items.push(ITEMS[path](task, items[items.length - 1]));
          set(state, path, items);
          render(false);
          root.querySelector(`[data-path="${dp(`${path}[${items.length - 1}]`)}"] :is(input, select, textarea)`)?.focus();
          changed();
        },
      }, T(o.add)) : null);
  }

  // --- layouts per kind ---

  const LAYOUT = {
    serve_documents: () => list('attempts', {
      title: 'result.attempt.title', add: 'result.attempt.add', min: 1, max: 10,
      done: state.attempts.some((a) => SERVES.includes(a.outcome)) && 'result.attempt.done',
      body: (p, a) => [
        time(`${p}.at`, 'result.attempt.at'),
        input(`${p}.place`, 'result.attempt.place'),
        point(`${p}.point`),
        choices(`${p}.outcome`, 'result.attempt.outcome', 'outcome', ENUMS.outcome),
        a.outcome === 'served_to_adult_family_member' && [
          input(`${p}.recipient.name`, 'result.recipient.name'),
          input(`${p}.recipient.relation`, 'result.recipient.relation', { hint: 'result.recipient.relation_hint' }),
        ],
        a.outcome === 'refused' && [
          h('p', { class: 'hint' }, T('result.lodged_hint')),
          input(`${p}.witness.name`, 'result.witness.name'),
          input(`${p}.witness.organisation`, 'result.witness.org', { hint: 'result.witness.org_hint' }),
          input(`${p}.recipient.name`, 'result.refuser.name', { hint: 'result.refuser.hint' }),
          input(`${p}.recipient.relation`, 'result.refuser.relation'),
        ],
        a.outcome === 'moved' && input(`${p}.new_address`, 'result.attempt.new_address'),
        pick(`${p}.evidence_ids`, 'result.evidence', ACCEPTED.attempt(a.outcome),
          ['served_personally', 'served_to_adult_family_member'].includes(a.outcome)
            ? 'result.attempt.proof_hint' : a.outcome ? 'result.attempt.scene_hint' : null),
        area(`${p}.note`, 'result.remark'),
      ],
    }),

    locate_person: () => [
      choices('found', 'result.found', 'found', ['true', 'false']),
      state.found === 'true' && [
        input('whereabouts.address', 'result.whereabouts.address'),
        point('whereabouts.point'),
        choices('verified_by', 'result.verified_by', 'verified_by', ENUMS.verified_by),
        state.verified_by && area('verification_note',
          state.verified_by === 'other' ? 'result.verification_other' : 'result.verification_note'),
        input('contact.phone', 'result.contact.phone', { type: 'tel', inputmode: 'tel' }),
        area('contact.note', 'result.contact.note'),
      ],
      pick('evidence_ids', 'result.evidence', ACCEPTED.locate_person),
      state.found === 'false'
        ? area('note', 'result.search_note', 'result.search_note_hint')
        : area('note', 'result.remark'),
    ],

    locate_assets: () => [
      list('assets', {
        title: 'result.asset.title', add: 'result.asset.add', max: 50, empty: 'result.asset.none',
        body: (p) => [
          select(`${p}.type`, 'result.asset.type', 'asset_type', ENUMS.asset_type),
          area(`${p}.description`, 'result.asset.description', 'result.asset.description_hint'),
          input(`${p}.location.address`, 'result.asset.address'),
          point(`${p}.location.point`),
          money(`${p}.estimated_value_fen`, 'result.asset.value'),
          pick(`${p}.evidence_ids`, 'result.asset.evidence', ACCEPTED.asset),
        ],
      }),
      area('searched', 'result.searched', 'result.searched_hint'),
      area('note', 'result.remark'),
    ],

    urge_performance: () => {
      const r = state.response;
      const pays = r === 'paid_in_full' || r === 'paid_in_part';
      return [
        choices('response', 'result.response', 'response', ENUMS.response),
        pays && [
          money('amount_paid_now_fen', 'result.paid_now'),
          pick('receipt_evidence_ids', 'result.receipt', ACCEPTED.receipt, 'result.receipt_hint'),
        ],
        (r === 'agreed_to_pay' || r === 'paid_in_part') && [
          money('amount_promised_fen', r === 'agreed_to_pay' ? 'result.promised' : 'result.promised_rest'),
          input('promised_by', 'result.promised_by', { type: 'date', min: chinaLocal(Date.now()).slice(0, 10) }),
        ],
        area('statement', 'result.statement', 'result.statement_hint'),
        pick('evidence_ids', 'result.evidence', ACCEPTED.urge),
        area('note', 'result.remark'),
      ];
    },

    facilitate_settlement: () => [
      choices('reached', 'result.reached', 'reached', ['true', 'false']),
      state.reached === 'true' && [
        area('terms', 'result.terms', 'result.terms_hint'),
        money('amount_fen', 'result.settle_amount'),
        input('pay_by', 'result.pay_by', { type: 'date' }),
        pick('signature_evidence_ids', 'result.signatures', ACCEPTED.signature, 'result.signatures_hint'),
      ],
      pick('evidence_ids', state.reached === 'true' ? 'result.evidence_other' : 'result.evidence', ACCEPTED.settlement),
      area('note', state.reached === 'false' ? 'result.settle_note' : 'result.remark'),
    ],

    publicize_dishonesty: () => places('postings', 'posted_at', 'result.posting'),
    take_down_notice: () => places('removals', 'removed_at', 'result.removal'),

    report_refusal: () => [
      time('occurred_at', 'result.occurred_at'),
      multi('conduct', 'result.conduct', 'conduct', ENUMS.conduct),
      area('description', 'result.description', 'result.description_hint'),
      pick('evidence_ids', 'result.evidence', ACCEPTED.report, 'result.report_evidence_hint'),
      list('witnesses', {
        title: 'result.witness.title', add: 'result.witness.add', max: 20,
        body: (p) => [
          input(`${p}.name`, 'result.witness.name'),
          input(`${p}.organisation`, 'result.witness.org', { hint: 'result.witness.org_hint' }),
        ],
      }),
      area('note', 'result.remark'),
    ],
  };

  function places(path, timeKey, k) {
    return [
      list(path, {
        title: `${k}.title`, add: `${k}.add`, min: 1, max: 20,
        body: (p) => [
          input(`${p}.place`, `${k}.place`, { hint: k === 'result.posting' ? 'result.posting.place_hint' : null }),
          point(`${p}.point`),
          time(`${p}.${timeKey}`, `${k}.at`),
          pick(`${p}.evidence_ids`, `${k}.photos`, ['photo']),
        ],
      }),
      area('note', 'result.remark'),
    ];
  }

  // --- state → result ---

  /** The result to send, and the money inputs that are not amounts. */
  function convert() {
    const bad = [];
    const s = state;
    const fen = (path) => {
      const f = yuanToFen(get(s, path));
      if (Number.isNaN(f)) bad.push(dp(path));
      return Number.isNaN(f) ? undefined : f;
    };
    // Only refs still offered at that place: what is ticked on screen is what is sent.
    const ev = (refs, accepted) => (refs || []).filter((r) => evidence.some((e) => e.ref === r && accepted.includes(e.kind)));
    const bool = (v) => (v === 'true' ? true : v === 'false' ? false : undefined);
    const o = { kind };
    switch (kind) {
      case 'serve_documents': {
        o.attempts = s.attempts.map((a) => {
          const x = { at: iso(a.at), place: str(a.place), outcome: a.outcome || undefined, point: a.point || undefined };
          const rec = { name: str(a.recipient?.name), relation: str(a.recipient?.relation) };
          if (a.outcome === 'served_to_adult_family_member' || (a.outcome === 'refused' && (rec.name || rec.relation))) x.recipient = rec;
          if (a.outcome === 'refused') x.witness = opt({ name: str(a.witness?.name) }, 'organisation', str(a.witness?.organisation));
          if (a.outcome === 'moved') x.new_address = str(a.new_address);
          x.evidence_ids = ev(a.evidence_ids, ACCEPTED.attempt(a.outcome));
          return opt(x, 'note', str(a.note));
        });
        const first = o.attempts.findIndex((a) => SERVES.includes(a.outcome));
        if (first >= 0) o.served_attempt = first;
        break;
      }
      case 'locate_person': {
        o.found = bool(s.found);
        if (o.found) {
          o.whereabouts = { address: str(s.whereabouts.address), point: s.whereabouts.point || undefined };
          const c = opt(opt({}, 'phone', str(s.contact.phone)), 'note', str(s.contact.note));
          if (c.phone || c.note) o.contact = c;
          o.verified_by = s.verified_by || undefined;
          if (s.verified_by) opt(o, 'verification_note', str(s.verification_note));
        }
        o.evidence_ids = ev(s.evidence_ids, ACCEPTED.locate_person);
        opt(o, 'note', str(s.note));
        break;
      }
      case 'locate_assets':
        o.assets = s.assets.map((a, i) => {
          const x = { type: a.type || undefined, description: str(a.description) };
          const loc = opt({}, 'address', str(a.location?.address));
          if (a.location?.point) loc.point = a.location.point;
          if (loc.address || loc.point) x.location = loc;
          x.estimated_value_fen = fen(`assets[${i}].estimated_value_fen`);
          x.evidence_ids = ev(a.evidence_ids, ACCEPTED.asset);
          return x;
        });
        o.searched = str(s.searched);
        opt(o, 'note', str(s.note));
        break;
      case 'urge_performance': {
        const r = s.response || undefined;
        o.response = r;
        if (r === 'paid_in_full' || r === 'paid_in_part') {
          o.amount_paid_now_fen = fen('amount_paid_now_fen');
          o.receipt_evidence_ids = ev(s.receipt_evidence_ids, ACCEPTED.receipt);
        }
        if (r === 'agreed_to_pay' || r === 'paid_in_part') {
          o.amount_promised_fen = fen('amount_promised_fen');
          o.promised_by = s.promised_by || undefined;
        }
        opt(o, 'statement', str(s.statement));
        o.evidence_ids = ev(s.evidence_ids, ACCEPTED.urge);
        opt(o, 'note', str(s.note));
        break;
      }
      case 'facilitate_settlement':
        o.reached = bool(s.reached);
        if (o.reached) {
          o.terms = str(s.terms);
          o.amount_fen = fen('amount_fen');
          o.pay_by = s.pay_by || undefined;
          o.signature_evidence_ids = ev(s.signature_evidence_ids, ACCEPTED.signature);
        }
        o.evidence_ids = ev(s.evidence_ids, ACCEPTED.settlement);
        opt(o, 'note', str(s.note));
        break;
      case 'publicize_dishonesty':
      case 'take_down_notice': {
        const [path, at] = kind === 'publicize_dishonesty' ? ['postings', 'posted_at'] : ['removals', 'removed_at'];
        o[path] = s[path].map((p) => ({
          place: str(p.place), point: p.point || undefined, [at]: iso(p[at]), evidence_ids: ev(p.evidence_ids, ['photo']),
        }));
        opt(o, 'note', str(s.note));
        break;
      }
      case 'report_refusal':
        o.occurred_at = iso(s.occurred_at);
        o.conduct = ENUMS.conduct.filter((c) => (s.conduct || []).includes(c));
        o.description = str(s.description);
        o.evidence_ids = ev(s.evidence_ids, ACCEPTED.report);
        o.witnesses = s.witnesses.map((w) => opt({ name: str(w.name) }, 'organisation', str(w.organisation)));
        opt(o, 'note', str(s.note));
        break;
      default:
    }
    return { result: clone(o), bad }; // the JSON round trip drops undefined fields
  }

  // --- errors ---

  function find(path) {
    let p = path === 'result.served_attempt' ? 'result.attempts' : path;
    while (p && p !== 'result') {
      const el = root.querySelector(`[data-path="${p.replace(/"/g, '')}"]`);
      if (el) return el;
      const up = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
      if (up === p) break;
      p = up;
    }
    return null;
  }

  function place(errors) {
    root.querySelectorAll('.field-error').forEach((e) => e.remove());
    root.querySelectorAll('[aria-invalid]').forEach(unmark);
    shown = [];
    const unplaced = [];
    for (const err of errors || []) {
      const target = find(err.path);
      if (!target) {
        unplaced.push(err);
        continue;
      }
      shown.push(err);
      const box = h('p', { class: 'field-error', role: 'alert', 'data-for': err.path }, err.message);
      if (target.classList.contains('group')) target.querySelector(':scope > .group-head').after(box);
      else if (target.classList.contains('groups')) target.prepend(box);
      else target.after(box);
      if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
        box.id = `${target.id}-err`;
        target.setAttribute('aria-invalid', 'true');
        target.setAttribute('aria-describedby', [target.getAttribute('aria-describedby'), box.id].filter(Boolean).join(' '));
      }
    }
    return unplaced;
  }

  function clearError(path) {
    const full = dp(path);
    const mine = (p) => p === full || p.startsWith(`${full}[`) || p.startsWith(`${full}.`);
    if (!shown.some((e) => mine(e.path))) return;
    shown = shown.filter((e) => !mine(e.path));
    root.querySelectorAll('.field-error').forEach((e) => mine(e.dataset.for) && e.remove());
    const el = root.querySelector(`[data-path="${full}"][aria-invalid]`);
    if (el) unmark(el);
  }

  function unmark(el) {
    el.removeAttribute('aria-invalid');
    const rest = (el.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && !id.endsWith('-err'));
    if (rest.length) el.setAttribute('aria-describedby', rest.join(' '));
    else el.removeAttribute('aria-describedby');
  }

  function render(keepErrors = true) {
    const active = root.contains(document.activeElement) ? document.activeElement.id : '';
    const errors = keepErrors ? shown : [];
    root.replaceChildren(...[LAYOUT[kind] ? LAYOUT[kind]() : []].flat(Infinity).filter(Boolean));
    if (active) root.querySelector(`#${active}`)?.focus();
    place(errors);
  }

  render();

  return {
    element: root,
    value: () => convert().result,
    draft: () => ({ v: 1, kind, state: clone(state) }),
    validate() {
      const { result, bad } = convert();
      const money = bad.map((path) => ({ path, message: T('result.money') }));
      const rules = checkResult(kind, result, { now: Date.now(), evidence, lang: lang() === 'en' ? 'en' : 'zh' });
      return [...money, ...rules.filter((e) => !bad.includes(e.path))];
    },
    showErrors: (errors) => place(errors),
  };
}
