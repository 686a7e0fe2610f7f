// A submitted task result shown as a read-only form, one layout per task kind (the `TaskResult`
// variants of api-spec/openapi.json): every field under its label, every code in words (the
// shared tables of web/shared/result_labels.js), times in China time, money in 元, attempts and
// places numbered from 1, and evidence named as the task's evidence list names it (the caller
// draws each reference). Never shows a raw code or JSON: an unknown kind says so in words.

import { h } from '../shared/dom.js';
import { label, t } from './i18n.js';
import { date, dateTime, money } from './format.js';

const present = (v) => v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '');

/** A label/value pair for a <dl>, or nothing when the value is absent. */
function row(key, value) {
  if (!present(value) || (Array.isArray(value) && !value.length)) return null;
  return [h('dt', {}, t(key)), h('dd', {}, value)];
}

function list(...rows) {
  return h('dl', { class: 'result' }, rows);
}

function part(title, badge, ...rows) {
  return h('section', { class: 'result-part' }, h('h4', {}, title, badge ? [' ', badge] : null), list(...rows));
}

function point(p) {
  if (!p || typeof p.lat !== 'number' || typeof p.lon !== 'number') return null;
  return t('rv.point_value', { lat: p.lat.toFixed(5), lon: p.lon.toFixed(5), crs: label('result.crs', p.crs || 'wgs84') });
}

function fen(value) {
  return typeof value === 'number' ? money(value) : null;
}

function yesNo(flag, yes, no) {
  return flag ? t(yes) : t(no);
}

/** Which of art. 89's routes a lodged service took: a witness, a recording of the scene, or both. */
function lodgedBy(a) {
  const witnessed = Boolean(a.witness);
  const recorded = Array.isArray(a.evidence_ids) && a.evidence_ids.length > 0;
  if (witnessed && recorded) return t('rv.serve.lodged_both');
  return witnessed ? t('rv.serve.lodged_witness') : t('rv.serve.lodged_recorded');
}

function witness(w) {
  if (!w) return null;
  return present(w.organisation) ? t('rv.witness_value', { name: w.name, org: w.organisation }) : w.name;
}

/** The kinds' layouts: (result, refs) → nodes. `refs(ids)` draws evidence references. */
const KINDS = {
  serve_documents(r, refs) {
    const attempts = Array.isArray(r.attempts) ? r.attempts : [];
    const served = Number.isInteger(r.served_attempt) && attempts[r.served_attempt] ? r.served_attempt : null;
    const summary =
      served === null
        ? t('rv.serve.not_served')
        : t('rv.serve.served', { n: served + 1, outcome: label('result.outcome', attempts[served].outcome) });
    return [
      list(row('rv.serve.result', summary)),
      attempts.map((a, i) =>
        part(
          t('rv.serve.attempt', { n: i + 1 }),
          i === served ? h('span', { class: 'badge ok served' }, t('rv.serve.served_badge')) : null,
          row('rv.serve.at', dateTime(a.at)),
          row('rv.serve.place', a.place),
          row('rv.point', point(a.point)),
          row('rv.serve.outcome', label('result.outcome', a.outcome)),
          a.recipient
            ? row(a.outcome === 'refused' ? 'rv.serve.refuser' : 'rv.serve.recipient', t('rv.person_relation', { name: a.recipient.name, relation: a.recipient.relation }))
            : null,
          row('rv.serve.witness', witness(a.witness)),
          a.outcome === 'refused' ? row('rv.serve.lodged_by', lodgedBy(a)) : null,
          row('rv.serve.new_address', a.new_address),
          row('rv.note', a.note),
          row('rv.evidence', refs(a.evidence_ids)),
        ),
      ),
    ];
  },

  locate_person(r, refs) {
    const where = r.whereabouts || {};
    const by = r.verified_by ? label('result.verified_by', r.verified_by) : null;
    return list(
      row('rv.person.found', yesNo(r.found, 'rv.person.found_yes', 'rv.person.found_no')),
      row('rv.person.address', where.address),
      row('rv.point', point(where.point)),
      row('rv.person.verified_by', by),
      row('rv.person.verification_note', r.verification_note),
      row('rv.person.phone', r.contact?.phone),
      row('rv.person.contact_note', r.contact?.note),
      row(r.found ? 'rv.note' : 'rv.person.search_note', r.note),
      row('rv.evidence', refs(r.evidence_ids)),
    );
  },

  locate_assets(r, refs) {
    const assets = Array.isArray(r.assets) ? r.assets : [];
    return [
      list(row('rv.assets.searched', r.searched), assets.length ? null : row('rv.assets.found', t('rv.assets.none')), row('rv.note', r.note)),
      assets.map((a, i) =>
        part(
          t('rv.assets.asset', { n: i + 1 }),
          null,
          row('rv.assets.type', label('result.asset_type', a.type)),
          row('rv.assets.description', a.description),
          row('rv.assets.address', a.location?.address),
          row('rv.point', point(a.location?.point)),
          row('rv.assets.value', fen(a.estimated_value_fen)),
          row('rv.evidence', refs(a.evidence_ids)),
        ),
      ),
    ];
  },

  urge_performance(r, refs) {
    return list(
      row('rv.urge.response', label('result.response', r.response)),
      row('rv.urge.paid_now', r.amount_paid_now_fen > 0 ? money(r.amount_paid_now_fen) : null),
      row('rv.urge.receipts', refs(r.receipt_evidence_ids)),
      row('rv.urge.promised', fen(r.amount_promised_fen)),
      row('rv.urge.promised_by', r.promised_by ? date(r.promised_by) : null),
      row('rv.urge.statement', r.statement),
      row('rv.note', r.note),
      row('rv.evidence', refs(r.evidence_ids)),
    );
  },

  facilitate_settlement(r, refs) {
    return list(
      row('rv.settle.reached', yesNo(r.reached, 'rv.settle.reached_yes', 'rv.settle.reached_no')),
      row('rv.settle.terms', r.terms),
      row('rv.settle.amount', fen(r.amount_fen)),
      row('rv.settle.pay_by', r.pay_by ? date(r.pay_by) : null),
      row('rv.settle.signatures', refs(r.signature_evidence_ids)),
      row(r.reached ? 'rv.note' : 'rv.settle.why_not', r.note),
      row('rv.settle.other_evidence', refs(r.evidence_ids)),
    );
  },

  publicize_dishonesty(r, refs) {
    const postings = Array.isArray(r.postings) ? r.postings : [];
    return [
      postings.map((p, i) =>
        part(
          t('rv.posting.title', { n: i + 1 }),
          null,
          row('rv.posting.place', p.place),
          row('rv.point', point(p.point)),
          row('rv.posting.at', dateTime(p.posted_at)),
          row('rv.posting.photos', refs(p.evidence_ids)),
        ),
      ),
      list(row('rv.note', r.note)),
    ];
  },

  report_refusal(r, refs) {
    const conduct = Array.isArray(r.conduct) ? r.conduct.map((c) => label('result.conduct', c)).join('、') : null;
    const witnesses = Array.isArray(r.witnesses) && r.witnesses.length ? h('ol', {}, r.witnesses.map((w) => h('li', {}, witness(w)))) : null;
    return list(
      row('rv.report.occurred_at', dateTime(r.occurred_at)),
      row('rv.report.conduct', conduct),
      row('rv.report.description', r.description),
      row('rv.report.witnesses', witnesses),
      row('rv.evidence', refs(r.evidence_ids)),
      row('rv.note', r.note),
    );
  },

  take_down_notice(r, refs) {
    const removals = Array.isArray(r.removals) ? r.removals : [];
    return [
      removals.map((p, i) =>
        part(
          t('rv.removal.title', { n: i + 1 }),
          null,
          row('rv.removal.place', p.place),
          row('rv.point', point(p.point)),
          row('rv.removal.at', dateTime(p.removed_at)),
          row('rv.removal.photos', refs(p.evidence_ids)),
        ),
      ),
      list(row('rv.note', r.note)),
    ];
  },
};

/**
 * The result as a form. `evidenceRef(id)` returns the node naming one piece of the task's
 * evidence (a thumbnail and its label).
 */
export function resultView(result, evidenceRef) {
  const layout = result && KINDS[result.kind];
  if (!layout) return h('p', { class: 'muted' }, t('rv.unknown'));
  const refs = (ids) => (Array.isArray(ids) && ids.length ? h('span', { class: 'evidence-refs' }, ids.map(evidenceRef)) : null);
  return h('div', { class: ['result-view', `result-${result.kind}`] }, layout(result, refs));
}
