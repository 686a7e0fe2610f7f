//! The automatic-assignment rule for one set of candidates: which workers covering a grid may take
//! a task, which of them gets it, and an explanation an officer can read. Finding the grid, loading
//! the candidates, and falling back to the township's other grids (nearest first, within a radius)
//! are the caller's job: it calls [`choose`] once per grid until someone wins, and queues the task
//! otherwise.
//!
//! The rule: a candidate is eligible when active, not on leave, certified for the kind, below
//! capacity and not recused from the case. Among eligible candidates the winner is the least loaded
//! (open tasks ÷ capacity, compared exactly), then the one with fewer recent declines, then the one
//! whose last check-in was nearest the target (unknown distance ranks last), then the lowest worker
//! id.

use std::cmp::Ordering;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// One worker who covers the grid, with what the rule needs to know.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The worker's user id; expected to be unique within one call.
    pub worker_id: i64,
    /// The worker's display name, echoed in the explanation.
    pub name: String,
    /// Whether the account is active.
    pub active: bool,
    /// On leave through this date (inclusive); `None` = available.
    pub on_leave_until: Option<NaiveDate>,
    /// Holds a current certification for the task's kind (or the scheme requires none).
    pub certified: bool,
    /// Tasks the worker currently holds.
    pub open_tasks: u32,
    /// The most open tasks the worker may hold; 0 means the worker takes none.
    pub capacity: u32,
    /// Declined this case before for a conflict of interest.
    pub recused: bool,
    /// Declines in the last 30 days.
    pub recent_declines: u32,
    /// Distance in metres from the worker's latest check-in to the target; `None` = unknown, which
    /// ranks after any known distance. NaN is treated as unknown.
    pub last_check_in_distance_m: Option<f64>,
}

/// Why a candidate cannot take the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ineligibility {
    /// The account is not active.
    Inactive,
    /// On leave today (the leave runs through `on_leave_until` inclusive).
    OnLeave,
    /// No current certification for the task's kind.
    NotCertified,
    /// Open tasks have reached capacity (always so when capacity is 0).
    AtCapacity,
    /// Recused from this case for a conflict of interest.
    Recused,
}

impl Ineligibility {
    /// Every reason, in the order verdicts list them.
    pub const ALL: [Ineligibility; 5] = [
        Ineligibility::Inactive,
        Ineligibility::OnLeave,
        Ineligibility::NotCertified,
        Ineligibility::AtCapacity,
        Ineligibility::Recused,
    ];

    /// The reason's code in the API (snake_case, as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Ineligibility::Inactive => "inactive",
            Ineligibility::OnLeave => "on_leave",
            Ineligibility::NotCertified => "not_certified",
            Ineligibility::AtCapacity => "at_capacity",
            Ineligibility::Recused => "recused",
        }
    }

    /// Wording for the explanation ("3 at capacity").
    fn words(self) -> &'static str {
        match self {
            Ineligibility::Inactive => "inactive",
            Ineligibility::OnLeave => "on leave",
            Ineligibility::NotCertified => "not certified",
            Ineligibility::AtCapacity => "at capacity",
            Ineligibility::Recused => "recused",
        }
    }
}

/// What the rule made of one candidate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateVerdict {
    /// The worker's user id.
    pub worker_id: i64,
    /// The worker's display name.
    pub name: String,
    /// Whether the worker could take the task.
    pub eligible: bool,
    /// Every reason the worker cannot take the task, not only the first; empty when eligible.
    pub ineligible_because: Vec<Ineligibility>,
    /// Open tasks ÷ capacity; capacity 0 counts as full (1.0). Informative only: ranking compares
    /// the exact fractions.
    pub load: f64,
    /// Declines in the last 30 days.
    pub recent_declines: u32,
    /// Distance in metres from the latest check-in to the target, if known.
    pub last_check_in_distance_m: Option<f64>,
    /// Place among eligible workers, 1 = winner; `None` for ineligible ones.
    pub rank: Option<u32>,
}

/// The outcome of the rule for one candidate set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Choice {
    /// The chosen worker's id; `None` when nobody is eligible.
    pub winner: Option<i64>,
    /// Why the winner won, in words an officer understands, e.g. "least loaded (2 of 10 open
    /// tasks vs 5 of 10 for worker 12)" or "tied on load with worker 12; fewer recent declines (0
    /// vs 2)"; or why nobody did, e.g. "nobody eligible: 3 at capacity, 1 on leave".
    pub reason: String,
    /// One verdict per candidate, in input order.
    pub candidates: Vec<CandidateVerdict>,
}

/// Apply the rule on `today`. Deterministic: ties are broken exactly as the rule says, finally by
/// lowest id, so the result does not depend on the order of `candidates` (as long as worker ids
/// are unique; duplicates that tie on everything keep their input order).
pub fn choose(candidates: &[Candidate], today: NaiveDate) -> Choice {
    let reasons: Vec<Vec<Ineligibility>> = candidates.iter().map(|c| ineligibility(c, today)).collect();

    let mut ranked: Vec<usize> = (0..candidates.len()).filter(|&i| reasons[i].is_empty()).collect();
    // A stable sort, so only exact duplicates could depend on input order.
    ranked.sort_by(|&a, &b| compare(&candidates[a], &candidates[b]).0);

    let mut ranks: Vec<Option<u32>> = vec![None; candidates.len()];
    for (place, &i) in ranked.iter().enumerate() {
        // No grid has four billion workers; saturating keeps this total without a panic path.
        ranks[i] = Some(u32::try_from(place + 1).unwrap_or(u32::MAX));
    }

    let reason = match ranked.as_slice() {
        [] => nobody_eligible(&reasons),
        [only] => only_eligible(&candidates[*only], &reasons),
        [first, second, ..] => why_first_beats_second(&candidates[*first], &candidates[*second]),
    };

    let verdicts = candidates
        .iter()
        .zip(reasons)
        .zip(ranks)
        .map(|((c, because), rank)| CandidateVerdict {
            worker_id: c.worker_id,
            name: c.name.clone(),
            eligible: because.is_empty(),
            ineligible_because: because,
            load: load(c),
            recent_declines: c.recent_declines,
            last_check_in_distance_m: distance(c),
            rank,
        })
        .collect();

    Choice {
        winner: ranked.first().map(|&i| candidates[i].worker_id),
        reason,
        candidates: verdicts,
    }
}

/// Every reason `c` cannot take a task today, in [`Ineligibility::ALL`] order.
fn ineligibility(c: &Candidate, today: NaiveDate) -> Vec<Ineligibility> {
    let checks = [
        (Ineligibility::Inactive, !c.active),
        (
            Ineligibility::OnLeave,
            c.on_leave_until.is_some_and(|until| today <= until),
        ),
        (Ineligibility::NotCertified, !c.certified),
        (Ineligibility::AtCapacity, c.open_tasks >= c.capacity),
        (Ineligibility::Recused, c.recused),
    ];
    checks
        .into_iter()
        .filter(|&(_, applies)| applies)
        .map(|(why, _)| why)
        .collect()
}

/// Load as a fraction (open, capacity); capacity 0 counts as full.
fn load_fraction(c: &Candidate) -> (u64, u64) {
    if c.capacity == 0 {
        (1, 1)
    } else {
        (u64::from(c.open_tasks), u64::from(c.capacity))
    }
}

fn load(c: &Candidate) -> f64 {
    let (open, cap) = load_fraction(c);
    open as f64 / cap as f64
}

/// The known distance; NaN says nothing, so it counts as unknown (and would serialize as null).
fn distance(c: &Candidate) -> Option<f64> {
    c.last_check_in_distance_m.filter(|d| !d.is_nan())
}

/// The tie-break levels of the rule, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Criterion {
    Load,
    RecentDeclines,
    Distance,
    WorkerId,
}

/// How `a` ranks against `b` (Less = `a` first), and the criterion that decided it. Two entries
/// for the same worker tie on everything and report `WorkerId` with `Equal`.
fn compare(a: &Candidate, b: &Candidate) -> (Ordering, Criterion) {
    let (open_a, cap_a) = load_fraction(a);
    let (open_b, cap_b) = load_fraction(b);
    // Cross-multiplied so equal fractions (1/5, 2/10) are real ties; u32 × u32 fits in u64.
    let by_load = (open_a * cap_b).cmp(&(open_b * cap_a));
    let by_declines = a.recent_declines.cmp(&b.recent_declines);
    let by_distance = match (distance(a), distance(b)) {
        // NaN is filtered out, so the comparison always answers.
        (Some(da), Some(db)) => da.partial_cmp(&db).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    [
        (by_load, Criterion::Load),
        (by_declines, Criterion::RecentDeclines),
        (by_distance, Criterion::Distance),
        (a.worker_id.cmp(&b.worker_id), Criterion::WorkerId),
    ]
    .into_iter()
    .find(|(ord, _)| ord.is_ne())
    .unwrap_or((Ordering::Equal, Criterion::WorkerId))
}

fn why_first_beats_second(w: &Candidate, r: &Candidate) -> String {
    let rid = r.worker_id;
    match compare(w, r).1 {
        Criterion::Load => format!(
            "least loaded ({} of {} open tasks vs {} of {} for worker {rid})",
            w.open_tasks, w.capacity, r.open_tasks, r.capacity
        ),
        Criterion::RecentDeclines => format!(
            "tied on load with worker {rid}; fewer recent declines ({} vs {})",
            w.recent_declines, r.recent_declines
        ),
        Criterion::Distance => {
            let (dw, dr) = metres_pair(distance(w), distance(r));
            format!("tied on load and recent declines with worker {rid}; nearer last check-in ({dw} vs {dr})")
        }
        Criterion::WorkerId if w.worker_id == r.worker_id => {
            format!("worker {rid} is listed twice; the first entry ranks first")
        }
        Criterion::WorkerId => format!(
            "tied on load, recent declines and check-in distance with worker {rid}; lowest worker id \
             ({} vs {rid})",
            w.worker_id
        ),
    }
}

/// Two distances for display, whole metres unless that would make different values look equal.
fn metres_pair(a: Option<f64>, b: Option<f64>) -> (String, String) {
    let show = |d: Option<f64>, precise: bool| match d {
        None => "unknown".to_string(),
        Some(m) if precise => format!("{m} m"),
        Some(m) => format!("{m:.0} m"),
    };
    let (a0, b0) = (show(a, false), show(b, false));
    if a0 == b0 {
        (show(a, true), show(b, true))
    } else {
        (a0, b0)
    }
}

fn only_eligible(winner: &Candidate, reasons: &[Vec<Ineligibility>]) -> String {
    let others = reasons.iter().filter(|r| !r.is_empty()).count();
    if others == 0 {
        format!(
            "the only eligible worker ({} of {} open tasks)",
            winner.open_tasks, winner.capacity
        )
    } else {
        format!(
            "the only eligible worker ({} of {} open tasks); not eligible: {}",
            winner.open_tasks,
            winner.capacity,
            tally(reasons)
        )
    }
}

fn nobody_eligible(reasons: &[Vec<Ineligibility>]) -> String {
    if reasons.is_empty() {
        "nobody eligible: no worker covers this grid".to_string()
    } else {
        format!("nobody eligible: {}", tally(reasons))
    }
}

/// "3 at capacity, 1 on leave": each reason with how many candidates it applies to, the most
/// common obstacle first (ties in [`Ineligibility::ALL`] order). A candidate with several reasons
/// counts under each, so the officer sees every obstacle.
fn tally(reasons: &[Vec<Ineligibility>]) -> String {
    let mut counts: Vec<(usize, Ineligibility)> = Ineligibility::ALL
        .into_iter()
        .map(|why| (reasons.iter().filter(|r| r.contains(&why)).count(), why))
        .filter(|&(n, _)| n > 0)
        .collect();
    // Stable, so equal counts keep the declaration order.
    counts.sort_by_key(|&(n, _)| std::cmp::Reverse(n));
    counts
        .iter()
        .map(|(n, why)| format!("{n} {}", why.words()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ineligibility as I;
    use std::collections::BTreeMap;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    const TODAY: u32 = 15;

    /// An eligible worker with nothing on: 0 of 10 open, no declines, distance unknown.
    fn cand(id: i64) -> Candidate {
        Candidate {
            worker_id: id,
            name: format!("Worker {id}"),
            active: true,
            on_leave_until: None,
            certified: true,
            open_tasks: 0,
            capacity: 10,
            recused: false,
            recent_declines: 0,
            last_check_in_distance_m: None,
        }
    }

    fn with(id: i64, f: impl FnOnce(&mut Candidate)) -> Candidate {
        let mut c = cand(id);
        f(&mut c);
        c
    }

    fn run(cs: &[Candidate]) -> Choice {
        choose(cs, day(TODAY))
    }

    fn verdict(choice: &Choice, id: i64) -> &CandidateVerdict {
        choice.candidates.iter().find(|v| v.worker_id == id).unwrap()
    }

    fn ranks(choice: &Choice) -> BTreeMap<i64, Option<u32>> {
        choice.candidates.iter().map(|v| (v.worker_id, v.rank)).collect()
    }

    #[test]
    fn each_ineligibility_alone() {
        let cases: [(Ineligibility, Candidate, &str); 5] = [
            (
                I::Inactive,
                with(1, |c| c.active = false),
                "nobody eligible: 1 inactive",
            ),
            (
                I::OnLeave,
                with(1, |c| c.on_leave_until = Some(day(20))),
                "nobody eligible: 1 on leave",
            ),
            (
                I::NotCertified,
                with(1, |c| c.certified = false),
                "nobody eligible: 1 not certified",
            ),
            (
                I::AtCapacity,
                with(1, |c| c.open_tasks = 10),
                "nobody eligible: 1 at capacity",
            ),
            (
                I::Recused,
                with(1, |c| c.recused = true),
                "nobody eligible: 1 recused",
            ),
        ];
        for (why, c, reason) in cases {
            let choice = run(&[c]);
            assert_eq!(choice.winner, None, "{why:?}");
            assert_eq!(choice.reason, reason);
            let v = &choice.candidates[0];
            assert!(!v.eligible);
            assert_eq!(v.ineligible_because, [why]);
            assert_eq!(v.rank, None);
        }
    }

    #[test]
    fn every_reason_is_listed_not_only_the_first() {
        let all = with(7, |c| {
            c.active = false;
            c.on_leave_until = Some(day(TODAY));
            c.certified = false;
            c.open_tasks = 3;
            c.capacity = 3;
            c.recused = true;
        });
        let choice = run(&[all]);
        assert_eq!(choice.candidates[0].ineligible_because, Ineligibility::ALL);
        assert_eq!(
            choice.reason,
            "nobody eligible: 1 inactive, 1 on leave, 1 not certified, 1 at capacity, 1 recused"
        );

        let two = with(8, |c| {
            c.on_leave_until = Some(day(TODAY + 1));
            c.recused = true;
        });
        assert_eq!(
            run(&[two]).candidates[0].ineligible_because,
            [I::OnLeave, I::Recused]
        );
    }

    #[test]
    fn leave_runs_through_its_last_day() {
        let ended_yesterday = with(1, |c| c.on_leave_until = Some(day(TODAY - 1)));
        let ends_today = with(2, |c| c.on_leave_until = Some(day(TODAY)));
        let ends_tomorrow = with(3, |c| c.on_leave_until = Some(day(TODAY + 1)));
        let choice = run(&[ended_yesterday, ends_today, ends_tomorrow]);
        assert!(verdict(&choice, 1).eligible);
        assert_eq!(verdict(&choice, 2).ineligible_because, [I::OnLeave]);
        assert_eq!(verdict(&choice, 3).ineligible_because, [I::OnLeave]);
        assert_eq!(choice.winner, Some(1));
        assert_eq!(
            choice.reason,
            "the only eligible worker (0 of 10 open tasks); not eligible: 2 on leave"
        );
    }

    #[test]
    fn capacity_boundaries() {
        let below = with(1, |c| c.open_tasks = 9);
        let full = with(2, |c| c.open_tasks = 10);
        let over = with(3, |c| c.open_tasks = 12); // capacity lowered after assignment
        let choice = run(&[below, full, over]);
        assert_eq!(choice.winner, Some(1));
        assert_eq!(verdict(&choice, 2).ineligible_because, [I::AtCapacity]);
        assert_eq!(verdict(&choice, 3).ineligible_because, [I::AtCapacity]);
        assert_eq!(verdict(&choice, 1).load, 0.9);
        assert_eq!(verdict(&choice, 2).load, 1.0);
        assert_eq!(verdict(&choice, 3).load, 1.2);
    }

    #[test]
    fn capacity_zero_is_full() {
        let none_open = with(1, |c| c.capacity = 0);
        let some_open = with(2, |c| {
            c.capacity = 0;
            c.open_tasks = 4;
        });
        let choice = run(&[none_open, some_open]);
        assert_eq!(choice.winner, None);
        for id in [1, 2] {
            let v = verdict(&choice, id);
            assert_eq!(v.ineligible_because, [I::AtCapacity]);
            assert_eq!(v.load, 1.0);
        }
        assert_eq!(choice.reason, "nobody eligible: 2 at capacity");
    }

    #[test]
    fn empty_candidate_list() {
        let choice = run(&[]);
        assert_eq!(choice.winner, None);
        assert!(choice.candidates.is_empty());
        assert_eq!(choice.reason, "nobody eligible: no worker covers this grid");
    }

    #[test]
    fn nobody_eligible_summary_counts_each_reason() {
        let cs = [
            with(1, |c| c.open_tasks = 10),
            with(2, |c| c.open_tasks = 10),
            with(3, |c| {
                c.open_tasks = 10;
                c.on_leave_until = Some(day(TODAY));
            }),
            with(4, |c| c.recused = true),
        ];
        let choice = run(&cs);
        assert_eq!(choice.winner, None);
        assert_eq!(
            choice.reason,
            "nobody eligible: 3 at capacity, 1 on leave, 1 recused"
        );
        assert!(choice.candidates.iter().all(|v| v.rank.is_none()));
    }

    #[test]
    fn load_decides() {
        let busy = with(1, |c| c.open_tasks = 5);
        let light = with(9, |c| {
            c.open_tasks = 2;
            // Worse on every later criterion, so only load can explain the win.
            c.recent_declines = 4;
        });
        let choice = run(&[busy, light]);
        assert_eq!(choice.winner, Some(9));
        assert_eq!(
            choice.reason,
            "least loaded (2 of 10 open tasks vs 5 of 10 for worker 1)"
        );
    }

    #[test]
    fn load_is_a_ratio_not_a_count() {
        // 3 of 20 (0.15) is lighter than 2 of 5 (0.4) despite more open tasks.
        let small = with(1, |c| {
            c.open_tasks = 2;
            c.capacity = 5;
        });
        let big = with(2, |c| {
            c.open_tasks = 3;
            c.capacity = 20;
        });
        let choice = run(&[small, big]);
        assert_eq!(choice.winner, Some(2));
        assert_eq!(
            choice.reason,
            "least loaded (3 of 20 open tasks vs 2 of 5 for worker 1)"
        );
    }

    #[test]
    fn equal_fractions_tie_and_fall_to_declines() {
        let a = with(1, |c| {
            c.open_tasks = 1;
            c.capacity = 5;
            c.recent_declines = 2;
        });
        let b = with(2, |c| {
            c.open_tasks = 2;
            c.capacity = 10;
        });
        let choice = run(&[a, b]);
        assert_eq!(choice.winner, Some(2));
        assert_eq!(
            choice.reason,
            "tied on load with worker 1; fewer recent declines (0 vs 2)"
        );
    }

    #[test]
    fn loads_are_compared_exactly_where_floats_cannot_tell() {
        // a = 1 - 1/(MAX - 2) and b = 1 - 1/MAX differ by about 1e-19, far below an f64 step.
        let a_open = u32::MAX - 3;
        let a_cap = u32::MAX - 2;
        let b_open = u32::MAX - 1;
        let b_cap = u32::MAX;
        // Precondition: as floats the two loads are the same number…
        assert_eq!(a_open as f64 / a_cap as f64, b_open as f64 / b_cap as f64);
        // …but a_open/a_cap < b_open/b_cap, so `a` must win although it is worse on every later
        // criterion.
        let a = with(50, |c| {
            c.open_tasks = a_open;
            c.capacity = a_cap;
            c.recent_declines = 9;
        });
        let b = with(1, |c| {
            c.open_tasks = b_open;
            c.capacity = b_cap;
            c.last_check_in_distance_m = Some(1.0);
        });
        let choice = run(&[b, a]);
        assert_eq!(choice.winner, Some(50));
        assert!(choice.reason.starts_with("least loaded ("), "{}", choice.reason);
    }

    #[test]
    fn recent_declines_decide() {
        let decliner = with(1, |c| {
            c.recent_declines = 2;
            c.last_check_in_distance_m = Some(10.0);
        });
        let reliable = with(2, |c| c.last_check_in_distance_m = Some(5000.0));
        let choice = run(&[decliner, reliable]);
        assert_eq!(choice.winner, Some(2));
        assert_eq!(
            choice.reason,
            "tied on load with worker 1; fewer recent declines (0 vs 2)"
        );
    }

    #[test]
    fn distance_decides() {
        let far = with(1, |c| c.last_check_in_distance_m = Some(1200.0));
        let near = with(2, |c| c.last_check_in_distance_m = Some(350.4));
        let choice = run(&[far, near]);
        assert_eq!(choice.winner, Some(2));
        assert_eq!(
            choice.reason,
            "tied on load and recent declines with worker 1; nearer last check-in (350 m vs 1200 m)"
        );
    }

    #[test]
    fn distances_that_round_alike_are_shown_precisely() {
        let a = with(1, |c| c.last_check_in_distance_m = Some(100.4));
        let b = with(2, |c| c.last_check_in_distance_m = Some(100.2));
        let choice = run(&[a, b]);
        assert_eq!(choice.winner, Some(2));
        assert!(
            choice.reason.ends_with("(100.2 m vs 100.4 m)"),
            "{}",
            choice.reason
        );
    }

    #[test]
    fn unknown_distance_ranks_after_any_known_one() {
        let unknown = cand(1);
        let very_far = with(2, |c| c.last_check_in_distance_m = Some(1.0e7));
        let choice = run(&[unknown, very_far]);
        assert_eq!(choice.winner, Some(2));
        assert_eq!(
            choice.reason,
            "tied on load and recent declines with worker 1; nearer last check-in (10000000 m vs unknown)"
        );
        assert_eq!(verdict(&choice, 1).rank, Some(2));
    }

    #[test]
    fn nan_distance_counts_as_unknown() {
        let nan = with(1, |c| c.last_check_in_distance_m = Some(f64::NAN));
        let known = with(2, |c| c.last_check_in_distance_m = Some(800.0));
        let choice = run(&[nan, known]);
        assert_eq!(choice.winner, Some(2));
        assert_eq!(verdict(&choice, 1).last_check_in_distance_m, None);
        // Two unknowns tie and fall to the id.
        let choice = run(&[with(5, |c| c.last_check_in_distance_m = Some(f64::NAN)), cand(4)]);
        assert_eq!(choice.winner, Some(4));
    }

    #[test]
    fn lowest_id_decides_last() {
        let cs = [
            with(31, |c| c.last_check_in_distance_m = Some(200.0)),
            with(12, |c| c.last_check_in_distance_m = Some(200.0)),
            with(20, |c| c.last_check_in_distance_m = Some(200.0)),
        ];
        let choice = run(&cs);
        assert_eq!(choice.winner, Some(12));
        assert_eq!(
            choice.reason,
            "tied on load, recent declines and check-in distance with worker 20; lowest worker id (12 vs 20)"
        );
        assert_eq!(
            ranks(&choice),
            BTreeMap::from([(12, Some(1)), (20, Some(2)), (31, Some(3))])
        );
        // Both unknown is a tie as well; so is -0.0 against 0.0.
        assert_eq!(run(&[cand(8), cand(3)]).winner, Some(3));
        let neg = with(8, |c| c.last_check_in_distance_m = Some(-0.0));
        let pos = with(3, |c| c.last_check_in_distance_m = Some(0.0));
        assert_eq!(run(&[neg, pos]).winner, Some(3));
    }

    #[test]
    fn a_worker_listed_twice_is_still_decided_and_explained() {
        // The caller should not send duplicates; if it does, the rule stays total and honest.
        let choice = run(&[cand(5), cand(5), with(9, |c| c.open_tasks = 1)]);
        assert_eq!(choice.winner, Some(5));
        assert_eq!(
            choice.reason,
            "worker 5 is listed twice; the first entry ranks first"
        );
        assert_eq!(
            choice.candidates.iter().map(|v| v.rank).collect::<Vec<_>>(),
            [Some(1), Some(2), Some(3)]
        );
    }

    #[test]
    fn only_eligible_worker() {
        let choice = run(&[with(4, |c| c.open_tasks = 3)]);
        assert_eq!(choice.winner, Some(4));
        assert_eq!(choice.reason, "the only eligible worker (3 of 10 open tasks)");
        let choice = run(&[
            with(1, |c| c.active = false),
            with(4, |c| c.open_tasks = 3),
            with(6, |c| c.certified = false),
            with(7, |c| c.certified = false),
        ]);
        assert_eq!(choice.winner, Some(4));
        assert_eq!(
            choice.reason,
            "the only eligible worker (3 of 10 open tasks); not eligible: 2 not certified, 1 inactive"
        );
    }

    #[test]
    fn ineligible_candidates_never_win_however_good() {
        // The recused worker is idle and right there; the eligible one is busy and far away.
        let recused = with(1, |c| {
            c.recused = true;
            c.last_check_in_distance_m = Some(0.0);
        });
        let busy = with(2, |c| {
            c.open_tasks = 9;
            c.recent_declines = 5;
        });
        let choice = run(&[recused, busy]);
        assert_eq!(choice.winner, Some(2));
        assert_eq!(verdict(&choice, 1).rank, None);
    }

    /// A set with ties at every level, plus ineligible candidates in between.
    fn mixed() -> Vec<Candidate> {
        vec![
            with(40, |c| c.open_tasks = 10), // ineligible: full
            with(15, |c| c.open_tasks = 1),  // load 0.1, unknown distance
            with(11, |c| {
                c.open_tasks = 1;
                c.last_check_in_distance_m = Some(900.0);
            }), // load 0.1, 900 m
            with(13, |c| {
                c.open_tasks = 2;
                c.capacity = 20;
                c.last_check_in_distance_m = Some(300.0);
            }), // load 0.1, 300 m
            with(12, |c| {
                c.open_tasks = 1;
                c.last_check_in_distance_m = Some(300.0);
            }), // load 0.1, 300 m, lower id than 13
            with(10, |c| {
                c.open_tasks = 1;
                c.recent_declines = 1;
            }), // load 0.1 but a decline
            with(30, |c| c.open_tasks = 5),  // load 0.5
            with(2, |c| c.on_leave_until = Some(day(TODAY))), // ineligible: on leave
        ]
    }

    #[test]
    fn ranks_are_one_to_k_over_eligible_candidates_in_input_order() {
        let cs = mixed();
        let choice = run(&cs);
        let ids: Vec<i64> = choice.candidates.iter().map(|v| v.worker_id).collect();
        assert_eq!(ids, cs.iter().map(|c| c.worker_id).collect::<Vec<_>>());
        assert_eq!(
            ranks(&choice),
            BTreeMap::from([
                (12, Some(1)),
                (13, Some(2)),
                (11, Some(3)),
                (15, Some(4)),
                (10, Some(5)),
                (30, Some(6)),
                (40, None),
                (2, None),
            ])
        );
        assert_eq!(choice.winner, Some(12));
        assert_eq!(verdict(&choice, 12).rank, Some(1));
        assert_eq!(
            choice.reason,
            "tied on load, recent declines and check-in distance with worker 13; lowest worker id (12 vs 13)"
        );
        for v in &choice.candidates {
            assert_eq!(v.eligible, v.rank.is_some(), "worker {}", v.worker_id);
            assert_eq!(
                v.eligible,
                v.ineligible_because.is_empty(),
                "worker {}",
                v.worker_id
            );
        }
    }

    /// Every permutation of `items` (Heap's algorithm).
    fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
        fn go<T: Clone>(k: usize, a: &mut Vec<T>, out: &mut Vec<Vec<T>>) {
            if k <= 1 {
                out.push(a.clone());
                return;
            }
            for i in 0..k - 1 {
                go(k - 1, a, out);
                if k.is_multiple_of(2) {
                    a.swap(i, k - 1)
                } else {
                    a.swap(0, k - 1)
                }
            }
            go(k - 1, a, out);
        }
        let mut a = items.to_vec();
        let mut out = Vec::new();
        go(a.len(), &mut a, &mut out);
        out
    }

    #[test]
    fn the_result_does_not_depend_on_input_order() {
        let base = run(&mixed());
        let perms = permutations(&mixed());
        assert_eq!(perms.len(), 40_320);
        for p in perms {
            let choice = run(&p);
            assert_eq!(choice.winner, base.winner);
            assert_eq!(choice.reason, base.reason);
            assert_eq!(ranks(&choice), ranks(&base));
        }
    }

    #[test]
    fn verdicts_serialize_with_snake_case_reasons() {
        let choice = run(&[
            with(1, |c| {
                c.active = false;
                c.open_tasks = 10;
            }),
            with(2, |c| {
                c.open_tasks = 1;
                c.capacity = 4;
                c.last_check_in_distance_m = Some(120.5);
            }),
        ]);
        let json = serde_json::to_value(&choice).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "winner": 2,
                "reason": "the only eligible worker (1 of 4 open tasks); not eligible: 1 inactive, 1 at capacity",
                "candidates": [
                    {
                        "worker_id": 1, "name": "Worker 1", "eligible": false,
                        "ineligible_because": ["inactive", "at_capacity"],
                        "load": 1.0, "recent_declines": 0, "last_check_in_distance_m": null, "rank": null
                    },
                    {
                        "worker_id": 2, "name": "Worker 2", "eligible": true,
                        "ineligible_because": [],
                        "load": 0.25, "recent_declines": 0, "last_check_in_distance_m": 120.5, "rank": 1
                    }
                ]
            })
        );
        for why in Ineligibility::ALL {
            assert_eq!(serde_json::to_value(why).unwrap(), why.as_str());
        }
    }
}
