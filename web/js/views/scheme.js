// The scoring scheme in force, as the supervisor reads it: every rule in Chinese with its points,
// factors and amounts (GET /scoring/scheme), never its JSON.

import * as api from '../api.js';
import { h } from '../../shared/dom.js';
import { label, lang, t } from '../i18n.js';
import { date, money, points } from '../format.js';
import { card, page, show } from './common.js';

/** Basis points → "1.1" (a factor). */
function factor(bp) {
  return (Number(bp || 0) / 10_000).toLocaleString(lang(), { maximumFractionDigits: 4 });
}

/** Signed centi-points → "+30 分" / "−5 分". */
function signed(centi) {
  const sign = centi > 0 ? '+' : centi < 0 ? '−' : '';
  return `${sign}${t('sc.points_value', { n: points(Math.abs(centi)) })}`;
}

/** Rows of [label, value] as a two-column list. */
function rules(rows) {
  return h(
    'dl',
    { class: 'scheme-rules' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

export function schemeView() {
  return show(async () => {
    const { version, effective_from: from, note, scheme: s } = await api.get('scoring/scheme');
    const kinds = Object.entries(s.points_per_kind);
    const inc = s.incentives;
    // The scheme the server starts with (never edited): no date or note worth showing.
    const builtIn = new Date(from).getUTCFullYear() <= 1970;
    return page(
      t('sc.title'),
      h('p', { class: 'muted', id: 'scheme-version' }, builtIn ? t('sc.built_in') : t('sc.version', { v: version, date: date(from) })),
      note && !builtIn ? h('p', { class: 'muted' }, t('sc.note', { note })) : null,
      h(
        'div',
        { class: 'columns' },
        h(
          'div',
          { class: 'col' },
          card(
            t('sc.per_kind'),
            h('p', { class: 'muted' }, t('sc.per_kind_help')),
            rules(kinds.map(([kind, centi]) => [label('kind', kind), t('sc.points_value', { n: points(centi) })])),
          ),
          card(
            t('sc.quality'),
            rules(s.quality_bp_by_rating.map((bp, i) => [t('sc.stars', { n: i + 1 }), t('sc.factor', { f: factor(bp) })])),
          ),
          card(
            t('sc.timeliness'),
            rules([
              [t('sc.on_time'), t('sc.factor', { f: factor(s.timeliness.on_time_bp) })],
              [t('sc.late_decay'), t('sc.late_decay_value', { f: factor(s.timeliness.late_decay_bp_per_day) })],
              [t('sc.floor'), t('sc.factor', { f: factor(s.timeliness.floor_bp) })],
            ]),
          ),
        ),
        h(
          'div',
          { class: 'col' },
          card(
            t('sc.penalties'),
            rules([
              [t('sc.rework'), signed(s.penalties.returned_for_rework)],
              [t('sc.unanswered'), signed(s.penalties.unanswered_past_deadline)],
              [t('sc.false_check_in'), signed(s.penalties.false_check_in)],
              [t('sc.clawback'), t('sc.percent', { p: factor(s.penalties.clawback_factor_bp * 100) })],
            ]),
          ),
          card(
            t('sc.bonuses'),
            rules([
              [t('sc.assets_seized'), signed(s.bonuses.assets_seized)],
              [t('sc.recovered'), signed(s.bonuses.per_10k_yuan_recovered)],
              [t('sc.recovered_cap'), t('sc.points_value', { n: points(s.bonuses.recovered_cap) })],
              [t('sc.settlement'), signed(s.bonuses.settlement_performed)],
              [t('sc.training'), signed(s.training_credit)],
            ]),
          ),
          card(
            t('sc.ranking'),
            h('p', {}, t('sc.ranking_text', { w: s.ranking.prior_weight, m: factor(s.ranking.prior_mean_bp) })),
          ),
          card(
            t('sc.tiers'),
            rules(
              s.tiers.map((tier) => [
                t('sc.tier_row', { name: tier.name }),
                tier.min_percentile > 0 ? t('sc.tier_min', { p: tier.min_percentile }) : t('sc.tier_rest'),
              ]),
            ),
          ),
          card(
            t('sc.incentives'),
            rules([
              [t('sc.per_point'), money(inc.fen_per_point)],
              [t('sc.per_task_cap'), inc.per_task_cap_fen > 0 ? money(inc.per_task_cap_fen) : t('sc.no_task_pay')],
              [t('sc.budget'), money(inc.township_budget_fen)],
              ...s.tiers.map((tier) => [t('sc.tier_bonus', { name: tier.name }), money(inc.tier_bonus_fen[tier.name] || 0)]),
            ]),
            h('p', { class: 'muted' }, t('sc.budget_help')),
          ),
        ),
      ),
    );
  });
}
