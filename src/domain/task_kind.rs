//! The seven kinds of assistance a grid worker gives the court (see the domain notes). Worker
//! certifications are per kind.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
}

impl TaskKind {
    pub const ALL: [TaskKind; 7] = [
        TaskKind::ServeDocuments,
        TaskKind::LocatePerson,
        TaskKind::LocateAssets,
        TaskKind::UrgePerformance,
        TaskKind::FacilitateSettlement,
        TaskKind::PublicizeDishonesty,
        TaskKind::ReportRefusal,
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
        }
    }

    pub fn parse(s: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|k| k.as_str() == s)
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
}
