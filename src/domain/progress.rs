//! What a case's applicant (申请执行人) may learn about the progress of their case, and nothing
//! more: each assistance task's kind, where it stands in coarse terms, the dates it moved, and —
//! once the court approved it — a one-word result; the case's own status. Never who did the work,
//! where (no grids, townships or coordinates), what they wrote or photographed, or anything about
//! the debtor beyond that one word. This module turns the internal facts into that view; it does
//! no I/O, so what can leak is decided here and tested here.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::TaskKind;
use crate::domain::submission::{ServeDocuments, TaskResult, UrgeResponse};
use crate::domain::task_record::EventAction;
use crate::domain::task_state::TaskStatus;

/// The Chinese name of a kind of assistance, as courts write it.
pub fn kind_label(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::ServeDocuments => "文书送达",
        TaskKind::LocatePerson => "查找被执行人",
        TaskKind::LocateAssets => "查找财产线索",
        TaskKind::UrgePerformance => "督促履行",
        TaskKind::FacilitateSettlement => "促成和解",
        TaskKind::PublicizeDishonesty => "失信曝光",
        TaskKind::ReportRefusal => "拒执线索报告",
        TaskKind::TakeDownNotice => "撤除失信曝光",
    }
}

/// Where a task stands, as an applicant needs to know it. The internal statuses say who holds
/// the task and whether its result was sent back for rework; neither is the applicant's concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicStatus {
    /// 待办理: created, waiting for or given to a grid worker, not yet taken on.
    Pending,
    /// 办理中: taken on, visited, or being reworked.
    InProgress,
    /// 待审核: a result awaits the court's review.
    UnderReview,
    /// 已完成: the court approved the result.
    Completed,
    /// 已撤回: the court withdrew the task.
    Cancelled,
}

impl PublicStatus {
    pub fn of(status: TaskStatus) -> PublicStatus {
        match status {
            TaskStatus::Created | TaskStatus::Queued | TaskStatus::Assigned => PublicStatus::Pending,
            TaskStatus::Accepted | TaskStatus::InProgress | TaskStatus::Returned => PublicStatus::InProgress,
            TaskStatus::Submitted => PublicStatus::UnderReview,
            TaskStatus::Approved => PublicStatus::Completed,
            TaskStatus::Cancelled => PublicStatus::Cancelled,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PublicStatus::Pending => "待办理",
            PublicStatus::InProgress => "办理中",
            PublicStatus::UnderReview => "待审核",
            PublicStatus::Completed => "已完成",
            PublicStatus::Cancelled => "已撤回",
        }
    }
}

/// An approved result in one word. It says what happened, never where, to whom, or how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicResult {
    Served,
    NotServed,
    PersonFound,
    PersonNotFound,
    AssetsFound,
    NoAssetsFound,
    AgreedToPay,
    PaidInFull,
    PaidInPart,
    RefusedToPay,
    UnableToPay,
    DebtorNotReached,
    SettlementReached,
    NoSettlement,
    NoticePosted,
    RefusalReported,
    NoticeTakenDown,
}

impl PublicResult {
    pub fn of(result: &TaskResult) -> PublicResult {
        match result {
            TaskResult::ServeDocuments(ServeDocuments { served_attempt, .. }) => match served_attempt {
                Some(_) => PublicResult::Served,
                None => PublicResult::NotServed,
            },
            TaskResult::LocatePerson(r) if r.found => PublicResult::PersonFound,
            TaskResult::LocatePerson(_) => PublicResult::PersonNotFound,
            TaskResult::LocateAssets(r) if !r.assets.is_empty() => PublicResult::AssetsFound,
            TaskResult::LocateAssets(_) => PublicResult::NoAssetsFound,
            TaskResult::UrgePerformance(r) => match r.response {
                UrgeResponse::AgreedToPay => PublicResult::AgreedToPay,
                UrgeResponse::PaidInFull => PublicResult::PaidInFull,
                UrgeResponse::PaidInPart => PublicResult::PaidInPart,
                UrgeResponse::Refused => PublicResult::RefusedToPay,
                UrgeResponse::UnableToPay => PublicResult::UnableToPay,
                UrgeResponse::NotReached => PublicResult::DebtorNotReached,
            },
            TaskResult::FacilitateSettlement(r) if r.reached => PublicResult::SettlementReached,
            TaskResult::FacilitateSettlement(_) => PublicResult::NoSettlement,
            TaskResult::PublicizeDishonesty(_) => PublicResult::NoticePosted,
            TaskResult::ReportRefusal(_) => PublicResult::RefusalReported,
            TaskResult::TakeDownNotice(_) => PublicResult::NoticeTakenDown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PublicResult::Served => "已送达",
            PublicResult::NotServed => "未能送达",
            PublicResult::PersonFound => "已找到被执行人",
            PublicResult::PersonNotFound => "未找到被执行人",
            PublicResult::AssetsFound => "发现财产线索",
            PublicResult::NoAssetsFound => "未发现财产线索",
            PublicResult::AgreedToPay => "被执行人承诺履行",
            PublicResult::PaidInFull => "被执行人已全部履行",
            PublicResult::PaidInPart => "被执行人已部分履行",
            PublicResult::RefusedToPay => "被执行人拒绝履行",
            PublicResult::UnableToPay => "被执行人暂无履行能力",
            PublicResult::DebtorNotReached => "未能联系被执行人",
            PublicResult::SettlementReached => "已达成和解",
            PublicResult::NoSettlement => "未达成和解",
            PublicResult::NoticePosted => "已张贴失信公告",
            PublicResult::RefusalReported => "已报告拒执线索",
            PublicResult::NoticeTakenDown => "已撤除失信公告",
        }
    }
}

/// What the court later recorded as achieved after a task, as yes/no flags (amounts stay with
/// the court: they describe the debtor's assets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
pub struct PublicOutcome {
    pub assets_frozen: bool,
    pub assets_seized: bool,
    /// Money was recovered for the applicant.
    pub money_recovered: bool,
    pub settlement_performed: bool,
}

/// A step in a case's life that the applicant sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// 立案: the case was filed (no task).
    CaseFiled,
    /// 发起协助: the court asked for a grid worker's help.
    TaskCreated,
    /// 网格员接收: a grid worker took the task on.
    TaskAccepted,
    /// 到场: a grid worker was on site for the first time.
    TaskCheckedIn,
    /// 提交结果: a result was handed in for the first time.
    TaskSubmitted,
    /// 审核通过: the court approved the result.
    TaskApproved,
    /// 撤回: the court withdrew the task.
    TaskCancelled,
    /// 结案: the case was closed (concluded or terminated; no task).
    CaseClosed,
}

impl Milestone {
    pub fn label(self) -> &'static str {
        match self {
            Milestone::CaseFiled => "立案",
            Milestone::TaskCreated => "法院发起协助",
            Milestone::TaskAccepted => "网格员接收任务",
            Milestone::TaskCheckedIn => "网格员到场",
            Milestone::TaskSubmitted => "网格员提交结果",
            Milestone::TaskApproved => "法院审核通过",
            Milestone::TaskCancelled => "法院撤回任务",
            Milestone::CaseClosed => "结案",
        }
    }

    /// The milestone a task event marks, for the events that count (first occurrence each).
    pub fn of_action(action: EventAction) -> Option<Milestone> {
        match action {
            EventAction::Accept => Some(Milestone::TaskAccepted),
            EventAction::CheckIn => Some(Milestone::TaskCheckedIn),
            EventAction::Submit => Some(Milestone::TaskSubmitted),
            EventAction::Approve => Some(Milestone::TaskApproved),
            EventAction::Cancel => Some(Milestone::TaskCancelled),
            _ => None,
        }
    }
}

/// The task event actions [`Milestone::of_action`] knows, for queries.
pub const MILESTONE_ACTIONS: [EventAction; 5] = [
    EventAction::Accept,
    EventAction::CheckIn,
    EventAction::Submit,
    EventAction::Approve,
    EventAction::Cancel,
];

/// What is known about one task, internally (UTC times).
#[derive(Debug, Clone)]
pub struct TaskFacts {
    pub task_id: i64,
    pub kind: TaskKind,
    pub status: TaskStatus,
    pub created_at: NaiveDateTime,
    /// The first time each milestone action happened.
    pub first: BTreeMap<Milestone, NaiveDateTime>,
    /// The approved result, if the court approved one.
    pub approved_result: Option<TaskResult>,
    /// The latest outcome the court recorded: frozen, seized, recovered (fen), settlement.
    pub outcome: Option<(i64, i64, i64, bool)>,
}

/// One task as the applicant sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PublicTask {
    /// The task's number within the case, 1 for the first the court created.
    pub number: u32,
    pub kind: TaskKind,
    /// The kind in Chinese, e.g. 文书送达.
    pub kind_label: String,
    pub status: PublicStatus,
    pub status_label: String,
    /// Dates (China) of the milestones reached.
    pub created_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub checked_in_on: Option<NaiveDate>,
    pub submitted_on: Option<NaiveDate>,
    pub approved_on: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
    /// The approved result in one word; absent until the court approves one.
    pub result: Option<PublicResult>,
    pub result_label: Option<String>,
    /// What the court recorded as achieved afterwards, if anything was recorded.
    pub outcome: Option<PublicOutcome>,
}

/// One dated step, in time order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// The date (China).
    pub on: NaiveDate,
    pub milestone: Milestone,
    /// The milestone in Chinese.
    pub label: String,
    /// The task's number within the case; absent for the case's own steps.
    pub task: Option<u32>,
    pub kind: Option<TaskKind>,
    pub kind_label: Option<String>,
}

/// The tasks and the timeline of a case. `to_local` turns a UTC instant into the date in China;
/// `closed_at` is when the case closed, if it did.
pub fn assemble(
    filed_on: NaiveDate,
    closed_at: Option<NaiveDateTime>,
    mut facts: Vec<TaskFacts>,
    to_local: impl Fn(NaiveDateTime) -> NaiveDate,
) -> (Vec<PublicTask>, Vec<TimelineEntry>) {
    facts.sort_by_key(|f| (f.created_at, f.task_id));
    // (instant for ordering, entry); the filing has only a date, so it sorts by that date's
    // start and before any task created that day.
    let mut dated: Vec<((NaiveDateTime, u32, Milestone), TimelineEntry)> = Vec::new();
    let day_start = filed_on.and_hms_opt(0, 0, 0).unwrap_or_default();
    dated.push((
        (day_start, 0, Milestone::CaseFiled),
        TimelineEntry {
            on: filed_on,
            milestone: Milestone::CaseFiled,
            label: Milestone::CaseFiled.label().into(),
            task: None,
            kind: None,
            kind_label: None,
        },
    ));
    let mut tasks = Vec::with_capacity(facts.len());
    for (i, f) in facts.into_iter().enumerate() {
        let number = i as u32 + 1;
        let on = |m: Milestone| f.first.get(&m).map(|t| to_local(*t));
        let mut steps = vec![(Milestone::TaskCreated, f.created_at)];
        steps.extend(f.first.iter().map(|(m, t)| (*m, *t)));
        for (milestone, at) in steps {
            dated.push((
                (at, number, milestone),
                TimelineEntry {
                    on: to_local(at),
                    milestone,
                    label: milestone.label().into(),
                    task: Some(number),
                    kind: Some(f.kind),
                    kind_label: Some(kind_label(f.kind).into()),
                },
            ));
        }
        // Only an approved result is the court's finding; one awaiting review is not.
        let result = f
            .approved_result
            .as_ref()
            .filter(|_| f.status == TaskStatus::Approved)
            .map(PublicResult::of);
        let status = PublicStatus::of(f.status);
        tasks.push(PublicTask {
            number,
            kind: f.kind,
            kind_label: kind_label(f.kind).into(),
            status,
            status_label: status.label().into(),
            created_on: to_local(f.created_at),
            accepted_on: on(Milestone::TaskAccepted),
            checked_in_on: on(Milestone::TaskCheckedIn),
            submitted_on: on(Milestone::TaskSubmitted),
            approved_on: on(Milestone::TaskApproved),
            cancelled_on: on(Milestone::TaskCancelled),
            result,
            result_label: result.map(|r| r.label().into()),
            outcome: f
                .outcome
                .map(|(frozen, seized, recovered, settled)| PublicOutcome {
                    assets_frozen: frozen > 0,
                    assets_seized: seized > 0,
                    money_recovered: recovered > 0,
                    settlement_performed: settled,
                }),
        });
    }
    if let Some(at) = closed_at {
        dated.push((
            (at, u32::MAX, Milestone::CaseClosed),
            TimelineEntry {
                on: to_local(at),
                milestone: Milestone::CaseClosed,
                label: Milestone::CaseClosed.label().into(),
                task: None,
                kind: None,
                kind_label: None,
            },
        ));
    }
    dated.sort_by_key(|(key, _)| *key);
    (tasks, dated.into_iter().map(|(_, e)| e).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::submission::parse;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    /// China time, as the service uses.
    fn local(t: NaiveDateTime) -> NaiveDate {
        crate::domain::time::local_date(t)
    }

    fn served() -> TaskResult {
        let now = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
        parse(
            TaskKind::ServeDocuments,
            json!({"kind": "serve_documents", "attempts": [
                {"at": "2026-03-02T02:00:00Z", "place": "泰兴市某路1号", "outcome": "served_personally",
                 "evidence_ids": [7]}], "served_attempt": 0}),
            now,
        )
        .unwrap()
    }

    #[test]
    fn every_internal_status_maps_to_a_coarse_public_one() {
        use PublicStatus as P;
        let expected = [
            P::Pending,
            P::Pending,
            P::Pending,
            P::InProgress,
            P::InProgress,
            P::UnderReview,
            P::InProgress,
            P::Completed,
            P::Cancelled,
        ];
        for (status, want) in TaskStatus::ALL.into_iter().zip(expected) {
            assert_eq!(PublicStatus::of(status), want, "{status}");
        }
        for kind in TaskKind::ALL {
            assert!(!kind_label(kind).is_empty());
        }
    }

    #[test]
    fn results_are_one_word_without_names_places_or_amounts() {
        let result = served();
        assert_eq!(PublicResult::of(&result), PublicResult::Served);
        let text = serde_json::to_string(&PublicResult::of(&result)).unwrap();
        assert_eq!(text, "\"served\"");
        let now = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
        let paid = parse(
            TaskKind::UrgePerformance,
            json!({"kind": "urge_performance", "response": "paid_in_part", "amount_paid_now_fen": 50000,
                   "receipt_evidence_ids": [3]}),
            now,
        )
        .unwrap();
        assert_eq!(PublicResult::of(&paid), PublicResult::PaidInPart);
        let nobody = parse(
            TaskKind::LocatePerson,
            json!({"kind": "locate_person", "found": false, "note": "邻居称已搬走"}),
            now,
        )
        .unwrap();
        assert_eq!(PublicResult::of(&nobody), PublicResult::PersonNotFound);
    }

    #[test]
    fn the_timeline_is_in_time_order_with_task_numbers_and_local_dates() {
        let mut first = BTreeMap::new();
        first.insert(Milestone::TaskAccepted, at(2, 1));
        first.insert(Milestone::TaskCheckedIn, at(2, 20)); // 2026-03-03 in China
        first.insert(Milestone::TaskSubmitted, at(3, 2));
        first.insert(Milestone::TaskApproved, at(4, 3));
        let approved = TaskFacts {
            task_id: 9,
            kind: TaskKind::ServeDocuments,
            status: TaskStatus::Approved,
            created_at: at(1, 23), // 2026-03-02 07:00 in China
            first,
            approved_result: Some(served()),
            outcome: Some((0, 0, 120_000, false)),
        };
        let mut cancelled_first = BTreeMap::new();
        cancelled_first.insert(Milestone::TaskCancelled, at(3, 5));
        let cancelled = TaskFacts {
            task_id: 4,
            kind: TaskKind::LocateAssets,
            status: TaskStatus::Cancelled,
            created_at: at(2, 12),
            first: cancelled_first,
            approved_result: None,
            outcome: None,
        };
        let filed = NaiveDate::from_ymd_opt(2026, 2, 27).unwrap();
        let (tasks, timeline) = assemble(filed, Some(at(5, 1)), vec![cancelled, approved], local);
        // Numbered by creation, whatever their ids.
        assert_eq!(tasks[0].number, 1);
        assert_eq!(tasks[0].kind, TaskKind::ServeDocuments);
        assert_eq!(tasks[0].created_on, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(tasks[0].checked_in_on, NaiveDate::from_ymd_opt(2026, 3, 3));
        assert_eq!(tasks[0].result, Some(PublicResult::Served));
        assert_eq!(tasks[0].result_label.as_deref(), Some("已送达"));
        assert_eq!(
            tasks[0].outcome,
            Some(PublicOutcome {
                money_recovered: true,
                ..PublicOutcome::default()
            })
        );
        assert_eq!(tasks[1].status, PublicStatus::Cancelled);
        assert_eq!(tasks[1].result, None);
        let steps: Vec<(Milestone, Option<u32>)> = timeline.iter().map(|e| (e.milestone, e.task)).collect();
        assert_eq!(
            steps,
            [
                (Milestone::CaseFiled, None),
                (Milestone::TaskCreated, Some(1)),
                (Milestone::TaskAccepted, Some(1)),
                (Milestone::TaskCreated, Some(2)),
                (Milestone::TaskCheckedIn, Some(1)),
                (Milestone::TaskSubmitted, Some(1)),
                (Milestone::TaskCancelled, Some(2)),
                (Milestone::TaskApproved, Some(1)),
                (Milestone::CaseClosed, None),
            ]
        );
        assert!(timeline.windows(2).all(|w| w[0].on <= w[1].on));
    }

    #[test]
    fn a_result_not_yet_approved_is_not_shown() {
        let facts = TaskFacts {
            task_id: 1,
            kind: TaskKind::ServeDocuments,
            status: TaskStatus::Submitted,
            created_at: at(1, 1),
            first: BTreeMap::new(),
            approved_result: Some(served()),
            outcome: None,
        };
        let (tasks, _) = assemble(
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            None,
            vec![facts],
            local,
        );
        assert_eq!(tasks[0].status, PublicStatus::UnderReview);
        assert_eq!(tasks[0].result, None);
    }
}
