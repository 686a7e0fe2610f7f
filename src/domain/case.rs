//! The closed sets an enforcement case (执行案件) and its parties are stored with: where the case
//! stands, and each party's side and legal kind.

use super::named::named_enum;

named_enum! {
    /// Where a case stands. It leaves `open` once, when an officer closes it (结案).
    pub enum CaseStatus {
        Open = "open",
        /// 执行完毕: the judgment has been enforced.
        Concluded = "concluded",
        /// 终结本次执行 (终本): nothing more can be enforced for now.
        Terminated = "terminated",
    }
}

named_enum! {
    /// A party's side of the case.
    pub enum PartyRole {
        /// 申请执行人: who won the judgment.
        Applicant = "applicant",
        /// 被执行人: who must perform it.
        Debtor = "debtor",
    }
}

named_enum! {
    /// A party's legal kind, which decides how its identifier is read and masked.
    pub enum PartyKind {
        /// A natural person (居民身份证号码).
        Person = "person",
        /// A legal person or other organisation (统一社会信用代码).
        Organisation = "organisation",
    }
}

impl CaseStatus {
    /// The case is still being enforced: tasks may be created on it.
    pub fn is_open(self) -> bool {
        self == CaseStatus::Open
    }

    /// The status in the words an applicant reads.
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Open => "执行中",
            CaseStatus::Concluded => "执行完毕",
            CaseStatus::Terminated => "终结本次执行",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_status_has_words_for_the_applicant() {
        assert_eq!(CaseStatus::Terminated.label(), "终结本次执行");
        for status in CaseStatus::ALL {
            assert!(!status.label().is_empty());
            assert_eq!(CaseStatus::parse(status.as_str()), Some(*status));
        }
        assert!(CaseStatus::Open.is_open() && !CaseStatus::Concluded.is_open());
    }
}
