//! Scoring arithmetic for grid workers: the versioned scheme admins edit, the points each event is
//! worth, period statistics and the township leaderboard, and the money paid from scores. Pure
//! functions only: the repository layer stores every point won or lost as a *score line* tied to
//! the event that caused it, a worker's total is the sum of their lines, and a correction is a new
//! line. This module decides what a line is worth and why; it never reads or writes the database.
//!
//! # Units
//!
//! - Points are integer **centi-points** (`i64`; one point = 100), so totals are exact sums and
//!   the same events always give the same total.
//! - Money is integer **fen** (`i64`; one yuan = 100 fen).
//! - Ratios in the scheme are **basis points** (`u32`; 10,000 = 1.0). Neither the scheme nor a
//!   line holds a float.
//! - Floats (`f64`) appear only in the ranking statistics of a [`Standing`], rounded to 6 decimals.
//!   Ordering, ties, percentiles and tiers are decided with exact integer arithmetic, so two
//!   machines always agree on who ranks where.
//!
//! # Rounding
//!
//! Where a product of basis points must become centi-points ([`approval`], [`clawback`]) it is
//! rounded **half away from zero**: 0.5 → 1, −0.5 → −1. Rounding symmetrically means a clawback of
//! a line takes back exactly what rounding gave. Two rules deliberately truncate instead, and say so
//! where they are defined: the pro-rata recovery bonus (whole bonus steps only) and the conversion
//! of points to fen (a fraction of a fen is never paid or deducted).
//!
//! # Lines
//!
//! Each line function returns a [`Line`]: a [`LineCode`], the centi-points, and a `detail` JSON
//! object saying how the number was made (the typed shapes are [`ApprovalDetail`],
//! [`SchemeValueDetail`], [`ClawbackDetail`], [`AssetsSeizedDetail`], [`RecoveredDetail`] and
//! [`AppealCorrectionDetail`]).
//!
//! - **Approval** ([`approval`]): `points = base × quality_bp × timeliness_bp / 10⁸`, rounded, where
//!   `base = points_per_kind[kind]`, `quality_bp = quality_bp_by_rating[rating − 1]` for the
//!   officer's rating 1–5, and `timeliness_bp = on_time_bp` when `submitted_at ≤ due_at`, otherwise
//!   `max(floor_bp, on_time_bp − late_decay_bp_per_day × days_late)` with `days_late` the late
//!   duration in days rounded **up** (one second late is one day late: a deadline is a day's work).
//! - **Penalties** ([`rework_penalty`], [`unanswered_penalty`], [`false_check_in_penalty`]): the
//!   scheme's fixed (non-positive) amount.
//! - **Clawback** ([`clawback`]): when an approved result is later found false,
//!   `−(original × clawback_factor_bp / 10⁴)`, rounded. The original line stays; the clawback is a
//!   new line, so the history shows both.
//! - **Outcome bonuses** ([`outcome_bonus`]): only where the outcome is the direct product of the
//!   task's kind — assets seized after `locate_assets`, money recovered after `urge_performance`
//!   (`min(recovered_cap, per_10k_yuan_recovered × amount_recovered_fen / 1,000,000)`, truncated,
//!   so pro rata per 10,000 yuan), a settlement performed after `facilitate_settlement`. Other kinds
//!   earn nothing from outcome facts: serving documents, finding a person, publicising dishonesty or
//!   reporting refusal may precede a recovery, but the recovery is then the court's enforcement
//!   work (a freeze, a transfer order, a detention), not the worker's; paying for it would reward
//!   luck and count the same money twice when several tasks touched one case. Bonus lines worth 0
//!   points are not returned.
//! - **Training** ([`training`]): the scheme's fixed credit.
//! - **Appeal correction** ([`appeal_correction`]): the difference between the corrected and the
//!   original value of a line, so that the sum of lines equals the corrected total.
//! - **Conflict-of-interest declines are neutral**: declining a task because the worker is related
//!   to a party is what the rules require, so it neither wins nor loses points and there is no
//!   function for it (the assignment rule records the recusal instead).
//!
//! # Ranking
//!
//! Points reward volume; the leaderboard ranks *quality*, so a worker with many tasks is not
//! ranked above a careful one merely for being busy, and a worker with two lucky tasks is not
//! ranked above a proven one. Each approved task contributes `quality_bp × timeliness_bp / 10⁴`
//! ([`WorkerPeriod::quality_sum_bp`]); the **ranking value** is the Bayesian average
//!
//! ```text
//! ranking_value = (prior_mean_bp × prior_weight + Σ quality) / (prior_weight + approved) / 10⁴
//! ```
//!
//! i.e. every worker starts with `prior_weight` imaginary tasks of quality `prior_mean_bp`, and
//! their own record pulls the value away from the prior only as it grows. With the default scheme
//! (prior 0.8 × 10) two perfect tasks (1.1 each) give (8 + 2.2) / 12 = 0.85, while 80 good ones
//! (1.0 each) give (8 + 80) / 90 ≈ 0.978. Returned-for-rework tasks add no quality; their cost is the rework
//! penalty in points and a lower approval rate.
//!
//! [`leaderboard`] ranks one township's workers by ranking value (descending), then total points
//! (descending), then worker id (ascending, only to make the order deterministic). Ranks are
//! competition ranks ("1224"): workers equal in ranking value *and* total share a rank and the next
//! rank skips. The **percentile** of a worker is the share of the *other* workers with a strictly
//! lower ranking value, × 100 (so the top is 100, the bottom 0, equal values get equal
//! percentiles, and a lone worker gets 0 — there is nobody to be better than). The **tier** is the
//! first tier in the scheme whose `min_percentile` ≤ the percentile.
//!
//! # Incentives
//!
//! [`payouts`] pays one township for one period:
//!
//! 1. **Task reward.** Every positive `approval`, `outcome_*` or `appeal_correction` line is
//!    converted at `points × fen_per_point / 100` (truncated) and capped at `per_task_cap_fen`
//!    (each capped line is counted). Every negative line (penalties, clawbacks, downward
//!    corrections) is deducted, summed in points first and converted the same way. The result never
//!    goes below 0: a bad period earns nothing but does not create a debt. Training credits and
//!    other positive lines count for ranking and training decisions, not for money.
//! 2. **Tier bonus** from `tier_bonus_fen[tier]` of the worker's [`Standing`] (0 if the tier has
//!    none or the worker has no standing).
//! 3. **Budget.** If the township's requested total exceeds `township_budget_fen`, every amount is
//!    scaled by `budget / requested`. Each worker's task reward and tier bonus is floored, and the
//!    few fen left over (fewer than the number of amounts) go one each to the amounts with the
//!    largest remainders, ties to the lower worker id and then to the task reward — the
//!    largest-remainder method. So `paid_fen == budget_fen` exactly, nobody is paid more than they
//!    requested, and the result does not depend on input order. `scale_bp` is
//!    `floor(budget × 10⁴ / requested)`, reported for people; the split uses the exact fraction.
//!
//! [`payouts_csv`] renders the result for Excel: UTF-8 with a BOM, CRLF line ends, RFC 4180
//! quoting, amounts in yuan with two decimals.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::TaskKind;

/// Centi-points in one point.
pub const CENTI_PER_POINT: i64 = 100;
/// Basis points in 1.0.
pub const BP_ONE: u32 = 10_000;
/// Fen in 10,000 yuan, the unit of the recovery bonus.
pub const FEN_PER_10K_YUAN: i64 = 1_000_000;

/// Largest centi-points a single scheme amount may have (1,000 points). Bounds keep every product
/// far from overflow and catch typos such as an extra zero.
const MAX_SCHEME_POINTS: i64 = 100_000;
/// Largest factor in basis points (2.0).
const MAX_FACTOR_BP: u32 = 20_000;
/// Largest pseudo-task weight of the ranking prior.
const MAX_PRIOR_WEIGHT: u32 = 10_000;
/// Largest money amount in the scheme: 1 billion yuan.
const MAX_FEN: i64 = 100_000_000_000;
/// Longest tier name, in characters.
const MAX_TIER_NAME_CHARS: usize = 32;
const SECS_PER_DAY: u64 = 86_400;

// ---------------------------------------------------------------------------------------------
// The scheme
// ---------------------------------------------------------------------------------------------

/// A scoring scheme: every number the rules use. Admins edit it as JSON; each saved version is
/// kept so that any past score can be recomputed with the scheme it was made under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Centi-points for an approved task of each kind, reflecting its difficulty. Every kind must be
    /// present; each 0–100,000.
    pub points_per_kind: BTreeMap<TaskKind, i64>,
    /// Quality factor in basis points for the officer's rating 1–5 (index 0 = rating 1); each
    /// 0–20,000 and non-decreasing, so a better rating never earns less.
    pub quality_bp_by_rating: [u32; 5],
    /// How lateness reduces an approval.
    pub timeliness: Timeliness,
    /// Fixed penalties.
    pub penalties: Penalties,
    /// Bonuses for outcomes the worker brought about.
    pub bonuses: Bonuses,
    /// Centi-points for completing a training course; 0–100,000.
    pub training_credit: i64,
    /// The prior of the Bayesian ranking average.
    pub ranking: Ranking,
    /// Tiers from best to worst, e.g. A ≥ 80th percentile, B ≥ 50, C ≥ 20, D ≥ 0.
    pub tiers: Vec<Tier>,
    /// How points become money.
    pub incentives: Incentives,
}

/// Timeliness factors, in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Timeliness {
    /// Factor for a result submitted by its due time; 0–20,000 (usually 10,000).
    pub on_time_bp: u32,
    /// Subtracted per started day late; 0–20,000.
    pub late_decay_bp_per_day: u32,
    /// The lowest factor however late; at most `on_time_bp`.
    pub floor_bp: u32,
}

/// Fixed penalties in centi-points; each −100,000–0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Penalties {
    /// A submitted result the officer returned for rework.
    pub returned_for_rework: i64,
    /// A task neither accepted nor declined by its response deadline.
    pub unanswered_past_deadline: i64,
    /// A check-in found false (wrong place, borrowed phone, staged photo).
    pub false_check_in: i64,
    /// Share of an approval or outcome line taken back when its result is later found false;
    /// 0–10,000 (10,000 = all of it).
    pub clawback_factor_bp: u32,
}

/// Outcome bonuses in centi-points; each 0–100,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bonuses {
    /// Flat bonus when a `locate_assets` task leads to assets being seized.
    pub assets_seized: i64,
    /// Centi-points per 10,000 yuan recovered after an `urge_performance` task, pro rata.
    pub per_10k_yuan_recovered: i64,
    /// The most one recovery may earn.
    pub recovered_cap: i64,
    /// Flat bonus when a settlement reached by a `facilitate_settlement` task is performed.
    pub settlement_performed: i64,
}

/// The prior of the Bayesian ranking average (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ranking {
    /// The quality assumed before any evidence, in basis points; 0–20,000.
    pub prior_mean_bp: u32,
    /// How many imaginary tasks the prior is worth; 1–10,000. Larger = more tasks needed before a
    /// worker's own record dominates.
    pub prior_weight: u32,
}

/// One tier of the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Unique, 1–32 characters, no surrounding spaces.
    pub name: String,
    /// Lowest percentile in the tier, 0–100. Strictly decreasing down the list; the last is 0, so
    /// every worker has a tier.
    pub min_percentile: u32,
}

/// Money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Incentives {
    /// Fen per whole point (100 centi-points); 0–100,000,000,000.
    pub fen_per_point: i64,
    /// The most one line may earn, in fen; 0 pays nothing for task lines.
    pub per_task_cap_fen: i64,
    /// What one township may pay in one period, in fen.
    pub township_budget_fen: i64,
    /// Bonus per tier name, in fen. Keys must be tier names; tiers not listed get 0.
    pub tier_bonus_fen: BTreeMap<String, i64>,
}

/// Why a scheme was refused: the JSON path of the offending field (e.g.
/// `points_per_kind.locate_assets`, `tiers[3].min_percentile`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchemeError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for SchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SchemeError {}

/// Collects validation problems in field order.
#[derive(Default)]
struct Problems(Vec<SchemeError>);

impl Problems {
    fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(SchemeError {
            field: field.into(),
            message: message.into(),
        });
    }

    fn range_i64(&mut self, field: impl Into<String>, value: i64, min: i64, max: i64) {
        if !(min..=max).contains(&value) {
            self.push(field, format!("must be between {min} and {max}, got {value}"));
        }
    }

    fn max_u32(&mut self, field: impl Into<String>, value: u32, max: u32) {
        if value > max {
            self.push(field, format!("must be between 0 and {max}, got {value}"));
        }
    }
}

impl Scheme {
    /// The first problem of [`Scheme::problems`], if any.
    pub fn validate(&self) -> Result<(), SchemeError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem with the scheme, in field order, so an admin can fix them all at once.
    /// (Unknown fields and unknown task kinds are refused earlier, by deserialization.)
    pub fn problems(&self) -> Vec<SchemeError> {
        let mut p = Problems::default();

        for kind in TaskKind::ALL {
            let field = format!("points_per_kind.{kind}");
            match self.points_per_kind.get(&kind) {
                Some(&points) => p.range_i64(field, points, 0, MAX_SCHEME_POINTS),
                None => p.push(field, "missing: every task kind needs a value"),
            }
        }

        for (i, &bp) in self.quality_bp_by_rating.iter().enumerate() {
            p.max_u32(format!("quality_bp_by_rating[{i}]"), bp, MAX_FACTOR_BP);
        }
        for (i, pair) in self.quality_bp_by_rating.windows(2).enumerate() {
            if pair[1] < pair[0] {
                // A better rating must never earn less than a worse one.
                p.push(
                    format!("quality_bp_by_rating[{}]", i + 1),
                    format!(
                        "must not be less than the factor for rating {} ({}), got {}",
                        i + 1,
                        pair[0],
                        pair[1]
                    ),
                );
            }
        }

        let t = &self.timeliness;
        p.max_u32("timeliness.on_time_bp", t.on_time_bp, MAX_FACTOR_BP);
        p.max_u32(
            "timeliness.late_decay_bp_per_day",
            t.late_decay_bp_per_day,
            MAX_FACTOR_BP,
        );
        if t.floor_bp > t.on_time_bp {
            // Otherwise being late could pay better than being on time.
            p.push(
                "timeliness.floor_bp",
                format!(
                    "must not exceed on_time_bp ({}), got {}",
                    t.on_time_bp, t.floor_bp
                ),
            );
        }

        let pen = &self.penalties;
        for (name, value) in [
            ("returned_for_rework", pen.returned_for_rework),
            ("unanswered_past_deadline", pen.unanswered_past_deadline),
            ("false_check_in", pen.false_check_in),
        ] {
            let field = format!("penalties.{name}");
            if value > 0 {
                p.push(field, format!("a penalty must be 0 or negative, got {value}"));
            } else {
                p.range_i64(field, value, -MAX_SCHEME_POINTS, 0);
            }
        }
        p.max_u32("penalties.clawback_factor_bp", pen.clawback_factor_bp, BP_ONE);

        let b = &self.bonuses;
        for (name, value) in [
            ("assets_seized", b.assets_seized),
            ("per_10k_yuan_recovered", b.per_10k_yuan_recovered),
            ("recovered_cap", b.recovered_cap),
            ("settlement_performed", b.settlement_performed),
        ] {
            p.range_i64(format!("bonuses.{name}"), value, 0, MAX_SCHEME_POINTS);
        }

        p.range_i64("training_credit", self.training_credit, 0, MAX_SCHEME_POINTS);

        p.max_u32("ranking.prior_mean_bp", self.ranking.prior_mean_bp, MAX_FACTOR_BP);
        if !(1..=MAX_PRIOR_WEIGHT).contains(&self.ranking.prior_weight) {
            // Weight 0 would let a single lucky task top the leaderboard.
            p.push(
                "ranking.prior_weight",
                format!(
                    "must be between 1 and {MAX_PRIOR_WEIGHT}, got {}",
                    self.ranking.prior_weight
                ),
            );
        }

        self.tier_problems(&mut p);

        let inc = &self.incentives;
        p.range_i64("incentives.fen_per_point", inc.fen_per_point, 0, MAX_FEN);
        p.range_i64("incentives.per_task_cap_fen", inc.per_task_cap_fen, 0, MAX_FEN);
        p.range_i64(
            "incentives.township_budget_fen",
            inc.township_budget_fen,
            0,
            MAX_FEN,
        );
        let tier_names: BTreeSet<&str> = self.tiers.iter().map(|t| t.name.as_str()).collect();
        for (name, &fen) in &inc.tier_bonus_fen {
            let field = format!("incentives.tier_bonus_fen.{name}");
            if tier_names.contains(name.as_str()) {
                p.range_i64(field, fen, 0, MAX_FEN);
            } else {
                p.push(field, format!("no tier is named {name:?}"));
            }
        }

        p.0
    }

    fn tier_problems(&self, p: &mut Problems) {
        let Some(last) = self.tiers.last() else {
            p.push("tiers", "must list at least one tier");
            return;
        };
        let mut seen = BTreeSet::new();
        for (i, tier) in self.tiers.iter().enumerate() {
            let name = tier.name.as_str();
            if name.trim().is_empty() {
                p.push(format!("tiers[{i}].name"), "must not be empty");
            } else if name.trim() != name {
                p.push(format!("tiers[{i}].name"), "must not start or end with spaces");
            } else if name.chars().count() > MAX_TIER_NAME_CHARS {
                p.push(
                    format!("tiers[{i}].name"),
                    format!("must be at most {MAX_TIER_NAME_CHARS} characters"),
                );
            } else if !seen.insert(name) {
                p.push(
                    format!("tiers[{i}].name"),
                    format!("duplicate tier name {name:?}"),
                );
            }
            let field = format!("tiers[{i}].min_percentile");
            if tier.min_percentile > 100 {
                p.push(
                    field,
                    format!("must be between 0 and 100, got {}", tier.min_percentile),
                );
            } else if i > 0 && tier.min_percentile >= self.tiers[i - 1].min_percentile {
                p.push(
                    field,
                    format!(
                        "must be less than the previous tier's ({}), got {}",
                        self.tiers[i - 1].min_percentile,
                        tier.min_percentile
                    ),
                );
            }
        }
        if last.min_percentile != 0 {
            // Otherwise the bottom workers would have no tier.
            p.push(
                format!("tiers[{}].min_percentile", self.tiers.len() - 1),
                format!("the last tier must start at 0, got {}", last.min_percentile),
            );
        }
    }

    /// A sensible starting scheme. Points reflect effort and difficulty: taking a notice down again
    /// is the lightest (5 points), serving documents and publicising dishonesty are routine (10),
    /// finding a person or urging performance takes more (20), finding assets or reporting refusal
    /// needs investigation (30), and brokering a settlement the most (40). One point pays one
    /// yuan, capped at 100 yuan a line.
    pub fn default_scheme() -> Scheme {
        let points_per_kind = TaskKind::ALL
            .into_iter()
            .map(|kind| {
                let points = match kind {
                    TaskKind::ServeDocuments => 1_000,
                    TaskKind::LocatePerson => 2_000,
                    TaskKind::LocateAssets => 3_000,
                    TaskKind::UrgePerformance => 2_000,
                    TaskKind::FacilitateSettlement => 4_000,
                    TaskKind::PublicizeDishonesty => 1_000,
                    TaskKind::ReportRefusal => 3_000,
                    TaskKind::TakeDownNotice => 500,
                };
                (kind, points)
            })
            .collect();
        let tiers = [("A", 80), ("B", 50), ("C", 20), ("D", 0)]
            .into_iter()
            .map(|(name, min_percentile)| Tier {
                name: name.to_owned(),
                min_percentile,
            })
            .collect();
        let tier_bonus_fen = [("A", 30_000), ("B", 15_000), ("C", 5_000)]
            .into_iter()
            .map(|(name, fen)| (name.to_owned(), fen))
            .collect();
        Scheme {
            points_per_kind,
            quality_bp_by_rating: [5_000, 7_000, 8_500, 10_000, 11_000],
            timeliness: Timeliness {
                on_time_bp: 10_000,
                late_decay_bp_per_day: 1_000,
                floor_bp: 5_000,
            },
            penalties: Penalties {
                returned_for_rework: -200,
                unanswered_past_deadline: -500,
                false_check_in: -2_000,
                clawback_factor_bp: 10_000,
            },
            bonuses: Bonuses {
                assets_seized: 2_000,
                per_10k_yuan_recovered: 500,
                recovered_cap: 5_000,
                settlement_performed: 2_000,
            },
            training_credit: 500,
            ranking: Ranking {
                prior_mean_bp: 8_000,
                prior_weight: 10,
            },
            tiers,
            incentives: Incentives {
                fen_per_point: 100,
                per_task_cap_fen: 10_000,
                township_budget_fen: 3_000_000,
                tier_bonus_fen,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------------

/// What a score line is for. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineCode {
    Approval,
    ReworkPenalty,
    UnansweredPenalty,
    FalseCheckIn,
    Clawback,
    OutcomeAssetsSeized,
    OutcomeRecovered,
    OutcomeSettlement,
    Training,
    AppealCorrection,
}

impl LineCode {
    pub const ALL: [LineCode; 10] = [
        LineCode::Approval,
        LineCode::ReworkPenalty,
        LineCode::UnansweredPenalty,
        LineCode::FalseCheckIn,
        LineCode::Clawback,
        LineCode::OutcomeAssetsSeized,
        LineCode::OutcomeRecovered,
        LineCode::OutcomeSettlement,
        LineCode::Training,
        LineCode::AppealCorrection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LineCode::Approval => "approval",
            LineCode::ReworkPenalty => "rework_penalty",
            LineCode::UnansweredPenalty => "unanswered_penalty",
            LineCode::FalseCheckIn => "false_check_in",
            LineCode::Clawback => "clawback",
            LineCode::OutcomeAssetsSeized => "outcome_assets_seized",
            LineCode::OutcomeRecovered => "outcome_recovered",
            LineCode::OutcomeSettlement => "outcome_settlement",
            LineCode::Training => "training",
            LineCode::AppealCorrection => "appeal_correction",
        }
    }

    pub fn parse(s: &str) -> Option<LineCode> {
        LineCode::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether a positive line of this code earns money (see [`payouts`]). Appeal corrections do
    /// because an upward correction restores what an approval or outcome should have earned, or
    /// refunds a penalty that was deducted.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            LineCode::Approval
                | LineCode::OutcomeAssetsSeized
                | LineCode::OutcomeRecovered
                | LineCode::OutcomeSettlement
                | LineCode::AppealCorrection
        )
    }
}

impl fmt::Display for LineCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One score line: its code, its centi-points and how they were made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Line {
    pub code: LineCode,
    /// Centi-points; negative for penalties and clawbacks.
    pub points: i64,
    /// How `points` was made: one of the `*Detail` shapes of this module, as a JSON object.
    pub detail: Value,
}

/// How an approval line was made: `base × quality_bp × timeliness_bp / 10⁸`, rounded half away from
/// zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalDetail {
    pub kind: TaskKind,
    /// The officer's rating, 1–5.
    pub rating: u8,
    /// `points_per_kind[kind]`.
    pub base: i64,
    /// `quality_bp_by_rating[rating − 1]`.
    pub quality_bp: u32,
    pub timeliness_bp: u32,
    /// Started days late; 0 when on time.
    pub days_late: u64,
    /// Whether the timeliness floor applied.
    pub floor_applied: bool,
}

impl ApprovalDetail {
    /// What this approval adds to [`WorkerPeriod::quality_sum_bp`]: `quality_bp × timeliness_bp /
    /// 10⁴`, truncated (at most 40,000).
    pub fn quality_contribution_bp(&self) -> u64 {
        u64::from(self.quality_bp) * u64::from(self.timeliness_bp) / u64::from(BP_ONE)
    }
}

/// A line worth a fixed scheme amount: `source` is the JSON path of that amount, e.g.
/// `penalties.returned_for_rework`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchemeValueDetail {
    pub source: String,
}

/// How a clawback was made: `−(original_points × clawback_factor_bp / 10⁴)`, rounded half away from
/// zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClawbackDetail {
    pub original_points: i64,
    pub clawback_factor_bp: u32,
}

/// The flat assets-seized bonus (`bonuses.assets_seized`), with the value seized for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssetsSeizedDetail {
    pub source: String,
    pub assets_seized_fen: i64,
}

/// How a recovery bonus was made: `min(recovered_cap, uncapped)` with
/// `uncapped = per_10k_yuan_recovered × amount_recovered_fen / 1,000,000`, truncated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveredDetail {
    pub amount_recovered_fen: i64,
    pub per_10k_yuan_recovered: i64,
    pub uncapped: i64,
    pub recovered_cap: i64,
    pub capped: bool,
}

/// An appeal correction: `corrected_points − original_points`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppealCorrectionDetail {
    pub original_points: i64,
    pub corrected_points: i64,
}

/// Why a line could not be computed. Both mean the caller passed something validation should have
/// stopped; refusing is fairer than guessing a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoringError {
    /// Ratings are 1–5.
    RatingOutOfRange { rating: u8 },
    /// The scheme has no points for the kind (it did not pass [`Scheme::validate`]).
    KindNotInScheme { kind: TaskKind },
}

impl fmt::Display for ScoringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoringError::RatingOutOfRange { rating } => {
                write!(f, "rating must be between 1 and 5, got {rating}")
            }
            ScoringError::KindNotInScheme { kind } => write!(f, "the scheme has no points for {kind}"),
        }
    }
}

impl std::error::Error for ScoringError {}

/// A line with its detail serialized. The detail shapes are plain structs of numbers and strings,
/// which always serialize; `Null` is only a type-level fallback.
fn line<D: Serialize>(code: LineCode, points: i64, detail: &D) -> Line {
    Line {
        code,
        points,
        detail: serde_json::to_value(detail).unwrap_or(Value::Null),
    }
}

fn scheme_value_line(code: LineCode, points: i64, source: &str) -> Line {
    line(
        code,
        points,
        &SchemeValueDetail {
            source: source.to_owned(),
        },
    )
}

/// `numerator / denominator` rounded half away from zero; `denominator` must be positive.
fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    let half = denominator / 2;
    if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        -((-numerator + half) / denominator)
    }
}

/// Narrow to `i64`, saturating; only reachable with amounts far outside a valid scheme.
fn saturate_i64(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// The timeliness factor, the started days late, and whether the floor applied.
fn timeliness_bp(t: &Timeliness, due_at: NaiveDateTime, submitted_at: NaiveDateTime) -> (u32, u64, bool) {
    let late = submitted_at.signed_duration_since(due_at);
    let secs = late.num_seconds();
    let partial_second = late.subsec_nanos() > 0;
    if secs < 0 || (secs == 0 && !partial_second) {
        return (t.on_time_bp, 0, false);
    }
    // Round up to whole days: any part of a day late counts as a day.
    let secs = u64::try_from(secs).unwrap_or(0) + u64::from(partial_second);
    let days_late = secs.div_ceil(SECS_PER_DAY);
    let decayed = i128::from(t.on_time_bp) - i128::from(t.late_decay_bp_per_day) * i128::from(days_late);
    let floor = i128::from(t.floor_bp);
    let floor_applied = decayed < floor;
    let bp = decayed.max(floor);
    (u32::try_from(bp).unwrap_or(u32::MAX), days_late, floor_applied)
}

/// The line for an approved task (see the module docs for the formula).
pub fn approval(
    scheme: &Scheme,
    kind: TaskKind,
    rating: u8,
    due_at: NaiveDateTime,
    submitted_at: NaiveDateTime,
) -> Result<Line, ScoringError> {
    let quality_bp = usize::from(rating)
        .checked_sub(1)
        .and_then(|i| scheme.quality_bp_by_rating.get(i))
        .copied()
        .ok_or(ScoringError::RatingOutOfRange { rating })?;
    let base = scheme
        .points_per_kind
        .get(&kind)
        .copied()
        .ok_or(ScoringError::KindNotInScheme { kind })?;
    let (timeliness_bp, days_late, floor_applied) = timeliness_bp(&scheme.timeliness, due_at, submitted_at);
    let product = i128::from(base) * i128::from(quality_bp) * i128::from(timeliness_bp);
    let points = saturate_i64(div_round_half_away(
        product,
        i128::from(BP_ONE) * i128::from(BP_ONE),
    ));
    let detail = ApprovalDetail {
        kind,
        rating,
        base,
        quality_bp,
        timeliness_bp,
        days_late,
        floor_applied,
    };
    Ok(line(LineCode::Approval, points, &detail))
}

/// The penalty for a result returned for rework.
pub fn rework_penalty(scheme: &Scheme) -> Line {
    scheme_value_line(
        LineCode::ReworkPenalty,
        scheme.penalties.returned_for_rework,
        "penalties.returned_for_rework",
    )
}

/// The penalty for a task not answered by its response deadline.
pub fn unanswered_penalty(scheme: &Scheme) -> Line {
    scheme_value_line(
        LineCode::UnansweredPenalty,
        scheme.penalties.unanswered_past_deadline,
        "penalties.unanswered_past_deadline",
    )
}

/// The penalty for a false check-in.
pub fn false_check_in_penalty(scheme: &Scheme) -> Line {
    scheme_value_line(
        LineCode::FalseCheckIn,
        scheme.penalties.false_check_in,
        "penalties.false_check_in",
    )
}

/// Take back a share of a line whose result was later found false:
/// `−(original_points × clawback_factor_bp / 10⁴)`, rounded half away from zero.
pub fn clawback(scheme: &Scheme, original_points: i64) -> Line {
    let factor = scheme.penalties.clawback_factor_bp;
    let taken = div_round_half_away(
        i128::from(original_points) * i128::from(factor),
        i128::from(BP_ONE),
    );
    let detail = ClawbackDetail {
        original_points,
        clawback_factor_bp: factor,
    };
    line(LineCode::Clawback, saturate_i64(-taken), &detail)
}

/// What happened after a task, as the court recorded it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeFacts {
    /// Value of assets seized thanks to the task, in fen.
    pub assets_seized_fen: i64,
    /// Money the debtor paid after the task, in fen.
    pub amount_recovered_fen: i64,
    /// Whether the settlement the task brokered was performed.
    pub settlement_performed: bool,
}

/// Outcome bonus lines for a task of `kind`; only the fact matching the kind counts (see the
/// module docs for why). Lines worth 0 points are left out.
pub fn outcome_bonus(scheme: &Scheme, kind: TaskKind, facts: OutcomeFacts) -> Vec<Line> {
    let b = &scheme.bonuses;
    let candidate = match kind {
        TaskKind::LocateAssets if facts.assets_seized_fen > 0 => {
            let detail = AssetsSeizedDetail {
                source: "bonuses.assets_seized".to_owned(),
                assets_seized_fen: facts.assets_seized_fen,
            };
            Some(line(LineCode::OutcomeAssetsSeized, b.assets_seized, &detail))
        }
        TaskKind::UrgePerformance if facts.amount_recovered_fen > 0 => {
            // Truncated: only whole bonus steps are earned, so splitting a recovery never pays more.
            let uncapped = saturate_i64(
                i128::from(b.per_10k_yuan_recovered) * i128::from(facts.amount_recovered_fen)
                    / i128::from(FEN_PER_10K_YUAN),
            );
            let points = uncapped.min(b.recovered_cap);
            let detail = RecoveredDetail {
                amount_recovered_fen: facts.amount_recovered_fen,
                per_10k_yuan_recovered: b.per_10k_yuan_recovered,
                uncapped,
                recovered_cap: b.recovered_cap,
                capped: uncapped > b.recovered_cap,
            };
            Some(line(LineCode::OutcomeRecovered, points, &detail))
        }
        TaskKind::FacilitateSettlement if facts.settlement_performed => Some(scheme_value_line(
            LineCode::OutcomeSettlement,
            b.settlement_performed,
            "bonuses.settlement_performed",
        )),
        _ => None,
    };
    candidate.into_iter().filter(|l| l.points != 0).collect()
}

/// The credit for completing a training course.
pub fn training(scheme: &Scheme) -> Line {
    scheme_value_line(LineCode::Training, scheme.training_credit, "training_credit")
}

/// The correction after an appeal changes what a line should have been worth: the difference, so
/// that the original line plus the correction sum to the corrected value.
pub fn appeal_correction(original_points: i64, corrected_points: i64) -> Line {
    let delta = saturate_i64(i128::from(corrected_points) - i128::from(original_points));
    let detail = AppealCorrectionDetail {
        original_points,
        corrected_points,
    };
    line(LineCode::AppealCorrection, delta, &detail)
}

// ---------------------------------------------------------------------------------------------
// Period statistics and the leaderboard
// ---------------------------------------------------------------------------------------------

/// One worker's record in one township for one period, as the repository aggregates it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkerPeriod {
    pub worker_id: i64,
    pub township_id: i64,
    /// Sum of the worker's lines in the period, in centi-points.
    pub total_points: i64,
    /// Reviews: approvals plus returns for rework.
    pub tasks_reviewed: u32,
    pub approved: u32,
    /// Approved without ever being returned.
    pub approved_first_time: u32,
    /// Approved and submitted by the due time.
    pub on_time: u32,
    pub assigned: u32,
    pub accepted: u32,
    /// Sum over approved tasks of `quality_bp × timeliness_bp / 10⁴`
    /// ([`ApprovalDetail::quality_contribution_bp`]).
    pub quality_sum_bp: u64,
    /// Seconds from assignment to acceptance, one per accepted task.
    pub response_secs: Vec<i64>,
}

/// A worker's place on the township leaderboard. Rates are 0 when there is nothing to measure
/// (e.g. nothing assigned); all floats are rounded to 6 decimals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Standing {
    pub worker_id: i64,
    pub total_points: i64,
    /// Approved tasks: the sample size behind `ranking_value`.
    pub approved: u32,
    /// `on_time / approved`.
    pub on_time_rate: f64,
    /// `approved / tasks_reviewed`.
    pub approval_rate: f64,
    /// `approved_first_time / approved`.
    pub first_time_rate: f64,
    /// `accepted / assigned`.
    pub acceptance_rate: f64,
    /// Lower median of the response delays, in seconds.
    pub median_response_secs: Option<i64>,
    /// The Bayesian average of quality, as a fraction of 1.0.
    pub ranking_value: f64,
    /// Competition rank, 1-based.
    pub rank: u32,
    /// Share of the other workers with a strictly lower ranking value, × 100.
    pub percentile: f64,
    pub tier: String,
}

/// The exact ranking value `numerator / denominator` in basis points; compared by
/// cross-multiplication so ties and order never depend on float rounding.
#[derive(Debug, Clone, Copy)]
struct RankKey {
    numerator: u128,
    denominator: u128,
}

impl RankKey {
    fn new(ranking: &Ranking, approved: u32, quality_sum_bp: u64) -> RankKey {
        let numerator =
            u128::from(ranking.prior_mean_bp) * u128::from(ranking.prior_weight) + u128::from(quality_sum_bp);
        let denominator = u128::from(ranking.prior_weight) + u128::from(approved);
        if denominator == 0 {
            // Only with an invalid prior weight of 0 and no tasks: fall back to the prior mean.
            RankKey {
                numerator: u128::from(ranking.prior_mean_bp),
                denominator: 1,
            }
        } else {
            RankKey {
                numerator,
                denominator,
            }
        }
    }

    fn as_fraction(self) -> f64 {
        round6(self.numerator as f64 / self.denominator as f64 / f64::from(BP_ONE))
    }
}

impl Ord for RankKey {
    fn cmp(&self, other: &Self) -> Ordering {
        // Fits: numerators are below 2^65 and denominators below 2^33.
        (self.numerator * other.denominator).cmp(&(other.numerator * self.denominator))
    }
}

impl PartialOrd for RankKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RankKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RankKey {}

fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

fn rate(numerator: u32, denominator: u32) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        round6(f64::from(numerator) / f64::from(denominator))
    }
}

/// The Bayesian average `(prior_mean_bp × prior_weight + quality_sum_bp) / (prior_weight +
/// approved)`, as a fraction of 1.0 rounded to 6 decimals. With no tasks it is the prior mean.
pub fn ranking_value(scheme: &Scheme, approved: u32, quality_sum_bp: u64) -> f64 {
    RankKey::new(&scheme.ranking, approved, quality_sum_bp).as_fraction()
}

/// The lower median (for an even count, the smaller of the two middle values, so the result is
/// always an observed value and stays an integer); `None` when empty. Sorts `values`.
pub fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    let middle = values.len().checked_sub(1)? / 2;
    values.get(middle).copied()
}

/// The leaderboard of one township (see the module docs for the order, ranks, percentiles and
/// tiers). The caller passes one township's workers — those active in the period — with unique
/// worker ids; `township_id` is not checked. Returned in rank order.
pub fn leaderboard(scheme: &Scheme, workers: &[WorkerPeriod]) -> Vec<Standing> {
    let keys: Vec<RankKey> = workers
        .iter()
        .map(|w| RankKey::new(&scheme.ranking, w.approved, w.quality_sum_bp))
        .collect();
    let mut order: Vec<usize> = (0..workers.len()).collect();
    order.sort_by(|&a, &b| {
        keys[b]
            .cmp(&keys[a])
            .then(workers[b].total_points.cmp(&workers[a].total_points))
            .then(workers[a].worker_id.cmp(&workers[b].worker_id))
    });
    let mut ascending = keys.clone();
    ascending.sort();
    let others = u64::try_from(workers.len().saturating_sub(1)).unwrap_or(u64::MAX);

    let mut standings: Vec<Standing> = Vec::with_capacity(workers.len());
    let mut rank = 1u32;
    for (position, &i) in order.iter().enumerate() {
        let w = &workers[i];
        if let Some(&previous) = position.checked_sub(1).and_then(|p| order.get(p)) {
            let tied = keys[previous] == keys[i] && workers[previous].total_points == w.total_points;
            if !tied {
                // Competition ranking: the rank after a tie skips the places the tie took.
                rank = u32::try_from(position + 1).unwrap_or(u32::MAX);
            }
        }
        let lower = u64::try_from(ascending.partition_point(|k| *k < keys[i])).unwrap_or(u64::MAX);
        // The percentile as the exact fraction lower × 100 / others; a lone worker has 0.
        let (pct_num, pct_den) = if others == 0 {
            (0, 1)
        } else {
            (lower * 100, others)
        };
        let tier = scheme
            .tiers
            .iter()
            .find(|t| u64::from(t.min_percentile) * pct_den <= pct_num)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let mut response = w.response_secs.clone();
        standings.push(Standing {
            worker_id: w.worker_id,
            total_points: w.total_points,
            approved: w.approved,
            on_time_rate: rate(w.on_time, w.approved),
            approval_rate: rate(w.approved, w.tasks_reviewed),
            first_time_rate: rate(w.approved_first_time, w.approved),
            acceptance_rate: rate(w.accepted, w.assigned),
            median_response_secs: median(&mut response),
            ranking_value: keys[i].as_fraction(),
            rank,
            percentile: round6(pct_num as f64 / pct_den as f64),
            tier,
        });
    }
    standings
}

// ---------------------------------------------------------------------------------------------
// Incentives
// ---------------------------------------------------------------------------------------------

/// What one worker is paid for the period. `task_reward_fen`, `tier_bonus_fen` and `total_fen` are
/// the amounts paid, after any budget scaling; they always add up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payout {
    pub worker_id: i64,
    /// Paid lines converted to fen, each capped, before deductions.
    pub gross_reward_fen: i64,
    /// Negative lines converted to fen (as a positive amount).
    pub deducted_fen: i64,
    /// `max(0, gross − deducted)` plus the tier bonus: what the worker would get without a budget.
    pub requested_fen: i64,
    pub task_reward_fen: i64,
    pub tier_bonus_fen: i64,
    pub total_fen: i64,
    /// Lines that hit `per_task_cap_fen`.
    pub capped_lines: u32,
}

/// One township's payouts for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payouts {
    /// By worker id.
    pub per_worker: Vec<Payout>,
    pub budget_fen: i64,
    /// Sum of `requested_fen`.
    pub requested_fen: i64,
    /// `floor(budget × 10⁴ / requested)` when scaled, else 10,000. Informative: the split uses
    /// the exact fraction.
    pub scale_bp: u32,
    /// Sum of `total_fen`; equals `budget_fen` whenever scaled.
    pub paid_fen: i64,
}

#[derive(Default)]
struct Tally {
    gross_reward_fen: i128,
    deducted_points: i128,
    capped_lines: u32,
}

/// Fen for `points` centi-points, truncated toward zero (a fraction of a fen is never paid).
fn points_to_fen(points: i128, fen_per_point: i64) -> i128 {
    points * i128::from(fen_per_point) / i128::from(CENTI_PER_POINT)
}

/// Pay one township for one period (see the module docs). `township_lines` are
/// `(worker_id, code, points)` for every line of the period; `standings` give the tiers. Workers
/// appearing in either are paid, in worker-id order.
pub fn payouts(scheme: &Scheme, township_lines: &[(i64, LineCode, i64)], standings: &[Standing]) -> Payouts {
    let inc = &scheme.incentives;
    let cap = i128::from(inc.per_task_cap_fen.max(0));
    let fen_per_point = inc.fen_per_point.max(0);

    let mut tallies: BTreeMap<i64, Tally> = BTreeMap::new();
    for s in standings {
        tallies.entry(s.worker_id).or_default();
    }
    for &(worker_id, code, points) in township_lines {
        let tally = tallies.entry(worker_id).or_default();
        if points > 0 && code.is_paid() {
            let fen = points_to_fen(i128::from(points), fen_per_point);
            if fen > cap {
                tally.capped_lines = tally.capped_lines.saturating_add(1);
            }
            tally.gross_reward_fen += fen.min(cap);
        } else if points < 0 {
            tally.deducted_points += -i128::from(points);
        }
    }
    let tier_of: BTreeMap<i64, &str> = standings.iter().map(|s| (s.worker_id, s.tier.as_str())).collect();

    // Requested amounts: (task reward, tier bonus) per worker, in worker-id order.
    let mut per_worker: Vec<Payout> = tallies
        .into_iter()
        .map(|(worker_id, t)| {
            // Deductions are summed in points before converting, so they lose at most one fen.
            let deducted = points_to_fen(t.deducted_points, fen_per_point);
            let task = (t.gross_reward_fen - deducted).max(0);
            let tier = tier_of
                .get(&worker_id)
                .and_then(|name| inc.tier_bonus_fen.get(*name))
                .copied()
                .unwrap_or(0)
                .max(0);
            let task = saturate_i64(task);
            Payout {
                worker_id,
                gross_reward_fen: saturate_i64(t.gross_reward_fen),
                deducted_fen: saturate_i64(deducted),
                requested_fen: task.saturating_add(tier),
                task_reward_fen: task,
                tier_bonus_fen: tier,
                total_fen: task.saturating_add(tier),
                capped_lines: t.capped_lines,
            }
        })
        .collect();

    let requested: i128 = per_worker.iter().map(|p| i128::from(p.requested_fen)).sum();
    let budget = i128::from(inc.township_budget_fen.max(0));
    let mut scale_bp = BP_ONE;
    if requested > budget {
        scale_bp = u32::try_from(budget * i128::from(BP_ONE) / requested).unwrap_or(0);
        scale_to_budget(&mut per_worker, budget, requested);
    }
    let paid: i128 = per_worker.iter().map(|p| i128::from(p.total_fen)).sum();
    Payouts {
        per_worker,
        budget_fen: inc.township_budget_fen,
        requested_fen: saturate_i64(requested),
        scale_bp,
        paid_fen: saturate_i64(paid),
    }
}

/// Scale every task reward and tier bonus by `budget / requested` with the largest-remainder
/// method, so the amounts sum to `budget` exactly. `per_worker` is in worker-id order, which the
/// tie-break relies on. Requires `0 ≤ budget < requested`.
fn scale_to_budget(per_worker: &mut [Payout], budget: i128, requested: i128) {
    // (worker index, 0 = task reward / 1 = tier bonus, floored share, remainder)
    let mut shares: Vec<(usize, u8, i128, i128)> = Vec::with_capacity(per_worker.len() * 2);
    for (i, p) in per_worker.iter().enumerate() {
        for (part, amount) in [(0u8, p.task_reward_fen), (1u8, p.tier_bonus_fen)] {
            let scaled = i128::from(amount) * budget;
            shares.push((i, part, scaled / requested, scaled % requested));
        }
    }
    let floored: i128 = shares.iter().map(|s| s.2).sum();
    // Fewer than shares.len() fen, since each remainder is below `requested`.
    let leftover = usize::try_from(budget - floored).unwrap_or(0);
    let mut by_remainder: Vec<usize> = (0..shares.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        let (sa, sb) = (&shares[a], &shares[b]);
        sb.3.cmp(&sa.3).then(sa.0.cmp(&sb.0)).then(sa.1.cmp(&sb.1))
    });
    for &s in by_remainder.iter().take(leftover) {
        shares[s].2 += 1;
    }
    for (i, part, share, _) in shares {
        let share = saturate_i64(share);
        let p = &mut per_worker[i];
        if part == 0 {
            p.task_reward_fen = share;
        } else {
            p.tier_bonus_fen = share;
        }
    }
    for p in per_worker.iter_mut() {
        p.total_fen = p.task_reward_fen.saturating_add(p.tier_bonus_fen);
    }
}

/// Fen as yuan with two decimals, by integer arithmetic: `12345` → `123.45`, `-5` → `-0.05`.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// One CSV field ([`super::csv::field`]): names are typed by people and a payroll file is opened
/// by others, so a name a spreadsheet would run as a formula is neutralised.
fn csv_field(raw: &str) -> String {
    super::csv::field(raw)
}

/// What a payout sheet says about itself, above the table: whose, for when, and whether final.
pub struct SheetHeading<'a> {
    /// The township's name (济川街道).
    pub township: &'a str,
    /// The period as people write it (2026年3月).
    pub period: &'a str,
    /// The period is still open: the amounts may change until it is closed.
    pub provisional: bool,
}

/// The task reward a worker asked for before the budget: `max(0, gross − deducted)`.
fn net_task_fen(p: &Payout) -> i64 {
    p.gross_reward_fen.saturating_sub(p.deducted_fen).max(0)
}

/// The tier bonus a worker asked for before the budget (`requested − net task reward`).
pub fn requested_tier_bonus_fen(p: &Payout) -> i64 {
    p.requested_fen.saturating_sub(net_task_fen(p)).max(0)
}

/// The payouts as a CSV file for Excel: a UTF-8 BOM (without it Excel reads UTF-8 as the local
/// code page and garbles Chinese), three heading rows (township, period, whether final), a blank
/// row, then the header `账号,姓名,任务奖励(元),扣减(元),档次奖励(元),应发(元),实发(元)` — the
/// console's columns, with the same meaning: task reward before deductions, deductions, tier
/// bonus, requested (reward − deductions, at least 0, + tier bonus) and paid (requested scaled to
/// the budget) — one row per worker in worker-id order, and a total row; CRLF line ends. `names`
/// gives a worker's (username, display name).
pub fn payouts_csv(
    heading: &SheetHeading,
    payouts: &Payouts,
    names: &dyn Fn(i64) -> (String, String),
) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&format!("乡镇（街道）,{}\r\n", csv_field(heading.township)));
    out.push_str(&format!("周期,{}\r\n", csv_field(heading.period)));
    let status = if heading.provisional {
        "统计中（暂定），本周期结算前金额可能变化"
    } else {
        "已结算"
    };
    out.push_str(&format!("状态,{status}\r\n\r\n"));
    out.push_str("账号,姓名,任务奖励(元),扣减(元),档次奖励(元),应发(元),实发(元)\r\n");
    let mut sums = [0i64; 5];
    for p in &payouts.per_worker {
        let (username, name) = names(p.worker_id);
        let amounts = [
            p.gross_reward_fen,
            p.deducted_fen,
            requested_tier_bonus_fen(p),
            p.requested_fen,
            p.total_fen,
        ];
        for (sum, amount) in sums.iter_mut().zip(amounts) {
            *sum = sum.saturating_add(amount);
        }
        out.push_str(&format!("{},{}", csv_field(&username), csv_field(&name)));
        for amount in amounts {
            out.push_str(&format!(",{}", yuan(amount)));
        }
        out.push_str("\r\n");
    }
    out.push_str("合计,");
    for amount in sums {
        out.push_str(&format!(",{}", yuan(amount)));
    }
    out.push_str("\r\n");
    out
}

crate::domain::named::named_enum! {
    /// Where a worker's appeal against a score line stands.
    pub enum AppealStatus {
        /// Waiting for the township supervisor's ruling.
        Pending = "pending",
        /// Upheld: a correcting line was written.
        Accepted = "accepted",
        Rejected = "rejected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeDelta};
    use serde_json::json;

    fn scheme() -> Scheme {
        Scheme::default_scheme()
    }

    fn due() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(17, 0, 0)
            .unwrap()
    }

    fn first_error(s: &Scheme) -> SchemeError {
        s.validate().unwrap_err()
    }

    fn fields(s: &Scheme) -> Vec<String> {
        s.problems().into_iter().map(|e| e.field).collect()
    }

    // --- scheme -----------------------------------------------------------------------------

    #[test]
    fn default_scheme_is_valid_and_round_trips_through_json() {
        let s = scheme();
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.points_per_kind.len(), TaskKind::ALL.len());
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains("\"locate_assets\":3000"), "{text}");
        let back: Scheme = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn unknown_fields_and_kinds_are_refused_by_deserialization() {
        let mut value = serde_json::to_value(scheme()).unwrap();
        value["penalties"]["typo"] = json!(1);
        assert!(serde_json::from_value::<Scheme>(value).is_err());

        let mut value = serde_json::to_value(scheme()).unwrap();
        value["points_per_kind"]["fly_kites"] = json!(100);
        assert!(serde_json::from_value::<Scheme>(value).is_err());
    }

    #[test]
    fn missing_kind_is_named_by_path() {
        let mut s = scheme();
        s.points_per_kind.remove(&TaskKind::LocateAssets);
        let e = first_error(&s);
        assert_eq!(e.field, "points_per_kind.locate_assets");
        assert!(e.message.contains("missing"), "{e}");
    }

    #[test]
    fn kind_points_out_of_range() {
        let mut s = scheme();
        s.points_per_kind.insert(TaskKind::ServeDocuments, -1);
        s.points_per_kind.insert(TaskKind::ReportRefusal, 100_001);
        assert_eq!(
            fields(&s),
            [
                "points_per_kind.serve_documents",
                "points_per_kind.report_refusal"
            ]
        );
    }

    #[test]
    fn decreasing_ratings_are_refused() {
        let mut s = scheme();
        s.quality_bp_by_rating = [5_000, 7_000, 8_500, 8_000, 11_000];
        let e = first_error(&s);
        assert_eq!(e.field, "quality_bp_by_rating[3]");
        assert!(e.message.contains("rating 3"), "{e}");

        s.quality_bp_by_rating = [5_000, 7_000, 8_500, 10_000, 20_001];
        assert_eq!(fields(&s), ["quality_bp_by_rating[4]"]);

        // Equal neighbours are fine.
        s.quality_bp_by_rating = [10_000; 5];
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn timeliness_floor_above_on_time_is_refused() {
        let mut s = scheme();
        s.timeliness.floor_bp = 10_001;
        assert_eq!(first_error(&s).field, "timeliness.floor_bp");
    }

    #[test]
    fn positive_penalty_is_refused() {
        let mut s = scheme();
        s.penalties.false_check_in = 100;
        let e = first_error(&s);
        assert_eq!(e.field, "penalties.false_check_in");
        assert!(e.message.contains("negative"), "{e}");

        let mut s = scheme();
        s.penalties.clawback_factor_bp = 10_001;
        assert_eq!(first_error(&s).field, "penalties.clawback_factor_bp");
    }

    #[test]
    fn bonuses_training_and_prior_are_bounded() {
        let mut s = scheme();
        s.bonuses.recovered_cap = -1;
        s.training_credit = -5;
        s.ranking.prior_weight = 0;
        assert_eq!(
            fields(&s),
            ["bonuses.recovered_cap", "training_credit", "ranking.prior_weight"]
        );
    }

    #[test]
    fn tiers_must_end_at_zero() {
        let mut s = scheme();
        s.tiers.pop(); // A 80, B 50, C 20
        let e = first_error(&s);
        assert_eq!(e.field, "tiers[2].min_percentile");
        assert!(e.message.contains("last tier"), "{e}");
    }

    #[test]
    fn tiers_must_decrease_strictly_have_unique_names_and_exist() {
        let mut s = scheme();
        s.tiers[2].min_percentile = 50;
        assert_eq!(fields(&s), ["tiers[2].min_percentile"]);

        let mut s = scheme();
        s.tiers[0].min_percentile = 101;
        assert_eq!(fields(&s), ["tiers[0].min_percentile"]);

        let mut s = scheme();
        s.tiers[3].name = "A".to_owned();
        assert_eq!(fields(&s), ["tiers[3].name"]);
        s.tiers[3].name = " D".to_owned();
        assert_eq!(fields(&s), ["tiers[3].name"]);
        s.tiers[3].name = String::new();
        assert_eq!(fields(&s), ["tiers[3].name"]);

        let mut s = scheme();
        s.tiers.clear();
        s.incentives.tier_bonus_fen.clear();
        assert_eq!(fields(&s), ["tiers"]);
    }

    #[test]
    fn tier_bonus_for_unknown_tier_is_refused() {
        let mut s = scheme();
        s.incentives.tier_bonus_fen.insert("S".to_owned(), 100);
        let e = first_error(&s);
        assert_eq!(e.field, "incentives.tier_bonus_fen.S");
        assert_eq!(
            e.to_string(),
            "incentives.tier_bonus_fen.S: no tier is named \"S\""
        );

        let mut s = scheme();
        s.incentives.tier_bonus_fen.insert("A".to_owned(), -1);
        assert_eq!(first_error(&s).field, "incentives.tier_bonus_fen.A");
    }

    #[test]
    fn money_must_not_be_negative() {
        let mut s = scheme();
        s.incentives.fen_per_point = -1;
        s.incentives.township_budget_fen = -1;
        assert_eq!(
            fields(&s),
            ["incentives.fen_per_point", "incentives.township_budget_fen"]
        );
    }

    // --- lines --------------------------------------------------------------------------------

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round_half_away(5, 10), 1);
        assert_eq!(div_round_half_away(4, 10), 0);
        assert_eq!(div_round_half_away(-5, 10), -1);
        assert_eq!(div_round_half_away(-4, 10), 0);
        assert_eq!(div_round_half_away(15, 10), 2);
        assert_eq!(div_round_half_away(-15, 10), -2);
    }

    #[test]
    fn approval_multiplies_base_quality_and_timeliness() {
        let s = scheme();
        // 3000 × 0.85 × 1.0
        let l = approval(&s, TaskKind::LocateAssets, 3, due(), due()).unwrap();
        assert_eq!(l.code, LineCode::Approval);
        assert_eq!(l.points, 2_550);
        assert_eq!(
            l.detail,
            json!({"kind": "locate_assets", "rating": 3, "base": 3000, "quality_bp": 8500,
                   "timeliness_bp": 10000, "days_late": 0, "floor_applied": false})
        );
        let detail: ApprovalDetail = serde_json::from_value(l.detail).unwrap();
        assert_eq!(detail.quality_bp, 8_500);
    }

    #[test]
    fn approval_rounds_half_away_from_zero() {
        let mut s = scheme();
        // 1001 × 0.5 = 500.5 → 501
        s.points_per_kind.insert(TaskKind::ServeDocuments, 1_001);
        let l = approval(&s, TaskKind::ServeDocuments, 1, due(), due()).unwrap();
        assert_eq!(l.points, 501);
        // 333 × 0.85 = 283.05 → 283
        s.points_per_kind.insert(TaskKind::ServeDocuments, 333);
        let l = approval(&s, TaskKind::ServeDocuments, 3, due(), due()).unwrap();
        assert_eq!(l.points, 283);
        // 333 × 0.85 × 0.9 = 254.745 → 255
        let late = due() + TimeDelta::hours(1);
        let l = approval(&s, TaskKind::ServeDocuments, 3, due(), late).unwrap();
        assert_eq!(l.points, 255);
    }

    #[test]
    fn late_days_round_up_and_decay_stops_at_the_floor() {
        let s = scheme();
        let cases = [
            (TimeDelta::seconds(-3_600), 10_000, 0),
            (TimeDelta::zero(), 10_000, 0),
            (TimeDelta::milliseconds(1), 9_000, 1),
            (TimeDelta::seconds(1), 9_000, 1),
            (TimeDelta::hours(24), 9_000, 1),
            (TimeDelta::hours(24) + TimeDelta::seconds(1), 8_000, 2),
            (TimeDelta::days(5), 5_000, 5),
            (TimeDelta::days(30), 5_000, 30),
        ];
        for (late, bp, days) in cases {
            let l = approval(&s, TaskKind::LocatePerson, 4, due(), due() + late).unwrap();
            assert_eq!(l.detail["timeliness_bp"], json!(bp), "{late}");
            assert_eq!(l.detail["days_late"], json!(days), "{late}");
            assert_eq!(l.points, 2_000 * i64::from(bp) / 10_000, "{late}");
        }
        let l = approval(&s, TaskKind::LocatePerson, 4, due(), due() + TimeDelta::days(6)).unwrap();
        assert_eq!(l.detail["floor_applied"], json!(true));
        let l = approval(&s, TaskKind::LocatePerson, 4, due(), due() + TimeDelta::days(5)).unwrap();
        assert_eq!(l.detail["floor_applied"], json!(false));
    }

    #[test]
    fn approval_refuses_bad_ratings_and_missing_kinds() {
        let mut s = scheme();
        for rating in [0, 6, 255] {
            assert_eq!(
                approval(&s, TaskKind::LocatePerson, rating, due(), due()),
                Err(ScoringError::RatingOutOfRange { rating })
            );
        }
        s.points_per_kind.remove(&TaskKind::LocatePerson);
        assert_eq!(
            approval(&s, TaskKind::LocatePerson, 3, due(), due()),
            Err(ScoringError::KindNotInScheme {
                kind: TaskKind::LocatePerson
            })
        );
    }

    #[test]
    fn penalties_and_training_use_the_scheme_amounts() {
        let s = scheme();
        let cases = [
            (
                rework_penalty(&s),
                LineCode::ReworkPenalty,
                -200,
                "penalties.returned_for_rework",
            ),
            (
                unanswered_penalty(&s),
                LineCode::UnansweredPenalty,
                -500,
                "penalties.unanswered_past_deadline",
            ),
            (
                false_check_in_penalty(&s),
                LineCode::FalseCheckIn,
                -2_000,
                "penalties.false_check_in",
            ),
            (training(&s), LineCode::Training, 500, "training_credit"),
        ];
        for (line, code, points, source) in cases {
            assert_eq!(line.code, code);
            assert_eq!(line.points, points);
            assert_eq!(line.detail, json!({ "source": source }));
        }
    }

    #[test]
    fn clawback_takes_back_a_share_rounded() {
        let mut s = scheme();
        let l = clawback(&s, 2_550);
        assert_eq!(l.code, LineCode::Clawback);
        assert_eq!(l.points, -2_550);
        assert_eq!(
            l.detail,
            json!({"original_points": 2550, "clawback_factor_bp": 10000})
        );

        s.penalties.clawback_factor_bp = 5_000;
        assert_eq!(clawback(&s, 1_001).points, -501); // 500.5 away from zero
        assert_eq!(clawback(&s, 1_000).points, -500);
        assert_eq!(clawback(&s, 0).points, 0);
    }

    #[test]
    fn outcome_bonuses_follow_the_kind() {
        let s = scheme();
        let all = OutcomeFacts {
            assets_seized_fen: 5_000_000,
            amount_recovered_fen: 2_500_000,
            settlement_performed: true,
        };

        let lines = outcome_bonus(&s, TaskKind::LocateAssets, all);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].code, LineCode::OutcomeAssetsSeized);
        assert_eq!(lines[0].points, 2_000);
        assert_eq!(lines[0].detail["assets_seized_fen"], json!(5_000_000));

        // 25,000 yuan × 500 per 10,000 yuan = 1250
        let lines = outcome_bonus(&s, TaskKind::UrgePerformance, all);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].code, LineCode::OutcomeRecovered);
        assert_eq!(lines[0].points, 1_250);
        assert_eq!(lines[0].detail["capped"], json!(false));

        let lines = outcome_bonus(&s, TaskKind::FacilitateSettlement, all);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].code, LineCode::OutcomeSettlement);
        assert_eq!(lines[0].points, 2_000);

        for kind in [
            TaskKind::ServeDocuments,
            TaskKind::LocatePerson,
            TaskKind::PublicizeDishonesty,
            TaskKind::TakeDownNotice,
            TaskKind::ReportRefusal,
        ] {
            assert!(outcome_bonus(&s, kind, all).is_empty(), "{kind}");
        }
        // The right kind without the fact earns nothing.
        let none = OutcomeFacts::default();
        for kind in TaskKind::ALL {
            assert!(outcome_bonus(&s, kind, none).is_empty(), "{kind}");
        }
    }

    #[test]
    fn recovery_bonus_is_pro_rata_truncated_and_capped() {
        let s = scheme();
        let recovered = |fen| {
            let facts = OutcomeFacts {
                amount_recovered_fen: fen,
                ..OutcomeFacts::default()
            };
            outcome_bonus(&s, TaskKind::UrgePerformance, facts)
        };
        // 3,333.33 yuan × 500 / 10,000 yuan = 166.6665 → 166
        assert_eq!(recovered(333_333)[0].points, 166);
        // 199 fen × 500 / 1,000,000 = 0.0995 → 0: no line
        assert!(recovered(199).is_empty());
        // 2,000,000 yuan would be 100,000 centi-points; capped at 5,000
        let capped = recovered(200_000_000);
        assert_eq!(capped[0].points, 5_000);
        assert_eq!(
            capped[0].detail,
            json!({"amount_recovered_fen": 200_000_000, "per_10k_yuan_recovered": 500,
                   "uncapped": 100_000, "recovered_cap": 5_000, "capped": true})
        );
        // Exactly at the cap is not "capped".
        assert_eq!(recovered(10_000_000)[0].detail["capped"], json!(false));
    }

    #[test]
    fn appeal_correction_is_the_difference() {
        let l = appeal_correction(2_550, 3_000);
        assert_eq!(l.code, LineCode::AppealCorrection);
        assert_eq!(l.points, 450);
        assert_eq!(appeal_correction(-200, 0).points, 200);
        assert_eq!(
            l.detail,
            json!({"original_points": 2550, "corrected_points": 3000})
        );
    }

    #[test]
    fn line_codes_round_trip() {
        for code in LineCode::ALL {
            assert_eq!(LineCode::parse(code.as_str()), Some(code));
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{code}\""));
        }
        assert_eq!(LineCode::parse("bonus"), None);
    }

    // --- statistics ---------------------------------------------------------------------------

    #[test]
    fn median_is_the_lower_middle() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7]), Some(7));
        assert_eq!(median(&mut [9, 1, 5]), Some(5));
        assert_eq!(median(&mut [40, 10, 30, 20]), Some(20));
        assert_eq!(median(&mut [2, 1]), Some(1));
    }

    #[test]
    fn ranking_value_is_the_bayesian_average() {
        let s = scheme();
        assert_eq!(ranking_value(&s, 0, 0), 0.8);
        // (8000 × 10 + 22,000) / 12 / 10,000 = 0.85
        assert_eq!(ranking_value(&s, 2, 22_000), 0.85);
        // (80,000 + 800,000) / 90 / 10,000 = 0.977777…
        assert_eq!(ranking_value(&s, 80, 800_000), 0.977778);
    }

    fn worker(worker_id: i64, approved: u32, quality_sum_bp: u64, total_points: i64) -> WorkerPeriod {
        WorkerPeriod {
            worker_id,
            township_id: 1,
            total_points,
            tasks_reviewed: approved,
            approved,
            approved_first_time: approved,
            on_time: approved,
            assigned: approved,
            accepted: approved,
            quality_sum_bp,
            response_secs: vec![],
        }
    }

    /// The small-sample rule: two perfect tasks do not beat eighty nearly perfect ones.
    #[test]
    fn two_perfect_tasks_do_not_outrank_eighty_good_ones() {
        let s = scheme();
        let perfect = approval(&s, TaskKind::LocatePerson, 5, due(), due()).unwrap();
        let good = approval(&s, TaskKind::LocatePerson, 4, due(), due()).unwrap();
        let quality = |l: &Line| {
            serde_json::from_value::<ApprovalDetail>(l.detail.clone())
                .unwrap()
                .quality_contribution_bp()
        };
        assert_eq!(quality(&perfect), 11_000);
        assert_eq!(quality(&good), 10_000);

        let newcomer = worker(1, 2, 2 * quality(&perfect), 2 * perfect.points);
        let veteran = worker(2, 80, 80 * quality(&good), 80 * good.points);
        // Without the prior the newcomer's average (1.1) would beat the veteran's (1.0).
        assert!(2 * quality(&perfect) / 2 > 80 * quality(&good) / 80);

        let board = leaderboard(&s, &[newcomer, veteran]);
        assert_eq!(board[0].worker_id, 2);
        assert_eq!(board[0].rank, 1);
        assert_eq!(board[0].ranking_value, 0.977778);
        assert_eq!(board[1].worker_id, 1);
        assert_eq!(board[1].ranking_value, 0.85);
    }

    #[test]
    fn competition_ranks_share_ties_on_value_and_total() {
        let s = scheme();
        let workers = [
            worker(5, 10, 100_000, 900), // 0.9
            worker(3, 10, 100_000, 900), // same value, same total: shares rank 2
            worker(9, 20, 220_000, 100), // (80,000 + 220,000) / 30 = 1.0: rank 1
            worker(4, 10, 100_000, 800), // same value, lower total: rank 4
            worker(7, 0, 0, 5_000),      // 0.8: rank 5
        ];
        let board = leaderboard(&s, &workers);
        let got: Vec<(i64, u32)> = board.iter().map(|st| (st.worker_id, st.rank)).collect();
        assert_eq!(got, [(9, 1), (3, 2), (5, 2), (4, 4), (7, 5)]);

        // Input order does not matter.
        let mut reversed = workers.to_vec();
        reversed.reverse();
        assert_eq!(leaderboard(&s, &reversed), board);
    }

    #[test]
    fn equal_values_from_different_samples_tie_exactly() {
        let s = scheme();
        // 0.9 from 10 tasks of 1.0, (80,000 + 100,000) / 20, and from 30 tasks averaging
        // 0.9333…, (80,000 + 280,000) / 40: equal fractions, compared exactly.
        let a = worker(1, 10, 100_000, 0);
        let b = worker(2, 30, 280_000, 0);
        let board = leaderboard(&s, &[a, b]);
        assert_eq!(board[0].rank, 1);
        assert_eq!(board[1].rank, 1);
        assert_eq!(board[0].percentile, 0.0);
        assert_eq!(board[1].percentile, 0.0);
        assert_eq!(board[0].worker_id, 1);
    }

    #[test]
    fn percentiles_count_strictly_lower_others() {
        let s = scheme();
        let workers: Vec<WorkerPeriod> = (0..5)
            .map(|i| worker(i, 10, 90_000 + 1_000 * i as u64, 0))
            .collect();
        let board = leaderboard(&s, &workers);
        let got: Vec<(i64, f64)> = board.iter().map(|st| (st.worker_id, st.percentile)).collect();
        assert_eq!(got, [(4, 100.0), (3, 75.0), (2, 50.0), (1, 25.0), (0, 0.0)]);

        // Three workers, two tied at the top: each has one strictly lower other of two.
        let tied = [
            worker(1, 10, 100_000, 0),
            worker(2, 10, 100_000, 0),
            worker(3, 0, 0, 0),
        ];
        let board = leaderboard(&s, &tied);
        let got: Vec<f64> = board.iter().map(|st| st.percentile).collect();
        assert_eq!(got, [50.0, 50.0, 0.0]);
        // Three mediocre tasks rank below no tasks at all: the prior (0.8) beats 0.65.
        let pair = leaderboard(&s, &[worker(1, 3, 5_000, 0), worker(2, 0, 0, 0)]);
        let got: Vec<(i64, f64)> = pair.iter().map(|st| (st.worker_id, st.percentile)).collect();
        assert_eq!(got, [(2, 100.0), (1, 0.0)]);
        let thirds: Vec<f64> = leaderboard(
            &s,
            &(0..4)
                .map(|i| worker(i, 10, 90_000 + i as u64, 0))
                .collect::<Vec<_>>(),
        )
        .iter()
        .map(|st| st.percentile)
        .collect();
        assert_eq!(thirds, [100.0, 66.666667, 33.333333, 0.0]);
    }

    #[test]
    fn a_lone_worker_is_at_percentile_zero() {
        let s = scheme();
        let board = leaderboard(&s, &[worker(1, 50, 550_000, 10_000)]);
        assert_eq!(board[0].rank, 1);
        assert_eq!(board[0].percentile, 0.0);
        assert_eq!(board[0].tier, "D");
        assert!(leaderboard(&s, &[]).is_empty());
    }

    #[test]
    fn tiers_follow_percentile_boundaries_exactly() {
        let s = scheme();
        // Six workers: percentiles 100, 80, 60, 40, 20, 0.
        let workers: Vec<WorkerPeriod> = (0..6)
            .map(|i| worker(i, 10, 90_000 + 1_000 * i as u64, 0))
            .collect();
        let board = leaderboard(&s, &workers);
        let got: Vec<(f64, &str)> = board.iter().map(|st| (st.percentile, st.tier.as_str())).collect();
        assert_eq!(
            got,
            [
                (100.0, "A"),
                (80.0, "A"),
                (60.0, "B"),
                (40.0, "C"),
                (20.0, "C"),
                (0.0, "D")
            ]
        );
    }

    #[test]
    fn standing_rates_and_median() {
        let s = scheme();
        let w = WorkerPeriod {
            worker_id: 8,
            township_id: 1,
            total_points: 12_345,
            tasks_reviewed: 12,
            approved: 9,
            approved_first_time: 6,
            on_time: 3,
            assigned: 7,
            accepted: 0,
            quality_sum_bp: 90_000,
            response_secs: vec![600, 60, 3_600, 120],
        };
        let st = &leaderboard(&s, &[w])[0];
        assert_eq!(st.approved, 9);
        assert_eq!(st.on_time_rate, 0.333333);
        assert_eq!(st.approval_rate, 0.75);
        assert_eq!(st.first_time_rate, 0.666667);
        assert_eq!(st.acceptance_rate, 0.0);
        assert_eq!(st.median_response_secs, Some(120));
        assert_eq!(st.total_points, 12_345);

        let idle = &leaderboard(&s, &[WorkerPeriod::default()])[0];
        assert_eq!(idle.on_time_rate, 0.0);
        assert_eq!(idle.approval_rate, 0.0);
        assert_eq!(idle.median_response_secs, None);
        assert_eq!(idle.ranking_value, 0.8);
    }

    // --- incentives ---------------------------------------------------------------------------

    fn standing(worker_id: i64, tier: &str) -> Standing {
        Standing {
            worker_id,
            total_points: 0,
            approved: 0,
            on_time_rate: 0.0,
            approval_rate: 0.0,
            first_time_rate: 0.0,
            acceptance_rate: 0.0,
            median_response_secs: None,
            ranking_value: 0.8,
            rank: 1,
            percentile: 0.0,
            tier: tier.to_owned(),
        }
    }

    fn rich_scheme() -> Scheme {
        let mut s = scheme();
        s.incentives.township_budget_fen = 100_000_000;
        s
    }

    #[test]
    fn task_reward_converts_caps_and_counts_capped_lines() {
        let s = rich_scheme(); // 1 yuan per point, 100 yuan cap per line
        let lines = [
            (1, LineCode::Approval, 2_550),            // 25.50 yuan
            (1, LineCode::OutcomeRecovered, 12_000),   // 120 yuan → capped at 100
            (1, LineCode::OutcomeAssetsSeized, 2_000), // 20 yuan
            (1, LineCode::Training, 500),              // not paid
            (1, LineCode::AppealCorrection, 450),      // 4.50 yuan
            (1, LineCode::Approval, 10_001),           // 100.01 → capped
            (1, LineCode::Approval, 10_000),           // exactly the cap: not counted as capped
            (1, LineCode::Approval, 1),                // 0.01 yuan
        ];
        let p = payouts(&s, &lines, &[]);
        assert_eq!(p.per_worker.len(), 1);
        let w = &p.per_worker[0];
        assert_eq!(w.capped_lines, 2);
        assert_eq!(
            w.gross_reward_fen,
            2_550 + 10_000 + 2_000 + 450 + 10_000 + 10_000 + 1
        );
        assert_eq!(w.deducted_fen, 0);
        assert_eq!(w.task_reward_fen, w.gross_reward_fen);
        assert_eq!(w.tier_bonus_fen, 0);
        assert_eq!(p.scale_bp, 10_000);
        assert_eq!(p.paid_fen, w.total_fen);
    }

    #[test]
    fn conversion_truncates_fractions_of_a_fen() {
        let mut s = rich_scheme();
        s.incentives.fen_per_point = 33; // 0.33 fen per centi-point
        let p = payouts(
            &s,
            &[(1, LineCode::Approval, 250), (1, LineCode::ReworkPenalty, -150)],
            &[],
        );
        // 250 × 33 / 100 = 82.5 → 82; deduction 150 × 33 / 100 = 49.5 → 49
        assert_eq!(p.per_worker[0].gross_reward_fen, 82);
        assert_eq!(p.per_worker[0].deducted_fen, 49);
        assert_eq!(p.per_worker[0].task_reward_fen, 33);
    }

    #[test]
    fn penalties_reduce_task_reward_but_never_below_zero() {
        let s = rich_scheme();
        let lines = [
            (1, LineCode::Approval, 3_000),
            (1, LineCode::ReworkPenalty, -200),
            (1, LineCode::Clawback, -1_000),
            (2, LineCode::Approval, 1_000),
            (2, LineCode::FalseCheckIn, -2_000),
            (2, LineCode::AppealCorrection, -100),
        ];
        let standings = [standing(1, "C"), standing(2, "B")];
        let p = payouts(&s, &lines, &standings);
        let one = &p.per_worker[0];
        assert_eq!(
            (one.task_reward_fen, one.deducted_fen, one.tier_bonus_fen),
            (1_800, 1_200, 5_000)
        );
        let two = &p.per_worker[1];
        assert_eq!((two.task_reward_fen, two.deducted_fen), (0, 2_100));
        // The tier bonus is not eaten by penalties.
        assert_eq!(two.tier_bonus_fen, 15_000);
        assert_eq!(two.total_fen, 15_000);
        assert_eq!(p.requested_fen, 1_800 + 5_000 + 15_000);
        assert_eq!(p.paid_fen, p.requested_fen);
    }

    #[test]
    fn tier_bonus_needs_a_standing_and_a_listed_tier() {
        let s = rich_scheme();
        let p = payouts(
            &s,
            &[(3, LineCode::Approval, 100)],
            &[standing(1, "A"), standing(2, "D")],
        );
        let got: Vec<(i64, i64, i64)> = p
            .per_worker
            .iter()
            .map(|w| (w.worker_id, w.task_reward_fen, w.tier_bonus_fen))
            .collect();
        // Worker 2 is in tier D, which has no bonus; worker 3 has no standing.
        assert_eq!(got, [(1, 0, 30_000), (2, 0, 0), (3, 100, 0)]);
    }

    fn over_budget() -> (Scheme, Vec<(i64, LineCode, i64)>, Vec<Standing>) {
        let mut s = scheme();
        s.incentives.township_budget_fen = 10_000;
        let lines = vec![
            (1, LineCode::Approval, 3_333),
            (2, LineCode::Approval, 3_333),
            (3, LineCode::Approval, 3_334),
            (4, LineCode::Approval, 1_111),
            (4, LineCode::OutcomeSettlement, 2_000),
            (5, LineCode::ReworkPenalty, -200),
        ];
        let standings = vec![standing(1, "A"), standing(3, "C"), standing(5, "D")];
        (s, lines, standings)
    }

    #[test]
    fn over_budget_scales_to_exactly_the_budget() {
        let (s, lines, standings) = over_budget();
        let p = payouts(&s, &lines, &standings);
        let requested = 3_333 + 30_000 + 3_333 + 3_334 + 5_000 + 1_111 + 2_000;
        assert_eq!(p.requested_fen, requested);
        assert_eq!(p.budget_fen, 10_000);
        assert_eq!(p.paid_fen, 10_000);
        assert_eq!(p.per_worker.iter().map(|w| w.total_fen).sum::<i64>(), 10_000);
        assert_eq!(p.scale_bp, (10_000 * 10_000 / requested) as u32);
        for w in &p.per_worker {
            assert_eq!(w.total_fen, w.task_reward_fen + w.tier_bonus_fen);
            assert!(w.total_fen <= w.requested_fen);
            // Within one fen per part of the exact share.
            let exact = w.requested_fen as f64 * 10_000.0 / requested as f64;
            assert!((w.total_fen as f64 - exact).abs() < 2.0, "{w:?}");
        }
        // Worker 5 requested nothing and gets nothing.
        assert_eq!(p.per_worker[4].total_fen, 0);
        // Exact values: shares of 10,000 over 48,111 requested.
        let got: Vec<(i64, i64)> = p
            .per_worker
            .iter()
            .map(|w| (w.task_reward_fen, w.tier_bonus_fen))
            .collect();
        assert_eq!(got, [(693, 6_235), (693, 0), (693, 1_039), (647, 0), (0, 0)]);
    }

    #[test]
    fn scaling_is_deterministic_and_ties_go_to_lower_ids() {
        let (s, mut lines, mut standings) = over_budget();
        let first = payouts(&s, &lines, &standings);
        lines.reverse();
        standings.reverse();
        assert_eq!(payouts(&s, &lines, &standings), first);

        // Three equal requests of 1 fen... 10 fen each, budget 20: 6.666… each, remainders equal.
        let mut s = scheme();
        s.incentives.township_budget_fen = 20;
        let equal = [
            (30, LineCode::Approval, 10),
            (10, LineCode::Approval, 10),
            (20, LineCode::Approval, 10),
        ];
        let p = payouts(&s, &equal, &[]);
        let got: Vec<(i64, i64)> = p.per_worker.iter().map(|w| (w.worker_id, w.total_fen)).collect();
        assert_eq!(got, [(10, 7), (20, 7), (30, 6)]);
        assert_eq!(p.paid_fen, 20);
        assert_eq!(p.scale_bp, 6_666);
    }

    #[test]
    fn zero_budget_pays_nothing() {
        let mut s = scheme();
        s.incentives.township_budget_fen = 0;
        let p = payouts(&s, &[(1, LineCode::Approval, 1_000)], &[standing(1, "A")]);
        assert_eq!(p.scale_bp, 0);
        assert_eq!(p.paid_fen, 0);
        assert_eq!(p.per_worker[0].total_fen, 0);
        assert_eq!(p.per_worker[0].requested_fen, 31_000);
    }

    #[test]
    fn nothing_requested_is_not_scaled() {
        let p = payouts(&scheme(), &[], &[]);
        assert_eq!(p.per_worker, []);
        assert_eq!((p.requested_fen, p.scale_bp, p.paid_fen), (0, 10_000, 0));
    }

    // --- CSV ----------------------------------------------------------------------------------

    #[test]
    fn yuan_formatting_uses_integers() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(1_230), "12.30");
        assert_eq!(yuan(123_400), "1234.00");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(-12_345), "-123.45");
        assert_eq!(yuan(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn csv_has_bom_headers_crlf_and_quoting() {
        let s = rich_scheme();
        let lines = [
            (1, LineCode::Approval, 2_550),
            (2, LineCode::Approval, 5),
            (3, LineCode::Approval, 10_000),
            (4, LineCode::Approval, 1),
            (5, LineCode::Approval, 1),
        ];
        let p = payouts(&s, &lines, &[standing(3, "A")]);
        let names = |id: i64| {
            let name = match id {
                1 => "张三",
                2 => "Li, Si",
                3 => "王\"五\"",
                4 => "赵\n六",
                _ => "=HYPERLINK(\"x\")",
            };
            (format!("w{id}"), name.to_owned())
        };
        let heading = SheetHeading {
            township: "济川街道",
            period: "2026年3月",
            provisional: true,
        };
        let csv = payouts_csv(&heading, &p, &names);
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.ends_with("\r\n"));
        let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(
            rows,
            [
                "乡镇（街道）,济川街道",
                "周期,2026年3月",
                "状态,统计中（暂定），本周期结算前金额可能变化",
                "",
                "账号,姓名,任务奖励(元),扣减(元),档次奖励(元),应发(元),实发(元)",
                "w1,张三,25.50,0.00,0.00,25.50,25.50",
                "w2,\"Li, Si\",0.05,0.00,0.00,0.05,0.05",
                "w3,\"王\"\"五\"\"\",100.00,0.00,300.00,400.00,400.00",
                "w4,\"赵\n六\",0.01,0.00,0.00,0.01,0.01",
                "w5,\"'=HYPERLINK(\"\"x\"\")\",0.01,0.00,0.00,0.01,0.01",
                "合计,,125.57,0.00,300.00,425.57,425.57",
                "",
            ]
        );
    }
}
