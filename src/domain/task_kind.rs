//! The kinds of assistance a grid worker gives the court (see the domain notes): the seven the
//! proposal lists, and taking a dishonesty notice down again once the debtor has left the list.
//! Worker certifications are per kind; [`TaskKind::qualifying_certifications`] says which
//! certifications qualify a worker for a kind.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest instructions a task may carry, in characters.
pub const INSTRUCTIONS_MAX_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// 文书送达
    ServeDocuments,
    /// 查人
    LocatePerson,
    /// 找物
    LocateAssets,
    /// 督促履行
    UrgePerformance,
    /// 促成和解
    FacilitateSettlement,
    /// 失信曝光
    PublicizeDishonesty,
    /// 拒执打击
    ReportRefusal,
    /// 撤除失信曝光公告: the debtor left the list of dishonest debtors, so the notice posted for
    /// `publicize_dishonesty` must come down.
    TakeDownNotice,
}

impl TaskKind {
    pub const ALL: [TaskKind; 8] = [
        TaskKind::ServeDocuments,
        TaskKind::LocatePerson,
        TaskKind::LocateAssets,
        TaskKind::UrgePerformance,
        TaskKind::FacilitateSettlement,
        TaskKind::PublicizeDishonesty,
        TaskKind::ReportRefusal,
        TaskKind::TakeDownNotice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::ServeDocuments => "serve_documents",
            TaskKind::LocatePerson => "locate_person",
            TaskKind::LocateAssets => "locate_assets",
            TaskKind::UrgePerformance => "urge_performance",
            TaskKind::FacilitateSettlement => "facilitate_settlement",
            TaskKind::PublicizeDishonesty => "publicize_dishonesty",
            TaskKind::ReportRefusal => "report_refusal",
            TaskKind::TakeDownNotice => "take_down_notice",
        }
    }

    pub fn parse(s: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The certifications any one of which qualifies a worker for this kind. Taking a notice down
    /// is the same work as posting it, in reverse: a worker certified to publicise dishonesty is
    /// qualified for it too (nobody holds the newer certification when it is introduced).
    pub fn qualifying_certifications(self) -> &'static [TaskKind] {
        match self {
            TaskKind::TakeDownNotice => &[TaskKind::TakeDownNotice, TaskKind::PublicizeDishonesty],
            TaskKind::ServeDocuments => &[TaskKind::ServeDocuments],
            TaskKind::LocatePerson => &[TaskKind::LocatePerson],
            TaskKind::LocateAssets => &[TaskKind::LocateAssets],
            TaskKind::UrgePerformance => &[TaskKind::UrgePerformance],
            TaskKind::FacilitateSettlement => &[TaskKind::FacilitateSettlement],
            TaskKind::PublicizeDishonesty => &[TaskKind::PublicizeDishonesty],
            TaskKind::ReportRefusal => &[TaskKind::ReportRefusal],
        }
    }
}

impl std::fmt::Display for TaskKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_match_their_json_names() {
        for kind in TaskKind::ALL {
            assert_eq!(TaskKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert_eq!(TaskKind::parse("serve"), None);
    }

    #[test]
    fn every_kind_is_qualified_by_its_own_certification_and_take_down_also_by_publicising() {
        for kind in TaskKind::ALL {
            assert!(kind.qualifying_certifications().contains(&kind), "{kind}");
        }
        assert_eq!(
            TaskKind::TakeDownNotice.qualifying_certifications(),
            [TaskKind::TakeDownNotice, TaskKind::PublicizeDishonesty]
        );
        assert_eq!(
            TaskKind::PublicizeDishonesty.qualifying_certifications(),
            [TaskKind::PublicizeDishonesty],
            "publicising needs its own certification"
        );
    }
}
